// The certificate of SIP over TLS over HTTP (admin only): what it is now (subject, validity,
// SHA-256 fingerprint, the TLS port) and its replacement by a PEM certificate + key, checked
// first (both parse, the key matches, valid now), stored, and used for new TLS connections at
// once, with an audit row. Schema-first; refusals carry coded errors.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { requireRole } from './server.ts';
import { recordAudit } from '../audit/audit-log.ts';

const NewCertificate = Type.Object({
  certificate: Type.String({ minLength: 50, maxLength: 65536 }),
  key: Type.String({ minLength: 50, maxLength: 65536 }),
}, { additionalProperties: false });

export function sipTlsRoutes(app: FastifyInstance, box: Box): void {
  const admin = requireRole('admin');

  app.get('/api/sip/tls', { preHandler: admin }, async (_req, reply) => {
    const cert = box.sipCertificate;
    if (!cert) return reply.code(404).send({ code: 'CC_SIP_TLS_OFF', message: 'SIP over TLS is turned off (config sip.tls)' });
    return { port: box.transport.ports.tls, certificate: cert.current };
  });

  app.put('/api/sip/tls/certificate', { schema: { body: NewCertificate }, preHandler: admin }, async (req, reply) => {
    const cert = box.sipCertificate;
    if (!cert) return reply.code(404).send({ code: 'CC_SIP_TLS_OFF', message: 'SIP over TLS is turned off (config sip.tls)' });
    const body = req.body as { certificate: string; key: string };
    const result = cert.replace(body.certificate, body.key, (key, pem) => box.transport.setTlsCredentials(key, pem));
    const audit = { actor: req.session!.username, action: 'sip-tls-certificate', target: 'sip-tls', source: req.ip };
    if (!result.ok) {
      await recordAudit(box.store, { ...audit, outcome: 'failed', detail: { code: result.code } });
      return reply.code(400).send({ code: result.code, message: result.message });
    }
    await recordAudit(box.store, { ...audit, outcome: 'ok', detail: { fingerprint: result.info.fingerprint, subject: result.info.subject, validTo: result.info.validTo } });
    return { port: box.transport.ports.tls, certificate: result.info };
  });
}

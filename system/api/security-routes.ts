// The SIP edge defence over HTTP (admin only): the active bans (sources and extensions
// blocked from outbound calls) with the guard's counters, lifting a ban, banning an address
// by hand, and the permanent allow-list (config security.allowList, saved through the
// validated config document with its audit row). Schema-first; answers carry coded errors.
import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { ConfigError } from '../config/load.ts';
import { securityConfig } from '../config/security-schema.ts';
import { requireRole } from './server.ts';

const BanParams = Type.Object({
  kind: Type.Union([Type.Literal('source'), Type.Literal('extension')]),
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9A-Fa-f:.]+$' }),
}, { additionalProperties: false });
const NewBan = Type.Object({
  address: Type.String({ minLength: 2, maxLength: 45, pattern: '^[0-9A-Fa-f:.]+$' }),
  /** Minutes; absent: until lifted. */
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 525600 })),
  reason: Type.Optional(Type.String({ maxLength: 200 })),
}, { additionalProperties: false });
const AllowList = Type.Object({
  entries: Type.Array(Type.String({ minLength: 2, maxLength: 49, pattern: '^[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?$' }), { maxItems: 256 }),
}, { additionalProperties: false });

/** An address or CIDR subnet node:net accepts. */
function validEntry(entry: string): boolean {
  const [addr, bits, extra] = entry.split('/');
  const family = net.isIP(addr);
  if (!family || extra !== undefined) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return Number.isInteger(n) && n >= 0 && n <= (family === 4 ? 32 : 128);
}

export function securityRoutes(app: FastifyInstance, box: Box): void {
  const admin = requireRole('admin');

  app.get('/api/security/bans', { preHandler: admin }, async () => {
    const { bans, edge, overload } = box.security;
    const cfg = securityConfig(box.config.security);
    return {
      bans: bans.active(),
      allowList: cfg.allowList,
      trunkAddresses: box.config.trunks.flatMap((t) => t.sourceAddresses ?? [t.host]),
      counters: { ...edge.counters, overloadRefused: overload.refused, eventLoopLagMs: Math.round(overload.lagMs) },
    };
  });

  app.post('/api/security/bans', { schema: { body: NewBan }, preHandler: admin }, async (req, reply) => {
    const body = req.body as { address: string; minutes?: number; reason?: string };
    if (!net.isIP(body.address)) return reply.code(400).send({ code: 'CC_API_BAD_REQUEST', message: 'not an IP address' });
    if (box.security.edge.allowListed(body.address)) return reply.code(409).send({ code: 'CC_SIP_ALLOW_LISTED', message: 'the address is on the allow-list or is a trunk host: remove it there first' });
    const row = await box.security.bans.ban('source', body.address, body.reason ?? 'banned by an administrator', {
      durationMs: body.minutes ? body.minutes * 60_000 : null, by: req.session!.username, source: req.ip,
    });
    return reply.code(201).send(row);
  });

  app.delete('/api/security/bans/:kind/:id', { schema: { params: BanParams }, preHandler: admin }, async (req, reply) => {
    const { kind, id } = req.params as { kind: 'source' | 'extension'; id: string };
    const lifted = await box.security.bans.lift(kind, id, req.session!.username, req.ip);
    if (!lifted) return reply.code(404).send({ code: 'CC_SIP_BAN_UNKNOWN', message: `no active ban for ${kind} ${id}` });
    return { ok: true };
  });

  app.put('/api/security/allow-list', { schema: { body: AllowList }, preHandler: admin }, async (req, reply) => {
    const { entries } = req.body as { entries: string[] };
    const bad = entries.filter((e) => !validEntry(e));
    if (bad.length) return reply.code(400).send({ code: 'CC_SIP_ALLOW_LIST_ENTRY', message: `not an address or subnet: ${bad.join(', ')}` });
    try {
      const cfg = await box.updateConfig((doc) => {
        const section = (doc.security ?? {}) as Record<string, unknown>;
        section.allowList = [...new Set(entries)];
        doc.security = section;
      }, req.session!.username);
      return { allowList: securityConfig(cfg.security).allowList };
    } catch (err) {
      if (err instanceof ConfigError) return reply.code(400).send({ code: err.code, message: err.message, problems: err.problems });
      throw err;
    }
  });
}

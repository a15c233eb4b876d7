// The audit log over HTTP (admin only): read rows in order, and verify the hash chain
// (where it breaks, if it does). Rows are written by the areas that act (sign-in, config,
// users, backup); nothing here writes. Schema-first; answers carry coded errors.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { listAudit } from '../audit/audit-log.ts';
import { verifyAudit } from '../audit/verify.ts';
import { requireRole } from './server.ts';

const AuditQuery = Type.Object({
  after: Type.Integer({ minimum: 0, default: 0 }),
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
}, { additionalProperties: false });

export function auditRoutes(app: FastifyInstance, box: Box): void {
  const admin = requireRole('admin');

  app.get('/api/audit', { schema: { querystring: AuditQuery }, preHandler: admin }, async (req) => {
    const { after, limit } = req.query as { after: number; limit: number };
    return listAudit(box.store, { afterSeq: after, limit });
  });

  /** 200 either way: `ok` says whether the chain holds; `code` is set when it does not. */
  app.get('/api/audit/verify', { preHandler: admin }, async () => {
    const result = verifyAudit(box.store);
    return result.ok ? result : { code: 'CC_AUDIT_CHAIN_BROKEN', ...result };
  });
}

// Box users (admin only): create a user with a role and an initial password. Sign-in and
// roles live in sessions.ts; the web app's user management comes with its own issue.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import type { StoredUser } from '../users/bootstrap-admin.ts';
import { hashPassword } from '../users/passwords.ts';
import { requireRole } from './server.ts';
import { appendAudit } from '../audit/audit-log.ts';

const NewUser = Type.Object({
  username: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('supervisor'), Type.Literal('agent'), Type.Literal('technician')]),
  password: Type.String({ minLength: 8, maxLength: 128 }),
  /** The user must choose their own password at first sign-in (default). */
  mustChangePassword: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export function userRoutes(app: FastifyInstance, box: Box): void {
  app.post('/api/users', { schema: { body: NewUser }, preHandler: requireRole('admin') }, async (req, reply) => {
    const body = req.body as { username: string; role: StoredUser['role']; password: string; mustChangePassword?: boolean };
    if (box.store.tables.config.get(`user:${body.username}`)) return reply.code(409).send({ code: 'CC_API_EXISTS', message: `user ${body.username} exists` });
    const user: StoredUser = { username: body.username, role: body.role, passwordHash: hashPassword(body.password), createdAt: Date.now(), mustChangePassword: body.mustChangePassword ?? true };
    await box.store.transaction(() => {
      box.store.tables.config.put(`user:${body.username}`, user);
      box.store.appendEvent('user-created', { username: body.username, role: body.role, by: req.session!.username });
      appendAudit(box.store, { actor: req.session!.username, action: 'user-create', outcome: 'ok', target: body.username, source: req.ip, detail: { role: body.role } });
    });
    return reply.code(201).send({ username: user.username, role: user.role });
  });
}

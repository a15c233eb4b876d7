// Managing the box's users over HTTP (admin only; creating one is POST /api/users in
// user-routes.ts): list, change role or disable/enable, set a new password (the user must
// change it at the next sign-in), remove. The rules are system/users/user-admin.ts (always
// one enabled administrator; no locking yourself out). A change ends the user's sessions
// (their role is read at sign-in) and is audit-logged in the same transaction.
//
//   GET    /api/users                      [{ username, role, createdAt, mustChangePassword, disabled }]
//   PATCH  /api/users/:username            { role?, disabled? } → the user
//   POST   /api/users/:username/password   { password } → the user (mustChangePassword: true)
//   DELETE /api/users/:username            → { ok: true }
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import type { Sessions } from './sessions.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { applyUserChange, listUsers, userChangeProblem, viewOf, UserAdminErrorCodes, type UserAdminErrorCode, type UserChange } from '../users/user-admin.ts';
import { requireRole } from './server.ts';

const Role = Type.Union([Type.Literal('admin'), Type.Literal('supervisor'), Type.Literal('agent'), Type.Literal('technician')]);
const Username = Type.Object({ username: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' }) });
const Patch = Type.Object({ role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 });
const NewPassword = Type.Object({ password: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false });
const STATUS: Record<UserAdminErrorCode, number> = { CC_USER_NOT_FOUND: 404, CC_USER_LAST_ADMIN: 409, CC_USER_SELF_LOCKOUT: 409, CC_USER_WEAK_PASSWORD: 400 };
const ACTION = { update: 'user-change', remove: 'user-remove', password: 'user-password-reset' } as const;

export function userAdminRoutes(app: FastifyInstance, box: Box, sessions: Sessions): void {
  const admin = requireRole('admin');

  app.get('/api/users', { preHandler: admin }, async () => listUsers(box.store).map(viewOf));

  const change = (kindOf: (body: any) => UserChange) => async (req: any, reply: any) => {
    const { username } = req.params as { username: string };
    const by = req.session!.username as string;
    const wanted = kindOf(req.body);
    const problem = userChangeProblem(listUsers(box.store), by, username, wanted);
    if (problem) return reply.code(STATUS[problem]).send({ code: problem, message: `${username}: ${UserAdminErrorCodes[problem]}` });
    const detail = wanted.kind === 'update' ? { role: wanted.role, disabled: wanted.disabled } : {};
    const after = await applyUserChange(box.store, username, wanted, by, () =>
      appendAudit(box.store, { actor: by, action: ACTION[wanted.kind], outcome: 'ok', target: username, source: req.ip, detail }));
    sessions.signOutUser(username);
    return after ? viewOf(after) : { ok: true };
  };

  app.patch('/api/users/:username', { schema: { params: Username, body: Patch }, preHandler: admin }, change((b) => ({ kind: 'update', role: b.role, disabled: b.disabled })));
  app.post('/api/users/:username/password', { schema: { params: Username, body: NewPassword }, preHandler: admin }, change((b) => ({ kind: 'password', password: b.password })));
  app.delete('/api/users/:username', { schema: { params: Username }, preHandler: admin }, change(() => ({ kind: 'remove' })));
}

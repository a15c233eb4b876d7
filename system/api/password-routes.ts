// A signed-in user's own password: whether they must change it before using the box
// (GET /api/session/password; the web app shows only the change form until they have) and
// the change itself (POST, current + new password; audit-logged). Five wrong current
// passwords in a row from one user name block the change for a minute (a stolen session
// cannot guess the password here). Schema-first; answers carry coded errors.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { changePassword, mustChangePassword, type PasswordChangeErrorCode } from '../users/password-change.ts';

const ROLES = ['admin', 'supervisor', 'agent', 'technician'] as const;
const ErrorReply = Type.Object({ code: Type.String(), message: Type.String() });
const MAX_WRONG = 5;
const BLOCK_MS = 60_000;
const STATUS: Record<PasswordChangeErrorCode, number> = { CC_USER_WRONG_PASSWORD: 403, CC_USER_WEAK_PASSWORD: 400, CC_USER_SAME_PASSWORD: 400, CC_USER_CHANGE_THROTTLED: 429 };

export function passwordRoutes(app: FastifyInstance, box: Box): void {
  const wrong = new Map<string, { count: number; blockedUntil: number }>();

  app.get('/api/session/password', {
    config: { roles: ROLES, scope: 'session:read' },
    schema: { summary: 'Whether the signed-in user must change their password first', response: { 200: Type.Object({ mustChangePassword: Type.Boolean() }) } },
  }, async (req) => ({ mustChangePassword: mustChangePassword(box.store, req.session!.username) }));

  app.post('/api/session/password', {
    config: { roles: ROLES, scope: 'session:write' },
    schema: {
      summary: 'Change the signed-in user\'s password (clears the must-change flag)',
      body: Type.Object({ current: Type.String({ minLength: 1, maxLength: 256 }), next: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ ok: Type.Boolean(), mustChangePassword: Type.Boolean() }), 400: ErrorReply, 403: ErrorReply, 429: ErrorReply },
    },
  }, async (req, reply) => {
    const { username } = req.session!;
    const { current, next } = req.body as { current: string; next: string };
    const now = Date.now();
    const w = wrong.get(username);
    const code: PasswordChangeErrorCode | undefined = w && w.blockedUntil > now ? 'CC_USER_CHANGE_THROTTLED' : await changePassword(box.store, username, current, next, now);
    if (code === 'CC_USER_WRONG_PASSWORD') {
      const c = { count: (w?.count ?? 0) + 1, blockedUntil: 0 };
      if (c.count >= MAX_WRONG) Object.assign(c, { count: 0, blockedUntil: now + BLOCK_MS });
      wrong.set(username, c);
    } else if (!code) {
      wrong.delete(username);
    }
    await recordAudit(box.store, { actor: username, action: 'password-change', outcome: code ? 'failed' : 'ok', target: username, source: req.ip, detail: code ? { code } : {} });
    if (code) {
      if (code === 'CC_USER_CHANGE_THROTTLED') reply.header('retry-after', Math.ceil(((w?.blockedUntil ?? now) - now) / 1000));
      return reply.code(STATUS[code] as 400).send({ code, message: code === 'CC_USER_WEAK_PASSWORD' ? 'the new password needs at least 10 characters and may not be the user name' : code });
    }
    return { ok: true, mustChangePassword: false };
  });
}

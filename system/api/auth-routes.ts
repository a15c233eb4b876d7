// Session and API-token routes: who am I (the browser app's start: user, role and the CSRF
// token of its cookie session), the admin's API tokens for external systems (create with
// scopes — the secret is shown once —, list, revoke), and the access table: every route with
// the roles and token scope it declares (what the RBAC test checks). Sign-in/out is in server.ts.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Sessions } from './sessions.ts';
import { ROLES, requireRole, type Access } from './auth.ts';
import { TOKEN_SCOPES, type ApiTokens, type TokenScope } from './auth-tokens.ts';

const TokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scopes: Type.Array(Type.String()),
  createdAt: Type.Integer(),
  createdBy: Type.String(),
  expiresAt: Type.Optional(Type.Integer()),
});
const NewToken = Type.Object({
  name: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,64}$' }),
  scopes: Type.Array(Type.Union(TOKEN_SCOPES.map((s) => Type.Literal(s))), { minItems: 1, maxItems: TOKEN_SCOPES.length }),
  /** Days until the token stops working; none = until revoked. */
  expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
}, { additionalProperties: false });
const Me = Type.Object({
  username: Type.String(),
  role: Type.String(),
  kind: Type.String(),
  /** Browser sessions: send it as X-CSRF-Token on POST/PUT/PATCH/DELETE. */
  csrfToken: Type.Optional(Type.String()),
  serverTime: Type.Integer(),
});

export function authRoutes(app: FastifyInstance, deps: { sessions: Sessions; tokens: ApiTokens; access: Access }): void {
  const admin = requireRole('admin');

  app.get('/api/session', {
    preHandler: requireRole(...ROLES),
    config: { scope: 'session:read' },
    schema: { summary: 'The signed-in user (and the CSRF token of a browser session)', response: { 200: Me } },
  }, async (req) => {
    const s = req.session!;
    return { username: s.username, role: s.role, kind: s.kind, csrfToken: s.csrf, serverTime: Date.now() };
  });

  app.get('/api/access', {
    preHandler: admin,
    schema: {
      summary: 'Every API route with the roles and API-token scope it declares',
      response: { 200: Type.Array(Type.Object({ method: Type.String(), url: Type.String(), roles: Type.Optional(Type.Array(Type.String())), scope: Type.String(), access: Type.Optional(Type.String()) })) },
    },
  }, async () => deps.access.routes.filter((r) => r.url.startsWith('/api/')));

  app.get('/api/tokens', { preHandler: admin, schema: { summary: 'API tokens (never their secrets)', response: { 200: Type.Array(TokenInfo) } } }, async () => deps.tokens.list());

  app.post('/api/tokens', {
    preHandler: admin,
    schema: { summary: 'Create an API token; the answer holds its secret, shown this once', body: NewToken, response: { 201: Type.Object({ token: Type.String(), info: TokenInfo }) } },
  }, async (req, reply) => {
    const body = req.body as { name: string; scopes: TokenScope[]; expiresInDays?: number };
    const created = await deps.tokens.create({
      name: body.name, scopes: body.scopes, by: req.session!.username, source: req.ip,
      ...(body.expiresInDays ? { expiresAt: Date.now() + body.expiresInDays * 86_400_000 } : {}),
    });
    return reply.code(201).send(created);
  });

  app.delete('/api/tokens/:id', {
    preHandler: admin,
    schema: { summary: 'Revoke an API token', params: Type.Object({ id: Type.String({ pattern: '^[0-9a-f]{16}$' }) }) },
  }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await deps.tokens.revoke(id, req.session!.username, req.ip))) return reply.code(404).send({ code: 'CC_API_NOT_FOUND', message: `no API token ${id}` });
    return { ok: true };
  });
}

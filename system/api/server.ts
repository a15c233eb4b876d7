// The HTTP API (fastify): health and status for monitoring, sign-in, and the feature routes
// (queues and agents, users, customers), plus one WebSocket of live events. Every route but
// /api/health and /api/session needs a bearer token; roles are checked per route. Bodies and
// parameters are validated by TypeBox schemas before a handler runs; errors answer with a
// code. /api/status is also open to the box itself (local console, on-box monitoring).
// Imports nothing that imports it.
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Box } from '../box.ts';
import { Sessions, type Role, type Session } from './sessions.ts';
import { acdRoutes } from './acd-routes.ts';
import { userRoutes } from './user-routes.ts';
import { liveEvents } from './live-events.ts';
import { auditRoutes } from './audit-routes.ts';
import { recordAudit } from '../audit/audit-log.ts';

export interface Api {
  port: number;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    session?: Session;
  }
}

/** Reply 403 unless the signed-in user has one of `roles`. */
export function requireRole(...roles: Role[]) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.session || !roles.includes(req.session.role)) return reply.code(403).send({ code: 'CC_API_FORBIDDEN', message: `needs role ${roles.join(' or ')}` });
  };
}

const OPEN_ROUTES = new Set(['/api/health', '/api/session']);
/** Open to the box itself only (the technician's local console and on-box monitoring). */
const LOCAL_ROUTES = new Set(['/api/status']);
const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');

export async function startApi(box: Box, opts: { host: string; port: number; log: Logger }): Promise<Api> {
  const app = Fastify({ loggerInstance: opts.log.child({ module: 'http' }, { level: 'warn' }), bodyLimit: 256 * 1024 });
  const sessions = new Sessions(box.store);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });

  app.addHook('onRequest', async (req, reply) => {
    const path = req.routeOptions.url ?? req.url;
    if (OPEN_ROUTES.has(path) || !path.startsWith('/api/')) return;
    if (LOCAL_ROUTES.has(path) && isLoopback(req.socket.remoteAddress ?? '')) return;
    const header = req.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7) : (req.query as { token?: string } | undefined)?.token;
    const session = sessions.check(token);
    if (!session) return reply.code(401).send({ code: 'CC_API_UNAUTHENTICATED', message: 'sign in first (POST /api/session)' });
    req.session = session;
  });
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, _req, reply) => {
    if (err.validation) return reply.code(400).send({ code: 'CC_API_BAD_REQUEST', message: err.message });
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) opts.log.error({ err }, 'API handler failed');
    return reply.code(status).send({ code: err.code?.startsWith('CC_') ? err.code : status >= 500 ? 'CC_API_INTERNAL' : 'CC_API_BAD_REQUEST', message: err.message });
  });

  app.get('/api/health', async () => ({ ok: true }));
  app.get('/api/status', async () => box.status());
  app.post('/api/session', {
    schema: { body: Type.Object({ username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }) },
  }, async (req, reply) => {
    const { username, password } = req.body as { username: string; password: string };
    const s = sessions.signIn(username, password);
    await recordAudit(box.store, { actor: username, action: 'sign-in', outcome: typeof s === 'string' ? 'failed' : 'ok', source: req.ip, detail: typeof s === 'string' ? { reason: s } : { role: s.role } });
    if (s === 'locked') return reply.code(429).send({ code: 'CC_API_LOCKED', message: 'too many failed sign-ins; wait a minute' });
    if (s === 'invalid') return reply.code(401).send({ code: 'CC_API_BAD_CREDENTIALS', message: 'wrong user name or password' });
    return { token: s.token, username: s.username, role: s.role };
  });
  app.delete('/api/session', async (req) => {
    sessions.signOut(req.session!.token);
    return { ok: true };
  });

  await app.register(async (scope) => {
    acdRoutes(scope, box);
    userRoutes(scope, box);
    liveEvents(scope, box);
    auditRoutes(scope, box);
  });
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address();
  return {
    port: typeof addr === 'object' && addr ? addr.port : opts.port,
    close: () => app.close(),
  };
}

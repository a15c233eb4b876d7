// The HTTP API (fastify): health and status for monitoring, sign-in, and the feature routes
// (queues and agents, users, customers, call history), one WebSocket of live events, the
// OpenAPI document and the browser app. Served over HTTPS with a self-signed certificate
// made at first start (the plain port redirects) unless `http.tls` is false. Every route
// declares its roles (auth.ts checks them, and the session cookie's CSRF token, before
// validation); only /api/health and /api/session are open, /api/status also to the box
// itself. Bodies and parameters are validated by TypeBox schemas; errors answer with a code.
// Imports nothing that imports it.
import https from 'node:https';
import { join } from 'node:path';
import type { Server } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyServerFactory } from 'fastify';
import websocket from '@fastify/websocket';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Box } from '../box.ts';
import { Sessions } from './sessions.ts';
import { Access, ROLES, denied, sessionCookie } from './auth.ts';
import { ApiTokens } from './auth-tokens.ts';
import { authRoutes } from './auth-routes.ts';
import { registerOpenApi, openApiRoute } from './openapi.ts';
import { registerWebApp } from './web-app.ts';
import { webRoutes } from './web-routes.ts';
import { historyRoutes } from './history-routes.ts';
import { ensureCertificate, startRedirect } from './web-tls.ts';
import { acdRoutes } from './acd-routes.ts';
import { ivrRoutes } from './ivr-routes.ts';
import { userRoutes } from './user-routes.ts';
import { liveEvents } from './live-events.ts';
import { softphoneRoute } from '../softphone/softphone-route.ts';
import { auditRoutes } from './audit-routes.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { backupRoutes } from './backup-routes.ts';
import { callControlRoutes } from './call-control-routes.ts';
import { reportRoutes } from './report-routes.ts';
import { qaRoutes } from './qa-routes.ts';
import { monitoringRoutes } from './monitoring-routes.ts';
import { recordingsRoutes } from './recordings-routes.ts';
import { wallboardRoutes } from './wallboard-routes.ts';
import { workspaceCallRoutes } from './workspace-call-routes.ts';
import { passwordRoutes } from './password-routes.ts';
import { configRoutes } from './config-routes.ts';
import { securityRoutes } from './security-routes.ts';
import { userAdminRoutes } from './user-admin-routes.ts';
import { updateRoutes } from './update-routes.ts';
import { kbRoutes } from './kb-routes.ts';
import { emailRoutes } from './email-routes.ts';
import { sipTlsRoutes } from './sip-tls-routes.ts';
import { chatRoutes } from './chat-routes.ts';
import { interactionRoutes } from './interaction-routes.ts';
import { ticketRoutes } from './ticket-routes.ts';

export interface Api {
  /** The plain-HTTP port (it only redirects when TLS is on). */
  port: number;
  /** The HTTPS port, when TLS is on. */
  tlsPort?: number;
  /** Every declared route with its roles and token scope (the RBAC matrix's source). */
  access: Access;
  close(): Promise<void>;
}

export { requireRole, anyRole } from './auth.ts';

export async function startApi(box: Box, opts: { host: string; port: number; log: Logger }): Promise<Api> {
  const httpCfg = box.config.http;
  const tls = httpCfg.tls ? await ensureCertificate(join(box.store.dataDir, 'tls'), opts.log) : undefined;
  if (tls) opts.log.info({ fingerprint: tls.fingerprint, generated: tls.generated }, 'HTTPS certificate (SHA-256 fingerprint)');
  const serverFactory: FastifyServerFactory | undefined = tls ? (handler) => https.createServer({ key: tls.key, cert: tls.cert }, handler) as unknown as Server : undefined;
  // (typed as a plain instance: the pino logger type would otherwise leak into every route function)
  const app = Fastify({ loggerInstance: opts.log.child({ module: 'http' }, { level: 'warn' }), bodyLimit: 256 * 1024, serverFactory }) as unknown as FastifyInstance;
  const sessions = new Sessions(box.store);
  const tokens = new ApiTokens(box.store);
  const access = new Access({ sessions, tokens, log: opts.log.child({ module: 'http' }), secureCookies: !!tls });
  access.install(app);
  await registerOpenApi(app, access, '0.1.0');
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  await registerWebApp(app, opts.log);
  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, _req, reply) => {
    if (err.validation) return reply.code(400).send({ code: 'CC_API_BAD_REQUEST', message: err.message });
    const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
    if (status >= 500) opts.log.error({ err }, 'API handler failed');
    return reply.code(status).send({ code: err.code?.startsWith('CC_') ? err.code : status >= 500 ? 'CC_API_INTERNAL' : 'CC_API_BAD_REQUEST', message: err.message });
  });

  app.get('/api/health', { config: { access: 'open' } }, async () => ({ ok: true }));
  app.get('/api/status', { config: { access: 'local', roles: ['admin', 'technician', 'supervisor'] } }, async () => box.status());
  app.post('/api/session', {
    config: { access: 'open' },
    schema: {
      body: Type.Object({
        username: Type.String({ minLength: 1, maxLength: 64 }),
        password: Type.String({ minLength: 1, maxLength: 256 }),
        /** A browser: the session goes into an HttpOnly cookie and the answer carries the CSRF token instead of a bearer token. */
        cookie: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
    },
  }, async (req, reply) => {
    const { username, password, cookie } = req.body as { username: string; password: string; cookie?: boolean };
    const wait = access.throttle.take(req.ip);
    if (wait > 0) return denied(reply.header('retry-after', Math.ceil(wait / 1000)), 429, 'CC_API_RATE_LIMITED', 'too many sign-in attempts from this address; wait');
    const s = sessions.signIn(username, password, Date.now(), cookie ? 'browser' : 'bearer');
    await recordAudit(box.store, { actor: username, action: 'sign-in', outcome: typeof s === 'string' ? 'failed' : 'ok', source: req.ip, detail: typeof s === 'string' ? { reason: s } : { role: s.role } });
    if (s === 'locked') return denied(reply.header('retry-after', Math.ceil(sessions.lockedFor(username) / 1000)), 429, 'CC_API_LOCKED', 'too many failed sign-ins; wait a minute');
    if (s === 'invalid') return reply.code(401).send({ code: 'CC_API_BAD_CREDENTIALS', message: 'wrong user name or password' });
    if (s.kind === 'browser') {
      reply.header('set-cookie', sessionCookie(s.token, !!tls));
      return { username: s.username, role: s.role, csrfToken: s.csrf };
    }
    return { token: s.token, username: s.username, role: s.role };
  });
  app.delete('/api/session', { config: { roles: ROLES, scope: 'session:write' } }, async (req, reply) => {
    sessions.signOut(req.session!.token);
    if (req.session!.kind === 'browser') reply.header('set-cookie', sessionCookie('', !!tls));
    return { ok: true };
  });

  await app.register(async (scope) => {
    authRoutes(scope, { sessions, tokens, access });
    openApiRoute(scope);
    webRoutes(scope, box);
    historyRoutes(scope, box);
    acdRoutes(scope, box);
    ivrRoutes(scope, box);
    userRoutes(scope, box);
    liveEvents(scope, box);
    softphoneRoute(scope, box);
    auditRoutes(scope, box);
    backupRoutes(scope, box);
    callControlRoutes(scope, box);
    reportRoutes(scope, box);
    qaRoutes(scope, box);
    monitoringRoutes(scope, box);
    recordingsRoutes(scope, box);
    wallboardRoutes(scope, box);
    workspaceCallRoutes(scope, box);
    passwordRoutes(scope, box);
    configRoutes(scope, box);
    securityRoutes(scope, box);
    userAdminRoutes(scope, box, sessions);
    updateRoutes(scope, box);
    kbRoutes(scope, box);
    emailRoutes(scope, box);
    sipTlsRoutes(scope, box);
    chatRoutes(scope, box);
    interactionRoutes(scope, box);
    ticketRoutes(scope, box);
  });
  const port = (server: Server, fallback: number) => {
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : fallback;
  };
  if (!tls) {
    await app.listen({ host: opts.host, port: opts.port });
    return { port: port(app.server, opts.port), access, close: () => app.close() };
  }
  await app.listen({ host: opts.host, port: httpCfg.tlsPort });
  const tlsPort = port(app.server, httpCfg.tlsPort);
  const redirect = await startRedirect(opts.host, opts.port, tlsPort).catch(async (err) => {
    await app.close();
    throw err;
  });
  opts.log.info({ https: tlsPort, http: port(redirect, opts.port), fingerprint: tls.fingerprint }, 'web app and API on HTTPS (the plain port redirects)');
  return {
    port: port(redirect, opts.port),
    tlsPort,
    access,
    close: async () => {
      redirect.closeAllConnections();
      await new Promise((r) => redirect.close(r));
      await app.close();
    },
  };
}

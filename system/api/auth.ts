// Access control for every /api route, in one place:
// - Declarations: each route says who may call it, with `preHandler: requireRole(...)` or
//   `config: { roles }`, or `config: { access: 'open' | 'local' }`. An onRoute hook collects
//   them into the route table that OpenAPI (`x-roles`, `x-scope`) and the RBAC test read.
// - Authentication (onRequest, before parsing and validation, so a refused caller learns
//   nothing from a 400): a bearer token (session or API token), else the browser's session
//   cookie — then the Origin must be ours and an unsafe method must carry the session's CSRF
//   token in X-CSRF-Token (synchronizer token, compared in constant time). A WebSocket
//   upgrade may pass its token as `?token=` (browsers cannot set headers there).
// - Authorisation: users by role; API tokens by scope (`<area>:read|write` from the URL and
//   method unless the route declares `config.scope`; '*' = any token).
// - Sign-in throttling per source address (token bucket).
// Imports sessions and tokens; never imports routes.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import type { Role, Session, Sessions } from './sessions.ts';
import { isApiToken, type ApiTokens } from './auth-tokens.ts';
import type { AuthErrorCode } from './auth-errors.ts';

export const ROLES: readonly Role[] = ['admin', 'supervisor', 'agent', 'technician'];
export const SESSION_COOKIE = 'cc_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Roles that may call the route (set by requireRole, or declared directly). */
    roles?: readonly Role[];
    /** API-token scope the route needs; default `<area>:read|write`; '*' = any token. */
    scope?: string;
    /** 'open': no sign-in at all; 'local': open to the box itself (loopback), else signed-in users with `roles`. */
    access?: 'open' | 'local';
  }
  interface FastifyRequest {
    session?: Session;
  }
}

export interface RouteAccess {
  method: string;
  url: string;
  roles?: readonly Role[];
  scope: string;
  access?: 'open' | 'local';
}

type RolePreHandler = ((req: FastifyRequest, reply: FastifyReply) => Promise<unknown>) & { roles: readonly Role[] };

export function denied(reply: FastifyReply, status: 401 | 403 | 429, code: AuthErrorCode, message: string) {
  return reply.code(status).send({ code, message });
}

/** Declare (and check again, as a pre-handler) the roles that may call a route. API tokens
 *  were checked by scope before this runs. */
export function requireRole(...roles: Role[]): RolePreHandler {
  const check = async (req: FastifyRequest, reply: FastifyReply) => {
    const s = req.session;
    if (s?.kind === 'api-token') return;
    if (!s || !roles.includes(s.role as Role)) return denied(reply, 403, 'CC_API_FORBIDDEN', `needs role ${roles.join(' or ')}`);
  };
  return Object.assign(check, { roles: Object.freeze([...roles]) });
}

/** Any signed-in user (every role). */
export const anyRole = () => requireRole(...ROLES);

/** The API-token scope of a route: its declared one, else `<first path segment>:read|write`. */
export function scopeOf(method: string, url: string, declared?: string): string {
  if (declared) return declared;
  const area = url.split('/')[2] ?? '';
  return `${area}:${SAFE_METHODS.has(method) ? 'read' : 'write'}`;
}

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    const name = part.slice(0, i).trim();
    if (!(name in out)) out[name] = part.slice(i + 1).trim();
  }
  return out;
}

/** Set-Cookie for the session (HttpOnly, SameSite=Strict, Secure over HTTPS); empty value clears it. */
export function sessionCookie(token: string, secure: boolean): string {
  return [`${SESSION_COOKIE}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', ...(secure ? ['Secure'] : []), ...(token ? [] : ['Max-Age=0'])].join('; ');
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Does the Origin header name this very server (scheme-less comparison of host:port)? */
function sameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return !!host && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Sign-in attempts per source address: a bucket of `burst`, refilled at `perMinute`. */
export class SignInThrottle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly burst = 20, private readonly perMinute = 20) {}

  /** 0 when the attempt may go ahead (and is counted), else milliseconds to wait. */
  take(address: string, now = Date.now()): number {
    if (this.buckets.size > 10_000) {
      for (const [a, b] of this.buckets) if (now - b.at > 60_000 * this.burst / this.perMinute) this.buckets.delete(a);
    }
    const b = this.buckets.get(address) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) * this.perMinute) / 60_000);
    b.at = now;
    this.buckets.set(address, b);
    if (b.tokens < 1) return Math.ceil(((1 - b.tokens) * 60_000) / this.perMinute);
    b.tokens -= 1;
    return 0;
  }
}

/**
 * The access layer of one API server: install() adds the onRoute collector and the onRequest
 * check; it must run before any route is registered.
 */
export class Access {
  readonly routes: RouteAccess[] = [];
  readonly throttle = new SignInThrottle();

  constructor(private readonly deps: { sessions: Sessions; tokens: ApiTokens; log: Logger; secureCookies: boolean }) {}

  install(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => this.collect(route));
    app.addHook('onRequest', (req, reply) => this.check(req, reply));
  }

  /** The declaration of a route (method in upper case, URL as registered). */
  find(method: string, url: string): RouteAccess | undefined {
    return this.routes.find((r) => r.method === method && r.url === url);
  }

  /** Routes under /api/ that declare no roles and no open/local access (should be none). */
  undeclared(): RouteAccess[] {
    return this.routes.filter((r) => r.url.startsWith('/api/') && !r.roles && !r.access);
  }

  private collect(route: RouteOptions): void {
    const handlers = [route.preHandler ?? []].flat() as unknown[];
    const declared = handlers.find((h): h is RolePreHandler => typeof h === 'function' && Array.isArray((h as Partial<RolePreHandler>).roles));
    const config = (route.config ??= {}) as NonNullable<RouteOptions['config']>;
    if (!config.roles && declared) config.roles = declared.roles;
    for (const method of [route.method].flat()) {
      if (method === 'HEAD') continue; // fastify's automatic HEAD for each GET: same rule as the GET
      const entry: RouteAccess = { method, url: route.url, roles: config.roles, scope: scopeOf(method, route.url, config.scope), access: config.access };
      this.routes.push(entry);
      if (route.url.startsWith('/api/') && !entry.roles && !entry.access) {
        this.deps.log.warn({ code: 'CC_API_ROUTE_UNDECLARED', method, url: route.url }, 'API route declares no roles: any signed-in user may call it');
      }
    }
  }

  /** Who is calling, and how (a cookie-borne session needs the CSRF and Origin checks). */
  identify(req: FastifyRequest): { session: Session; via: 'bearer' | 'cookie' | 'query' } | undefined {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) {
      const token = header.slice(7).trim();
      const session = isApiToken(token) ? this.deps.tokens.check(token) : this.deps.sessions.check(token);
      return session && session.kind !== 'browser' ? { session, via: 'bearer' } : undefined;
    }
    if (req.headers.upgrade?.toLowerCase() === 'websocket') {
      const token = (req.query as { token?: unknown } | undefined)?.token;
      if (typeof token === 'string' && token) {
        const session = isApiToken(token) ? this.deps.tokens.check(token) : this.deps.sessions.check(token);
        if (session && session.kind !== 'browser') return { session, via: 'query' };
      }
    }
    const cookie = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    const session = cookie ? this.deps.sessions.check(cookie) : undefined;
    return session?.kind === 'browser' ? { session, via: 'cookie' } : undefined;
  }

  private async check(req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    if (!req.url.startsWith('/api/')) return;
    const url = req.routeOptions.url?.startsWith('/api/') ? req.routeOptions.url : undefined;
    const config = req.routeOptions.config ?? {};
    if (url && config.access === 'open') return;
    if (url && config.access === 'local' && isLoopback(req.socket.remoteAddress ?? '')) return;
    const who = this.identify(req);
    if (!who) return denied(reply, 401, 'CC_API_UNAUTHENTICATED', 'sign in first (POST /api/session)');
    if (who.via === 'cookie') {
      const origin = req.headers.origin;
      if (origin && !sameOrigin(origin, req.headers.host)) return denied(reply, 403, 'CC_API_ORIGIN', 'cross-origin request refused');
      if (!SAFE_METHODS.has(req.method)) {
        const sent = req.headers['x-csrf-token'];
        if (typeof sent !== 'string' || !who.session.csrf || !sameString(sent, who.session.csrf)) {
          return denied(reply, 403, 'CC_API_CSRF', 'missing or wrong X-CSRF-Token');
        }
      }
    }
    req.session = who.session;
    if (!url) return; // no such route: fastify answers 404 to a signed-in caller
    if (who.session.kind === 'api-token') {
      const scope = scopeOf(req.method === 'HEAD' ? 'GET' : req.method, url, config.scope);
      if (scope !== '*' && !who.session.scopes?.includes(scope)) return denied(reply, 403, 'CC_API_SCOPE', `the token needs scope ${scope}`);
      return;
    }
    if (config.roles && !config.roles.includes(who.session.role as Role)) {
      return denied(reply, 403, 'CC_API_FORBIDDEN', `needs role ${config.roles.join(' or ')}`);
    }
  }
}

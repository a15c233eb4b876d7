// Who is asking: box users sign in with a password (scrypt, system/users) and get a session:
// a browser keeps it in an HttpOnly cookie and echoes its CSRF token on every change; an API
// client (scripts, tests) gets a bearer token. Sessions live in memory (a restart signs
// everyone out) and expire after `ttlMs` of no use. Roles: admin, supervisor, agent,
// technician; API tokens (auth-tokens.ts) act with the role 'api' and their scopes instead.
// Failed sign-ins lock a user name for a minute after five, doubling for repeated lockouts.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { StoredUser } from '../users/bootstrap-admin.ts';
import { hashPassword, verifyPassword } from '../users/passwords.ts';

export type Role = StoredUser['role'];

export interface Session {
  token: string;
  username: string;
  /** 'api' for API tokens: no user role, only scopes. */
  role: Role | 'api';
  lastUsedAt: number;
  /** A browser (cookie + CSRF token), an API client with a bearer session token, or an API token. */
  kind: 'browser' | 'bearer' | 'api-token';
  /** Browser sessions: the token the page sends back in X-CSRF-Token on every unsafe request. */
  csrf?: string;
  /** API tokens: what the token may do (e.g. `acd:read`). */
  scopes?: readonly string[];
}

/** Failed sign-ins per user name before a lockout, the first lockout, and the longest. */
export const MAX_FAILURES = 5;
export const LOCKOUT_MS = 60_000;
const MAX_LOCKOUT_MS = 15 * 60_000;
/** Failures older than this are forgotten (and so are past lockouts, for the doubling). */
const FAILURE_MEMORY_MS = 15 * 60_000;

/** Hash compared against when the user does not exist, so both cases cost one scrypt. */
const DUMMY_HASH = hashPassword(randomBytes(16).toString('base64'));

interface Failures {
  count: number;
  lastAt: number;
  lockedUntil: number;
  /** Lockouts in a row (the next one lasts LOCKOUT_MS × 2^lockouts, capped). */
  lockouts: number;
}

export type SignInResult = Session | 'invalid' | 'locked';

export class Sessions {
  private readonly byToken = new Map<string, Session>();
  private readonly failures = new Map<string, Failures>();

  constructor(private readonly store: Store, private readonly ttlMs = 12 * 3600_000) {}

  /** A new session, or why not: 'locked' after repeated failures (see lockedFor); 'invalid' otherwise. */
  signIn(username: string, password: string, now = Date.now(), kind: 'browser' | 'bearer' = 'bearer'): SignInResult {
    let f = this.failures.get(username);
    if (f && now - f.lastAt > FAILURE_MEMORY_MS && f.lockedUntil <= now) {
      this.failures.delete(username);
      f = undefined;
    }
    if (f && f.lockedUntil > now) return 'locked';
    const user = this.store.tables.config.get(`user:${username}`) as StoredUser | undefined;
    // A disabled account answers like a wrong password (after the same hashing work).
    const ok = verifyPassword(password, user?.passwordHash ?? DUMMY_HASH) && !!user && !user.disabled;
    if (!ok) {
      this.prune(now);
      const next: Failures = f ?? { count: 0, lastAt: now, lockedUntil: 0, lockouts: 0 };
      next.count++;
      next.lastAt = now;
      if (next.count >= MAX_FAILURES) {
        next.lockedUntil = now + Math.min(MAX_LOCKOUT_MS, LOCKOUT_MS * 2 ** next.lockouts);
        next.lockouts++;
        next.count = 0;
      }
      this.failures.set(username, next);
      return 'invalid';
    }
    this.failures.delete(username);
    const session: Session = {
      token: randomBytes(24).toString('base64url'), username, role: user.role, lastUsedAt: now, kind,
      ...(kind === 'browser' ? { csrf: randomBytes(24).toString('base64url') } : {}),
    };
    this.byToken.set(session.token, session);
    return session;
  }

  /** How long a user name stays locked (0 when it is not). */
  lockedFor(username: string, now = Date.now()): number {
    return Math.max(0, (this.failures.get(username)?.lockedUntil ?? 0) - now);
  }

  /** The live session of a token (its idle clock restarts), or undefined. */
  check(token: string | undefined, now = Date.now()): Session | undefined {
    if (!token) return undefined;
    const s = this.byToken.get(token);
    if (!s) return undefined;
    if (now - s.lastUsedAt > this.ttlMs) {
      this.byToken.delete(token);
      return undefined;
    }
    s.lastUsedAt = now;
    return s;
  }

  signOut(token: string): void {
    this.byToken.delete(token);
  }

  /** Sign a user out everywhere (password changed, user removed). */
  signOutUser(username: string): void {
    for (const [token, s] of this.byToken) if (s.username === username) this.byToken.delete(token);
  }

  get size(): number {
    return this.byToken.size;
  }

  /** Forget stale failure records and idle sessions once the maps grow (user-name spraying). */
  private prune(now: number): void {
    if (this.failures.size > 10_000) {
      for (const [name, f] of this.failures) if (now - f.lastAt > FAILURE_MEMORY_MS && f.lockedUntil <= now) this.failures.delete(name);
    }
    if (this.byToken.size > 10_000) {
      for (const [token, s] of this.byToken) if (now - s.lastUsedAt > this.ttlMs) this.byToken.delete(token);
    }
  }
}

// Who is asking: box users sign in with a password (scrypt, system/users) and get a bearer
// token for the API and the WebSocket. Tokens live in memory (a restart signs everyone out)
// and expire after `ttlMs` of no use. Roles: admin, supervisor, agent, technician.
import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { StoredUser } from '../users/bootstrap-admin.ts';
import { verifyPassword } from '../users/passwords.ts';

export type Role = StoredUser['role'];

export interface Session {
  token: string;
  username: string;
  role: Role;
  lastUsedAt: number;
}

/** Failed sign-ins per user before a pause, and how long the pause lasts. */
const MAX_FAILURES = 5;
const LOCKOUT_MS = 60_000;

export class Sessions {
  private readonly byToken = new Map<string, Session>();
  private readonly failures = new Map<string, { count: number; until: number }>();

  constructor(private readonly store: Store, private readonly ttlMs = 12 * 3600_000) {}

  /** A new session, or why not ('locked' after repeated failures; 'invalid' otherwise). */
  signIn(username: string, password: string, now = Date.now()): Session | 'invalid' | 'locked' {
    const f = this.failures.get(username);
    if (f && f.until > now) return 'locked';
    const user = this.store.tables.config.get(`user:${username}`) as StoredUser | undefined;
    if (!user || !verifyPassword(password, user.passwordHash)) {
      const count = (f && f.until > now - LOCKOUT_MS ? f.count : 0) + 1;
      this.failures.set(username, { count, until: count >= MAX_FAILURES ? now + LOCKOUT_MS : 0 });
      return 'invalid';
    }
    this.failures.delete(username);
    const session: Session = { token: randomBytes(24).toString('base64url'), username, role: user.role, lastUsedAt: now };
    this.byToken.set(session.token, session);
    return session;
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
}

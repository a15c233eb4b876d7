// Digest authentication of requests from extensions (REGISTER: 401/WWW-Authenticate;
// INVITE and others: 407/Proxy-Authenticate), with a failure counter per source address and
// user so that guessing ends in 403. Decides and answers; knows nothing of calls or bindings.
// An unknown user is answered exactly like a wrong password for a known one (same challenge,
// same 403 after the same count, and the same digest computed against a decoy password), so
// answers and timing tell a scanner nothing about which extensions exist; every failed
// answer is reported to `onFailure` (the edge guard bans an address that keeps guessing).
import { randomBytes } from 'node:crypto';
import { DigestAuthenticator } from './digest.ts';
import type { SipRequest } from './message.ts';
import type { ServerTransaction } from './transactions.ts';
import type { SipEndpoint } from './endpoint.ts';

export interface AuthGuardOptions {
  realm: string;
  secret: Buffer;
  nonceTtlMs: number;
  maxFailures: number;
  /** Which challenges to send, in order (see config registrar.digestAlgorithms). */
  algorithms: ('MD5' | 'SHA-256')[];
  /** How long a failure is remembered. */
  failureWindowMs?: number;
  lookupPassword: (user: string) => string | undefined;
  now?: () => number;
  /** A digest answer failed (wrong password, unknown user, wrong realm) from `address`. */
  onFailure?: (address: string, user: string | undefined) => void;
}

export type AuthOutcome = { ok: true; user: string } | { ok: false };

export class AuthGuard {
  private readonly digest: DigestAuthenticator;
  private readonly failures = new Map<string, { count: number; since: number }>();
  /** Checked against for unknown users, so both cases cost one digest computation. */
  private readonly decoyPassword = randomBytes(18).toString('base64url');

  constructor(private readonly endpoint: SipEndpoint, private readonly opts: AuthGuardOptions) {
    this.digest = new DigestAuthenticator({ realm: opts.realm, secret: opts.secret, nonceTtlMs: opts.nonceTtlMs, now: opts.now });
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /**
   * Authenticate `rq`. On failure the transaction has been answered (401/407/403/400) and
   * the caller just returns. `asProxy` selects 407/Proxy-Authorization (INVITE etc.).
   */
  check(rq: SipRequest, tx: ServerTransaction, asProxy: boolean): AuthOutcome {
    const header = (asProxy ? rq.headers['proxy-authorization'] : rq.headers.authorization)?.find(
      (h) => h && String(h.realm ?? '').replace(/"/g, '') === this.opts.realm,
    ) ?? (asProxy ? rq.headers['proxy-authorization'] : rq.headers.authorization)?.[0];
    // No credentials, or only for a scheme we don't speak (RFC 4475 regaut01): challenge.
    if (!header || String(header.scheme ?? '').toLowerCase() !== 'digest') {
      this.challenge(tx, asProxy, false);
      return { ok: false };
    }
    const verdict = this.digest.verify(header, rq.method, rq.uri, (user) => this.opts.lookupPassword(user) ?? this.decoyPassword);
    const who = `${tx.remote.address}|${verdict.username ?? ''}`;
    if (verdict.ok && this.opts.lookupPassword(verdict.username) === undefined) {
      // The decoy was guessed (or the extension went away meanwhile): a failure like any other.
      this.opts.onFailure?.(tx.remote.address, verdict.username);
      this.endpoint.respond(tx, 403, 'Forbidden');
      return { ok: false };
    }
    if (verdict.ok) {
      this.failures.delete(who);
      return { ok: true, user: verdict.username };
    }
    switch (verdict.reason) {
      case 'stale-nonce':
      case 'bad-nonce':
      case 'replay':
        this.challenge(tx, asProxy, verdict.reason === 'stale-nonce');
        return { ok: false };
      case 'malformed':
      case 'unsupported-algorithm':
      case 'uri-mismatch':
        this.endpoint.respond(tx, 400, `Bad Request (${verdict.reason})`);
        return { ok: false };
      default: {
        // bad-response, unknown-user, wrong-realm: a wrong password or a guess.
        this.opts.onFailure?.(tx.remote.address, verdict.username);
        const now = this.now();
        const window = this.opts.failureWindowMs ?? 5 * 60_000;
        const f = this.failures.get(who);
        const count = f && now - f.since < window ? f.count + 1 : 1;
        this.failures.set(who, { count, since: f && now - f.since < window ? f.since : now });
        this.pruneFailures(now, window);
        if (count >= this.opts.maxFailures) this.endpoint.respond(tx, 403, 'Forbidden');
        else this.challenge(tx, asProxy, false);
        return { ok: false };
      }
    }
  }

  private challenge(tx: ServerTransaction, asProxy: boolean, stale: boolean): void {
    const q = (v: string) => `"${v}"`;
    const offered = this.digest.challenges(stale);
    const ordered = this.opts.algorithms.map((a) => offered.find((c) => c.algorithm === a)).filter((c) => c !== undefined);
    const headers = ordered.map((c) => ({
      scheme: 'Digest',
      realm: q(c.realm),
      nonce: q(c.nonce),
      opaque: q(c.opaque),
      algorithm: c.algorithm,
      qop: q(c.qop),
      stale: c.stale ? 'TRUE' : undefined,
    }));
    this.endpoint.respond(tx, asProxy ? 407 : 401, asProxy ? 'Proxy Authentication Required' : 'Unauthorized', {
      headers: { [asProxy ? 'proxy-authenticate' : 'www-authenticate']: headers },
    });
  }

  /** Bounded: expired entries go first, then the oldest (spoofed sources × guessed users must
   *  not grow memory without limit; the edge guard's per-address count still bans). */
  private pruneFailures(now: number, window: number): void {
    if (this.failures.size < 10_000) return;
    for (const [k, f] of this.failures) if (now - f.since >= window) this.failures.delete(k);
    for (const k of this.failures.keys()) {
      if (this.failures.size < 10_000) break;
      this.failures.delete(k);
    }
  }
}

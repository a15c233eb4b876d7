// SIP HTTP Digest authentication (RFC 3261 §22, RFC 2617, RFC 7616, RFC 8760): stateless
// HMAC-signed nonces, challenge formatting, verification of Authorization headers with nonce-count
// replay protection, and the client-side answer to a carrier's 401/407. Pure logic, no I/O.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'SHA-256';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque: string;
  algorithm: DigestAlgorithm;
  qop: 'auth';
  stale: boolean;
}

/** A parsed Authorization / WWW-Authenticate header as the `sip` package gives it (values may be quoted). */
export interface AuthorizationHeader {
  scheme: string;
  [param: string]: string | undefined;
}

export type DigestFailureReason =
  | 'missing'
  | 'malformed'
  | 'unknown-user'
  | 'wrong-realm'
  | 'stale-nonce'
  | 'bad-nonce'
  | 'replay'
  | 'bad-response'
  | 'unsupported-algorithm'
  | 'uri-mismatch';

export type DigestVerdict =
  | { ok: true; username: string }
  | { ok: false; reason: DigestFailureReason; username?: string; stale?: boolean };

export interface DigestAuthenticatorOptions {
  realm: string;
  /** HMAC key for nonces and opaque; at least 16 bytes. */
  secret: Buffer;
  nonceTtlMs: number;
  now?: () => number;
  maxTrackedNonces?: number;
}

const DEFAULT_MAX_TRACKED_NONCES = 10_000;
const TS_BYTES = 8;
const RAND_BYTES = 8;
const MAC_BYTES = 16;
const NONCE_BYTES = TS_BYTES + RAND_BYTES + MAC_BYTES;
/** Longest parameter value accepted; anything longer is garbage. */
const MAX_PARAM_CHARS = 2048;
const NC_RE = /^[0-9a-fA-F]{8}$/;
const HEX_RE = /^[0-9a-fA-F]+$/;

/** Hex digest of `data` with the hash function of a digest algorithm. */
export function digestHash(algorithm: DigestAlgorithm, data: string): string {
  return createHash(algorithm === 'SHA-256' ? 'sha256' : 'md5')
    .update(data, 'utf8')
    .digest('hex');
}

/** The request-digest: with qop (RFC 2617 §3.2.2.1) when `qop` is given, RFC 2069 style otherwise. */
export function digestResponse(p: {
  algorithm: DigestAlgorithm;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop?: { qop: string; nc: string; cnonce: string };
}): string {
  const H = (s: string) => digestHash(p.algorithm, s);
  const ha1 = H(`${p.username}:${p.realm}:${p.password}`);
  const ha2 = H(`${p.method}:${p.uri}`);
  return p.qop
    ? H(`${ha1}:${p.nonce}:${p.qop.nc}:${p.qop.cnonce}:${p.qop.qop}:${ha2}`)
    : H(`${ha1}:${p.nonce}:${ha2}`);
}

/** Map an `algorithm` parameter to a supported algorithm (absent = MD5), or undefined if unsupported. */
function parseAlgorithm(raw: string | undefined): DigestAlgorithm | undefined {
  if (raw === undefined) return 'MD5';
  const a = raw.trim().toUpperCase();
  if (a === 'MD5') return 'MD5';
  if (a === 'SHA-256') return 'SHA-256';
  return undefined;
}

/** Strip surrounding double quotes and undo backslash escapes (RFC 3261 quoted-string). */
function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    return t.slice(1, -1).replace(/\\(.)/gs, '$1');
  }
  return t;
}

function quote(v: string): string {
  return `"${v.replace(/(["\\])/g, '\\$1')}"`;
}

/**
 * Collect a header's parameters by lower-cased name, unquoted. Returns undefined when the object
 * is not a usable header: non-string values, ambiguous duplicates, oversized values.
 */
function collectParams(header: unknown): Map<string, string> | undefined {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
  const out = new Map<string, string>();
  for (const key of Object.keys(header)) {
    if (key === 'scheme') continue;
    const value: unknown = (header as Record<string, unknown>)[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > MAX_PARAM_CHARS) return undefined;
    const name = key.trim().toLowerCase();
    if (name === '' || out.has(name)) return undefined;
    out.set(name, unquote(value));
  }
  return out;
}

function looseUri(u: string): string {
  return u.replace(/[<>\s]/g, '');
}

/** Constant-time comparison of two strings; false when lengths differ. */
function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'utf8');
  const bb = Buffer.from(b, 'utf8');
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/**
 * Parse a raw Digest header value ('Digest realm="x", nonce=...') into the same shape the `sip`
 * package produces: scheme plus raw (still quoted) parameter values. Undefined when unparsable.
 */
export function parseDigestHeader(value: string): AuthorizationHeader | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^\s*([A-Za-z][A-Za-z0-9\-]*)\s+/.exec(value);
  if (!m) return undefined;
  const header: AuthorizationHeader = { scheme: m[1]! };
  const re = /\s*([^\s,"=]+)\s*=\s*([^\s,"]+|"(?:[^"\\]|\\.)*")\s*(,|$)/gy;
  re.lastIndex = m[0].length;
  while (re.lastIndex < value.length) {
    const p = re.exec(value);
    if (!p) return undefined;
    if (p[1] !== 'scheme') header[p[1]!] = p[2]!;
    if (p[3] === '') break;
  }
  return header;
}

interface TrackedNonce {
  nc: number;
  issuedAt: number;
}

export class DigestAuthenticator {
  readonly realm: string;
  private readonly secret: Buffer;
  private readonly nonceTtlMs: number;
  private readonly now: () => number;
  private readonly maxTrackedNonces: number;
  private readonly opaque: string;
  /** Highest nonce-count seen per nonce, in order of first use. */
  private readonly tracked = new Map<string, TrackedNonce>();

  constructor(opts: DigestAuthenticatorOptions) {
    if (typeof opts.realm !== 'string' || opts.realm === '') throw new TypeError('digest: realm is required');
    if (!Buffer.isBuffer(opts.secret) || opts.secret.length < 16) {
      throw new TypeError('digest: secret must be a Buffer of at least 16 bytes');
    }
    if (!Number.isFinite(opts.nonceTtlMs) || opts.nonceTtlMs <= 0) {
      throw new TypeError('digest: nonceTtlMs must be a positive number');
    }
    const max = opts.maxTrackedNonces ?? DEFAULT_MAX_TRACKED_NONCES;
    if (!Number.isInteger(max) || max < 1) throw new TypeError('digest: maxTrackedNonces must be a positive integer');
    this.realm = opts.realm;
    this.secret = Buffer.from(opts.secret);
    this.nonceTtlMs = opts.nonceTtlMs;
    this.now = opts.now ?? Date.now;
    this.maxTrackedNonces = max;
    this.opaque = createHmac('sha256', this.secret)
      .update(`opaque:${this.realm}`, 'utf8')
      .digest()
      .subarray(0, 16)
      .toString('base64url');
  }

  /** How many nonces are being tracked for nonce-count replay protection (for tests and metrics). */
  get trackedNonceCount(): number {
    return this.tracked.size;
  }

  /** One or two challenges (SHA-256 first, then MD5, per RFC 8760) to put in WWW-Authenticate / Proxy-Authenticate. */
  challenges(stale = false): DigestChallenge[] {
    const nonce = this.issueNonce();
    const base = { realm: this.realm, nonce, opaque: this.opaque, qop: 'auth' as const, stale };
    return [
      { ...base, algorithm: 'SHA-256' },
      { ...base, algorithm: 'MD5' },
    ];
  }

  /** Format a challenge as the header VALUE string (plus stale=TRUE when stale). */
  static formatChallenge(c: DigestChallenge): string {
    const parts = [
      `realm=${quote(c.realm)}`,
      `nonce=${quote(c.nonce)}`,
      `opaque=${quote(c.opaque)}`,
      `algorithm=${c.algorithm}`,
      `qop="${c.qop}"`,
    ];
    if (c.stale) parts.push('stale=TRUE');
    return `Digest ${parts.join(', ')}`;
  }

  /**
   * Verify credentials; never throws. Checks run cheapest and least revealing first: shape,
   * algorithm, realm, nonce signature, opaque, URI, user, response; staleness is reported only
   * for a correct response (RFC 2617 §3.2.1), and nonce counts are recorded only for one too, so
   * unauthenticated requests can neither learn nonce ages nor burn counts.
   * A `lookupPassword` that throws is treated as an unknown user.
   */
  verify(
    header: AuthorizationHeader | undefined,
    method: string,
    requestUri: string,
    lookupPassword: (username: string) => string | undefined,
  ): DigestVerdict {
    try {
      return this.verifyUnsafe(header, method, requestUri, lookupPassword);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
  }

  private verifyUnsafe(
    header: AuthorizationHeader | undefined,
    method: string,
    requestUri: string,
    lookupPassword: (username: string) => string | undefined,
  ): DigestVerdict {
    if (header === undefined || header === null) return { ok: false, reason: 'missing' };
    const params = collectParams(header);
    const scheme: unknown = (header as { scheme?: unknown }).scheme;
    if (!params || typeof scheme !== 'string' || scheme.trim().toLowerCase() !== 'digest') {
      return { ok: false, reason: 'malformed' };
    }
    if (typeof method !== 'string' || typeof requestUri !== 'string') return { ok: false, reason: 'malformed' };

    const rawUser = params.get('username');
    const username = rawUser !== undefined && rawUser !== '' ? rawUser : undefined;
    const fail = (reason: DigestFailureReason, stale?: boolean): DigestVerdict => {
      const v: DigestVerdict = { ok: false, reason };
      if (username !== undefined) v.username = username;
      if (stale) v.stale = true;
      return v;
    };

    const realm = params.get('realm');
    const nonce = params.get('nonce');
    const uri = params.get('uri');
    const response = params.get('response');
    if (username === undefined || realm === undefined || !nonce || !uri || !response) return fail('malformed');

    const algorithm = parseAlgorithm(params.get('algorithm'));
    if (!algorithm) return fail('unsupported-algorithm');

    const qop = params.get('qop');
    const nc = params.get('nc');
    const cnonce = params.get('cnonce');
    if (qop === undefined || qop.toLowerCase() !== 'auth') return fail('malformed');
    if (nc === undefined || !NC_RE.test(nc) || !cnonce) return fail('malformed');
    const ncValue = parseInt(nc, 16);
    if (ncValue === 0) return fail('malformed');
    if (!HEX_RE.test(response)) return fail('malformed');

    if (realm !== this.realm) return fail('wrong-realm');

    const issuedAt = this.checkNonce(nonce);
    if (issuedAt === undefined) return fail('bad-nonce');
    const opaque = params.get('opaque');
    if (opaque === undefined || !safeEqual(opaque, this.opaque)) return fail('bad-nonce');

    if (uri !== requestUri && looseUri(uri) !== looseUri(requestUri)) return fail('uri-mismatch');

    let password: string | undefined;
    try {
      password = lookupPassword(username);
    } catch {
      password = undefined;
    }
    if (typeof password !== 'string') return fail('unknown-user');

    const expected = digestResponse({
      algorithm,
      username,
      realm: this.realm,
      password,
      method,
      uri,
      nonce,
      qop: { qop, nc, cnonce },
    });
    if (!safeEqual(response.toLowerCase(), expected)) return fail('bad-response');

    const now = this.now();
    if (Math.abs(now - issuedAt) > this.nonceTtlMs) return fail('stale-nonce', true);

    if (!this.recordNonceCount(nonce, issuedAt, ncValue, now)) return fail('replay');
    return { ok: true, username };
  }

  private mac(body: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(body).digest().subarray(0, MAC_BYTES);
  }

  private issueNonce(): string {
    const body = Buffer.alloc(TS_BYTES + RAND_BYTES);
    const ts = Math.max(0, Math.floor(this.now()));
    body.writeBigUInt64BE(BigInt(Number.isFinite(ts) ? ts : 0), 0);
    randomBytes(RAND_BYTES).copy(body, TS_BYTES);
    return Buffer.concat([body, this.mac(body)]).toString('base64url');
  }

  /** The issue time of a nonce we signed, or undefined when it is not ours. */
  private checkNonce(nonce: string): number | undefined {
    if (!/^[A-Za-z0-9_-]+$/.test(nonce)) return undefined;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== NONCE_BYTES || raw.toString('base64url') !== nonce) return undefined;
    const body = raw.subarray(0, TS_BYTES + RAND_BYTES);
    if (!timingSafeEqual(raw.subarray(TS_BYTES + RAND_BYTES), this.mac(body))) return undefined;
    const ts = raw.readBigUInt64BE(0);
    return ts > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(ts);
  }

  /** Record `nc` for `nonce`; false when it does not exceed the highest count already seen. */
  private recordNonceCount(nonce: string, issuedAt: number, nc: number, now: number): boolean {
    const seen = this.tracked.get(nonce);
    if (seen) {
      if (nc <= seen.nc) return false;
      seen.nc = nc;
      return true;
    }
    this.evict(now);
    this.tracked.set(nonce, { nc, issuedAt });
    return true;
  }

  /** Drop expired entries (cheaply from the front; fully when full), then the oldest beyond capacity. */
  private evict(now: number): void {
    const expired = (t: TrackedNonce) => Math.abs(now - t.issuedAt) > this.nonceTtlMs;
    for (const [k, t] of this.tracked) {
      if (!expired(t)) break;
      this.tracked.delete(k);
    }
    if (this.tracked.size < this.maxTrackedNonces) return;
    for (const [k, t] of this.tracked) if (expired(t)) this.tracked.delete(k);
    for (const k of this.tracked.keys()) {
      if (this.tracked.size < this.maxTrackedNonces) break;
      this.tracked.delete(k);
    }
  }
}

/**
 * Client side, for outbound registration to a carrier: the Authorization header value for a
 * challenge received in a 401/407. qop=auth or no qop; MD5 (default) or SHA-256. `nc` is the
 * nonce count the caller tracks (1 for the first use of a nonce). Throws on a challenge it cannot
 * answer (missing realm/nonce, unsupported algorithm, qop offered without "auth", nc out of range).
 */
export function answerChallenge(
  challenge: AuthorizationHeader,
  opts: { username: string; password: string; method: string; uri: string; nc: number; cnonce?: string },
): string {
  const params = collectParams(challenge);
  if (!params) throw new TypeError('digest: unusable challenge');
  const realm = params.get('realm');
  const nonce = params.get('nonce');
  if (realm === undefined || nonce === undefined) throw new TypeError('digest: challenge lacks realm or nonce');
  const algorithmParam = params.get('algorithm');
  const algorithm = parseAlgorithm(algorithmParam);
  if (!algorithm) throw new TypeError(`digest: unsupported algorithm ${algorithmParam}`);
  const opaque = params.get('opaque');
  const qopOffer = params.get('qop');

  const parts = [
    `username=${quote(opts.username)}`,
    `realm=${quote(realm)}`,
    `nonce=${quote(nonce)}`,
    `uri=${quote(opts.uri)}`,
  ];
  // With a qop offer: qop=auth with nc and cnonce (RFC 2617 3.2.2); without: the RFC 2069 form.
  let qop: { qop: 'auth'; nc: string; cnonce: string } | undefined;
  if (qopOffer !== undefined) {
    const offered = qopOffer.split(',').map((q) => q.trim().toLowerCase());
    if (!offered.includes('auth')) throw new TypeError(`digest: no supported qop in "${qopOffer}"`);
    if (!Number.isInteger(opts.nc) || opts.nc < 1 || opts.nc > 0xffffffff) {
      throw new RangeError('digest: nc must be an integer in 1..0xffffffff');
    }
    qop = { qop: 'auth', nc: opts.nc.toString(16).padStart(8, '0'), cnonce: opts.cnonce ?? randomBytes(12).toString('hex') };
  }
  const response = digestResponse({
    algorithm,
    username: opts.username,
    realm,
    password: opts.password,
    method: opts.method,
    uri: opts.uri,
    nonce,
    qop,
  });
  const tail = qop ? [`cnonce=${quote(qop.cnonce)}`, 'qop=auth', `nc=${qop.nc}`] : [];
  parts.push(`response="${response}"`);
  if (algorithmParam !== undefined) parts.push(`algorithm=${algorithm}`);
  parts.push(...tail);
  if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

// API tokens for external systems (CRM, ERP, wallboards): an admin creates one with a name
// and scopes, sees its secret once, and can revoke it. Stored in the LMDB config table as
// `api-token:<id>` with only the SHA-256 of the secret (the secret is 32 random bytes, so a
// plain hash is enough; no password stretching needed). A token acts with the role 'api':
// no role check applies, only its scopes (auth.ts). Creation and revocation are event rows
// and audit-log rows, written with the change. Imports the store and the audit log only.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../store/store.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Session } from './sessions.ts';

/** Scopes a token can be given. A route needs `<area>:read` (GET) or `<area>:write` unless it
 *  declares another; areas without a scope here (users, tokens, audit, backup) are never open
 *  to tokens. */
export const TOKEN_SCOPES = ['acd:read', 'acd:write', 'customers:read', 'customers:write', 'history:read', 'events:read', 'reports:read', 'metrics:read', 'tickets:read', 'tickets:write', 'tickets:status'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface StoredApiToken {
  id: string;
  name: string;
  scopes: TokenScope[];
  /** SHA-256 (hex) of the secret part. */
  hash: string;
  createdAt: number;
  createdBy: string;
  expiresAt?: number;
}

export type ApiTokenInfo = Omit<StoredApiToken, 'hash'>;

const PREFIX = 'cct_';
const KEY = (id: string) => `api-token:${id}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest();

/** `cct_<16 hex id>_<43 base64url secret>`: the id finds the record, the secret proves it. */
const TOKEN_RE = /^cct_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export const isApiToken = (token: string) => token.startsWith(PREFIX);

export class ApiTokens {
  constructor(private readonly store: Store) {}

  async create(o: { name: string; scopes: TokenScope[]; expiresAt?: number; by: string; source?: string }, now = Date.now()): Promise<{ token: string; info: ApiTokenInfo }> {
    const id = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const rec: StoredApiToken = {
      id, name: o.name, scopes: [...new Set(o.scopes)], hash: sha256(secret).toString('hex'), createdAt: now, createdBy: o.by,
      ...(o.expiresAt ? { expiresAt: o.expiresAt } : {}),
    };
    await this.store.transaction(() => {
      this.store.tables.config.put(KEY(id), rec);
      this.store.appendEvent('api-token-created', { id, name: o.name, scopes: rec.scopes, by: o.by }, now);
      appendAudit(this.store, { actor: o.by, action: 'api-token-create', outcome: 'ok', target: `${id} (${o.name})`, source: o.source, detail: { scopes: rec.scopes, expiresAt: rec.expiresAt } }, now);
    });
    const { hash: _hash, ...info } = rec;
    return { token: `${PREFIX}${id}_${secret}`, info };
  }

  list(): ApiTokenInfo[] {
    const out: ApiTokenInfo[] = [];
    for (const { value } of this.store.tables.config.getRange({ start: 'api-token:', end: 'api-token;' })) {
      const { hash: _hash, ...info } = value as StoredApiToken;
      out.push(info);
    }
    return out;
  }

  /** Revoke a token; false when there is none with that id. */
  async revoke(id: string, by: string, source?: string): Promise<boolean> {
    return this.store.transaction(() => {
      const rec = this.store.tables.config.get(KEY(id)) as StoredApiToken | undefined;
      if (!rec) return false;
      this.store.tables.config.remove(KEY(id));
      this.store.appendEvent('api-token-revoked', { id, by });
      appendAudit(this.store, { actor: by, action: 'api-token-revoke', outcome: 'ok', target: `${id} (${rec.name})`, source });
      return true;
    });
  }

  /** The acting identity of a presented token, or undefined (unknown, wrong secret, expired). */
  check(token: string, now = Date.now()): Session | undefined {
    const m = TOKEN_RE.exec(token);
    if (!m) return undefined;
    const rec = this.store.tables.config.get(KEY(m[1])) as StoredApiToken | undefined;
    if (!rec) return undefined;
    const expected = Buffer.from(rec.hash, 'hex');
    const got = sha256(m[2]);
    if (expected.length !== got.length || !timingSafeEqual(expected, got)) return undefined;
    if (rec.expiresAt !== undefined && rec.expiresAt <= now) return undefined;
    return { token: rec.id, username: `token:${rec.name}`, role: 'api', kind: 'api-token', scopes: rec.scopes, lastUsedAt: now };
  }
}

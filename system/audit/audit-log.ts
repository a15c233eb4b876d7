// The audit log (运行日志): who did what to the box — sign-ins, configuration changes, users,
// backups and restores. Append-only rows in LMDB table `audit`, keyed by a sequence number,
// each carrying the previous row's hash and its own sha256 over (previous hash + canonical
// JSON of the row), so a changed, removed or inserted row breaks the chain (verify.ts).
// Imports only the store; the chain head is read inside the write transaction, so rows
// appended from concurrent transactions still chain in commit order.
import { createHash } from 'node:crypto';
import type { Store } from '../store/store.ts';

/** What happened. Open-ended: other areas add their own (console-session, recording-download). */
export type AuditAction =
  | 'sign-in'
  | 'config-change'
  | 'user-create'
  | 'backup'
  | 'backup-verify'
  | 'restore'
  | 'restore-config'
  | (string & {});

export interface AuditEntry {
  /** Who: a box user name, or 'system' / 'cli' / 'first-start' for the box itself. */
  actor: string;
  action: AuditAction;
  outcome: 'ok' | 'failed';
  /** What was acted on: a user name, a backup id, 'box-config'. */
  target?: string;
  /** Where from: the client's IP address, 'console', 'cli'. */
  source?: string;
  /** Action-specific facts (a config change's before/after per path, a failure's code). */
  detail?: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  seq: number;
  at: number;
  /** Hash of row seq-1 (GENESIS for the first row). */
  prev: string;
  /** sha256 hex over prev + '\n' + canonicalJson(row without `hash`). */
  hash: string;
}

export const GENESIS = '0'.repeat(64);

/** JSON with object keys sorted at every level and undefined members left out: one text per value. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function rowHash(row: Omit<AuditRow, 'hash'>): string {
  const { hash: _ignored, ...body } = row as AuditRow;
  return createHash('sha256').update(row.prev).update('\n').update(canonicalJson(body)).digest('hex');
}

/** The last row, or undefined on an empty log. */
export function auditHead(store: Store): AuditRow | undefined {
  for (const { value } of store.tables.audit.getRange({ reverse: true, limit: 1 })) return value as AuditRow;
  return undefined;
}

/**
 * Append a row. Call it inside `store.transaction(...)` (with the change it records, so both
 * commit together); outside one, use `recordAudit`. Values are normalised to plain JSON first,
 * so what is hashed is exactly what LMDB gives back.
 */
export function appendAudit(store: Store, entry: AuditEntry, at = Date.now()): AuditRow {
  const head = auditHead(store);
  const body = JSON.parse(JSON.stringify({ ...entry, seq: (head?.seq ?? 0) + 1, at, prev: head?.hash ?? GENESIS })) as Omit<AuditRow, 'hash'>;
  const row: AuditRow = { ...body, hash: rowHash(body) };
  store.tables.audit.put(row.seq, row);
  return row;
}

/** Append a row in its own transaction. */
export function recordAudit(store: Store, entry: AuditEntry, at = Date.now()): Promise<AuditRow> {
  return store.transaction(() => appendAudit(store, entry, at));
}

/** Rows after `afterSeq`, oldest first. */
export function listAudit(store: Store, opts: { afterSeq?: number; limit?: number } = {}): AuditRow[] {
  const out: AuditRow[] = [];
  for (const { value } of store.tables.audit.getRange({ start: (opts.afterSeq ?? 0) + 1, limit: opts.limit ?? 500 })) out.push(value as AuditRow);
  return out;
}

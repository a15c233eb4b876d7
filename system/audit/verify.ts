// Checks the audit log's hash chain and says where it breaks. `verifyChain` is pure over
// (key, value) pairs in key order, so a copied or exported log is checked the same way as
// the live table. What a chain can and cannot show: a row changed in place, removed, or
// inserted is found; rows cut off the end, or a whole chain rewritten from some row on, are
// not — compare the head with an anchor kept elsewhere (every backup manifest records it).
import type { Store } from '../store/store.ts';
import { GENESIS, rowHash, type AuditRow } from './audit-log.ts';

export type AuditBreakReason =
  /** The row's content does not hash to its stored hash: the row was changed. */
  | 'hash-mismatch'
  /** The row's `prev` is not the previous row's hash: a row before it was removed, inserted or rewritten (hash included). */
  | 'prev-mismatch'
  /** Sequence numbers are not consecutive (a row was removed or inserted). */
  | 'seq-gap'
  /** Not an audit row at all, or its key is not its seq. */
  | 'malformed';

export interface AuditBreak {
  /** The key of the row where the chain breaks. */
  seq: number;
  reason: AuditBreakReason;
  message: string;
}

export interface AuditVerifyResult {
  ok: boolean;
  rows: number;
  head?: { seq: number; hash: string; at: number };
  /** The first break (where the chain stops being trustworthy), also first in `breaks`. */
  firstBreak?: AuditBreak;
  /** Every break found, at most `maxBreaks`. */
  breaks: AuditBreak[];
}

export const AuditErrorCodes = {
  CC_AUDIT_CHAIN_BROKEN: 'the audit log hash chain is broken: a row was changed, removed or inserted (verify names the row)',
} as const;

function isRow(v: unknown): v is AuditRow {
  const r = v as AuditRow;
  return !!r && typeof r === 'object' && Number.isInteger(r.seq) && typeof r.prev === 'string' && typeof r.hash === 'string' && typeof r.action === 'string';
}

export function verifyChain(rows: Iterable<{ key: unknown; value: unknown }>, maxBreaks = 100): AuditVerifyResult {
  const breaks: AuditBreak[] = [];
  const add = (b: AuditBreak) => void (breaks.length < maxBreaks && breaks.push(b));
  let count = 0;
  let prevHash = GENESIS;
  let prevSeq = 0;
  let head: AuditVerifyResult['head'];
  for (const { key, value } of rows) {
    count++;
    const seq = typeof key === 'number' ? key : Number.NaN;
    if (!isRow(value) || value.seq !== seq) {
      add({ seq, reason: 'malformed', message: `row ${String(key)} is not a well-formed audit row for its key` });
      prevHash = isRow(value) ? value.hash : '';
      prevSeq = seq;
      continue;
    }
    if (seq !== prevSeq + 1) add({ seq, reason: 'seq-gap', message: `row ${seq} follows row ${prevSeq}: rows ${prevSeq + 1}..${seq - 1} are missing` });
    else if (value.prev !== prevHash) add({ seq, reason: 'prev-mismatch', message: `row ${seq} does not link to row ${prevSeq}: row ${prevSeq} (or one before it) was rewritten` });
    if (rowHash(value) !== value.hash) add({ seq, reason: 'hash-mismatch', message: `row ${seq} was changed after it was written (its content does not match its hash)` });
    prevHash = value.hash;
    prevSeq = seq;
    head = { seq, hash: value.hash, at: value.at };
  }
  return { ok: breaks.length === 0, rows: count, head, firstBreak: breaks[0], breaks };
}

/** Verify the store's audit table (a read snapshot: rows appended meanwhile are not seen). */
export function verifyAudit(store: Store, maxBreaks?: number): AuditVerifyResult {
  return verifyChain(store.tables.audit.getRange(), maxBreaks);
}

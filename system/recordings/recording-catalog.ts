// The recordings as LMDB holds them, for search, playback, legal hold and retention: the
// index rows (table `recordings`, written with the CDR by system/calls), their CDRs, and the
// QA area's tables read if they exist (`qa-scores`: call id -> { score 0-100, status? };
// `qa-reviews`: call id -> { status? }) — this module never writes those. Legal hold is a
// flag on the index row, set with its event and audit row in one transaction.
import type { Database } from 'lmdb';
import type { Store } from '../store/store.ts';
import type { Cdr } from '../calls/cdr.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { RecordingEntry, StoredRecording } from './search.ts';
import { RecordingsError } from './errors.ts';

/** QA tables of the quality area, looked up by name so this area does not depend on it. */
export const QA_SCORES_TABLE = 'qa-scores';
export const QA_REVIEWS_TABLE = 'qa-reviews';
/** QA statuses that mean "under review": retention keeps such a recording. */
const UNDER_REVIEW = new Set(['open', 'disputed']);

/** Another area's table if it exists in the environment (never creates it). */
function optionalTable(store: Store, name: string): Database<unknown, string> | undefined {
  try {
    return (store.root.openDB({ name, create: false } as unknown as { name: string }) ?? undefined) as Database<unknown, string> | undefined;
  } catch {
    return undefined;
  }
}

function scoreOf(value: unknown): number | undefined {
  const s = (value as { score?: unknown } | undefined)?.score;
  return typeof s === 'number' && Number.isFinite(s) ? s : undefined;
}

export class RecordingCatalog {
  constructor(private readonly store: Store) {}

  row(callId: string): StoredRecording | undefined {
    return this.store.tables.recordings.get(callId) as StoredRecording | undefined;
  }

  /** A recording with its CDR and QA score (read when first used), or undefined. */
  entry(callId: string): RecordingEntry | undefined {
    const row = this.row(callId);
    return row && this.lazyEntry(row, optionalTable(this.store, QA_SCORES_TABLE));
  }

  /** Every recording, in call-id order; the CDR and QA score of each are read only if used. */
  *entries(): Generator<RecordingEntry> {
    const scores = optionalTable(this.store, QA_SCORES_TABLE);
    for (const { value } of this.store.tables.recordings.getRange()) yield this.lazyEntry(value as StoredRecording, scores);
  }

  private lazyEntry(row: StoredRecording, scores: Database<unknown, string> | undefined): RecordingEntry {
    const cdrTable = this.store.tables.cdr;
    let cdr: Cdr | undefined | null = null;
    let score: number | undefined | null = null;
    return {
      row,
      get cdr() {
        if (cdr === null) cdr = cdrTable.get(row.callId) as Cdr | undefined;
        return cdr;
      },
      get score() {
        if (score === null) score = scoreOf(scores?.get(row.callId));
        return score;
      },
    };
  }

  /** Call ids under QA review: a `qa-reviews` or `qa-scores` row with status open or disputed. */
  underReview(): Set<string> {
    const out = new Set<string>();
    for (const name of [QA_REVIEWS_TABLE, QA_SCORES_TABLE]) {
      const table = optionalTable(this.store, name);
      if (!table) continue;
      for (const { key, value } of table.getRange()) {
        const status = (value as { status?: unknown } | undefined)?.status;
        if (typeof key === 'string' && typeof status === 'string' && UNDER_REVIEW.has(status)) out.add(key);
      }
    }
    return out;
  }

  /** Set or lift the legal hold, with its event and audit row; the updated row. */
  async setHold(callId: string, hold: boolean, by: string, reason: string | undefined, source?: string, at = Date.now()): Promise<StoredRecording> {
    const { store } = this;
    return store.transaction(() => {
      const row = store.tables.recordings.get(callId) as StoredRecording | undefined;
      if (!row) throw new RecordingsError('CC_RECORDINGS_NOT_FOUND', `no recording of call ${callId}`);
      const next: StoredRecording = { ...row, legalHold: hold, hold: { by, at, ...(reason ? { reason } : {}) } };
      store.tables.recordings.put(callId, next);
      store.appendEvent(hold ? 'recording-held' : 'recording-released', { callId, by, reason }, at);
      appendAudit(store, { actor: by, action: hold ? 'recording-hold' : 'recording-release', outcome: 'ok', target: callId, source, detail: reason ? { reason } : {} }, at);
      return next;
    });
  }

  /** Is the call under QA review right now (read inside a transaction: the latest state)? */
  isUnderReview(callId: string): boolean {
    for (const name of [QA_REVIEWS_TABLE, QA_SCORES_TABLE]) {
      const status = (optionalTable(this.store, name)?.get(callId) as { status?: unknown } | undefined)?.status;
      if (typeof status === 'string' && UNDER_REVIEW.has(status)) return true;
    }
    return false;
  }

  /**
   * Remove the index row of a recording the retention run decided to delete, with its event
   * and audit row, before its file goes (so a hold set meanwhile is seen here, atomically).
   * The removed row, or undefined when it changed meanwhile (held, under review, already
   * gone): then nothing is written and the file must stay.
   */
  async removeExpired(callId: string, detail: { retentionDays: number; endedAt: number }, at = Date.now()): Promise<StoredRecording | undefined> {
    const { store } = this;
    return store.transaction(() => {
      const row = store.tables.recordings.get(callId) as StoredRecording | undefined;
      if (!row || row.legalHold || this.isUnderReview(callId)) return undefined;
      store.tables.recordings.remove(callId);
      store.appendEvent('recording-deleted', { callId, reason: 'retention', path: row.path, ...detail }, at);
      appendAudit(store, { actor: 'system', action: 'recording-delete', outcome: 'ok', target: callId, detail: { reason: 'retention', path: row.path, ...detail } }, at);
      return row;
    });
  }

  /** The file of a removed row could not be deleted: an event and a failed audit row (a technician removes it). */
  async fileDeleteFailed(callId: string, path: string, message: string, at = Date.now()): Promise<void> {
    const { store } = this;
    await store.transaction(() => {
      store.appendEvent('recording-file-delete-failed', { callId, path, code: 'CC_RECORDINGS_DELETE_FAILED', message }, at);
      appendAudit(store, { actor: 'system', action: 'recording-delete', outcome: 'failed', target: callId, detail: { code: 'CC_RECORDINGS_DELETE_FAILED', path, message } }, at);
    });
  }
}

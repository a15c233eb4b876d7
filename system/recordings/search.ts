// Recording search as a pure function: the index rows (with the call's CDR and QA score beside
// them) filtered by a query and sorted newest first, one page at a time. No I/O: the caller
// reads LMDB (recording-catalog.ts) and passes plain rows; the clock is not needed.
import type { Cdr, RecordingRow } from '../calls/cdr.ts';
import type { Disposition } from '../calls/hangup.ts';

/** An index row as stored, with the legal-hold fields this area adds to it. */
export interface StoredRecording extends RecordingRow {
  legalHold?: boolean;
  /** Who set or lifted the hold last, when and why. */
  hold?: { by: string; at: number; reason?: string };
}

/** What search sees of one recording: its index row, its CDR if there is one, its QA score if
 *  scored (`cdr` and `score` may be getters that read LMDB on first use). */
export interface RecordingEntry {
  row: StoredRecording;
  readonly cdr?: Pick<Cdr, 'disposition'>;
  /** 0-100 from the QA area's `qa-scores` table; undefined: not scored. */
  score?: number;
}

export interface RecordingQuery {
  /** Call start (the recording's startedAt), inclusive, ms since the epoch. */
  from?: number;
  /** Call start, exclusive. */
  to?: number;
  /** An agent id who took the call. */
  agent?: string;
  queue?: string;
  /** A substring of any party's number (caller, callee or anyone who was on the recording). */
  number?: string;
  /** A substring of the caller's number. */
  caller?: string;
  /** A substring of the callee's number. */
  callee?: string;
  minDurationMs?: number;
  maxDurationMs?: number;
  disposition?: Disposition;
  /** QA score range, inclusive; either bound leaves unscored recordings out. */
  minScore?: number;
  maxScore?: number;
  /** true: only scored recordings; false: only unscored ones. */
  scored?: boolean;
  legalHold?: boolean;
}

export interface RecordingSummary {
  callId: string;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  caller: string;
  callee: string;
  parties: string[];
  agents: string[];
  queue?: string;
  disposition?: Disposition;
  score?: number;
  legalHold: boolean;
  bytes: number;
  encrypted: boolean;
  /** Why the recording stopped early (e.g. CC_MEDIA_DISK_FULL), if it did. */
  stoppedBy?: string;
}

export interface RecordingPage {
  total: number;
  offset: number;
  limit: number;
  items: RecordingSummary[];
}

/** The agents of a recording (the index row carries the CDR's, written in the same transaction). */
export function agentsOf(e: RecordingEntry): string[] {
  return e.row.agents ?? [];
}

export function queueOf(e: RecordingEntry): string | undefined {
  return e.row.queue;
}

const contains = (hay: string | undefined, needle: string) => !!hay && hay.includes(needle);

/**
 * Does one recording match the query? Index-row fields are checked first; the CDR and the QA
 * score are only read (an entry may load them lazily) when the query filters on them.
 */
export function matches(e: RecordingEntry, q: RecordingQuery): boolean {
  const r = e.row;
  if (q.from !== undefined && r.startedAt < q.from) return false;
  if (q.to !== undefined && r.startedAt >= q.to) return false;
  if (q.agent !== undefined && !agentsOf(e).includes(q.agent)) return false;
  if (q.queue !== undefined && queueOf(e) !== q.queue) return false;
  if (q.number !== undefined && ![r.caller, r.callee, ...r.parties].some((n) => contains(n, q.number!))) return false;
  if (q.caller !== undefined && !contains(r.caller, q.caller)) return false;
  if (q.callee !== undefined && !contains(r.callee, q.callee)) return false;
  if (q.minDurationMs !== undefined && r.durationMs < q.minDurationMs) return false;
  if (q.maxDurationMs !== undefined && r.durationMs > q.maxDurationMs) return false;
  if (q.legalHold !== undefined && !!r.legalHold !== q.legalHold) return false;
  if (q.disposition !== undefined && e.cdr?.disposition !== q.disposition) return false;
  if (q.scored !== undefined && (e.score !== undefined) !== q.scored) return false;
  if (q.minScore !== undefined && (e.score === undefined || e.score < q.minScore)) return false;
  if (q.maxScore !== undefined && (e.score === undefined || e.score > q.maxScore)) return false;
  return true;
}

/** Newest call first; equal start times by call id, so pages never overlap or skip. */
export function newestFirst(a: RecordingEntry, b: RecordingEntry): number {
  return b.row.startedAt - a.row.startedAt || (a.row.callId < b.row.callId ? -1 : a.row.callId > b.row.callId ? 1 : 0);
}

export function summarize(e: RecordingEntry): RecordingSummary {
  const r = e.row;
  return {
    callId: r.callId,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationMs: r.durationMs,
    caller: r.caller,
    callee: r.callee,
    parties: r.parties,
    agents: agentsOf(e),
    queue: queueOf(e),
    disposition: e.cdr?.disposition,
    score: e.score,
    legalHold: !!r.legalHold,
    bytes: r.bytes,
    encrypted: r.path.endsWith('.ccrec'),
    stoppedBy: r.stoppedBy,
  };
}

/** The query's problems (contradicting bounds), empty when it can run. */
export function queryProblems(q: RecordingQuery): string[] {
  const out: string[] = [];
  if (q.from !== undefined && q.to !== undefined && q.from >= q.to) out.push('from must be before to');
  if (q.minDurationMs !== undefined && q.maxDurationMs !== undefined && q.minDurationMs > q.maxDurationMs) out.push('minimum duration above maximum');
  if (q.minScore !== undefined && q.maxScore !== undefined && q.minScore > q.maxScore) out.push('minimum score above maximum');
  return out;
}

/** One page of the matching recordings, newest first. */
export function searchRecordings(entries: Iterable<RecordingEntry>, q: RecordingQuery, page: { offset: number; limit: number }): RecordingPage {
  const hits: RecordingEntry[] = [];
  for (const e of entries) if (matches(e, q)) hits.push(e);
  hits.sort(newestFirst);
  return { total: hits.length, offset: page.offset, limit: page.limit, items: hits.slice(page.offset, page.offset + page.limit).map(summarize) };
}

// Reads what the report arithmetic needs from LMDB: the queue-log rows of a window (plus the
// day after it, where the outcomes of calls that entered near its end are) and each agent's
// state at the window start (their last state row before it). The only I/O of the reports
// area besides the scheduled files; everything it returns is plain data for figures.ts.
import type { Store } from '../store/store.ts';
import type { AgentStateAt, QueueLogRow } from './figures.ts';

/** Outcomes are looked for this long after the window (a queue's longest wait is 24 h). */
export const OUTCOME_LOOKAHEAD_MS = 24 * 3_600_000;
/** How far back the agents' starting states are looked for. */
export const STATE_LOOKBACK_MS = 31 * 24 * 3_600_000;

const AGENT_STATE_ROWS = new Set(['agent-login', 'agent-logout', 'agent-available', 'agent-ringing', 'agent-on-call', 'agent-wrap-up', 'agent-break', 'agent-reconciled']);

/** Queue-log rows with from <= at < min(until, now + 1). */
export function readQueueLog(store: Store, from: number, until: number): QueueLogRow[] {
  const out: QueueLogRow[] = [];
  for (const { value } of store.tables.queueLog.getRange({ start: [from], end: [until] })) out.push(value as QueueLogRow);
  return out;
}

/** Each agent's state at `at`: the `to` of their last state row before it (within the look-back). */
export function agentStatesAt(store: Store, at: number, agents?: readonly string[]): Record<string, AgentStateAt> {
  const out: Record<string, AgentStateAt> = {};
  const wanted = agents ? new Set(agents) : undefined;
  for (const { value } of store.tables.queueLog.getRange({ start: [at], end: [at - STATE_LOOKBACK_MS], reverse: true })) {
    const row = value as QueueLogRow;
    if (!AGENT_STATE_ROWS.has(row.type) || typeof row.agent !== 'string' || typeof row.to !== 'string') continue;
    if (row.agent in out || (wanted && !wanted.has(row.agent))) continue;
    out[row.agent] = { state: row.to, reason: row.to === 'break' && typeof row.reason === 'string' ? row.reason : undefined, callId: typeof row.callId === 'string' ? row.callId : undefined };
    if (wanted && Object.keys(out).length === wanted.size) break;
  }
  return out;
}

/** Everything computeReport needs for [from, to) as of `now`. */
export function reportRows(store: Store, from: number, to: number, now: number, agents?: readonly string[]): { rows: QueueLogRow[]; initialStates: Record<string, AgentStateAt> } {
  return { rows: readQueueLog(store, from, Math.min(to + OUTCOME_LOOKAHEAD_MS, now + 1)), initialStates: agentStatesAt(store, from, agents) };
}

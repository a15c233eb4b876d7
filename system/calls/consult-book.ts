// The consultations in LMDB (table `consultations`, keyed by the box's call id): which agent
// consults whom on which call, and how far it got (ringing, talking). Each write goes in one
// transaction with its event row (workspace-consult-*), before anyone is told, so a reloaded
// workspace page finds its consultation's controls again (GET /api/workspace/consultations).
// A consultation never outlives its call: the row goes when it ends (complete, cancel,
// conference, failure, the call's end), and restart-cleanup.ts clears every row a crash left
// (the calls are gone; the ACD reconciles the agents). Pure helpers plus small store calls.
import type { Store } from '../store/store.ts';

export type ConsultPhase = 'ringing' | 'talking';
export type ConsultTarget = { kind: 'number'; number: string } | { kind: 'agent'; agent: string };

export interface ConsultRow {
  callId: string;
  /** The consulting agent (the call's callee). */
  agent: string;
  target: ConsultTarget;
  /** The number that rings (the target agent's extension, or the number). */
  to: string;
  /** The consulted agent, when it is an agent (browser softphone or desk phone). */
  toAgent?: string;
  /** The caller who waits meanwhile (its number). */
  caller: string;
  phase: ConsultPhase;
  /** The target's member id in the call's party mix, once it talks. */
  member?: string;
  startedAt: number;
  at: number;
}

/** How a consultation ended (the event row's suffix). */
export type ConsultEnd = 'complete' | 'cancel' | 'conference' | 'failed' | 'target-left' | 'agent-left' | 'call-ended' | 'box-restart';

/** Write (replace) a consultation's row with its event, in one transaction. */
export function saveConsult(store: Store, row: ConsultRow, event: 'started' | 'answered'): Promise<void> {
  return store.transaction(() => {
    store.tables.consultations.put(row.callId, row);
    store.appendEvent(`workspace-consult-${event}`, { ...row });
  });
}

/** Remove a consultation's row with the event saying how it ended, in one transaction (no-op when gone). */
export function endConsult(store: Store, callId: string, how: ConsultEnd, detail: Record<string, unknown> = {}): Promise<boolean> {
  return store.transaction(() => {
    const row = store.tables.consultations.get(callId) as ConsultRow | undefined;
    if (!row) return false;
    store.tables.consultations.remove(callId);
    store.appendEvent(`workspace-consult-${how}`, { callId, agent: row.agent, to: row.to, ...(row.toAgent ? { toAgent: row.toAgent } : {}), phase: row.phase, ...detail });
    return true;
  });
}

/** The row of `callId`, if it is a well-formed one. */
export function readConsult(store: Store, callId: string): ConsultRow | undefined {
  const row = store.tables.consultations.get(callId);
  return isConsultRow(row) ? row : undefined;
}

/** The consultations `agent` takes part in (as the consulting agent or the consulted one). */
export function consultsOf(store: Store, agent: string): ConsultRow[] {
  const out: ConsultRow[] = [];
  for (const { value } of store.tables.consultations.getRange()) {
    if (isConsultRow(value) && (value.agent === agent || value.toAgent === agent)) out.push(value);
  }
  return out;
}

/** At start, before calls are taken: every row is a consultation the restart ended (one transaction). */
export async function clearConsultsAfterRestart(store: Store): Promise<number> {
  return store.transaction(() => {
    let n = 0;
    for (const { key, value } of store.tables.consultations.getRange()) {
      store.tables.consultations.remove(key);
      const row = isConsultRow(value) ? value : undefined;
      store.appendEvent('workspace-consult-box-restart', { callId: String(key), ...(row ? { agent: row.agent, to: row.to, phase: row.phase, ...(row.toAgent ? { toAgent: row.toAgent } : {}) } : { malformed: true }) });
      n++;
    }
    return n;
  });
}

export function isConsultRow(v: unknown): v is ConsultRow {
  const r = v as ConsultRow | undefined;
  return typeof r === 'object' && r !== null && typeof r.callId === 'string' && typeof r.agent === 'string' && typeof r.to === 'string'
    && (r.phase === 'ringing' || r.phase === 'talking') && typeof r.target === 'object' && r.target !== null;
}

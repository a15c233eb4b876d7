// One previous call as the history API answers it (GET /api/history/:number, the screen pop): a plain
// type with no imports, so the browser app (system/web, no Node types) imports it type-only from
// here instead of writing it again. history-index.ts builds these and re-exports the type.

/** One previous call, as the workspace shows it. */
export interface CallSummary {
  callId: string;
  /** 'in' when the number called the box, 'out' when the box called the number. */
  direction: 'in' | 'out';
  /** The other party's number (the extension or number dialled, or the caller). */
  other: string;
  startedAt: number;
  answeredAt?: number;
  endedAt: number;
  durationMs: number;
  /** Time talking to a person: from the agent's connect for a queue call, else from the answer. */
  talkMs: number;
  /** The CDR's disposition, except 'abandoned' for a queue call no agent took. */
  disposition: string;
  hangupCause?: string;
  queue?: string;
  agents?: string[];
  /** The IVR flow and the nodes the caller went through. */
  ivr?: { flow: string; path: string[]; variables?: Record<string, string> };
  transfers?: number;
  /** The agent's wrap-up: disposition (both languages) and notes (system/wrapup). */
  wrapUp?: { disposition: { code: string; en: string; zh: string }; notes: string; agent: string; savedAt: number };
}

// The live wallboard's wire shapes (实时监控), shared by the box and the browser: the model
// (calls in progress, queues, agents, colour thresholds), the delta message pushed on the
// WebSocket, and the pure functions both sides use on them (apply a delta, count calls by
// phase, colour a figure). Import-free: no Node, DOM or server types may come in here.

/** Where a call in progress is: in an IVR flow, waiting in a queue, ringing (a phone or an
 *  agent for a queued caller), talking, on hold (either side), or answered by the box for
 *  something else (a conference room, a message). */
export type CallPhase = 'ivr' | 'queued' | 'ringing' | 'talking' | 'held' | 'other';
export const CALL_PHASES: readonly CallPhase[] = ['ivr', 'queued', 'ringing', 'talking', 'held', 'other'];

export type WallAgentState = 'logged-out' | 'available' | 'ringing' | 'on-call' | 'wrap-up' | 'break';

export interface WallCall {
  callId: string;
  phase: CallPhase;
  /** Box time the call entered this phase. */
  since: number;
  caller: string;
  dialled: string;
  startedAt: number;
  queue?: string;
  /** The agent ringing for or talking to the caller (queue calls). */
  agent?: string;
  /** The other party's number (agent extension, external number) while ringing or connected. */
  callee?: string;
  /** Box time the parties were first connected. */
  talkingSince?: number;
  /** While connected: the estimated MOS (1-4.5) of the worse leg, read every few seconds. */
  mos?: number;
}

export interface WallQueueToday {
  /** Callers who entered the queue today. */
  offered: number;
  answered: number;
  /** Abandoned after the short-abandon threshold (reports config). */
  abandoned: number;
  /** Abandoned sooner: not held against the queue. */
  shortAbandoned: number;
  /** Answered within the queue's service-level time. */
  answeredInTime: number;
  /** The queue's service-level time X (reports config: per queue, else box-wide). */
  serviceLevelSec: number;
  /** answeredInTime / (answered + abandoned), in % (one decimal); absent before the first such call. */
  serviceLevelPct?: number;
}

export interface WallQueue {
  name: string;
  displayName?: string;
  waiting: number;
  /** Box time the longest-waiting caller entered (the page counts the wait up from it). */
  oldestEnteredAt?: number;
  agents: { loggedIn: number; available: number; ringing: number; onCall: number; wrapUp: number; break: number };
  today: WallQueueToday;
}

export interface WallAgentCall {
  callId: string;
  caller: string;
  queue?: string;
  /** Box time the agent started talking (absent while ringing). */
  talkingSince?: number;
  held?: boolean;
  /** The call's `mos` (WallCall). */
  mos?: number;
}

export interface WallAgent {
  id: string;
  name?: string;
  extension: string;
  state: WallAgentState;
  reason?: string;
  /** Box time the state began. */
  since: number;
  queues: string[];
  callsTaken: number;
  call?: WallAgentCall;
}

/** Colour limits set by a supervisor. Wait and waiting turn amber/red at or above their
 *  limits; the service level turns amber/red below them. (The service level's time X is the
 *  reports' setting, so the wallboard and the reports count the same.) */
export interface WallboardThresholds {
  longestWaitSec: { amber: number; red: number };
  waiting: { amber: number; red: number };
  serviceLevelPct: { amber: number; red: number };
}

export const DEFAULT_THRESHOLDS: WallboardThresholds = {
  longestWaitSec: { amber: 60, red: 120 },
  waiting: { amber: 5, red: 10 },
  serviceLevelPct: { amber: 90, red: 80 },
};

export interface WallboardModel {
  /** The site's calendar day the "today" figures count (YYYY-MM-DD in the box's time zone). */
  day: string;
  calls: Record<string, WallCall>;
  queues: Record<string, WallQueue>;
  agents: Record<string, WallAgent>;
  thresholds: WallboardThresholds;
}

/** GET /api/wallboard: the model as of delta `seq`. */
export interface WallboardSnapshot {
  seq: number;
  serverTime: number;
  model: WallboardModel;
}

/** A change pushed on /api/events: entries replaced (null: gone); `seq` counts deltas without gaps. */
export interface WallboardDelta {
  kind: 'wallboard';
  seq: number;
  day?: string;
  calls?: Record<string, WallCall | null>;
  queues?: Record<string, WallQueue | null>;
  agents?: Record<string, WallAgent | null>;
  thresholds?: WallboardThresholds;
}

function patch<T>(into: Record<string, T>, changes: Record<string, T | null> | undefined): Record<string, T> {
  if (!changes) return into;
  const out = { ...into };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/** The model after a delta (the input is not changed). */
export function applyDelta(model: WallboardModel, d: Omit<WallboardDelta, 'kind' | 'seq'>): WallboardModel {
  return {
    day: d.day ?? model.day,
    calls: patch(model.calls, d.calls),
    queues: patch(model.queues, d.queues),
    agents: patch(model.agents, d.agents),
    thresholds: d.thresholds ?? model.thresholds,
  };
}

/**
 * A page's model as of delta `seq`, brought up to date with deltas received since (in order):
 * older ones are skipped, the next ones applied; `gap` says one went missing (read a new
 * snapshot; the deltas after the gap are not applied).
 */
export function catchUp(model: WallboardModel, seq: number, deltas: readonly WallboardDelta[]): { model: WallboardModel; seq: number; gap: boolean } {
  for (const d of deltas) {
    if (d.seq <= seq) continue;
    if (d.seq !== seq + 1) return { model, seq, gap: true };
    model = applyDelta(model, d);
    seq = d.seq;
  }
  return { model, seq, gap: false };
}

/** Calls in progress by phase. */
export function callsByPhase(model: Pick<WallboardModel, 'calls'>): Record<CallPhase, number> {
  const out: Record<CallPhase, number> = { ivr: 0, queued: 0, ringing: 0, talking: 0, held: 0, other: 0 };
  for (const c of Object.values(model.calls)) out[c.phase]++;
  return out;
}

export type Colour = 'ok' | 'amber' | 'red';

/** A call's live MOS as a colour: ITU-T G.107's bands, "satisfied" from 4.0, "some users
 *  dissatisfied" from 3.6, worse below (the same for every supervisor, unlike the queue limits). */
export function mosColour(mos: number): Colour {
  return mos >= 4 ? 'ok' : mos >= 3.6 ? 'amber' : 'red';
}

/** The colour of a queue figure under the thresholds (undefined value: no colour). */
export function colourOf(metric: 'longestWaitSec' | 'waiting' | 'serviceLevelPct', value: number | undefined, t: WallboardThresholds): Colour {
  if (value === undefined) return 'ok';
  const limit = t[metric];
  if (metric === 'serviceLevelPct') return value < limit.red ? 'red' : value < limit.amber ? 'amber' : 'ok';
  return value >= limit.red ? 'red' : value >= limit.amber ? 'amber' : 'ok';
}

/** Why a set of thresholds is not coherent ('' when it is). */
export function thresholdProblem(t: WallboardThresholds): string {
  if (t.longestWaitSec.amber > t.longestWaitSec.red) return 'longestWaitSec: amber must not be above red';
  if (t.waiting.amber > t.waiting.red) return 'waiting: amber must not be above red';
  if (t.serviceLevelPct.amber < t.serviceLevelPct.red) return 'serviceLevelPct: amber must not be below red (the level turns red below the red limit)';
  return '';
}

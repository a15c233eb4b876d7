// The wallboard's pure core: plain facts about the box now (calls, the queues' waiting lists,
// agent records, configuration) plus today's counters and the thresholds in; the wallboard
// model out (buildModel), and the difference between two models as a delta (diffModels).
// No I/O, no clock of its own: `now` is passed in, and times a phase or talk began are carried
// over from the previous model.
import type { CallPhase, WallAgent, WallAgentState, WallCall, WallQueue, WallboardDelta, WallboardModel, WallboardThresholds } from './wallboard-wire.ts';
import type { ReportSettings } from '../reports/figures.ts';
import { queueToday, serviceLevelSecOf, type TodayCounts } from './today-counts.ts';

export interface CallFacts {
  callId: string;
  state: 'routing' | 'ringing' | 'answered' | 'ending' | 'ended';
  caller: string;
  /** The caller's extension when an extension calls. */
  callerExtension?: string;
  dialled: string;
  startedAt: number;
  /** The callee's number and extension, once known. */
  callee?: string;
  calleeExtension?: string;
  /** A callee leg is bridged to the caller (answered and connected). */
  connected: boolean;
  /** Either side has put the call on hold. */
  held: boolean;
  /** Inside an IVR flow now. */
  inIvr: boolean;
  /** The queue the call is in or came through. */
  queue?: string;
  /** In a queue's waiting list now. */
  waiting: boolean;
  /** An agent's phone ringing for this queued caller. */
  ringingAgent?: string;
  /** The agent who took the call from the queue. */
  agent?: string;
  /** Estimated MOS of the worse leg in the latest live quality reading (legs with media only). */
  mos?: number;
}

export interface WaitingFact {
  queue: string;
  callId: string;
  enteredAt: number;
}

export interface AgentFacts {
  id: string;
  name?: string;
  extension: string;
  queues: string[];
  state: WallAgentState;
  reason?: string;
  since: number;
  callId?: string;
  queue?: string;
  callsTaken: number;
}

export interface WallFacts {
  now: number;
  queues: { name: string; displayName?: string }[];
  waiting: WaitingFact[];
  calls: CallFacts[];
  agents: AgentFacts[];
}

/** Where a call is now; undefined while the box sets up a call it answers itself, and once it is ending. */
export function callPhase(c: CallFacts): CallPhase | undefined {
  if (c.state === 'ending' || c.state === 'ended') return undefined;
  // Before an answer: a phone ringing; a call the box itself answers is not shown until it does.
  if (c.state === 'routing' || c.state === 'ringing') return c.callee !== undefined ? 'ringing' : undefined;
  if (c.connected) return c.held ? 'held' : 'talking';
  if (c.waiting) return c.ringingAgent ? 'ringing' : 'queued';
  if (c.inIvr) return 'ivr';
  return 'other';
}

function buildCall(c: CallFacts, phase: CallPhase, prev: WallCall | undefined, now: number): WallCall {
  const talking = phase === 'talking' || phase === 'held';
  return {
    callId: c.callId,
    phase,
    since: prev && prev.phase === phase ? prev.since : now,
    caller: c.caller,
    dialled: c.dialled,
    startedAt: c.startedAt,
    ...(c.queue ? { queue: c.queue } : {}),
    ...(c.agent ?? c.ringingAgent ? { agent: c.agent ?? c.ringingAgent } : {}),
    ...(c.callee && (talking || phase === 'ringing') ? { callee: c.callee } : {}),
    ...(talking ? { talkingSince: prev?.talkingSince ?? now } : {}),
    ...(talking && c.mos !== undefined ? { mos: c.mos } : {}),
  };
}

const AGENT_COUNT: Record<WallAgentState, keyof WallQueue['agents'] | undefined> = {
  'logged-out': undefined, available: 'available', ringing: 'ringing', 'on-call': 'onCall', 'wrap-up': 'wrapUp', break: 'break',
};

function buildAgent(a: AgentFacts, calls: Map<string, { facts: CallFacts; wall: WallCall }>): WallAgent {
  let call: WallAgent['call'];
  const own = a.callId ? calls.get(a.callId) : undefined;
  if (own && (a.state === 'ringing' || a.state === 'on-call')) {
    call = {
      callId: own.facts.callId,
      caller: own.facts.caller,
      ...(a.queue ?? own.facts.queue ? { queue: a.queue ?? own.facts.queue } : {}),
      ...(a.state === 'on-call' ? { talkingSince: a.since } : {}),
      ...(own.wall.phase === 'held' ? { held: true } : {}),
      ...(own.wall.mos !== undefined ? { mos: own.wall.mos } : {}),
    };
  } else {
    // A direct call on the agent's phone (not from a queue).
    for (const { facts, wall } of calls.values()) {
      const mine = facts.callerExtension === a.extension ? facts.callee ?? facts.dialled : facts.calleeExtension === a.extension ? facts.caller : undefined;
      if (mine === undefined) continue;
      call = {
        callId: facts.callId,
        caller: mine,
        ...(wall.talkingSince !== undefined ? { talkingSince: wall.talkingSince } : {}),
        ...(wall.phase === 'held' ? { held: true } : {}),
        ...(wall.mos !== undefined ? { mos: wall.mos } : {}),
      };
      break;
    }
  }
  return {
    id: a.id,
    ...(a.name ? { name: a.name } : {}),
    extension: a.extension,
    state: a.state,
    ...(a.state === 'break' && a.reason ? { reason: a.reason } : {}),
    since: a.since,
    queues: a.queues,
    callsTaken: a.callsTaken,
    ...(call ? { call } : {}),
  };
}

/** The wallboard model for these facts and today's counts (service-level times from the
 *  report settings); `prev` carries the times phases and talks began. */
export function buildModel(f: WallFacts, today: TodayCounts, settings: ReportSettings, thresholds: WallboardThresholds, prev?: WallboardModel): WallboardModel {
  const calls: Record<string, WallCall> = {};
  const byId = new Map<string, { facts: CallFacts; wall: WallCall }>();
  for (const c of f.calls) {
    const phase = callPhase(c);
    if (!phase) continue;
    const wall = buildCall(c, phase, prev?.calls[c.callId], f.now);
    calls[c.callId] = wall;
    byId.set(c.callId, { facts: c, wall });
  }
  const agents: Record<string, WallAgent> = {};
  for (const a of f.agents) agents[a.id] = buildAgent(a, byId);
  const queues: Record<string, WallQueue> = {};
  for (const q of f.queues) {
    const waiting = f.waiting.filter((w) => w.queue === q.name);
    const counts: WallQueue['agents'] = { loggedIn: 0, available: 0, ringing: 0, onCall: 0, wrapUp: 0, break: 0 };
    for (const a of f.agents) {
      if (!a.queues.includes(q.name)) continue;
      const key = AGENT_COUNT[a.state];
      if (!key) continue;
      counts.loggedIn++;
      counts[key]++;
    }
    queues[q.name] = {
      name: q.name,
      ...(q.displayName ? { displayName: q.displayName } : {}),
      waiting: waiting.length,
      ...(waiting.length ? { oldestEnteredAt: Math.min(...waiting.map((w) => w.enteredAt)) } : {}),
      agents: counts,
      today: queueToday(today.queues[q.name], serviceLevelSecOf(settings, q.name)),
    };
  }
  return { day: today.day, calls, queues, agents, thresholds };
}

function diffRecord<T>(a: Record<string, T>, b: Record<string, T>): Record<string, T | null> | undefined {
  const out: Record<string, T | null> = {};
  let any = false;
  for (const [k, v] of Object.entries(b)) {
    if (JSON.stringify(a[k]) !== JSON.stringify(v)) {
      out[k] = v;
      any = true;
    }
  }
  for (const k of Object.keys(a)) {
    if (!(k in b)) {
      out[k] = null;
      any = true;
    }
  }
  return any ? out : undefined;
}

/** What changed from `a` to `b`, as a delta body; undefined when nothing did. */
export function diffModels(a: WallboardModel, b: WallboardModel): Omit<WallboardDelta, 'kind' | 'seq'> | undefined {
  const d: Omit<WallboardDelta, 'kind' | 'seq'> = {};
  if (a.day !== b.day) d.day = b.day;
  const calls = diffRecord(a.calls, b.calls);
  if (calls) d.calls = calls;
  const queues = diffRecord(a.queues, b.queues);
  if (queues) d.queues = queues;
  const agents = diffRecord(a.agents, b.agents);
  if (agents) d.agents = agents;
  if (JSON.stringify(a.thresholds) !== JSON.stringify(b.thresholds)) d.thresholds = b.thresholds;
  return Object.keys(d).length ? d : undefined;
}

// Report arithmetic (数据统计): queue and agent figures per interval, computed from the ACD
// queue log alone (rows as system/acd writes them: `{ type, at, ...data }`). Pure: rows, the
// window, the interval kind, the time zone, the settings and the clock (`now`) in; plain
// figures out. Never reads LMDB, never looks at live objects, never throws on odd rows (an
// outcome without its `enter`, an agent row without a known earlier state: skipped or
// started from there).
//
// Definitions (times in ms; T = short-abandon threshold, X = the queue's service-level
// threshold; a "call" is one stay in one queue: an overflow to another queue starts a new one
// there). Queue figures are counted in the interval in which the call ENTERED the queue
// (Genesys "interval of arrival"), so within an interval
//   offered = answered + abandoned + shortAbandoned + overflowed + exited + lost + waiting.
//  - offered        `enter` rows.
//  - answered       calls with a `connect` row.
//  - shortAbandoned `abandon` with waitMs < T (the caller hung up before T: not counted as
//                   offered service; excluded from abandoned, abandon rate and service level).
//  - abandoned      `abandon` with waitMs >= T.
//  - overflowed     `overflow` after entering (max wait, last agent left); `blocked` counts the
//                   `overflow` rows of callers turned away at entry (queue full, nobody
//                   logged in): they never entered, so they are not offered (Asterisk FULL /
//                   JOINEMPTY are not ENTERQUEUE either), and are counted in their own interval.
//  - exited         `exit` (exit key, callback request).   lost: `lost` (box restart).
//  - waiting        entered, no outcome yet at `now`.
//  - abandonRate    abandoned / (offered − shortAbandoned); null when that is 0.
//  - asaMs          Σ waitMs of answered / answered (ASA; wait = enter → connect, ring time
//                   included); null when none answered.
//  - longestWaitMs  the longest waitMs of any ended stay (answered, abandoned incl. short,
//                   overflowed, exited, lost); 0 when none.
//  - serviceLevel   answeredWithin / (answered + abandoned), answeredWithin = answered with
//                   waitMs <= X (Genesys "answered within X of answered + abandoned"; short
//                   abandons excluded); null when the denominator is 0.
//  - serviceLevelAbandonsWithin  (answeredWithin + abandonedWithin) / (answered + abandoned),
//                   abandonedWithin = abandoned (>= T) with waitMs <= X (Asterisk
//                   servicelevelperf2: an abandon within X counts as met).
//  - talkMs         Σ talkMs of `complete` and `transfer` rows (connect → hang-up or the
//                   agent's transfer). Hold is INSIDE talk: the queue log has no hold rows, so
//                   hold is not shown separately (talk here = talk + hold).
//  - wrapUpMs       Σ time the agent spent in wrap-up after the call (agent-wrap-up row → the
//                   agent's next state row); 0 for queues without wrap-up.
//  - handled        answered calls whose talk and wrap-up have both ended by `now`.
//  - ahtMs          Σ (talk + wrap-up) of handled calls / handled (AHT = talk + hold + wrap-up).
//  - avgTalkMs      Σ talk of calls whose talk ended / that count.
// Agent figures: per-call counts (answered, talk, wrap-up, AHT) in the interval of the
// `connect`; state times sliced into intervals at their boundaries and clipped at `now`:
//  - loggedInMs     time in any state but logged-out; availableMs, ringingMs, onCallMs,
//                   wrapUpMs (state time), breakMs and breakByReason (reason → ms).
//  - occupancy      (onCallMs + wrapUpMs) / (loggedInMs − breakMs): the share of the time the
//                   agent was ready for calls (available, ringing, on a call, wrap-up) spent
//                   handling calls; null when that time is 0.
//  - noAnswer       `no-answer` rows (RONA), declined: `declined` rows.
// The state an agent was in at the window's start comes from `initialStates` (the last
// agent row before it, found by the reader); without one, the agent's first row starts it.
import { intervalsBetween, type Interval, type IntervalKind } from './intervals.ts';

export interface QueueLogRow {
  type: string;
  at: number;
  [field: string]: unknown;
}

export interface ReportSettings {
  /** An abandon with a shorter wait is a short abandon (s). */
  shortAbandonSec: number;
  /** Service-level threshold X (s) of queues without their own. */
  serviceLevelSec: number;
  /** Per-queue X (s). */
  queueServiceLevelSec: Readonly<Record<string, number>>;
}

export const DEFAULT_SETTINGS: ReportSettings = { shortAbandonSec: 5, serviceLevelSec: 20, queueServiceLevelSec: {} };

export interface QueueFigures {
  interval: Interval;
  queue: string;
  serviceLevelSec: number;
  offered: number;
  answered: number;
  abandoned: number;
  shortAbandoned: number;
  overflowed: number;
  blocked: number;
  exited: number;
  lost: number;
  waiting: number;
  answeredWithinSl: number;
  abandonedWithinSl: number;
  abandonRate: number | null;
  asaMs: number | null;
  longestWaitMs: number;
  serviceLevel: number | null;
  serviceLevelAbandonsWithin: number | null;
  talkMs: number;
  talked: number;
  wrapUpMs: number;
  handled: number;
  ahtMs: number | null;
  avgTalkMs: number | null;
}

export interface AgentFigures {
  interval: Interval;
  agent: string;
  answered: number;
  talkMs: number;
  talked: number;
  wrapUpMs: number;
  handled: number;
  ahtMs: number | null;
  avgTalkMs: number | null;
  noAnswer: number;
  declined: number;
  loggedInMs: number;
  availableMs: number;
  ringingMs: number;
  onCallMs: number;
  wrapUpStateMs: number;
  breakMs: number;
  breakByReason: Record<string, number>;
  occupancy: number | null;
}

export interface AgentStateAt {
  state: string;
  reason?: string;
  /** The call the agent was on (on-call), to tie a following wrap-up to it. */
  callId?: string;
}

export interface ReportInput {
  rows: readonly QueueLogRow[];
  from: number;
  to: number;
  interval: IntervalKind;
  timeZone: string;
  now: number;
  settings: ReportSettings;
  /** Only these queues / agents (all when absent). */
  queue?: string;
  agent?: string;
  /** Each agent's state at `from` (the reader finds it before the window). */
  initialStates?: Readonly<Record<string, AgentStateAt>>;
}

export interface Report {
  intervals: Interval[];
  queues: QueueFigures[];
  agents: AgentFigures[];
}

/** One stay of a caller in one queue. */
interface Stay {
  callId: string;
  queue: string;
  enteredAt: number;
  outcome?: 'answered' | 'abandoned' | 'short' | 'overflowed' | 'exited' | 'lost';
  waitMs?: number;
  agent?: string;
  connectedAt?: number;
  talkMs?: number;
  /** undefined: wrap-up not over (or not started); a number once it ended (0 without wrap-up). */
  wrapMs?: number;
}

const AGENT_STATE_ROWS = new Set(['agent-login', 'agent-logout', 'agent-available', 'agent-ringing', 'agent-on-call', 'agent-wrap-up', 'agent-break', 'agent-reconciled']);

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function serviceLevelSecOf(settings: ReportSettings, queue: string): number {
  return settings.queueServiceLevelSec[queue] ?? settings.serviceLevelSec;
}

function emptyQueue(interval: Interval, queue: string, settings: ReportSettings): QueueFigures {
  return {
    interval, queue, serviceLevelSec: serviceLevelSecOf(settings, queue),
    offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, overflowed: 0, blocked: 0, exited: 0, lost: 0, waiting: 0,
    answeredWithinSl: 0, abandonedWithinSl: 0, abandonRate: null, asaMs: null, longestWaitMs: 0,
    serviceLevel: null, serviceLevelAbandonsWithin: null, talkMs: 0, talked: 0, wrapUpMs: 0, handled: 0, ahtMs: null, avgTalkMs: null,
  };
}

function emptyAgent(interval: Interval, agent: string): AgentFigures {
  return {
    interval, agent, answered: 0, talkMs: 0, talked: 0, wrapUpMs: 0, handled: 0, ahtMs: null, avgTalkMs: null, noAnswer: 0, declined: 0,
    loggedInMs: 0, availableMs: 0, ringingMs: 0, onCallMs: 0, wrapUpStateMs: 0, breakMs: 0, breakByReason: {}, occupancy: null,
  };
}

/** Index of the interval containing `at`, or -1 (intervals are sorted and contiguous). */
function indexOf(intervals: readonly Interval[], at: number): number {
  let lo = 0;
  let hi = intervals.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const iv = intervals[mid];
    if (at < iv.start) hi = mid - 1;
    else if (at >= iv.end) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Queue and agent figures for every interval of [from, to) (intervals clipped to it). */
export function computeReport(input: ReportInput): Report {
  const { settings, now } = input;
  const intervals = intervalsBetween(input.from, input.to, input.interval, input.timeZone).map((iv) => ({
    start: Math.max(iv.start, input.from), end: Math.min(iv.end, input.to), label: iv.label,
  }));
  const rows = [...input.rows].filter((r) => r && typeof r.type === 'string' && num(r.at) !== undefined && r.at <= now).sort((a, b) => a.at - b.at);

  // ---- replay: stays (queue side) and agent timelines ----
  const stays: Stay[] = [];
  const current = new Map<string, Stay>(); // callId -> the stay still open (in the queue or talking)
  const blocked: { queue: string; at: number; waitMs: number }[] = [];
  const agentCalls: { agent: string; stay: Stay }[] = [];
  const agentCounts: { agent: string; at: number; kind: 'noAnswer' | 'declined' }[] = [];
  type Segment = { agent: string; state: string; reason?: string; start: number; end: number };
  const segments: Segment[] = [];
  const agentState = new Map<string, AgentStateAt & { since: number }>();
  const wrapOf = new Map<string, { stay?: Stay; since: number }>(); // agent -> open wrap-up
  const onCallStay = new Map<string, Stay>(); // agent -> stay being talked on
  for (const [agent, s] of Object.entries(input.initialStates ?? {})) {
    agentState.set(agent, { ...s, since: input.from });
    if (s.state === 'wrap-up') wrapOf.set(agent, { since: input.from }); // its call is before the window
  }

  const stayOf = (row: QueueLogRow): Stay | undefined => {
    const id = str(row.callId);
    const s = id ? current.get(id) : undefined;
    return s && s.queue === row.queue ? s : undefined;
  };
  const end = (s: Stay, outcome: NonNullable<Stay['outcome']>, waitMs: number | undefined) => {
    s.outcome = outcome;
    s.waitMs = waitMs ?? 0;
  };

  for (const row of rows) {
    switch (row.type) {
      case 'enter': {
        const callId = str(row.callId);
        const queue = str(row.queue);
        if (!callId || !queue) break;
        const s: Stay = { callId, queue, enteredAt: row.at };
        stays.push(s);
        current.set(callId, s);
        break;
      }
      case 'connect': {
        const s = stayOf(row);
        if (s && !s.outcome) {
          end(s, 'answered', num(row.waitMs));
          s.agent = str(row.agent);
          s.connectedAt = row.at;
          if (s.agent) {
            agentCalls.push({ agent: s.agent, stay: s });
            onCallStay.set(s.agent, s);
          }
        } else if (str(row.agent)) {
          // Entered before the window: still the agent's call.
          const orphan: Stay = { callId: str(row.callId) ?? '', queue: str(row.queue) ?? '', enteredAt: -Infinity, outcome: 'answered', waitMs: num(row.waitMs) ?? 0, agent: str(row.agent), connectedAt: row.at };
          current.set(orphan.callId, orphan);
          agentCalls.push({ agent: orphan.agent!, stay: orphan });
          onCallStay.set(orphan.agent!, orphan);
        }
        break;
      }
      case 'abandon': {
        const s = stayOf(row);
        if (!s || s.outcome) break;
        const waitMs = num(row.waitMs) ?? 0;
        end(s, waitMs < settings.shortAbandonSec * 1000 ? 'short' : 'abandoned', waitMs);
        current.delete(s.callId);
        break;
      }
      case 'overflow': {
        const s = stayOf(row);
        if (s && !s.outcome) {
          end(s, 'overflowed', num(row.waitMs));
          current.delete(s.callId);
        } else if (str(row.queue) && (row.why === 'full' || row.why === 'empty')) {
          blocked.push({ queue: row.queue as string, at: row.at, waitMs: num(row.waitMs) ?? 0 });
        }
        break;
      }
      case 'exit':
      case 'lost': {
        const s = stayOf(row);
        if (!s || s.outcome) break;
        end(s, row.type === 'exit' ? 'exited' : 'lost', num(row.waitMs));
        current.delete(s.callId);
        break;
      }
      case 'complete':
      case 'transfer': {
        const s = stayOf(row);
        if (!s || s.outcome !== 'answered' || s.talkMs !== undefined) break;
        s.talkMs = num(row.talkMs) ?? 0;
        current.delete(s.callId);
        break;
      }
      case 'no-answer':
      case 'declined': {
        const agent = str(row.agent);
        if (agent) agentCounts.push({ agent, at: row.at, kind: row.type === 'no-answer' ? 'noAnswer' : 'declined' });
        break;
      }
      default:
        if (AGENT_STATE_ROWS.has(row.type)) {
          const agent = str(row.agent);
          const to = str(row.to);
          if (!agent || !to) break;
          const prev = agentState.get(agent);
          if (prev) segments.push({ agent, state: prev.state, reason: prev.reason, start: prev.since, end: row.at });
          // Wrap-up ends with any next state; the one that starts belongs to the call just talked.
          const wrap = wrapOf.get(agent);
          if (wrap) {
            if (wrap.stay) wrap.stay.wrapMs = (wrap.stay.wrapMs ?? 0) + (row.at - wrap.since);
            wrapOf.delete(agent);
          }
          const talked = onCallStay.get(agent);
          if (prev?.state === 'on-call' && to !== 'on-call') {
            onCallStay.delete(agent);
            if (to === 'wrap-up' && talked) wrapOf.set(agent, { stay: talked, since: row.at });
            else if (to === 'wrap-up') wrapOf.set(agent, { since: row.at });
            else if (talked) talked.wrapMs = 0;
          } else if (to === 'wrap-up' && !wrap) {
            wrapOf.set(agent, { stay: talked, since: row.at });
          }
          agentState.set(agent, { state: to, reason: to === 'break' ? str(row.reason) : undefined, since: row.at });
        }
    }
  }
  for (const [agent, s] of agentState) segments.push({ agent, state: s.state, reason: s.reason, start: s.since, end: now });

  // ---- queue figures ----
  const queueCells = new Map<string, QueueFigures>();
  const queueCell = (i: number, queue: string) => {
    const key = `${i}\u0000${queue}`;
    let c = queueCells.get(key);
    if (!c) queueCells.set(key, (c = emptyQueue(intervals[i], queue, settings)));
    return c;
  };
  const waitSums = new Map<QueueFigures, { asa: number; handle: number }>();
  for (const s of stays) {
    if (input.queue && s.queue !== input.queue) continue;
    const i = indexOf(intervals, s.enteredAt);
    if (i < 0) continue;
    const c = queueCell(i, s.queue);
    const sums = waitSums.get(c) ?? { asa: 0, handle: 0 };
    waitSums.set(c, sums);
    const slMs = c.serviceLevelSec * 1000;
    c.offered++;
    if (s.outcome === undefined) {
      c.waiting++;
      continue;
    }
    const wait = s.waitMs ?? 0;
    c.longestWaitMs = Math.max(c.longestWaitMs, wait);
    switch (s.outcome) {
      case 'answered':
        c.answered++;
        sums.asa += wait;
        if (wait <= slMs) c.answeredWithinSl++;
        if (s.talkMs !== undefined) {
          c.talked++;
          c.talkMs += s.talkMs;
          if (s.wrapMs !== undefined) {
            c.handled++;
            c.wrapUpMs += s.wrapMs;
            sums.handle += s.talkMs + s.wrapMs;
          }
        }
        break;
      case 'abandoned':
        c.abandoned++;
        if (wait <= slMs) c.abandonedWithinSl++;
        break;
      case 'short':
        c.shortAbandoned++;
        break;
      case 'overflowed':
        c.overflowed++;
        break;
      case 'exited':
        c.exited++;
        break;
      case 'lost':
        c.lost++;
        break;
    }
  }
  for (const b of blocked) {
    if (input.queue && b.queue !== input.queue) continue;
    const i = indexOf(intervals, b.at);
    if (i >= 0) queueCell(i, b.queue).blocked++;
  }
  for (const c of queueCells.values()) {
    const sums = waitSums.get(c) ?? { asa: 0, handle: 0 };
    c.abandonRate = ratio(c.abandoned, c.offered - c.shortAbandoned);
    c.asaMs = ratio(sums.asa, c.answered);
    c.serviceLevel = ratio(c.answeredWithinSl, c.answered + c.abandoned);
    c.serviceLevelAbandonsWithin = ratio(c.answeredWithinSl + c.abandonedWithinSl, c.answered + c.abandoned);
    c.ahtMs = ratio(sums.handle, c.handled);
    c.avgTalkMs = ratio(c.talkMs, c.talked);
  }

  // ---- agent figures ----
  const agentCells = new Map<string, AgentFigures>();
  const agentCell = (i: number, agent: string) => {
    const key = `${i}\u0000${agent}`;
    let c = agentCells.get(key);
    if (!c) agentCells.set(key, (c = emptyAgent(intervals[i], agent)));
    return c;
  };
  const handleSums = new Map<AgentFigures, number>();
  const wanted = (agent: string) => !input.agent || agent === input.agent;
  for (const { agent, stay } of agentCalls) {
    if (!wanted(agent) || stay.connectedAt === undefined) continue;
    const i = indexOf(intervals, stay.connectedAt);
    if (i < 0) continue;
    const c = agentCell(i, agent);
    c.answered++;
    if (stay.talkMs === undefined) continue;
    c.talked++;
    c.talkMs += stay.talkMs;
    if (stay.wrapMs === undefined) continue;
    c.handled++;
    c.wrapUpMs += stay.wrapMs;
    handleSums.set(c, (handleSums.get(c) ?? 0) + stay.talkMs + stay.wrapMs);
  }
  for (const n of agentCounts) {
    if (!wanted(n.agent)) continue;
    const i = indexOf(intervals, n.at);
    if (i >= 0) agentCell(i, n.agent)[n.kind]++;
  }
  for (const seg of segments) {
    if (!wanted(seg.agent) || seg.state === 'logged-out') continue;
    const start = Math.max(seg.start, input.from);
    const stop = Math.min(seg.end, input.to, now);
    if (stop <= start) continue;
    for (let i = Math.max(0, indexOf(intervals, start)); i < intervals.length && intervals[i].start < stop; i++) {
      const iv = intervals[i];
      const ms = Math.min(stop, iv.end) - Math.max(start, iv.start);
      if (ms <= 0) continue;
      const c = agentCell(i, seg.agent);
      c.loggedInMs += ms;
      if (seg.state === 'available') c.availableMs += ms;
      else if (seg.state === 'ringing') c.ringingMs += ms;
      else if (seg.state === 'on-call') c.onCallMs += ms;
      else if (seg.state === 'wrap-up') c.wrapUpStateMs += ms;
      else if (seg.state === 'break') {
        c.breakMs += ms;
        const reason = seg.reason ?? 'none';
        c.breakByReason[reason] = (c.breakByReason[reason] ?? 0) + ms;
      }
    }
  }
  for (const c of agentCells.values()) {
    c.ahtMs = ratio(handleSums.get(c) ?? 0, c.handled);
    c.avgTalkMs = ratio(c.talkMs, c.talked);
    c.occupancy = ratio(c.onCallMs + c.wrapUpStateMs, c.loggedInMs - c.breakMs);
  }

  const byIntervalThen = <T extends { interval: Interval }>(key: (x: T) => string) => (a: T, b: T) => a.interval.start - b.interval.start || key(a).localeCompare(key(b));
  return {
    intervals,
    queues: [...queueCells.values()].sort(byIntervalThen((q) => q.queue)),
    agents: [...agentCells.values()].sort(byIntervalThen((a) => a.agent)),
  };
}

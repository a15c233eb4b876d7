// Which calls go to the QA review queue, pure: for one day of calls, every call that
// matches a rule (abandoned in the queue after the box answered, long hold, short talk,
// transferred by the agent, and from the recording's speech analytics: overtalk, agitation,
// silence) plus N random calls per agent per ISO week, spread over
// the week (by the end of weekday d, 0 = Monday, round(N × (d + 1) / 7) are due; a day short
// of calls leaves its share to the next, Sunday takes what is still owed), drawn with a PRNG
// seeded by (seed, agent, day), so a run is reproducible.
// A call already in review is never picked again. Days and weeks are local to the box's
// time zone (reports/intervals.ts; UTC by default). Reading CDRs and writing reviews is
// qa-book.ts's job; this file does no I/O and reads no clock.
import type { Cdr } from '../calls/cdr.ts';
import { intervalStart, nextIntervalStart, wallTime } from '../reports/intervals.ts';

export type ReviewReason = 'random' | 'abandoned' | 'long-hold' | 'short-talk' | 'transfer' | 'overtalk' | 'agitation' | 'silence' | 'manual';

export interface SamplingRules {
  /** Random calls per agent per week (0: none). */
  randomPerAgentPerWeek: number;
  /** Calls whose agent talked less than this many seconds (0: rule off). */
  shortTalkSec: number;
  /** Calls held longer than this many seconds in total (0: rule off; needs `holdMs` on the CDR). */
  longHoldSec: number;
  /** Queue callers the box answered who hung up before an agent took them. */
  abandoned: boolean;
  /** Calls the agent transferred on. */
  transfers: boolean;
  /** Calls whose recording has more than this share (%) of overtalk, both sides at once (0: rule off). */
  overtalkPct?: number;
  /** Calls where either side's agitation estimate (0-100) reaches this (0: rule off). */
  agitation?: number;
  /** Calls whose recording is silent (nobody speaking) for more than this share (%) (0: rule off). */
  silencePct?: number;
}

/** What the speech analytics of a call's recording add to sampling (system/analytics). */
export interface SpeechSample {
  overtalkPct: number;
  silencePct: number;
  caller: { agitation: number | null };
  callee: { agitation: number | null };
}

/** What sampling needs to know about a call. */
export interface SampleCall {
  callId: string;
  startedAt: number;
  /** The agent who took it (the first, if several did); absent for a caller who never reached one. */
  agent?: string;
  queue?: string;
  /** Agent talk time: from connect to the end of the call (or to the agent's transfer). */
  talkMs?: number;
  /** Total hold time, when the CDR records it. */
  holdMs?: number;
  transferred: boolean;
  abandonedAfterAnswer: boolean;
  /** From the recording's speech analytics, when the call has them. */
  overtalkPct?: number;
  silencePct?: number;
  /** The higher agitation estimate of the two sides. */
  agitation?: number;
}

export interface ExistingReview {
  callId: string;
  agent?: string;
  reasons: readonly ReviewReason[];
  /** When the call started. */
  callAt: number;
}

export interface Selected {
  callId: string;
  agent?: string;
  queue?: string;
  callAt: number;
  reasons: ReviewReason[];
}

export const DAY_MS = 86_400_000;

/** Local midnight of the day `t` falls in. */
export const dayStart = (t: number, timeZone = 'UTC') => intervalStart(t, 'day', timeZone);
/** The local midnight after the day starting at `start` (23 or 25 hours on a DST change). */
export const nextDay = (start: number, timeZone = 'UTC') => nextIntervalStart(start, 'day', timeZone);
/** Monday 00:00 (local) of the ISO week `t` falls in. */
export const weekStart = (t: number, timeZone = 'UTC') => intervalStart(t, 'week', timeZone);
/** 0 for Monday ... 6 for Sunday, local. */
export function weekday(t: number, timeZone = 'UTC'): number {
  const w = wallTime(t, timeZone);
  return (new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7;
}

export function sampleCallFromCdr(cdr: Cdr, speech?: SpeechSample): SampleCall {
  const agitation = speech ? Math.max(speech.caller.agitation ?? -1, speech.callee.agitation ?? -1) : -1;
  const agent = cdr.agents?.[0];
  const transfer = cdr.transfers?.[0];
  const talkEnd = transfer && agent ? transfer.at : cdr.endedAt;
  const holdMs = cdr.holdMs;
  return {
    callId: cdr.callId,
    startedAt: cdr.startedAt,
    ...(agent ? { agent } : {}),
    ...(cdr.queue ? { queue: cdr.queue } : {}),
    ...(agent && cdr.connectedAt !== undefined ? { talkMs: Math.max(0, talkEnd - cdr.connectedAt) } : {}),
    ...(typeof holdMs === 'number' ? { holdMs } : {}),
    transferred: !!agent && (cdr.transfers?.length ?? 0) > 0,
    abandonedAfterAnswer: !!cdr.queue && cdr.answeredAt !== undefined && !agent && cdr.hangup.side === 'caller',
    ...(speech ? { overtalkPct: speech.overtalkPct, silencePct: speech.silencePct } : {}),
    ...(agitation >= 0 ? { agitation } : {}),
  };
}

/** The rules a call matches, in a fixed order. */
export function ruleReasons(c: SampleCall, rules: SamplingRules): ReviewReason[] {
  const out: ReviewReason[] = [];
  if (rules.abandoned && c.abandonedAfterAnswer) out.push('abandoned');
  if (rules.longHoldSec > 0 && c.holdMs !== undefined && c.holdMs > rules.longHoldSec * 1000) out.push('long-hold');
  if (rules.shortTalkSec > 0 && c.agent && c.talkMs !== undefined && c.talkMs < rules.shortTalkSec * 1000) out.push('short-talk');
  if (rules.transfers && c.transferred) out.push('transfer');
  if (rules.overtalkPct && c.overtalkPct !== undefined && c.overtalkPct > rules.overtalkPct) out.push('overtalk');
  if (rules.agitation && c.agitation !== undefined && c.agitation >= rules.agitation) out.push('agitation');
  if (rules.silencePct && c.silencePct !== undefined && c.silencePct > rules.silencePct) out.push('silence');
  return out;
}

/**
 * The calls of the (local) day that `day` falls in to put in review. `calls` may hold other
 * days' calls (they are ignored); `existing` is the review queue as it is.
 */
export function selectForReview(o: { calls: readonly SampleCall[]; existing: readonly ExistingReview[]; rules: SamplingRules; day: number; seed: string; timeZone?: string }): Selected[] {
  const tz = o.timeZone ?? 'UTC';
  const day = dayStart(o.day, tz);
  const dayEnd = nextDay(day, tz);
  const week = weekStart(day, tz);
  const weekEnd = nextIntervalStart(week, 'week', tz);
  const reviewed = new Set(o.existing.map((r) => r.callId));
  const today = o.calls.filter((c) => c.startedAt >= day && c.startedAt < dayEnd && !reviewed.has(c.callId)).sort((a, b) => (a.callId < b.callId ? -1 : a.callId > b.callId ? 1 : 0));
  const out: Selected[] = [];
  const taken = new Set<string>();
  for (const c of today) {
    const reasons = ruleReasons(c, o.rules);
    if (!reasons.length) continue;
    out.push({ callId: c.callId, ...(c.agent ? { agent: c.agent } : {}), ...(c.queue ? { queue: c.queue } : {}), callAt: c.startedAt, reasons });
    taken.add(c.callId);
  }
  const n = o.rules.randomPerAgentPerWeek;
  if (n > 0) {
    const soFar = new Map<string, number>();
    for (const r of o.existing) {
      if (r.agent && r.reasons.includes('random') && r.callAt >= week && r.callAt < weekEnd) soFar.set(r.agent, (soFar.get(r.agent) ?? 0) + 1);
    }
    const due = Math.round((n * (weekday(day, tz) + 1)) / 7);
    const byAgent = new Map<string, SampleCall[]>();
    for (const c of today) {
      if (!c.agent || taken.has(c.callId) || c.talkMs === undefined) continue;
      byAgent.set(c.agent, [...(byAgent.get(c.agent) ?? []), c]);
    }
    for (const agent of [...byAgent.keys()].sort()) {
      const quota = Math.max(0, due - (soFar.get(agent) ?? 0));
      if (!quota) continue;
      const pool = shuffle(byAgent.get(agent)!, prng(`${o.seed}|${agent}|${day}`));
      for (const c of pool.slice(0, quota)) out.push({ callId: c.callId, agent, ...(c.queue ? { queue: c.queue } : {}), callAt: c.startedAt, reasons: ['random'] });
    }
  }
  return out;
}

/** mulberry32 seeded with the FNV-1a hash of `seed`: uniform [0, 1). */
export function prng(seed: string): () => number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(list: readonly T[], random: () => number): T[] {
  const a = [...list];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

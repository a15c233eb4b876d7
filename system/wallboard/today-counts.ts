// Today's per-queue counters for the wallboard, kept up to date one queue-log row at a time
// (O(1) per row; the reports' todayFigures replays the whole day, too slow to run on every
// event). The definitions are the reports' (system/reports/figures.ts), and a unit test
// holds the two to the same figures: a call counts in the day it entered the queue (box time
// zone); `enter` is offered; its `connect` answered (within the service level when its wait is
// at most the queue's X); its `abandon` abandoned, or a short abandon below the threshold; an
// overflow, exit or loss ends it uncounted. Service level = answered within X / (answered +
// abandoned). Pure: rows, settings and a clock in, counters out.
import type { ReportSettings } from '../reports/figures.ts';
import type { WallQueueToday } from './wallboard-wire.ts';

export interface QueueLogRow {
  type: string;
  at: number;
  queue?: string;
  callId?: string;
  waitMs?: number;
}

export type QueueCounts = Omit<WallQueueToday, 'serviceLevelPct' | 'serviceLevelSec'>;

export interface TodayCounts {
  /** YYYY-MM-DD in the time zone the rows were counted in. */
  day: string;
  queues: Record<string, QueueCounts>;
  /** Calls that entered a queue today and have no outcome yet: call id -> queue. */
  open: Record<string, string>;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day of `at` in `timeZone` (an unknown zone counts as UTC). */
export function dayOf(at: number, timeZone = 'UTC'): string {
  let f = formats.get(timeZone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    } catch {
      f = new Intl.DateTimeFormat('en-CA', { timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit' });
    }
    formats.set(timeZone, f);
  }
  return f.format(at);
}

export function emptyToday(day: string): TodayCounts {
  return { day, queues: {}, open: {} };
}

const zero = (): QueueCounts => ({ offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, answeredInTime: 0 });

/** The service-level time X of a queue (s). */
export function serviceLevelSecOf(settings: ReportSettings, queue: string): number {
  return settings.queueServiceLevelSec[queue] ?? settings.serviceLevelSec;
}

const OUTCOMES = new Set(['enter', 'connect', 'abandon', 'overflow', 'exit', 'lost']);

/** Count one row. A row of a later day starts that day afresh; a row of an earlier day changes nothing. */
export function countRow(today: TodayCounts, row: QueueLogRow, settings: ReportSettings, timeZone?: string): TodayCounts {
  const { queue, callId } = row;
  if (!queue || !callId || !OUTCOMES.has(row.type)) return today;
  const day = dayOf(row.at, timeZone);
  if (day < today.day) return today;
  const base = day > today.day ? emptyToday(day) : today;
  if (row.type === 'enter') {
    const q = { ...(base.queues[queue] ?? zero()) };
    q.offered++;
    return { day, queues: { ...base.queues, [queue]: q }, open: { ...base.open, [callId]: queue } };
  }
  if (base.open[callId] !== queue) return base; // entered before today, or already ended
  const open = { ...base.open };
  delete open[callId];
  const q = { ...(base.queues[queue] ?? zero()) };
  const waitMs = row.waitMs ?? 0;
  if (row.type === 'connect') {
    q.answered++;
    if (waitMs <= serviceLevelSecOf(settings, queue) * 1000) q.answeredInTime++;
  } else if (row.type === 'abandon') {
    if (waitMs < settings.shortAbandonSec * 1000) q.shortAbandoned++;
    else q.abandoned++;
  }
  return { day, queues: { ...base.queues, [queue]: q }, open };
}

/** Today's counters (the day of `now`) from rows in time order. */
export function countToday(rows: Iterable<QueueLogRow>, now: number, settings: ReportSettings, timeZone?: string): TodayCounts {
  const day = dayOf(now, timeZone);
  let today = emptyToday(day);
  for (const row of rows) if (row.at <= now && dayOf(row.at, timeZone) === day) today = countRow(today, row, settings, timeZone);
  return today;
}

/** A queue's figures for the wallboard, with the service level in % (one decimal). */
export function queueToday(counts: QueueCounts | undefined, serviceLevelSec: number): WallQueueToday {
  const c = counts ?? zero();
  const finished = c.answered + c.abandoned;
  return { ...c, serviceLevelSec, ...(finished > 0 ? { serviceLevelPct: Math.round((c.answeredInTime / finished) * 1000) / 10 } : {}) };
}

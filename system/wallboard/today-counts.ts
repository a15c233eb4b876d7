// Today's per-queue counters for the wallboard (offered, answered, abandoned, answered within
// the service-level time), counted from queue-log rows (system/acd writes them; the same rows
// feed the reports). "Today" is the calendar day in the box's time zone. Pure: rows and a
// clock in, counters out; the caller keeps the result.
import type { WallQueueToday } from './wallboard-wire.ts';

export interface QueueLogRow {
  type: string;
  at: number;
  queue?: string;
  waitMs?: number;
}

export type QueueCounts = Omit<WallQueueToday, 'serviceLevelPct'>;

export interface TodayCounts {
  /** YYYY-MM-DD in the time zone the rows were counted in. */
  day: string;
  queues: Record<string, QueueCounts>;
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
  return { day, queues: {} };
}

const zero = (): QueueCounts => ({ offered: 0, answered: 0, abandoned: 0, answeredInTime: 0 });

/**
 * Count one row. A row of a later day starts that day afresh; a row of an earlier day is not
 * counted. `enter` is offered, `connect` answered (in time when its wait ≤ `slSec`), `abandon`
 * abandoned; other rows change nothing.
 */
export function countRow(today: TodayCounts, row: QueueLogRow, slSec: number, timeZone?: string): TodayCounts {
  if (!row.queue || (row.type !== 'enter' && row.type !== 'connect' && row.type !== 'abandon')) return today;
  const day = dayOf(row.at, timeZone);
  if (day < today.day) return today;
  const base = day > today.day ? emptyToday(day) : today;
  const q = { ...(base.queues[row.queue] ?? zero()) };
  if (row.type === 'enter') q.offered++;
  else if (row.type === 'abandon') q.abandoned++;
  else {
    q.answered++;
    if ((row.waitMs ?? Infinity) <= slSec * 1000) q.answeredInTime++;
  }
  return { day, queues: { ...base.queues, [row.queue]: q } };
}

/** Today's counters (day of `now`) from rows in any order of days. */
export function countToday(rows: Iterable<QueueLogRow>, now: number, slSec: number, timeZone?: string): TodayCounts {
  const day = dayOf(now, timeZone);
  let today = emptyToday(day);
  for (const row of rows) if (dayOf(row.at, timeZone) === day) today = countRow(today, row, slSec, timeZone);
  return today;
}

/** A queue's figures for the wallboard, with the service level in % (one decimal). */
export function queueToday(counts: QueueCounts | undefined): WallQueueToday {
  const c = counts ?? zero();
  const finished = c.answered + c.abandoned;
  return finished > 0 ? { ...c, serviceLevelPct: Math.round((c.answeredInTime / finished) * 1000) / 10 } : { ...c };
}

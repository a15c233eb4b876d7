// The time window of a report request, in the box's time zone. Pure: the query strings and
// the clock in, epoch ms out, or a coded error. A bare date or a date-time without an offset
// is box-local wall time; an ISO time with Z or an offset, or epoch ms, is an instant.
// Without `from`, today from local midnight; without `to`, the end of from's local day.
import { ReportsError } from './errors.ts';
import { intervalCountEstimate, intervalStart, nextIntervalStart, zonedInstant, type IntervalKind } from './intervals.ts';

/** Most intervals one report may have (a month of 15-minute rows is 2,976). */
export const MAX_INTERVALS = 3000;
/** Longest range of one report. */
export const MAX_RANGE_MS = 400 * 24 * 3_600_000;

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/;

/** An instant from a query value, or undefined when it is not one. */
export function parseInstant(value: string, timeZone: string): number | undefined {
  const v = value.trim();
  if (/^\d{10,15}$/.test(v)) return Number(v);
  const m = LOCAL.exec(v);
  if (m) {
    const [y, mo, d, h, mi] = [m[1], m[2], m[3], m[4] ?? '0', m[5] ?? '0'].map(Number);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return undefined;
    return zonedInstant(y, mo, d, h, mi, timeZone);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(v)) {
    const at = Date.parse(v);
    return Number.isFinite(at) ? at : undefined;
  }
  return undefined;
}

export function resolveWindow(q: { from?: string; to?: string; interval: IntervalKind }, now: number, timeZone: string): { from: number; to: number } {
  const from = q.from !== undefined ? parseInstant(q.from, timeZone) : intervalStart(now, 'day', timeZone);
  if (from === undefined) throw new ReportsError('CC_REPORTS_BAD_TIME', `from: not a time: ${q.from}`);
  const to = q.to !== undefined ? parseInstant(q.to, timeZone) : nextIntervalStart(intervalStart(from, 'day', timeZone), 'day', timeZone);
  if (to === undefined) throw new ReportsError('CC_REPORTS_BAD_TIME', `to: not a time: ${q.to}`);
  if (to <= from) throw new ReportsError('CC_REPORTS_BAD_TIME', 'to must be after from');
  if (to - from > MAX_RANGE_MS || intervalCountEstimate(from, to, q.interval) > MAX_INTERVALS) {
    throw new ReportsError('CC_REPORTS_RANGE_TOO_LONG', `at most ${MAX_INTERVALS} intervals and 400 days per report`);
  }
  return { from, to };
}

// Business hours and holidays (参数配置): whether a schedule is open, closed or on holiday at an
// instant, in the box's time zone. Pure: the instant is passed in (callers inject the clock),
// the local date and time come from Intl (so daylight-saving changes are the time zone
// database's, never a fixed offset). Precedence for a local date: an exception decides first
// (its hours replace the weekday's; none = closed), then a holiday, then the weekly hours.
import type { BoxConfig, ScheduleConfig } from '../config/schema.ts';

export type HoursState = 'open' | 'closed' | 'holiday';
export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface LocalTime {
  /** YYYY-MM-DD in the time zone. */
  date: string;
  weekday: Weekday;
  /** Minutes since local midnight (0..1439). */
  minutes: number;
}

export interface HoursDecision {
  state: HoursState;
  /** Why: 'weekly', 'exception <name|date>', 'holiday <name|date>'. */
  because: string;
  local: LocalTime;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS: Record<string, Weekday> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };

/** The wall-clock date, weekday and minute of `at` (epoch ms) in `timeZone` (IANA name). */
export function localTime(at: number, timeZone: string): LocalTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit' });
    formatters.set(timeZone, f);
  }
  const p: Record<string, string> = {};
  for (const part of f.formatToParts(new Date(at))) p[part.type] = part.value;
  return { date: `${p.year}-${p.month}-${p.day}`, weekday: WEEKDAYS[p.weekday], minutes: Number(p.hour) * 60 + Number(p.minute) };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function inRanges(ranges: readonly { from: string; to: string }[] | undefined, minutes: number): boolean {
  return (ranges ?? []).some((r) => minutes >= minutesOf(r.from) && minutes < minutesOf(r.to));
}

/** Whether a calendar entry (one date, a date range, optionally repeating yearly) covers `date`. */
export function coversDate(entry: { date: string; to?: string; yearly?: boolean }, date: string): boolean {
  const to = entry.to ?? entry.date;
  if (!entry.yearly) return date >= entry.date && date <= to;
  const md = date.slice(5);
  const from = entry.date.slice(5);
  const until = to.slice(5);
  // A yearly range may run over New Year (12-24 .. 01-02).
  return from <= until ? md >= from && md <= until : md >= from || md <= until;
}

export function scheduleDecision(schedule: ScheduleConfig, at: number, timeZone: string): HoursDecision {
  const local = localTime(at, timeZone);
  const exception = schedule.exceptions.find((e) => coversDate(e, local.date));
  if (exception) return { state: inRanges(exception.hours, local.minutes) ? 'open' : 'closed', because: `exception ${exception.name ?? exception.date}`, local };
  const holiday = schedule.holidays.find((h) => coversDate(h, local.date));
  if (holiday) return { state: 'holiday', because: `holiday ${holiday.name ?? holiday.date}`, local };
  return { state: inRanges(schedule.weekly[local.weekday], local.minutes) ? 'open' : 'closed', because: 'weekly', local };
}

/** The state of the configured schedule `name` at `at`; an unknown schedule is closed. */
export function hoursState(cfg: Pick<BoxConfig, 'schedules' | 'timeZone'>, name: string, at: number): HoursState {
  const schedule = cfg.schedules?.find((s) => s.name === name);
  return schedule ? scheduleDecision(schedule, at, cfg.timeZone ?? 'UTC').state : 'closed';
}

// Report intervals (15 min, hour, day, week, month) in the box's time zone. Pure: instants in,
// instants out; local wall time comes from Intl (daylight-saving changes are the time zone
// database's), never from a fixed offset. Sub-day intervals step in real time from a local
// boundary (a 25-hour day has 25 hour rows, the repeated hour twice); day, week (ISO, from
// Monday) and month intervals start at local midnight and step in calendar time.

export type IntervalKind = '15min' | 'hour' | 'day' | 'week' | 'month';
export const INTERVAL_KINDS: readonly IntervalKind[] = ['15min', 'hour', 'day', 'week', 'month'];

export interface Interval {
  /** Epoch ms, inclusive. */
  start: number;
  /** Epoch ms, exclusive. */
  end: number;
  /** Local start as 'YYYY-MM-DD HH:MM' in the time zone. */
  label: string;
}

interface WallTime {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock time of `at` in `timeZone`. */
export function wallTime(at: number, timeZone: string): WallTime {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(at))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return { year: p.year, month: p.month, day: p.day, hour: p.hour, minute: p.minute, second: p.second };
}

/** Offset of the zone from UTC at `at`, in ms (local = utc + offset). Whole seconds only. */
function offsetAt(at: number, timeZone: string): number {
  const w = wallTime(at, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (at - (((at % 1000) + 1000) % 1000));
}

/**
 * The instant of a local wall time (month may overflow: Date.UTC normalises it). In a gap
 * (spring forward) the instant after the gap; in a repeated hour the earlier one.
 */
export function zonedInstant(year: number, month: number, day: number, hour = 0, minute = 0, timeZone = 'UTC'): number {
  const utc = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets a few hours either side (no zone changes offset twice within 6 hours).
  const before = utc - offsetAt(utc - 3 * 3_600_000, timeZone);
  const after = utc - offsetAt(utc + 3 * 3_600_000, timeZone);
  const matching = [before, after].filter((at) => wallMatches(at, utc, timeZone));
  // In a gap no instant matches: the offset from before the gap lands just after it.
  return matching.length ? Math.min(...matching) : before;
}

function wallMatches(at: number, utcWall: number, timeZone: string): boolean {
  const w = wallTime(at, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) === utcWall;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** 'YYYY-MM-DD HH:MM' of `at` in the zone. */
export function localLabel(at: number, timeZone: string): string {
  const w = wallTime(at, timeZone);
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)}`;
}

/** 'YYYY-MM-DD' of `at` in the zone. */
export function localDate(at: number, timeZone: string): string {
  return localLabel(at, timeZone).slice(0, 10);
}

/** Start of the interval of `kind` that contains `at`. */
export function intervalStart(at: number, kind: IntervalKind, timeZone: string): number {
  const w = wallTime(at, timeZone);
  switch (kind) {
    case '15min':
    case 'hour': {
      const stepMin = kind === '15min' ? 15 : 60;
      // Real minutes since the local wall time's boundary (offsets may be :30 or :45).
      const intoMs = ((w.minute % stepMin) * 60 + w.second) * 1000 + (((at % 1000) + 1000) % 1000);
      return at - intoMs;
    }
    case 'day':
      return zonedInstant(w.year, w.month, w.day, 0, 0, timeZone);
    case 'week': {
      const weekday = (new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7; // Monday 0
      return zonedInstant(w.year, w.month, w.day - weekday, 0, 0, timeZone);
    }
    case 'month':
      return zonedInstant(w.year, w.month, 1, 0, 0, timeZone);
  }
}

/** Start of the interval after the one starting at `start`. */
export function nextIntervalStart(start: number, kind: IntervalKind, timeZone: string): number {
  if (kind === '15min') return start + 15 * 60_000;
  if (kind === 'hour') return start + 60 * 60_000;
  const w = wallTime(start, timeZone);
  if (kind === 'day') return zonedInstant(w.year, w.month, w.day + 1, 0, 0, timeZone);
  if (kind === 'week') return zonedInstant(w.year, w.month, w.day + 7, 0, 0, timeZone);
  return zonedInstant(w.year, w.month + 1, 1, 0, 0, timeZone);
}

/** The intervals of `kind` covering [from, to): the first starts at or before `from`. */
export function intervalsBetween(from: number, to: number, kind: IntervalKind, timeZone: string, max = 10_000): Interval[] {
  const out: Interval[] = [];
  let start = intervalStart(from, kind, timeZone);
  while (start < to && out.length < max) {
    const end = nextIntervalStart(start, kind, timeZone);
    out.push({ start, end, label: localLabel(start, timeZone) });
    start = end;
  }
  return out;
}

/** How many intervals [from, to) spans, without building them (for limits); an estimate from the shortest length. */
export function intervalCountEstimate(from: number, to: number, kind: IntervalKind): number {
  const len = { '15min': 15 * 60_000, hour: 3_600_000, day: 23 * 3_600_000, week: 7 * 23 * 3_600_000, month: 28 * 23 * 3_600_000 }[kind];
  return Math.ceil(Math.max(0, to - from) / len) + 1;
}

// Reading the system log back (运行日志 in the admin UI and the console): the pino JSON lines
// of box.log and its rotated files, newest first, filtered by lowest level, module, text
// (case-insensitive, over the message, the code and the error) and a time range, up to a
// limit. The filter is a pure function; the file walk stops once the limit is reached.
import { existsSync, readFileSync } from 'node:fs';

export const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const;
export type LevelName = keyof typeof LEVELS;

export interface LogFilter {
  level?: LevelName;
  module?: string;
  text?: string;
  from?: number;
  to?: number;
  limit?: number;
}

export interface LogEntry {
  time: number;
  level: LevelName;
  module?: string;
  msg: string;
  code?: string;
  /** The line's other fields (err, callId, …). */
  fields: Record<string, unknown>;
}

const NAMES = Object.fromEntries(Object.entries(LEVELS).map(([k, v]) => [v, k])) as Record<number, LevelName>;

/** One pino line as an entry, or undefined when it is not one. */
export function parseLine(line: string): LogEntry | undefined {
  if (!line.startsWith('{')) return undefined;
  let row: Record<string, unknown>;
  try {
    row = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof row.time !== 'number' || typeof row.level !== 'number') return undefined;
  const { time, level, module, msg, code, pid: _pid, hostname: _host, svc: _svc, ...fields } = row;
  return {
    time,
    level: NAMES[level as number] ?? 'info',
    module: typeof module === 'string' ? module : undefined,
    msg: typeof msg === 'string' ? msg : '',
    code: typeof code === 'string' ? code : undefined,
    fields,
  };
}

export function matches(e: LogEntry, f: LogFilter): boolean {
  if (f.level && LEVELS[e.level] < LEVELS[f.level]) return false;
  if (f.module && e.module !== f.module) return false;
  if (f.from !== undefined && e.time < f.from) return false;
  if (f.to !== undefined && e.time > f.to) return false;
  if (f.text) {
    const needle = f.text.toLowerCase();
    const hay = `${e.msg} ${e.code ?? ''} ${JSON.stringify(e.fields)}`.toLowerCase();
    if (!hay.includes(needle)) return false;
  }
  return true;
}

/** Entries of the files (newest file first), newest entry first, that match. */
export function queryLogs(files: readonly string[], filter: LogFilter): { entries: LogEntry[]; truncated: boolean } {
  const limit = filter.limit ?? 200;
  const entries: LogEntry[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const lines = text.split('\n');
    for (let i = lines.length - 1; i >= 0; i--) {
      const e = parseLine(lines[i]!);
      if (!e || !matches(e, filter)) continue;
      // Files are in time order; once older than `from`, the rest is older still.
      entries.push(e);
      if (entries.length >= limit) return { entries, truncated: true };
    }
  }
  return { entries, truncated: false };
}

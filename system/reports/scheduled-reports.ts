// Scheduled report files (定时报表): yesterday's figures every day and last week's every week,
// written as CSV to <data dir>/reports/{daily,weekly}/ on croner schedules in the box's time
// zone. Each run writes the period's queue file (period totals, then per hour for a day or
// per day for a week) and agent file (period totals), atomically (temp file + rename), skips
// a period already written, records a `report-written` event, and keeps the newest `keep`
// periods of each kind. Which period a run covers is the pure `previousPeriod`.
import { Cron } from 'croner';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../store/store.ts';
import type { BoxConfig } from '../config/schema.ts';
import { computeReport } from './figures.ts';
import { agentCsv, queueCsv } from './csv.ts';
import { intervalStart, localDate, localLabel, type IntervalKind } from './intervals.ts';
import { reportRows } from './queue-log-reader.ts';
import { reportSettings, type ReportsConfig } from './reports-config.ts';
import { ReportsError } from './errors.ts';

export type ScheduledKind = 'daily' | 'weekly';

export interface Period {
  kind: ScheduledKind;
  from: number;
  to: number;
  /** The period's first local date, YYYY-MM-DD (the files' names start with it). */
  name: string;
}

/** The whole day (daily) or ISO week (weekly) before the one containing `now`, box-local. */
export function previousPeriod(kind: ScheduledKind, now: number, timeZone: string): Period {
  const unit: IntervalKind = kind === 'daily' ? 'day' : 'week';
  const to = intervalStart(now, unit, timeZone);
  const from = intervalStart(to - 1, unit, timeZone);
  return { kind, from, to, name: localDate(from, timeZone) };
}

export interface ReportsDeps {
  store: Store;
  config: () => BoxConfig & { reports?: ReportsConfig };
  log: { info: (o: object, m: string) => void; error: (o: object, m: string) => void };
  /** Default <data dir>/reports. */
  dir?: string;
}

/** Write the files of one period (unless they exist); the paths written, [] when skipped. */
export async function writePeriodFiles(deps: ReportsDeps, period: Period, now = Date.now()): Promise<string[]> {
  const cfg = deps.config();
  const tz = cfg.timeZone ?? 'UTC';
  const settings = reportSettings(cfg.reports);
  const dir = join(deps.dir ?? join(deps.store.dataDir, 'reports'), period.kind);
  const files = { queues: join(dir, `${period.name}-queues.csv`), agents: join(dir, `${period.name}-agents.csv`) };
  if (existsSync(files.queues) && existsSync(files.agents)) return [];
  const { rows, initialStates } = reportRows(deps.store, period.from, period.to, now);
  const base = { rows, initialStates, from: period.from, to: period.to, timeZone: tz, now, settings };
  const total = computeReport({ ...base, interval: period.kind === 'daily' ? 'day' : 'week' });
  const detail = computeReport({ ...base, interval: period.kind === 'daily' ? 'hour' : 'day' });
  const label = (at: number) => localLabel(at, tz);
  try {
    mkdirSync(dir, { recursive: true });
    for (const [path, text] of [[files.queues, queueCsv([...total.queues, ...detail.queues], label)], [files.agents, agentCsv(total.agents, label)]] as const) {
      writeFileSync(`${path}.tmp`, text);
      renameSync(`${path}.tmp`, path);
    }
  } catch (err) {
    throw new ReportsError('CC_REPORTS_WRITE_FAILED', `${dir}: ${(err as Error).message}`);
  }
  await deps.store.transaction(() => deps.store.appendEvent('report-written', { kind: period.kind, period: period.name, files: [files.queues, files.agents] }, now));
  prune(dir, cfg.reports?.keep ?? 400);
  return [files.queues, files.agents];
}

/** Keep the newest `keep` periods' files in `dir` (names start with the period's date). */
function prune(dir: string, keep: number): void {
  const periods = [...new Set(readdirSync(dir).filter((f) => /^\d{4}-\d{2}-\d{2}-(queues|agents)\.csv$/.test(f)).map((f) => f.slice(0, 10)))].sort();
  for (const old of periods.slice(0, Math.max(0, periods.length - keep))) {
    for (const f of [`${old}-queues.csv`, `${old}-agents.csv`]) rmSync(join(dir, f), { force: true });
  }
}

/** The daily and weekly jobs; `close()` stops them. Reads the config once at start. */
export class ReportScheduler {
  private readonly jobs: Cron[] = [];

  constructor(private readonly deps: ReportsDeps) {}

  start(): void {
    const cfg = this.deps.config();
    const reports = cfg.reports;
    const timezone = cfg.timeZone ?? 'UTC';
    for (const kind of ['daily', 'weekly'] as const) {
      const job = reports?.[kind] ?? { enabled: true, schedule: kind === 'daily' ? '10 0 * * *' : '20 0 * * 1' };
      if (!job.enabled) continue;
      this.jobs.push(new Cron(job.schedule, { timezone, protect: true, catch: true }, () => void this.run(kind)));
    }
  }

  /** Write the previous period's files now (the scheduled run). */
  async run(kind: ScheduledKind, now = Date.now()): Promise<string[]> {
    const period = previousPeriod(kind, now, this.deps.config().timeZone ?? 'UTC');
    try {
      const written = await writePeriodFiles(this.deps, period, now);
      if (written.length) this.deps.log.info({ kind, period: period.name, files: written }, 'scheduled report written');
      return written;
    } catch (err) {
      this.deps.log.error({ code: (err as ReportsError).code ?? 'CC_REPORTS_WRITE_FAILED', kind, period: period.name, err: (err as Error).message }, 'scheduled report failed');
      return [];
    }
  }

  /** When each job runs next (for status pages and tests). */
  nextRuns(): (Date | null)[] {
    return this.jobs.map((j) => j.nextRun());
  }

  close(): void {
    for (const j of this.jobs.splice(0)) j.stop();
  }
}


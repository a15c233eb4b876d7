// QA reports, pure: scores grouped by period (ISO week starting Monday, or calendar month,
// in the box's time zone (UTC by default), by the time of the call) and by agent, team (queue) or criterion, with the count, the
// average and the number of failed calls. An agent's or team's average is the mean of its
// call scores (a failed call counts as 0); a criterion's is the mean share of its points
// earned (a critical criterion: the share of calls it was met), N/A answers left out.
import { intervalStart, localDate } from '../reports/intervals.ts';
import type { CriterionResult } from './scoring.ts';

export type ReportBy = 'agent' | 'queue' | 'criterion';
export type ReportInterval = 'week' | 'month';

/** What a report reads of a stored score. */
export interface ScoreFacts {
  agent: string;
  queue?: string;
  callAt: number;
  score: number;
  failed: boolean;
  scorecard: string;
  criteria: Record<string, CriterionResult>;
}

export interface ReportRow {
  /** 'YYYY-MM-DD' (the Monday) for weeks, 'YYYY-MM' for months. */
  period: string;
  /** Agent id, queue name, or `<scorecard>/<criterion id>`. */
  key: string;
  /** Calls scored (for a criterion: calls where it was answered, not N/A). */
  count: number;
  /** 0–100, two decimals. */
  average: number;
  /** Failed calls (for a criterion: calls it failed, critical criteria only). */
  failed: number;
  /** Criterion rows only: answers N/A. */
  na?: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

export function periodOf(t: number, interval: ReportInterval, timeZone = 'UTC'): string {
  const date = localDate(intervalStart(t, interval, timeZone), timeZone);
  return interval === 'week' ? date : date.slice(0, 7);
}

export function qaReport(scores: Iterable<ScoreFacts>, o: { by: ReportBy; interval: ReportInterval; from?: number; to?: number; timeZone?: string }): ReportRow[] {
  const acc = new Map<string, { period: string; key: string; count: number; sum: number; failed: number; na: number }>();
  const add = (period: string, key: string, value: number | undefined, failed: boolean) => {
    const id = `${period}\n${key}`;
    const a = acc.get(id) ?? { period, key, count: 0, sum: 0, failed: 0, na: 0 };
    acc.set(id, a);
    if (value === undefined) return void a.na++;
    a.count++;
    a.sum += value;
    if (failed) a.failed++;
  };
  for (const s of scores) {
    if ((o.from !== undefined && s.callAt < o.from) || (o.to !== undefined && s.callAt >= o.to)) continue;
    const period = periodOf(s.callAt, o.interval, o.timeZone);
    if (o.by === 'agent') {
      if (s.agent) add(period, s.agent, s.score, s.failed);
    } else if (o.by === 'queue') {
      add(period, s.queue ?? '', s.score, s.failed);
    } else {
      for (const [id, c] of Object.entries(s.criteria)) {
        const key = `${s.scorecard}/${id}`;
        if (c.na) add(period, key, undefined, false);
        else if (c.possible > 0) add(period, key, (100 * c.earned) / c.possible, false);
        else add(period, key, c.failedCall ? 0 : 100, c.failedCall);
      }
    }
  }
  return [...acc.values()]
    .sort((a, b) => (a.period === b.period ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.period < b.period ? -1 : 1))
    .map((a) => ({ period: a.period, key: a.key, count: a.count, average: a.count ? round2(a.sum / a.count) : 0, failed: a.failed, ...(o.by === 'criterion' ? { na: a.na } : {}) }));
}

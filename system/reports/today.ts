// "Today" figures for the live wallboard: the same report arithmetic (figures.ts) over the
// box-local day that contains `now`, up to `now`, one interval. Pure: the caller reads the
// queue-log rows since local midnight (readQueueLog) and passes the clock.
import { computeReport, type AgentFigures, type AgentStateAt, type QueueFigures, type QueueLogRow, type ReportSettings } from './figures.ts';
import { intervalStart } from './intervals.ts';

export interface TodayFigures {
  /** Local midnight (epoch ms) and the clock the figures were computed at. */
  from: number;
  now: number;
  queues: QueueFigures[];
  agents: AgentFigures[];
}

/** Figures per queue and per agent for today (box-local day of `now`) up to `now`. */
export function todayFigures(rows: readonly QueueLogRow[], now: number, timeZone: string, settings: ReportSettings, initialStates?: Readonly<Record<string, AgentStateAt>>): TodayFigures {
  const from = intervalStart(now, 'day', timeZone);
  // `to` one past now so a row written at `now` counts; figures are clipped at `now` anyway.
  const report = computeReport({ rows, from, to: now + 1, interval: 'day', timeZone, now, settings, initialStates });
  return { from, now, queues: report.queues, agents: report.agents };
}

// The `reports` section of the box configuration (数据统计): the short-abandon threshold, the
// service-level threshold (box-wide and per queue) and the scheduled report files (daily and
// weekly CSV under <data dir>/reports/). Defaults make the box run without the section:
// daily at 00:10 and weekly on Monday at 00:20, box-local time.
import { Type, type Static } from '@sinclair/typebox';
import type { ReportSettings } from './figures.ts';

const Cron = Type.String({ pattern: '^[0-9A-Za-z*/,?#LW -]{1,100}$' });

export const ReportsConfigSchema = Type.Object({
  /** An abandon after a shorter wait is a short abandon: counted apart, not against the queue. */
  shortAbandonSec: Type.Integer({ minimum: 0, maximum: 600, default: 5 }),
  /** Service-level threshold X: answered within X seconds (queues without their own). */
  serviceLevelSec: Type.Integer({ minimum: 1, maximum: 3600, default: 20 }),
  /** Per-queue service-level threshold, queue name -> seconds. */
  queueServiceLevelSec: Type.Record(Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }), Type.Integer({ minimum: 1, maximum: 3600 }), { default: {} }),
  daily: Type.Object({
    /** Write yesterday's report files every day. */
    enabled: Type.Boolean({ default: true }),
    /** Cron expression (croner: 5 or 6 fields), box-local time. */
    schedule: Type.String({ ...Cron, default: '10 0 * * *' }),
  }, { default: {} }),
  weekly: Type.Object({
    /** Write last week's (Monday to Sunday) report files every week. */
    enabled: Type.Boolean({ default: true }),
    schedule: Type.String({ ...Cron, default: '20 0 * * 1' }),
  }, { default: {} }),
  /** Scheduled files kept per kind (older ones are removed after a new one is written). */
  keep: Type.Integer({ minimum: 1, maximum: 3660, default: 400 }),
}, { default: {} });

export type ReportsConfig = Static<typeof ReportsConfigSchema>;

/** The settings of the report arithmetic from the config section (defaults when absent). */
export function reportSettings(cfg: Partial<ReportsConfig> | undefined): ReportSettings {
  return {
    shortAbandonSec: cfg?.shortAbandonSec ?? 5,
    serviceLevelSec: cfg?.serviceLevelSec ?? 20,
    queueServiceLevelSec: cfg?.queueServiceLevelSec ?? {},
  };
}

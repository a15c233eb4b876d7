// The alert decision, pure: given the alerts active now, one round of readings and the
// limits, which alerts are raised and which are cleared. Hysteresis: a "high" limit raises
// at value >= raise and clears only at value <= clear (clear < raise); a "low" limit (MOS,
// link up) raises at value <= raise and clears at value >= clear. A subject without a
// reading this round keeps its state (no evidence either way). No I/O, no clock of its own.
import type { MonitoringConfig } from '../../system/config/monitoring-schema.ts';
import type { MonitoringErrorCode } from './errors.ts';

export type MetricName = 'cpuLoadPct' | 'cpuTempC' | 'memoryPct' | 'diskPct' | 'diskSmartOk' | 'linkUp' | 'mos' | 'lossPct' | 'jitterMs' | 'sipResponseMs' | 'backupOk' | 'trunkConnectOk';
export const METRICS: readonly MetricName[] = ['cpuLoadPct', 'cpuTempC', 'memoryPct', 'diskPct', 'diskSmartOk', 'linkUp', 'mos', 'lossPct', 'jitterMs', 'sipResponseMs', 'backupOk', 'trunkConnectOk'];

/** One measured value: `subject` names what it is of (a mount point, a trunk, an interface; '' for the box). */
export interface Reading {
  metric: MetricName;
  subject: string;
  value: number;
}

export interface Rule {
  metric: MetricName;
  direction: 'high' | 'low';
  raise: number;
  clear: number;
  code: MonitoringErrorCode;
}

export interface ActiveAlert {
  /** `<metric>:<subject>`: one alert per metric and subject at a time. */
  id: string;
  metric: MetricName;
  subject: string;
  code: MonitoringErrorCode;
  direction: 'high' | 'low';
  /** The limit that was crossed, and the value that crossed it. */
  threshold: number;
  value: number;
  raisedAt: number;
}

export interface Decision {
  raised: ActiveAlert[];
  cleared: { alert: ActiveAlert; value: number }[];
}

export const alertId = (metric: string, subject: string) => `${metric}:${subject}`;

/** The rules from the configuration; SMART, link state, the last backup and trunk connections are fixed 0/1 limits.
 *  A clear level on the wrong side of its raise level (a high limit clearing above where it
 *  raises) is taken as the raise level: no hysteresis rather than an alert that flaps. */
export function rulesFrom(t: MonitoringConfig['thresholds']): Rule[] {
  return unflapped([
    { metric: 'cpuLoadPct', direction: 'high', ...t.cpuLoadPct, code: 'CC_MON_CPU_HIGH' },
    { metric: 'cpuTempC', direction: 'high', ...t.cpuTempC, code: 'CC_MON_CPU_HOT' },
    { metric: 'memoryPct', direction: 'high', ...t.memoryPct, code: 'CC_MON_MEMORY_HIGH' },
    { metric: 'diskPct', direction: 'high', ...t.diskPct, code: 'CC_MON_DISK_FULL' },
    { metric: 'diskSmartOk', direction: 'low', raise: 0, clear: 1, code: 'CC_MON_DISK_SMART' },
    { metric: 'linkUp', direction: 'low', raise: 0, clear: 1, code: 'CC_MON_LINK_DOWN' },
    { metric: 'mos', direction: 'low', ...t.mos, code: 'CC_MON_MOS_LOW' },
    { metric: 'lossPct', direction: 'high', ...t.lossPct, code: 'CC_MON_LOSS_HIGH' },
    { metric: 'jitterMs', direction: 'high', ...t.jitterMs, code: 'CC_MON_JITTER_HIGH' },
    { metric: 'sipResponseMs', direction: 'high', ...t.sipResponseMs, code: 'CC_MON_SIP_SLOW' },
    { metric: 'backupOk', direction: 'low', raise: 0, clear: 1, code: 'CC_MON_BACKUP_FAILED' },
    { metric: 'trunkConnectOk', direction: 'low', raise: 0, clear: 1, code: 'CC_MON_TRUNK_CONNECT_FAILED' },
  ]);
}

function unflapped(rules: Rule[]): Rule[] {
  return rules.map((r) => ({ ...r, clear: r.direction === 'high' ? Math.min(r.clear, r.raise) : Math.max(r.clear, r.raise) }));
}

/** Does `value` cross the raise level / is it back past the clear level? */
export const crossesRaise = (r: Pick<Rule, 'direction' | 'raise'>, value: number) => (r.direction === 'high' ? value >= r.raise : value <= r.raise);
export const backPastClear = (r: Pick<Rule, 'direction' | 'clear'>, value: number) => (r.direction === 'high' ? value <= r.clear : value >= r.clear);

export function decideAlerts(active: ReadonlyMap<string, ActiveAlert>, readings: readonly Reading[], rules: readonly Rule[], now: number): Decision {
  const byMetric = new Map(rules.map((r) => [r.metric, r]));
  const decision: Decision = { raised: [], cleared: [] };
  const seen = new Set<string>();
  for (const reading of readings) {
    const rule = byMetric.get(reading.metric);
    if (!rule || !Number.isFinite(reading.value)) continue;
    const id = alertId(reading.metric, reading.subject);
    if (seen.has(id)) continue; // first reading of a subject in a round wins
    seen.add(id);
    const current = active.get(id);
    if (!current && crossesRaise(rule, reading.value)) {
      decision.raised.push({ id, metric: reading.metric, subject: reading.subject, code: rule.code, direction: rule.direction, threshold: rule.raise, value: reading.value, raisedAt: now });
    } else if (current && backPastClear(rule, reading.value)) {
      decision.cleared.push({ alert: current, value: reading.value });
    }
  }
  return decision;
}

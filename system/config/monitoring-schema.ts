// The `monitoring` section of the box configuration (性能监控): how often the hardware is
// sampled, over which window call quality is summed up, and the alert thresholds. Each
// threshold has a raise level and a clear level (hysteresis): an alert is raised when a
// reading crosses `raise` and cleared only once it is back past `clear`, so a value hovering
// at the limit does not flap. Also where the system log goes and how it rotates.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Raise at `raise`, clear once back at `clear` (below it for "high" limits, above it for "low" ones). */
const Limit = (raise: number, clear: number, max: number) =>
  Type.Object({ raise: Type.Number({ minimum: 0, maximum: max, default: raise }), clear: Type.Number({ minimum: 0, maximum: max, default: clear }) }, { default: {} });

export const MonitoringConfigSchema = Type.Object({
  /** Hardware and call-quality sampling interval. */
  intervalMs: Type.Integer({ minimum: 1000, maximum: 3_600_000, default: 15_000 }),
  /** Call quality (MOS, loss, jitter per trunk) and SIP response times are summed over this window. */
  qualityWindowSec: Type.Integer({ minimum: 60, maximum: 86_400, default: 900 }),
  /** Fewest calls on a trunk in the window before its quality can raise an alert (one bad call is not a trend). */
  qualityMinCalls: Type.Integer({ minimum: 1, maximum: 1000, default: 3 }),
  thresholds: Type.Object({
    /** CPU load, percent of all cores. */
    cpuLoadPct: Limit(90, 75, 100),
    /** Hottest CPU sensor, °C (where the board reports one). */
    cpuTempC: Limit(85, 75, 150),
    /** Memory in use (total − available), percent. */
    memoryPct: Limit(90, 80, 100),
    /** Use of each mounted file system, percent. */
    diskPct: Limit(90, 85, 100),
    /** Mean MOS of a trunk's legs (a low limit: raised below `raise`, cleared above `clear`). */
    mos: Limit(3.5, 3.8, 5),
    /** Mean packet loss of a trunk's legs, percent. */
    lossPct: Limit(3, 1, 100),
    /** Mean jitter of a trunk's legs, ms. */
    jitterMs: Limit(40, 30, 10_000),
    /** 95th percentile of the time to a trunk's first SIP answer, ms. */
    sipResponseMs: Limit(2000, 1000, 64_000),
  }, { default: {} }),
  log: Type.Object({
    /** The system log file (`<data dir>/logs/box.log`) is rotated when it reaches this size. */
    maxBytes: Type.Integer({ minimum: 64 * 1024, maximum: 1024 ** 3, default: 10 * 1024 * 1024 }),
    /** Rotated files kept (box.log.1 … box.log.N); older ones are deleted. */
    keep: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  }, { default: {} }),
});

export type MonitoringConfig = Static<typeof MonitoringConfigSchema>;

const DEFAULTS = Value.Default(MonitoringConfigSchema, {}) as MonitoringConfig;

/** The section with its defaults (the whole section is optional in the box configuration). */
export function monitoringConfig(cfg: { monitoring?: MonitoringConfig }): MonitoringConfig {
  return cfg.monitoring ?? DEFAULTS;
}

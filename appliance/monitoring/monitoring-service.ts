// The monitoring service the daemon hands to the box (MonitoringControl): samples the
// hardware, call quality per trunk (from the CDRs of the window), SIP response times (the
// endpoint's client-transaction hook), the last backup's outcome and failed connections to trunks
// (the transport's flowFailed/flowOpened) every `monitoring.intervalMs`, runs the Monitor over
// them, serves /metrics, the system log query and the web technician console. Injected
// readings are audit-logged. Closing stops the sampling and ends open console sessions.
import type { Logger } from 'pino';
import type { Box } from '../../system/box.ts';
import type { MonitoringControl } from '../../system/api/monitoring-routes.ts';
import { recordAudit } from '../../system/audit/audit-log.ts';
import { readHardware, hardwareReadings, type HardwareSample } from './hardware.ts';
import { cdrsEndedSince, qualityReadings, summariseQuality, type TrunkQuality } from './call-quality.ts';
import { SipTimings, sipReadings } from './sip-timing.ts';
import { backupReadings, lastBackup } from './backup-health.ts';
import { TrunkConnections } from './trunk-connections.ts';
import { Monitor, type AlertRow } from './monitor.ts';
import { METRICS, rulesFrom, type MetricName, type Reading } from './thresholds.ts';
import { boxMetrics } from './box-metrics.ts';
import { monitoringConfig } from '../../system/config/monitoring-schema.ts';
import { queryLogs, type LevelName } from '../logs/log-query.ts';
import { WebConsole } from '../console/web-console.ts';

export interface MonitoringServiceOptions {
  log: Logger;
  /** The system log files, newest first (appliance/logs/rotating-file.ts). */
  logFiles: () => string[];
  /** Where hardware readings come from (tests may pass another source). */
  readHardware?: () => Promise<HardwareSample>;
}

class MonitoringError extends Error {
  constructor(readonly code: 'CC_MON_UNKNOWN_METRIC', message: string) {
    super(message);
  }
}

/** Which trunk a SIP peer address is (its host or source addresses), else the address. */
function peerName(box: Box, address: string): string {
  for (const t of box.config.trunks) if (t.host === address || t.sourceAddresses?.includes(address)) return t.name;
  return address;
}

export async function startMonitoringService(box: Box, opts: MonitoringServiceOptions): Promise<MonitoringControl> {
  const log = opts.log;
  const cfg = () => monitoringConfig(box.config);
  const sip = new SipTimings(() => cfg().qualityWindowSec * 1000);
  box.endpoint.onClientTiming = (t) => sip.record({ at: Date.now(), peer: peerName(box, t.remote.address), method: t.method, status: t.status, firstResponseMs: t.firstResponseMs });
  const connections = new TrunkConnections();
  const trunkNames = () => new Set(box.config.trunks.map((t) => t.name));
  const onFlowFailed = (remote: { address: string }) => {
    const name = peerName(box, remote.address);
    if (trunkNames().has(name)) connections.failed(name);
  };
  const onFlowOpened = (remote: { address: string }) => {
    const name = peerName(box, remote.address);
    if (trunkNames().has(name)) connections.opened(name);
  };
  box.transport.on('flowFailed', onFlowFailed);
  box.transport.on('flowOpened', onFlowOpened);
  let hardware: HardwareSample | undefined;
  let quality: TrunkQuality[] = [];
  const read = opts.readHardware ?? (() => readHardware(box.store.dataDir));
  const source = async (): Promise<Reading[]> => {
    const out: Reading[] = [];
    try {
      hardware = await read();
      out.push(...hardwareReadings(hardware));
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'monitoring: reading the hardware failed');
    }
    quality = summariseQuality(cdrsEndedSince(box.store, Date.now() - cfg().qualityWindowSec * 1000));
    out.push(...qualityReadings(quality, cfg().qualityMinCalls));
    out.push(...sipReadings(sip.summary(), trunkNames()));
    out.push(...backupReadings(lastBackup(box.store)));
    out.push(...connections.readings(trunkNames()));
    return out;
  };
  const monitor = new Monitor({ store: box.store, log, rules: () => rulesFrom(cfg().thresholds), source });
  monitor.start(cfg().intervalMs);
  const consoles = new WebConsole({ box, log });

  return {
    snapshot: () => ({
      at: Date.now(),
      intervalMs: cfg().intervalMs,
      windowSec: cfg().qualityWindowSec,
      hardware,
      quality,
      sip: sip.summary(),
      alerts: monitor.alerts(),
      injected: monitor.overridden,
      thresholds: cfg().thresholds,
    }),
    inject: async (readings, by) => {
      for (const r of readings) if (!METRICS.includes(r.metric as MetricName)) throw new MonitoringError('CC_MON_UNKNOWN_METRIC', `no metric ${r.metric} (known: ${METRICS.join(', ')})`);
      await recordAudit(box.store, { actor: by, action: 'monitoring-inject', outcome: 'ok', detail: { readings } });
      const decision = await monitor.inject(readings as { metric: MetricName; subject: string; value: number | null }[]);
      return { raised: decision.raised.map((a) => a.id), cleared: decision.cleared.map((c) => c.alert.id), alerts: monitor.alerts() };
    },
    metrics: async () => boxMetrics({ box, hardware, quality, sip: sip.summary(), sipTotals: sip.totals, alerts: monitor.alerts() }),
    logs: (f) => queryLogs(opts.logFiles(), { ...f, level: f.level as LevelName | undefined }),
    onAlert: (fn) => {
      const listener = (a: AlertRow) => fn(a);
      monitor.on('alert', listener);
      return () => monitor.off('alert', listener);
    },
    openConsole: (o) => consoles.open(o),
    close: async () => {
      box.endpoint.onClientTiming = undefined;
      box.transport.off('flowFailed', onFlowFailed);
      box.transport.off('flowOpened', onFlowOpened);
      await consoles.closeAll();
      await monitor.close();
    },
  };
}

// The appliance daemon: the one process the box runs. Reads where its data lives and an
// optional config file from the environment, starts the Box, prints the first-start admin
// password once, logs "ready", and shuts down cleanly on SIGTERM/SIGINT (calls get BYE,
// LMDB is closed). Environment: CC_DATA_DIR (default ./data), CC_CONFIG (a JSON file),
// CC_LOG_LEVEL (default info). The log goes to stdout and to <data dir>/logs/box.log, rotated
// by size (monitoring.log); the first-start password goes to stdout only.
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { Store } from '../system/store/store.ts';
import { ConfigError } from '../system/config/load.ts';
import { effectiveConfig, readConfigFile } from '../system/config/effective-config.ts';
import { startBox, type Box } from '../system/box.ts';
import { bootstrapAdmin } from '../system/users/bootstrap-admin.ts';
import { startBackupService } from './backup/backup-service.ts';
import { RotatingFile } from './logs/rotating-file.ts';
import { monitoringConfig } from '../system/config/monitoring-schema.ts';
import { startMonitoringService } from './monitoring/monitoring-service.ts';
import { SystemdNotifier } from './systemd-notify.ts';
import { applyTimeSync } from './time-sync.ts';

const level = process.env.CC_LOG_LEVEL ?? 'info';
const logFile = new RotatingFile(join(resolve(process.env.CC_DATA_DIR ?? './data'), 'logs'), { maxBytes: 10 * 1024 * 1024, keep: 5 });
const stdout = pino.destination({ fd: 1, sync: true });
const log = pino({ level, base: { svc: 'callcenter' } }, pino.multistream([{ level: level as pino.Level, stream: stdout }, { level: level as pino.Level, stream: logFile }]));
const stdoutOnly = pino({ level, base: { svc: 'callcenter' } }, stdout);
const systemd = new SystemdNotifier(process.env, (err) => log.warn({ err: err.message }, 'systemd-notify failed'),
  (gapMs, limitMs) => log.warn({ gapMs, limitMs }, 'watchdog ping late (the event loop stalled)'));

async function main(): Promise<void> {
  const dataDir = resolve(process.env.CC_DATA_DIR ?? './data');
  const store = new Store(dataDir);
  let box: Box | undefined;
  try {
    const file = process.env.CC_CONFIG ? { path: resolve(process.env.CC_CONFIG), doc: readConfigFile(resolve(process.env.CC_CONFIG)) } : undefined;
    const { config, source } = await effectiveConfig(store, file);
    logFile.configure(monitoringConfig(config).log);
    log.info({ source, dataDir }, 'configuration loaded');
    // Shown as soon as it exists: a first start that fails or is killed later must not lose it.
    const adminPassword = await bootstrapAdmin(store);
    if (adminPassword) {
      stdoutOnly.warn({ username: 'admin', password: adminPassword }, 'first start: admin password generated (shown once; change it after signing in)');
    }
    box = await startBox(config, {
      store, log, backup: startBackupService,
      monitoring: (b) => startMonitoringService(b, { log: log.child({ module: 'monitoring' }), logFiles: () => logFile.files() }),
    });
    const timeSync = (cfg: typeof config) => void applyTimeSync(cfg, dataDir, { underSystemd: systemd.active, log: (msg, extra) => log.info({ module: 'time', ...extra }, msg) })
      .catch((err) => log.warn({ module: 'time', err: (err as Error).message }, 'NTP servers not applied'));
    timeSync(config);
    box.onConfigChange(timeSync);
    const s = box.status();
    log.info({ sipUdp: s.ports.sipUdp, sipTcp: s.ports.sipTcp, http: s.ports.http, publicAddress: box.endpoint.publicAddress, uptimeS: Math.round(process.uptime()) }, 'ready');
    systemd.ready();
  } catch (err) {
    if (err instanceof ConfigError) log.fatal({ code: err.code, problems: err.problems }, err.message);
    else log.fatal({ err }, 'start-up failed');
    await box?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    process.exit(2);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    systemd.stopping();
    const force = setTimeout(() => {
      log.error('shutdown took too long; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    await box!.close();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('uncaughtException', (err) => log.error({ err }, 'uncaught exception (kept running)'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection (kept running)'));
}

void main();

// The post-boot health check (systemd unit callcenter-health.service): waits for the daemon
// to answer on its web and SIP ports, then commits the running slot when this was a trial
// boot of an update, or exits 1 so systemd reboots the box (FailureAction=reboot) into the
// committed slot. Off the appliance (no slot on the kernel command line) it only checks.
import { readFile, writeFile, rename, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { open } from 'lmdb';
import { parseConfig } from '../../system/config/load.ts';
import { appliancePaths } from './appliance-paths.ts';
import { committedSlot, healthVerdict, loaderConf, runningSlot } from './slots.ts';
import { daemonHopeless, waitHealthy } from './health-check.ts';
import { runCommand } from './update-target.ts';

const paths = appliancePaths();
const say = (msg: string) => console.log(`callcenter-health: ${msg}`);

/** The ports the daemon runs with: its stored configuration (what the daemon itself uses). */
function targets() {
  const env = open({ path: join(process.env.CC_DATA_DIR ?? './data', 'box.lmdb'), readOnly: true, maxDbs: 64 });
  try {
    const cfg = parseConfig(env.openDB({ name: 'config' }).get('box-config') ?? {});
    return { sipPort: cfg.sip.udpPort, httpPort: cfg.http.port, tlsPort: cfg.http.tls ? cfg.http.tlsPort : undefined };
  } finally {
    void env.close();
  }
}

async function main(): Promise<number> {
  const deadline = Number(process.env.CC_HEALTH_TIMEOUT_SEC ?? 120) * 1000;
  let healthy = false;
  try {
    // Under systemd, a daemon that keeps exiting at start ends the wait early (faster rollback).
    const hopeless = async () => process.env.INVOCATION_ID ? daemonHopeless(await runCommand('systemctl', ['show', '-p', 'NRestarts', '-p', 'ActiveState', '-p', 'Result', 'callcenter.service'])) : undefined;
    healthy = await waitHealthy(targets(), deadline, 2000, say, hopeless);
  } catch (err) {
    say(`cannot check: ${(err as Error).message}`);
  }
  const running = runningSlot(await readFile(paths.cmdline, 'utf8').catch(() => ''));
  const loader = join(paths.esp, 'loader', 'loader.conf');
  const committed = committedSlot(await readFile(loader, 'utf8').catch(() => ''));
  const verdict = healthVerdict(healthy, running, committed);
  say(`healthy=${healthy} running=${running ?? '-'} committed=${committed ?? '-'} → ${verdict.action}`);
  if (verdict.action === 'commit') {
    await writeFile(`${loader}.tmp`, loaderConf(verdict.slot));
    await rename(`${loader}.tmp`, loader);
    await mkdir(dirname(paths.state), { recursive: true });
    await writeFile(paths.state, JSON.stringify({ committed: verdict.slot, at: new Date().toISOString(), previous: committed ?? null }, null, 2));
    say(`slot ${verdict.slot.toUpperCase()} committed`);
  }
  return verdict.action === 'reboot' ? 1 : 0;
}

main().then((code) => process.exit(code), (err) => {
  say(`failed: ${(err as Error).stack}`);
  process.exit(1);
});

// The configured NTP servers, applied: a systemd-timesyncd drop-in written on the data
// partition (the image links /etc/systemd/timesyncd.conf.d there, the root being read-only),
// then timesyncd restarted when the box runs under systemd. Written at start and after each
// configuration change; unchanged content is not rewritten. Off the appliance the file is
// written to the data directory and nothing is restarted.
import { execFile } from 'node:child_process';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BoxConfig } from '../system/config/schema.ts';

/** The drop-in for `servers` (empty: fall back to the image's defaults). Pure. */
export function timesyncdDropIn(servers: readonly string[]): string {
  return `# Written by the call-center box from its configuration (time.ntpServers); do not edit.\n[Time]\nNTP=${servers.join(' ')}\n`;
}

export async function applyTimeSync(config: BoxConfig, dataDir: string, opts: { underSystemd: boolean; log: (msg: string, extra?: object) => void }): Promise<boolean> {
  const dir = join(dataDir, 'system', 'timesyncd.conf.d');
  const file = join(dir, 'callcenter.conf');
  const wanted = timesyncdDropIn(config.time?.ntpServers ?? []);
  if ((await readFile(file, 'utf8').catch(() => '')) === wanted) return false;
  await mkdir(dir, { recursive: true });
  await writeFile(`${file}.tmp`, wanted);
  await rename(`${file}.tmp`, file);
  opts.log('NTP servers set', { servers: config.time?.ntpServers ?? [] });
  if (opts.underSystemd) execFile('systemctl', ['try-restart', 'systemd-timesyncd.service'], (err) => err && opts.log('timesyncd restart failed', { err: err.message }));
  return true;
}

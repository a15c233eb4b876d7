// What one watchdog ping costs the daemon, the old way (spawning systemd-notify) against the
// helper (a line to the long-lived perl helper): the time the event loop is held by the call
// itself, and the time until the datagram is at the notify socket. The process first grows to
// about the daemon's size (RSS), since a spawn forks the whole process.
// Run: node --import tsx appliance/systemd-notify.bench.ts [pings=40] [heapMB=250]
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SystemdNotifier } from './systemd-notify.ts';

const pings = Number(process.argv[2] ?? 40);
const heapMb = Number(process.argv[3] ?? 250);
const ballast: Buffer[] = [];
for (let i = 0; i < heapMb; i++) ballast.push(Buffer.alloc(1024 * 1024, i));
const junk = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `object ${i}` }));

const dir = mkdtempSync(join(tmpdir(), 'cc-notify-bench-'));
const socket = join(dir, 'notify');
const rx = spawn('perl', ['-e', 'use Socket; socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die; bind($s, pack_sockaddr_un($ARGV[0])) or die; $| = 1; print "bound\\n"; while (1) { my $m; recv($s, $m, 4096, 0); print "got\\n"; }', socket], { stdio: ['ignore', 'pipe', 'inherit'] });
let received: (() => void) | undefined;
rx.stdout.setEncoding('utf8').on('data', (d: string) => {
  for (let n = d.split('\n').filter((l) => l === 'got').length; n > 0; n--) received?.();
});
await new Promise((r) => rx.stdout.once('data', r));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]) => Math.max(...xs);

async function measure(label: string, ping: () => void): Promise<void> {
  const held: number[] = [];
  const delivered: number[] = [];
  for (let i = 0; i < pings; i++) {
    const arrived = new Promise<void>((r) => (received = r));
    const t0 = performance.now();
    ping();
    held.push(performance.now() - t0);
    await arrived;
    delivered.push(performance.now() - t0);
  }
  console.log(`${label}: event loop held median ${median(held).toFixed(3)} ms (max ${max(held).toFixed(3)}), at the socket after median ${median(delivered).toFixed(2)} ms (max ${max(delivered).toFixed(2)})`);
}

console.log(`${pings} pings each, process RSS ${Math.round(process.memoryUsage().rss / 1024 / 1024)} MB (${junk.length} objects of ballast)`);
await measure('spawn systemd-notify per ping', () => {
  execFile('systemd-notify', [`--pid=${process.pid}`, 'WATCHDOG=1'], { env: { ...process.env, NOTIFY_SOCKET: socket } }, () => undefined);
});
const notifier = new SystemdNotifier({ NOTIFY_SOCKET: socket });
notifier.send('READY=1'); // starts the helper
await new Promise<void>((r) => (received = r));
await measure('line to the perl helper', () => notifier.send('WATCHDOG=1'));
notifier.stopping();
rx.kill();
rmSync(dir, { recursive: true, force: true });

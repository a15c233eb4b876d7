import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { SystemdNotifier, helperLine, watchdogIntervalMs } from './systemd-notify.ts';

test('the watchdog is pinged at a third of the timeout (at most every 10 s), only when systemd asked this process', () => {
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000' }, 42), 10_000);
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '90000000' }, 42), 10_000, 'a long timeout still gets frequent pings');
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '12000000' }, 42), 4000);
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '42' }, 42), 10_000);
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/run/systemd/notify', WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 42), undefined, 'another process is watched');
  assert.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 42), undefined, 'not under systemd');
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/x' }, 42), undefined, 'no watchdog set');
  assert.equal(watchdogIntervalMs({ NOTIFY_SOCKET: '/x', WATCHDOG_USEC: '600' }, 42), 1000, 'never more often than once a second');
});

test('a message is one hex line for the helper, newlines included', () => {
  assert.equal(helperLine('READY=1'), '52454144593d31\n');
  assert.equal(Buffer.from(helperLine('STATUS=a\nb').trim(), 'hex').toString(), 'STATUS=a\nb');
});

/** A unix datagram socket like systemd's notify socket (perl, as the helper): each datagram as a hex line. */
function notifyReceiver(address: string): { child: ChildProcess; messages: string[]; next: (n: number) => Promise<string[]> } {
  const script = 'use Socket; my $p = $ARGV[0]; $p =~ s/^@/\\0/; socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die; bind($s, pack_sockaddr_un($p)) or die "bind: $!"; $| = 1; print "bound\\n"; while (1) { my $m; recv($s, $m, 65536, 0); print unpack("H*", $m), "\\n"; }';
  const child = spawn('perl', ['-e', script, address], { stdio: ['ignore', 'pipe', 'inherit'] });
  const messages: string[] = [];
  const waiters: (() => void)[] = [];
  let buf = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      messages.push(line === 'bound' ? line : Buffer.from(line, 'hex').toString());
      for (const w of waiters.splice(0)) w();
    }
  });
  const next = (n: number) => new Promise<string[]>((resolve, reject) => {
    const check = () => (messages.length >= n ? resolve(messages.slice(0, n)) : waiters.push(check));
    child.once('exit', (code) => reject(new Error(`the receiver exited (${code}) with ${JSON.stringify(messages)}`)));
    check();
  });
  return { child, messages, next };
}

test('READY=1, watchdog pings and STOPPING=1 reach the notify socket through one helper process', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cc-notify-'));
  const socket = join(dir, 'notify');
  const rx = notifyReceiver(socket);
  const errors: Error[] = [];
  try {
    await rx.next(1);
    const n = new SystemdNotifier({ NOTIFY_SOCKET: socket, WATCHDOG_USEC: '3000000' }, (e) => errors.push(e));
    n.ready();
    n.send('STATUS=two\nlines');
    const got = await rx.next(4); // bound, READY=1, STATUS, and the first ping after 1 s
    assert.deepEqual(got, ['bound', 'READY=1', 'STATUS=two\nlines', 'WATCHDOG=1']);
    await rx.next(5);
    assert.equal(rx.messages[4], 'WATCHDOG=1');
    const helper = (n as unknown as { helper: ChildProcess }).helper;
    assert.ok(helper.pid, 'one helper runs');
    n.stopping();
    await rx.next(6);
    assert.equal(rx.messages[5], 'STOPPING=1');
    await new Promise((r) => (helper.exitCode !== null ? r(undefined) : helper.once('exit', r)));
    assert.deepEqual(errors, [], 'the helper ends quietly when its pipe closes');
  } finally {
    rx.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an abstract notify socket ("@name") works too', async () => {
  const address = `@cc-notify-test-${process.pid}`;
  const rx = notifyReceiver(address);
  try {
    await rx.next(1);
    const n = new SystemdNotifier({ NOTIFY_SOCKET: address });
    n.send('READY=1');
    assert.deepEqual(await rx.next(2), ['bound', 'READY=1']);
    n.stopping();
  } finally {
    rx.child.kill();
  }
});

test('without perl each message goes through systemd-notify, the first one included', async (t) => {
  let notify: string;
  try {
    notify = execFileSync('sh', ['-c', 'command -v systemd-notify'], { encoding: 'utf8' }).trim();
  } catch {
    t.skip('no systemd-notify on this machine');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'cc-notify-'));
  mkdirSync(join(dir, 'bin'));
  symlinkSync(notify, join(dir, 'bin', 'systemd-notify'));
  const socket = join(dir, 'notify');
  const rx = notifyReceiver(socket);
  const errors: string[] = [];
  try {
    await rx.next(1);
    const n = new SystemdNotifier({ NOTIFY_SOCKET: socket, PATH: join(dir, 'bin') }, (e) => errors.push(e.message));
    n.send('READY=1');
    n.send('WATCHDOG=1');
    // systemd-notify --pid=<daemon> adds MAINPID=<daemon>: systemd attributes it to the daemon.
    // (A newer systemd-notify follows READY=1 with a BARRIER=1 message of its own: not ours.)
    const ours = () => rx.messages.slice(1).filter((m) => m !== 'BARRIER=1');
    while (ours().length < 2) await rx.next(rx.messages.length + 1);
    assert.deepEqual(ours().sort(), [`MAINPID=${process.pid}\nREADY=1`, `MAINPID=${process.pid}\nWATCHDOG=1`]);
    assert.match(errors.join('\n'), /notify helper did not start .*falling back to systemd-notify/);
  } finally {
    rx.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

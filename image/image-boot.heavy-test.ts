// The built image as a box (npm run test:image; heavy: about 20 minutes under software
// emulation, so not part of npm test). qemu boots build/image/callcenter.img with UEFI
// (OVMF) and user networking (SIP and HTTPS forwarded to loopback ports); the test waits for
// the daemon's "ready" on the serial console, signs in with the admin password the first
// start printed there, adds a conference room over the admin API and places a sipp call
// into it. The update bundles reach the box on a second virtio disk (a FAT "USB stick"
// made with mkfs.vfat/mcopy, attached from the first boot), which the image mounts under
// /media like any attached storage; the admin API applies them from there (POST
// /api/updates/disk, what the admin page's "update from USB disk" does). A good bundle is
// applied and the box rebooted: the new slot is tried, passes the health check and is
// committed. Then a broken bundle (its daemon exits at start) is applied: the trial boot
// fails the health check, and the box comes back on the committed slot by itself. Before
// the first apply, a 50 MB upload through qemu's user network (POST /api/updates, a bundle
// whose last member is corrupt, so the box reads it all and answers 400 without making it
// bootable) shows whether uploads as such get through slirp. Prints the figures the issue
// asks for (RESULT lines).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync, createReadStream, statSync, rmSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../hil-tests/harness/ports.ts';
import { runSipp } from '../hil-tests/harness/sipp.ts';
import { parseTarHeader, tarPadding } from '../appliance/updates/bundle.ts';

const ROOT = resolve(import.meta.dirname, '..');
const OUT = join(ROOT, 'build/image');
const WORK = join(OUT, 'work');
const KEY = join(process.env.IMAGE_CACHE ?? join(process.env.HOME ?? '/root', '.cache/callcenter-image'), 'keys/update-signing.pem');
const dir = mkdtempSync(join(tmpdir(), 'cc-image-'));
let vm: ChildProcess | undefined;
let serial = '';
let ports: { https: number; sip: number };
let token = '';
/** The admin's current password, to sign in again when a daemon restart ended the session. */
let adminPassword = '';

function result(name: string, value: number, unit: string) {
  console.log(`RESULT ${name} ${value.toFixed(1)} ${unit}`);
}

function boot(): void {
  const accel = process.env.CC_QEMU_ACCEL ?? 'tcg';
  vm = spawn('qemu-system-x86_64', [
    '-machine', `q35,accel=${accel}`, '-cpu', 'max', '-m', '2048', '-smp', '2', '-nographic', '-monitor', 'none',
    '-drive', 'if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd',
    '-drive', `if=pflash,format=raw,file=${join(dir, 'vars.fd')}`,
    '-drive', `file=${join(dir, 'disk.img')},format=raw,if=virtio`,
    // The "USB stick" with the update bundles (FAT, no partition table).
    '-drive', `file=${join(dir, 'usb.img')},format=raw,if=virtio`,
    '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${ports.https}-:8443,hostfwd=udp:127.0.0.1:${ports.sip}-:5060`,
    '-device', 'virtio-net-pci,netdev=n0', '-serial', 'stdio',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  vm.stdout!.setEncoding('utf8').on('data', (d: string) => (serial += d));
  vm.stderr!.setEncoding('utf8').on('data', (d: string) => (serial += d));
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined && v !== false) return v as T;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; serial tail:\n${serial.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

const readyCount = () => (serial.match(/"msg":"ready"/g) ?? []).length;

function call(method: string, path: string, body?: unknown, raw?: { file: string }, timeoutMs = 600_000): Promise<{ status: number; body: any }> {
  return new Promise((resolvePromise, reject) => {
    const req = https.request({
      // A new connection per call: Node's global agent keeps sockets alive, and one the box closed
      // while idle (its 5 s keep-alive) reused through slirp is an instant "socket hang up".
      host: '127.0.0.1', port: ports.https, path, method, rejectUnauthorized: false, timeout: timeoutMs, agent: false,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(raw ? { 'content-type': 'application/octet-stream', 'content-length': statSync(raw.file).size } : body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => (text += d)).on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
    });
    // An early answer (an error before the whole body is sent) is read, not lost to a reset.
    req.on('timeout', () => req.destroy(new Error(`no answer for ${timeoutMs / 1000} s`)));
    req.on('error', (err) => reject(new Error(`${method} ${path}: ${err.message}; serial tail:\n${serial.slice(-2000)}`)));
    if (raw) createReadStream(raw.file).pipe(req);
    else req.end(body !== undefined ? JSON.stringify(body) : undefined);
  });
}

/** A call whose connection may be cut by a daemon restart (a network error, not an HTTP answer):
 *  said on the test's output (the serial log shows why), and made once more when the box
 *  answers again. Only for calls that may be repeated. */
async function callAgain(method: string, path: string, body?: unknown, timeoutMs?: number): Promise<{ status: number; body: any }> {
  try {
    return await call(method, path, body, undefined, timeoutMs);
  } catch (err) {
    console.log(`# ${method} ${path} cut (${(err as Error).message.split('\n')[0]}): once more when the box answers`);
    await until('HTTPS after a cut connection', healthy, 600_000);
    const again = await call(method, path, body, undefined, timeoutMs);
    if (again.status !== 401 || !adminPassword) return again;
    // The cut was a daemon restart and it ended the session (a 401): sign in again, once.
    await signInAgain(`${method} ${path}`);
    return call(method, path, body, undefined, timeoutMs);
  }
}

/** A reboot or daemon restart ends the admin's session: sign in again (said on the output). */
async function signInAgain(what: string): Promise<void> {
  console.log(`# ${what}: the session ended (a reboot or daemon restart); signing in again`);
  token = (await call('POST', '/api/session', { username: 'admin', password: adminPassword }).catch(() => undefined))?.body?.token ?? token;
}

/** A call made after a reboot: on a 401 (the session ended with the restart), sign in and call once more. */
async function callSignedIn(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await call(method, path, body);
  if (r.status !== 401 || !adminPassword) return r;
  await signInAgain(`${method} ${path}`);
  return call(method, path, body);
}

async function healthy(): Promise<boolean | undefined> {
  try {
    return (await call('GET', '/api/health')).status === 200 || undefined;
  } catch {
    return undefined;
  }
}

/** An update bundle of the built root, under `version`; `breakDaemon` makes its daemon exit at start. */
function bundle(version: string, breakDaemon: boolean): string {
  let root = join(WORK, 'root.img');
  if (breakDaemon) {
    root = join(dir, 'broken-root.img');
    copyFileSync(join(WORK, 'root.img'), root);
    const broken = join(dir, 'daemon.js');
    writeFileSync(broken, "console.error('a deliberately broken build'); process.exit(3);\n");
    execFileSync('debugfs', ['-w', '-R', 'rm /opt/callcenter/app/appliance/daemon.js', root], { stdio: 'ignore' });
    execFileSync('debugfs', ['-w', '-R', `write ${broken} /opt/callcenter/app/appliance/daemon.js`, root], { stdio: 'ignore' });
  }
  return signed(version, root);
}

function signed(version: string, root: string): string {
  const out = join(dir, `${version}.ccupdate`);
  execFileSync('node', ['--import', 'tsx', join(ROOT, 'scripts/lib/build-update.ts'), version, root, join(WORK, 'vmlinuz'), join(WORK, 'initrd.img'), 'console=tty1 console=ttyS0,115200 panic=10', KEY, out], { cwd: ROOT, stdio: 'inherit' });
  return out;
}

/** A signed bundle of a `mb` MB random root whose last member (the initrd) has one byte flipped:
 *  the box reads and writes all of it, then refuses it (CC_UPDATE_DIGEST_MISMATCH). */
function corruptBundle(mb: number): string {
  const root = join(dir, 'probe-root.img');
  writeFileSync(root, randomBytes(mb * 1024 * 1024));
  const out = signed('v-probe', root);
  rmSync(root);
  const fd = openSync(out, 'r+');
  try {
    const block = Buffer.alloc(512);
    for (let off = 0; ;) {
      readSync(fd, block, 0, 512, off);
      const entry = parseTarHeader(block);
      assert.ok(entry, 'the initrd member is in the bundle');
      if (entry.name === 'initrd.img' || entry.name.endsWith('initrd')) {
        const b = Buffer.alloc(1);
        readSync(fd, b, 0, 1, off + 512 + 100);
        b[0] = b[0]! ^ 0xff;
        writeSync(fd, b, 0, 1, off + 512 + 100);
        return out;
      }
      off += 512 + entry.size + tarPadding(entry.size);
    }
  } finally {
    closeSync(fd);
  }
}

/** The FAT "USB stick" holding `files` in its root, sized to fit them. */
function usbStick(files: string[]): string {
  const img = join(dir, 'usb.img');
  const bytes = files.reduce((n, f) => n + statSync(f).size, 0);
  execFileSync('mkfs.vfat', ['-C', '-n', 'UPDATES', img, String(Math.ceil(bytes / 1024 / 1024 + 64) * 1024)], { stdio: 'ignore' });
  for (const f of files) execFileSync('mcopy', ['-i', img, f, '::/'], { env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
  return img;
}

/** Applies bundle `file` from the attached "USB stick", as the admin page does. */
async function applyFromDisk(file: string): Promise<{ status: number; body: any }> {
  const listed = await until(`${file} on the attached disk`, async () => {
    const r = await callSignedIn('GET', '/api/updates/disk').catch(() => undefined);
    return (r?.body?.bundles as { disk: string; file: string }[] | undefined)?.find((b) => b.file === file);
  }, 120_000);
  // Answered when the bundle is written (minutes under emulation).
  return callAgain('POST', '/api/updates/disk', { disk: listed.disk, file }, 1_800_000);
}

before(async () => {
  if (!existsSync(join(OUT, 'callcenter.img')) || !existsSync(join(WORK, 'root.img'))) {
    execFileSync('bash', [join(ROOT, 'scripts/build-image.sh')], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, IMAGE_NO_BUNDLE: '1' } });
  }
  copyFileSync(join(OUT, 'callcenter.img'), join(dir, 'disk.img'));
  // Both bundles are on the stick from the first boot (a disk image cannot change under a running guest).
  const files = [bundle('v-next', false), bundle('v-broken', true)];
  usbStick(files);
  for (const f of files) rmSync(f);
  copyFileSync('/usr/share/OVMF/OVMF_VARS_4M.fd', join(dir, 'vars.fd'));
  ports = { https: await freePort(), sip: await freePort() };
});

/** How the daemon's watchdog fared over the whole run: kills by systemd, and the longest late ping logged. */
function watchdogFigures(): void {
  const kills = (serial.match(/callcenter\.service: Watchdog timeout/g) ?? []).length;
  const gaps = [...serial.matchAll(/"gapMs":(\d+)[^\n]*watchdog ping late/g)].map((m) => Number(m[1]));
  result('watchdog_kills', kills, 'count');
  result('watchdog_late_pings', gaps.length, 'count');
  if (gaps.length) result('watchdog_longest_ping_gap_s', Math.max(...gaps) / 1000, 's');
}

after(() => {
  vm?.kill('SIGKILL');
  watchdogFigures();
  // The whole serial console of the run, for reading when something failed.
  writeFileSync(join(OUT, 'last-test-serial.log'), serial);
  console.log(`# serial console log: ${join(OUT, 'last-test-serial.log')}`);
  rmSync(dir, { recursive: true, force: true });
});

test('the image boots to a working box: ready on the console, the web answers, a SIP call into a room succeeds', async () => {
  const t0 = Date.now();
  boot();
  await until('the daemon ready', () => readyCount() >= 1 || undefined, 900_000);
  result('boot_to_ready_s', (Date.now() - t0) / 1000, 's');
  // The daemon's own start-up (process start to ready), which systemd's TimeoutStartSec bounds.
  const uptime = /"uptimeS":(\d+)[^\n]*"msg":"ready"|"msg":"ready"[^\n]*"uptimeS":(\d+)/.exec(serial);
  if (uptime) result('daemon_start_to_ready_s', Number(uptime[1] ?? uptime[2]), 's');
  const password = /"password":"([^"]+)"/.exec(serial)?.[1];
  assert.ok(password, 'the first start shows the admin password on the console');
  await until('HTTPS', healthy, 300_000);
  const session = await call('POST', '/api/session', { username: 'admin', password });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  token = session.body.token;
  adminPassword = password;
  const must = await call('GET', '/api/session/password');
  if (must.status === 200 && must.body.mustChangePassword) {
    assert.ok((await call('POST', '/api/session/password', { current: password, next: `${password}-changed` })).status < 300);
    token = (await call('POST', '/api/session', { username: 'admin', password: `${password}-changed` })).body.token;
    adminPassword = `${password}-changed`;
  }
  // The test's host reaches the box through qemu's user network as 10.0.2.2: that is the trunk.
  for (const [section, value] of [['trunks', [{ name: 'carrier', kind: 'static', host: '10.0.2.2' }]], ['conferences', [{ name: 'r1', maxParties: 8 }]], ['dids', [{ number: '3000', trunk: 'carrier', destination: 'conf:r1' }]]] as const) {
    const put = await callAgain('PUT', `/api/config/sections/${section}`, { value });
    assert.equal(put.status, 200, `${section}: ${JSON.stringify(put.body)}`);
  }
  const run = runSipp({ scenario: 'uac-call.xml', localIp: '127.0.0.1', target: `127.0.0.1:${ports.sip}`, keys: { dialled: '3000', caller: '5551234', rtp_ip: '127.0.0.1', rtp_port: 9 }, pauseMs: 2000, timeoutSec: 120 });
  const r = await run.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const status = await callAgain('GET', '/api/updates');
  assert.deepEqual([status.body.running, status.body.committed], ['a', 'a']);
});

test('an update is applied to slot B, tried at the next boot, passes the health check and is committed', async () => {
  // Does an upload as such get through qemu's user network? 50 MB, read in full by the box.
  const probe = corruptBundle(50);
  const tp = Date.now();
  const probed = await call('POST', '/api/updates', undefined, { file: probe }, 300_000).then((r) => `HTTP ${r.status} ${r.body?.code ?? ''}`, (err: Error) => `failed: ${err.message.split('\n')[0]}`);
  console.log(`# upload probe: ${Math.round(statSync(probe).size / 1024 / 1024)} MB POST /api/updates through slirp hostfwd → ${probed} after ${((Date.now() - tp) / 1000).toFixed(1)} s`);
  rmSync(probe);
  const t0 = Date.now();
  const up = await applyFromDisk('v-next.ccupdate');
  assert.equal(up.status, 200, JSON.stringify(up.body));
  assert.deepEqual(up.body, { version: 'v-next', slot: 'b' });
  result('update_apply_s', (Date.now() - t0) / 1000, 's');
  const before = readyCount();
  const t1 = Date.now();
  assert.equal((await call('POST', '/api/updates/reboot', {})).status, 200);
  await until('ready after the reboot', () => readyCount() > before || undefined, 900_000);
  await until('HTTPS', healthy, 300_000);
  const committed = await until('slot B committed', async () => {
    // The reboot ended the session: callSignedIn signs in again (before, this poll read 401s
    // until it timed out while the serial log said "slot B committed").
    const s = await callSignedIn('GET', '/api/updates').catch(() => undefined);
    return s?.body?.committed === 'b' ? s.body : undefined;
  }, 400_000);
  result('update_reboot_to_commit_s', (Date.now() - t1) / 1000, 's');
  assert.equal(committed.running, 'b');
  assert.equal(committed.slots.b, 'v-next');
});

test('a broken update is tried once, fails the health check, and the box rolls back to the committed slot by itself', async () => {
  const ta = Date.now();
  const up = await applyFromDisk('v-broken.ccupdate');
  assert.deepEqual(up.body, { version: 'v-broken', slot: 'a' });
  result('update_apply_broken_s', (Date.now() - ta) / 1000, 's');
  const before = readyCount();
  const t0 = Date.now();
  assert.equal((await call('POST', '/api/updates/reboot', {})).status, 200);
  await until('the broken build to start and fail', () => serial.includes('a deliberately broken build') || undefined, 900_000);
  await until('ready again on the committed slot', () => readyCount() > before || undefined, 1_200_000);
  await until('HTTPS', healthy, 300_000);
  result('rollback_s', (Date.now() - t0) / 1000, 's');
  const status = await callSignedIn('GET', '/api/updates');
  assert.deepEqual([status.body.running, status.body.committed], ['b', 'b'], 'back on slot B, which stays committed');
  assert.equal(status.body.slots.a, 'v-broken', 'the broken build stays in slot A, never committed');
  assert.match(serial, /callcenter-health: healthy=false running=a committed=b → reboot/);
  // Both installs from the stick are in the audit log on the data partition, which every slot shares.
  const audit = await callSignedIn('GET', '/api/audit?limit=5000');
  assert.equal(audit.status, 200);
  const installs = (audit.body as { action: string; outcome: string; target?: string; detail?: { version?: string } }[])
    .filter((r) => r.action === 'update-from-disk').map((r) => `${r.outcome} ${r.detail?.version} ${r.target}`);
  console.log(`# audit, update-from-disk: ${installs.join('; ')}`);
  assert.ok(installs.includes('ok v-next slot-b'), `the good bundle's install is audit-logged: ${installs.join('; ')}`);
  assert.ok(installs.includes('ok v-broken slot-a'), `the broken bundle's install is audit-logged: ${installs.join('; ')}`);
});

// Backups to attached storage on real disks: ext4 images on loop devices, mounted under a
// temporary "media" directory the box watches (tmpfs when this kernel gives no loop device).
//  1. The real daemon: calls make CDRs and recordings; the box notices the disk; a full and
//     an incremental backup over the API (only the new recording copied), verify; then the
//     box is stopped, restored into a fresh data directory with the CLI (dry run first),
//     compared (CDRs, config, recordings), and started again on it.
//  2. The disk unmounted mid-backup (lazy unmount while a large recording is copied): that
//     backup fails with CC_BACKUP_TARGET_GONE, an event row is the alert, the earlier backup
//     still verifies when the disk comes back, and the next backup cleans up.
//  3. A 2 MB disk: CC_BACKUP_TARGET_FULL before anything is written; a disk filled up during
//     the copy: the same code, the attempt marked failed, nothing marked good.
// Every test unmounts and detaches its loop devices in `finally`.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { open } from 'lmdb';
import { pino } from 'pino';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { adminPassword, signIn } from './harness/api.ts';
import { carrierToUpstream } from './harness/topology.ts';
import { runSipp } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer } from './harness/rtp-peer.ts';
import { Store } from '../system/store/store.ts';
import { parseConfig } from '../system/config/load.ts';
import { listAudit } from '../system/audit/audit-log.ts';
import { BackupService } from '../appliance/backup/backup-service.ts';
import { BackupError } from '../appliance/backup/errors.ts';
import { BACKUP_ROOT, listBackups, verifyBackupDir } from '../appliance/backup/manifest.ts';
import { addRecordings, seedBox } from '../appliance/backup/testing.ts';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'appliance/backup/cli.ts');
const MARKER = '.callcenter-backup';
const temps: string[] = [];
after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const loopAvailable = spawnSync('losetup', ['-f'], { encoding: 'utf8' }).status === 0 && spawnSync('which', ['mkfs.ext4']).status === 0;

/** A disk image of `mb` MiB, ext4 on a loop device (tmpfs of that size when no loop device). */
class Disk {
  readonly img: string;
  readonly mountPoint: string;
  readonly kind = loopAvailable ? 'ext4-loop' : 'tmpfs';

  constructor(readonly dir: string, name: string, readonly mb: number) {
    this.img = join(dir, `${name}.img`);
    this.mountPoint = join(dir, 'media', name);
    mkdirSync(this.mountPoint, { recursive: true });
    if (this.kind === 'ext4-loop') {
      sh('truncate', ['-s', `${mb}M`, this.img]);
      sh('mkfs.ext4', ['-q', '-F', this.img]);
    }
  }

  get mounted(): boolean {
    return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((l) => l.split(' ')[1] === this.mountPoint);
  }

  mount(marker = true): void {
    if (this.kind === 'ext4-loop') sh('mount', ['-o', 'loop', this.img, this.mountPoint]);
    else sh('mount', ['-t', 'tmpfs', '-o', `size=${this.mb}m`, 'tmpfs', this.mountPoint]);
    if (marker && !existsSync(join(this.mountPoint, MARKER))) writeFileSync(join(this.mountPoint, MARKER), JSON.stringify({ label: 'test disk' }));
  }

  /** Unmount; `lazy` detaches it at once even while files are open (a disk pulled out). */
  unmount(lazy = false): void {
    sh('umount', lazy ? ['-l', this.mountPoint] : [this.mountPoint]);
  }

  /** Wait until a lazily unmounted file system is really gone (its files closed). */
  async released(timeoutMs = 10_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.kind === 'ext4-loop' && this.loops().length && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  }

  private loops(): string[] {
    if (this.kind !== 'ext4-loop') return [];
    return (spawnSync('losetup', ['-j', this.img], { encoding: 'utf8' }).stdout ?? '').split('\n').filter(Boolean).map((l) => l.split(':')[0]);
  }

  /** Never leave a mount or a loop device behind. */
  cleanup(): void {
    for (let i = 0; i < 5 && this.mounted; i++) spawnSync('umount', i < 3 ? [this.mountPoint] : ['-l', this.mountPoint]);
    for (const dev of this.loops()) spawnSync('losetup', ['-d', dev]);
  }
}

function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Read a table of a (stopped or running) box's LMDB read-only. */
async function readTable(dataDir: string, table: string): Promise<{ key: unknown; value: any }[]> {
  const env = open({ path: join(dataDir, 'box.lmdb'), readOnly: true, maxDbs: 32 });
  try {
    return [...env.openDB({ name: table }).getRange()].map(({ key, value }) => ({ key, value }));
  } finally {
    await env.close();
  }
}

/** One answered call from the carrier to upstream with 1 s of audio each way: a CDR and a recording. */
async function call(box: BoxProcess, upstreamPort: number, dialled: string): Promise<void> {
  const caller = await RtpPeer.open('127.0.0.2');
  const callee = await RtpPeer.open('127.0.0.3');
  const uas = runSipp({ scenario: 'uas-answer-to.xml', localIp: '127.0.0.3', localPort: upstreamPort, keys: { rtp_ip: '127.0.0.3', rtp_port: callee.port } });
  const uac = runSipp({ scenario: 'uac-call.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled, caller: '1', rtp_ip: '127.0.0.2', rtp_port: caller.port }, pauseMs: 2000 });
  try {
    const [, boxPort] = await uac.waitForLog(/BOXPORT (\d+)/);
    const frames = Array.from({ length: 50 }, () => Buffer.alloc(160, 0x55));
    await caller.sendStream(frames, '127.0.0.1', Number(boxPort));
    const [a, b] = await Promise.all([uac.done, uas.done]);
    assert.equal(a.code, 0, a.errors);
    assert.equal(b.code, 0, b.errors);
  } finally {
    caller.close();
    callee.close();
  }
  assert.ok(await box.cdr(dialled), `a CDR for ${dialled}`);
}

test('full and incremental backups of the running box to a loop-mounted disk, verify, then a restore that brings the box back', { skip: !loopAvailable && 'no loop device and no mkfs.ext4' }, async () => {
  const dir = tempDir('bk-hil-');
  const disk = new Disk(dir, 'usb0', 64);
  let box: BoxProcess | undefined;
  let restored: BoxProcess | undefined;
  try {
    disk.mount();
    const upstreamPort = await freePort('127.0.0.3');
    box = await startBoxProcess(carrierToUpstream(upstreamPort, { backup: { mountDir: join(dir, 'media'), pollIntervalMs: 300, schedule: '0 3 1 1 *' } }), { keepData: true });
    temps.push(box.dataDir);
    const admin = await signIn(box);
    const targets = await admin.call('GET', '/api/backup/targets');
    assert.equal(targets.status, 200);
    assert.deepEqual(targets.body.map((t: any) => [t.name, t.label]), [['usb0', 'test disk']]);

    await call(box, upstreamPort, '96001');
    const full = await admin.call('POST', '/api/backup/run', { wait: true });
    assert.equal(full.status, 200, JSON.stringify(full.body));
    assert.equal(full.body.kind, 'full');
    assert.equal(full.body.recordings.copied, 1);

    await call(box, upstreamPort, '96002');
    const started = await admin.call('POST', '/api/backup/run', {});
    assert.equal(started.status, 202);
    let status: any;
    for (let i = 0; i < 100; i++) {
      status = (await admin.call('GET', '/api/backup/status')).body;
      if (!status.running && status.last?.id === started.body.id) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status.last.ok, true, JSON.stringify(status.last));
    const inc = status.last.result;
    assert.equal(inc.kind, 'incremental');
    assert.deepEqual([inc.recordings.total, inc.recordings.copied, inc.recordings.reused], [2, 1, 1], 'only the new recording is copied');

    const verify = await admin.call('POST', '/api/backup/verify', { target: 'usb0', id: inc.id });
    assert.equal(verify.status, 200);
    assert.equal(verify.body.ok, true, JSON.stringify(verify.body));
    const listing = (await admin.call('GET', '/api/backup/backups')).body;
    assert.deepEqual(listing[0].backups.map((b: any) => b.state), ['good', 'good']);
    const audit = (await admin.call('GET', '/api/audit')).body as any[];
    assert.deepEqual(audit.filter((a) => a.action.startsWith('backup')).map((a) => [a.action, a.outcome]), [['backup', 'ok'], ['backup', 'ok'], ['backup-verify', 'ok']]);
    const agent = await admin.call('POST', '/api/users', { username: 'ag1', role: 'agent', password: 'agent-password' });
    assert.equal(agent.status, 201);
    const ag = await signIn(box, 'ag1', 'agent-password');
    assert.equal((await ag.call('POST', '/api/backup/run', {})).status, 403, 'admin only');
    const password = adminPassword(box);

    // The box stops; the backup goes into a fresh data directory.
    assert.equal(await box.stop(), 0);
    const oldData = join(box.dataDir, 'data');
    const freshParent = tempDir('bk-restored-');
    const fresh = join(freshParent, 'data');
    const from = join(disk.mountPoint, BACKUP_ROOT, inc.id);
    const dry = sh(process.execPath, ['--import', 'tsx', CLI, 'restore', '--from', from, '--data', fresh, '--dry-run']);
    assert.match(dry, /DRY RUN — nothing written/);
    assert.match(dry, /recordings: 2 in the backup, 2 to copy/);
    assert.equal(existsSync(fresh), false);
    const out = sh(process.execPath, ['--import', 'tsx', CLI, 'restore', '--from', from, '--data', fresh]);
    assert.match(out, /done\. Start the box/);

    const [cdrOld, cdrNew] = [await readTable(oldData, 'cdr'), await readTable(fresh, 'cdr')];
    assert.equal(cdrNew.length, 2);
    assert.deepEqual(cdrNew, cdrOld);
    const [cfgOld, cfgNew] = [await readTable(oldData, 'config'), await readTable(fresh, 'config')];
    assert.deepEqual(cfgNew.find((r) => r.key === 'box-config'), cfgOld.find((r) => r.key === 'box-config'));
    const recOld = await readTable(oldData, 'recordings');
    const recNew = await readTable(fresh, 'recordings');
    assert.equal(recNew.length, 2);
    for (const { key, value } of recNew) {
      const before = recOld.find((r) => r.key === key)!.value;
      assert.ok(value.path.startsWith(join(fresh, 'recordings')), value.path);
      assert.equal(sha(value.path), before.sha256);
      assert.equal(sha(value.path), sha(before.path));
    }

    // Back to service: the daemon starts on the restored directory with its restored
    // configuration (no config file), and the old admin password signs in.
    restored = await startBoxProcess({}, { dataDir: freshParent, noConfigFile: true });
    const ready = JSON.parse(await restored.waitForLog(/"msg":"ready"/));
    const again = await signIn({ ...restored, httpPort: ready.http }, 'admin', password);
    const v = (await again.call('GET', '/api/audit/verify')).body;
    assert.equal(v.ok, true);
    const rows = (await again.call('GET', `/api/audit?after=${v.rows - 2}`)).body as any[];
    assert.deepEqual(rows.map((r) => r.action), ['restore', 'sign-in']);
    assert.equal((await again.call('GET', '/api/backup/targets')).body.length, 1, 'the restored box sees the disk too');
  } finally {
    await box?.stop();
    await restored?.stop();
    disk.cleanup();
  }
});

test('a disk unmounted mid-backup: that backup fails with CC_BACKUP_TARGET_GONE and an alert, earlier backups are intact', async () => {
  const dir = tempDir('bk-gone-');
  const disk = new Disk(dir, 'usb0', 192);
  const store = new Store(join(dir, 'data'));
  let svc: BackupService | undefined;
  try {
    disk.mount();
    await seedBox(store);
    await addRecordings(store, join(dir, 'data', 'recordings'), 2, 256 * 1024);
    const config = parseConfig({ backup: { mountDir: join(dir, 'media'), pollIntervalMs: 200 } });
    svc = await BackupService.start({ store, config: () => config, log: pino({ level: 'silent' }) });
    const first = await svc.run({ by: 'admin' });
    await addRecordings(store, join(dir, 'data', 'recordings'), 2, 32 * 1024 * 1024, 'big');
    const { id, done } = await svc.start({ by: 'admin' });
    let pulled = false;
    svc.on('progress', (p) => {
      if (!pulled && p.phase === 'recordings' && p.bytesDone > 0) {
        pulled = true;
        disk.unmount(true); // the disk is gone; the open file goes on until closed
      }
    });
    await assert.rejects(done, (e: BackupError) => e.code === 'CC_BACKUP_TARGET_GONE');
    assert.ok(pulled);
    const events = [...store.tables.events.getRange()].map((r) => r.value as any);
    assert.deepEqual(events.filter((e) => e.type === 'backup-failed').map((e) => [e.id, e.code]), [[id, 'CC_BACKUP_TARGET_GONE']]);
    assert.deepEqual(listAudit(store).filter((a) => a.action === 'backup').map((a) => a.outcome), ['ok', 'failed']);
    assert.equal((svc.status() as any).last.code, 'CC_BACKUP_TARGET_GONE');

    // The disk comes back: the first backup is whole, the cut-off one is not good.
    await disk.released();
    disk.mount(false);
    const root = join(disk.mountPoint, BACKUP_ROOT);
    const list = listBackups(root);
    assert.deepEqual(list.map((b) => [b.id, b.state === 'good']), [[first.id, true], [id, false]]);
    assert.equal((await verifyBackupDir(root, join(root, first.id))).ok, true);
    const next = await svc.run({ by: 'admin' });
    assert.equal(next.recordings.copied, 2);
    assert.deepEqual(listBackups(root).map((b) => [b.id, b.state]), [[first.id, 'good'], [next.id, 'good']], 'the cut-off attempt was cleaned up');
  } finally {
    await svc?.close();
    await store.close();
    disk.cleanup();
  }
});

test('a disk too small: CC_BACKUP_TARGET_FULL before writing; a disk that fills up during the copy: the same code and nothing marked good', async () => {
  const dir = tempDir('bk-full-');
  const tiny = new Disk(dir, 'tiny', 2);
  const small = new Disk(dir, 'small', 12);
  const store = new Store(join(dir, 'data'));
  let svc: BackupService | undefined;
  try {
    tiny.mount();
    small.mount();
    await seedBox(store);
    await addRecordings(store, join(dir, 'data', 'recordings'), 3, 1024 * 1024);
    const config = parseConfig({ backup: { mountDir: join(dir, 'media'), pollIntervalMs: 500 } });
    svc = await BackupService.start({ store, config: () => config, log: pino({ level: 'silent' }) });
    assert.deepEqual(svc.targets().map((t) => t.name), ['small', 'tiny']);

    await assert.rejects(svc.run({ target: 'tiny', by: 'admin' }), (e: BackupError) => e.code === 'CC_BACKUP_TARGET_FULL' && /needs about/.test(e.message));
    assert.equal(existsSync(join(tiny.mountPoint, BACKUP_ROOT)), false, 'nothing written for a backup that cannot fit');

    // Room for the backup when it starts; another writer fills the disk while it copies.
    let filled = false;
    svc.on('progress', (p) => {
      if (!filled && p.phase === 'recordings') {
        filled = true;
        spawnSync('dd', ['if=/dev/zero', `of=${join(small.mountPoint, 'filler')}`, 'bs=1M', 'count=64'], { stdio: 'ignore' });
      }
    });
    await assert.rejects(svc.run({ target: 'small', by: 'admin' }), (e: BackupError) => e.code === 'CC_BACKUP_TARGET_FULL');
    assert.ok(filled);
    const list = listBackups(join(small.mountPoint, BACKUP_ROOT));
    assert.deepEqual(list.map((b) => [b.state, b.error?.code]), [['failed', 'CC_BACKUP_TARGET_FULL']]);
    assert.deepEqual(readdirSync(list[0].dir), ['status.json'], 'the failed attempt keeps only its status');
    const events = [...store.tables.events.getRange()].map((r) => r.value as any).filter((e) => e.type === 'backup-failed');
    assert.deepEqual(events.map((e) => e.code), ['CC_BACKUP_TARGET_FULL', 'CC_BACKUP_TARGET_FULL']);
  } finally {
    await svc?.close();
    await store.close();
    tiny.cleanup();
    small.cleanup();
  }
});

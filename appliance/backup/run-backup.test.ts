import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../system/store/store.ts';
import { BackupError } from './errors.ts';
import { BACKUP_ROOT, POOL, listBackups, readJson, verifyBackupDir, type BackupStatus, type Manifest } from './manifest.ts';
import { runBackup, poolPathOf, type BackupProgress } from './run-backup.ts';
import { planRotation } from './rotation.ts';
import { addRecordings, seedBox } from './testing.ts';

interface Fixture {
  dir: string;
  store: Store;
  recordingDir: string;
  disk: string;
  root: string;
  backup(extra?: Partial<Parameters<typeof runBackup>[0]>): ReturnType<typeof runBackup>;
}

let ids = 0;
async function withBox(fn: (f: Fixture) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'backup-unit-'));
  const store = new Store(join(dir, 'data'));
  const recordingDir = join(dir, 'data', 'recordings');
  const disk = join(dir, 'disk');
  mkdirSync(disk);
  try {
    await seedBox(store);
    await fn({
      dir, store, recordingDir, disk, root: join(disk, BACKUP_ROOT),
      backup: (extra = {}) => runBackup({
        store, id: `20250101T0000${String(ids++ % 60).padStart(2, '0')}Z`, targetDir: disk, targetName: 'disk', targetPresent: () => existsSync(disk),
        recordingDir, keep: 5, by: 'test', ...extra,
      }),
    });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a full backup holds the LMDB snapshot, the config document and every recording, each with its sha256, and verifies', async () => {
  await withBox(async (f) => {
    const recs = await addRecordings(f.store, f.recordingDir, 3);
    const phases = new Set<string>();
    const r = await f.backup({ onProgress: (p: BackupProgress) => phases.add(p.phase) });
    assert.equal(r.kind, 'full');
    assert.deepEqual(r.recordings, { total: 3, copied: 3, reused: 0, copiedBytes: 3 * 32 * 1024 });
    assert.deepEqual([...phases], ['snapshot', 'recordings', 'manifest', 'verify', 'rotate']);
    const m = readJson<Manifest>(join(r.dir, 'manifest.json'))!;
    assert.deepEqual(m.files.map((x) => x.path), ['box.lmdb', 'config.json']);
    assert.deepEqual(JSON.parse(readFileSync(join(r.dir, 'config.json'), 'utf8')), f.store.tables.config.get('box-config'));
    assert.equal(m.tables.cdr, 3);
    assert.equal(m.tables.recordings, 3);
    assert.equal(m.auditHead?.seq, 1);
    for (const rec of recs) {
      const entry = m.recordings.find((x) => x.callId === rec.callId)!;
      assert.equal(entry.sha256, rec.sha256);
      assert.deepEqual(readFileSync(join(f.root, POOL, entry.pool)), readFileSync(rec.path));
    }
    assert.equal(readJson<BackupStatus>(join(r.dir, 'status.json'))?.state, 'good');
    assert.deepEqual(readdirSync(r.dir).sort(), ['box.lmdb', 'config.json', 'manifest.json', 'status.json'], 'no lock file, no temp files');
    assert.equal((await verifyBackupDir(f.root, r.dir)).ok, true);
  });
});

test('the scheduled report files go into the backup as they are, listed and verified like the rest', async () => {
  await withBox(async (f) => {
    const reports = join(f.store.dataDir, 'reports', 'daily');
    mkdirSync(reports, { recursive: true });
    writeFileSync(join(reports, '2026-11-25-queues.csv'), 'queue,offered\nsales,12\n');
    writeFileSync(join(reports, '2026-11-25-agents.csv'), 'agent,answered\na1,7\n');
    writeFileSync(join(reports, 'x.csv.tmp-1'), 'half-written');
    const r = await f.backup();
    const m = readJson<Manifest>(join(r.dir, 'manifest.json'))!;
    assert.deepEqual(m.files.filter((x) => x.role === 'report').map((x) => x.path), ['reports/daily/2026-11-25-agents.csv', 'reports/daily/2026-11-25-queues.csv']);
    assert.equal(readFileSync(join(r.dir, 'reports/daily/2026-11-25-queues.csv'), 'utf8'), 'queue,offered\nsales,12\n');
    writeFileSync(join(r.dir, 'reports/daily/2026-11-25-queues.csv'), 'queue,offered\nsales,13\n');
    const v = await verifyBackupDir(f.root, r.dir);
    assert.equal(v.ok, false, 'an altered report file fails verify');
    assert.ok(v.problems.some((p) => p.includes('2026-11-25-queues.csv')), JSON.stringify(v.problems));
  });
});

test('an incremental backup copies only the recordings made since; both backups stay restorable', async () => {
  await withBox(async (f) => {
    await addRecordings(f.store, f.recordingDir, 3);
    const first = await f.backup();
    const later = await addRecordings(f.store, f.recordingDir, 2, 16 * 1024, 'later');
    const second = await f.backup();
    assert.equal(second.kind, 'incremental');
    assert.deepEqual(second.recordings, { total: 5, copied: 2, reused: 3, copiedBytes: 2 * 16 * 1024 });
    const m = readJson<Manifest>(join(second.dir, 'manifest.json'))!;
    assert.deepEqual(m.recordings.filter((x) => x.copied).map((x) => x.callId).sort(), later.map((x) => x.callId).sort());
    assert.equal((await verifyBackupDir(f.root, first.dir)).ok, true);
    assert.equal((await verifyBackupDir(f.root, second.dir)).ok, true);
  });
});

test('verify names a pool recording that was changed or removed on the disk', async () => {
  await withBox(async (f) => {
    await addRecordings(f.store, f.recordingDir, 2);
    const r = await f.backup();
    const m = readJson<Manifest>(join(r.dir, 'manifest.json'))!;
    writeFileSync(join(f.root, POOL, m.recordings[0].pool), Buffer.alloc(m.recordings[0].bytes, 1));
    rmSync(join(f.root, POOL, m.recordings[1].pool));
    const v = await verifyBackupDir(f.root, r.dir);
    assert.equal(v.ok, false);
    assert.deepEqual(v.problems, [`${POOL}/${m.recordings[0].pool}: sha256 mismatch`, `${POOL}/${m.recordings[1].pool}: missing`]);
  });
});

test('rotation keeps the newest N good backups and removes pool recordings no kept backup lists', async () => {
  await withBox(async (f) => {
    const [gone] = await addRecordings(f.store, f.recordingDir, 1, 1024, 'gone');
    await f.backup({ keep: 2 });
    await f.store.transaction(() => f.store.tables.recordings.remove(gone.callId)); // retention dropped it
    await addRecordings(f.store, f.recordingDir, 1, 1024);
    const b2 = await f.backup({ keep: 2 });
    assert.ok(existsSync(join(f.root, POOL, poolPathOf(gone, f.recordingDir).pool)), 'still listed by the first backup');
    const b3 = await f.backup({ keep: 2 });
    assert.deepEqual(b3.removed.length, 1);
    assert.deepEqual(listBackups(f.root).map((b) => b.id), [b2.id, b3.id]);
    assert.equal(existsSync(join(f.root, POOL, poolPathOf(gone, f.recordingDir).pool)), false);
    assert.equal((await verifyBackupDir(f.root, b2.dir)).ok, true);
  });
});

test('a backup stopped mid-copy is marked failed with its code; the earlier backup is untouched', async () => {
  await withBox(async (f) => {
    await addRecordings(f.store, f.recordingDir, 1);
    const first = await f.backup();
    await addRecordings(f.store, f.recordingDir, 3, 3 * 1024 * 1024, 'big');
    const abort = new AbortController();
    await assert.rejects(
      f.backup({
        signal: abort.signal,
        onProgress: (p) => p.phase === 'recordings' && p.bytesDone > 0 && abort.abort(new BackupError('CC_BACKUP_TARGET_GONE', 'pulled')),
      }),
      (err: BackupError) => err.code === 'CC_BACKUP_TARGET_GONE',
    );
    const list = listBackups(f.root);
    assert.deepEqual(list.map((b) => [b.id === first.id, b.state]), [[true, 'good'], [false, 'failed']]);
    assert.equal(list[1].error?.code, 'CC_BACKUP_TARGET_GONE');
    assert.deepEqual(readdirSync(list[1].dir), ['status.json'], 'the failed attempt keeps only its status');
    assert.equal((await verifyBackupDir(f.root, first.dir)).ok, true);
    assert.equal(readdirSync(join(f.root, POOL), { recursive: true }).some((n) => String(n).includes('.tmp-')), false, 'no temp file left in the pool');
  });
});

test('a recording indexed but missing on the disk is a warning, not a failure', async () => {
  await withBox(async (f) => {
    const [a] = await addRecordings(f.store, f.recordingDir, 2);
    rmSync(a.path);
    const r = await f.backup();
    assert.equal(r.recordings.total, 1);
    assert.deepEqual(r.warnings.map((w) => [w.code, w.callId]), [['CC_BACKUP_SOURCE_MISSING', a.callId]]);
  });
});

test('planRotation: the newest good ones stay; failed and cut-off attempts go; a running one is left alone', () => {
  const e = (id: string, state: 'good' | 'failed' | 'interrupted' | 'running') => ({ id, dir: id, state });
  const plan = planRotation([e('1', 'good'), e('2', 'failed'), e('3', 'good'), e('4', 'interrupted'), e('5', 'good'), e('6', 'running')], 2, '6');
  assert.deepEqual(plan.keep.map((b) => b.id), ['3', '5']);
  assert.deepEqual(plan.remove.map((b) => b.id), ['1', '2', '4']);
});

test('poolPathOf: under the recording directory the dated path is kept; elsewhere by call id', () => {
  assert.deepEqual(poolPathOf({ callId: 'c1', path: '/data/recordings/2025/01/02/c1.wav' }, '/data/recordings'), { pool: 'recordings/2025/01/02/c1.wav', rel: '2025/01/02/c1.wav' });
  assert.deepEqual(poolPathOf({ callId: 'c2', path: '/elsewhere/c2.wav' }, '/data/recordings'), { pool: 'recordings/other/c2.wav', rel: 'other/c2.wav' });
});

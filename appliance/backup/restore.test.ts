import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Store } from '../../system/store/store.ts';
import { verifyAudit } from '../../system/audit/verify.ts';
import { listAudit } from '../../system/audit/audit-log.ts';
import type { RecordingRow } from '../../system/calls/cdr.ts';
import { BackupError } from './errors.ts';
import { BACKUP_ROOT, POOL, readJson, type Manifest } from './manifest.ts';
import { runBackup } from './run-backup.ts';
import { restore } from './restore.ts';
import { addRecordings, seedBox } from './testing.ts';

async function withBackup(fn: (ctx: { dir: string; backupDir: string; recs: RecordingRow[]; srcData: string }) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'restore-unit-'));
  const srcData = join(dir, 'src');
  const store = new Store(srcData);
  const disk = join(dir, 'disk');
  mkdirSync(disk);
  try {
    await seedBox(store, { extensions: [{ number: '1001', password: 'secret-1001' }], calls: { maxCalls: 77 } });
    const recs = await addRecordings(store, join(srcData, 'recordings'), 3);
    mkdirSync(join(srcData, 'reports', 'weekly'), { recursive: true });
    writeFileSync(join(srcData, 'reports', 'weekly', '2026-W47-queues.csv'), 'queue,offered\nsales,40\n');
    const r = await runBackup({ store, id: '20250101T000000Z', targetDir: disk, targetName: 'disk', targetPresent: () => true, recordingDir: join(srcData, 'recordings'), keep: 3, by: 'test' });
    await store.close();
    await fn({ dir, backupDir: r.dir, recs, srcData });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = (s: Store, t: 'cdr' | 'recordings') => [...s.tables[t].getRange()].map((r) => r.value as Record<string, unknown>);

test('a dry run reports what a whole restore would do and writes nothing', async () => {
  await withBackup(async ({ dir, backupDir }) => {
    const data = join(dir, 'fresh');
    const plan = await restore({ from: backupDir, dataDir: data, dryRun: true });
    assert.equal(plan.applied, false);
    assert.equal(plan.current, undefined);
    assert.equal(plan.after.tables.cdr, 3);
    assert.deepEqual(plan.after.users, ['admin']);
    assert.equal(plan.recordings?.toCopy, 3);
    assert.equal(plan.recordings?.pathsRewritten, 3);
    assert.deepEqual(plan.config.changes.find((c) => c.path === '/calls'), { path: '/calls', before: undefined, after: { maxCalls: 77 } });
    assert.equal(existsSync(data), false);
  });
});

test('a whole restore into a fresh data directory brings back CDRs, config, users, audit chain and recordings at their new place', async () => {
  await withBackup(async ({ dir, backupDir, recs, srcData }) => {
    const data = join(dir, 'fresh');
    const plan = await restore({ from: backupDir, dataDir: data, by: 'tech' });
    assert.equal(plan.applied, true);
    const src = new Store(srcData);
    const dst = new Store(data);
    try {
      assert.deepEqual(rows(dst, 'cdr'), rows(src, 'cdr'));
      assert.deepEqual(dst.tables.config.get('box-config'), src.tables.config.get('box-config'));
      assert.ok(dst.tables.config.get('user:admin'));
      assert.equal(readFileSync(join(data, 'reports', 'weekly', '2026-W47-queues.csv'), 'utf8'), 'queue,offered\nsales,40\n', 'the report files come back');
      for (const rec of recs) {
        const row = dst.tables.recordings.get(rec.callId) as RecordingRow;
        assert.ok(row.path.startsWith(join(data, 'recordings')), row.path);
        assert.deepEqual(readFileSync(row.path), readFileSync(rec.path));
      }
      const audit = listAudit(dst);
      assert.deepEqual(audit.map((a) => a.action), ['sign-in', 'restore']);
      assert.equal(audit[1].actor, 'tech');
      assert.equal(verifyAudit(dst).ok, true, 'the restore row continues the chain');
    } finally {
      await src.close();
      await dst.close();
    }
  });
});

test('restoring over an existing box keeps its database aside; recordings already in place are not copied again', async () => {
  await withBackup(async ({ dir, backupDir, srcData }) => {
    const data = join(dir, 'existing');
    await restore({ from: backupDir, dataDir: data });
    const again = await restore({ from: backupDir, dataDir: data, recordingDir: join(data, 'recordings') });
    assert.equal(again.recordings?.alreadyPresent, 3);
    assert.equal(again.recordings?.toCopy, 0);
    assert.equal(readdirSync(data).filter((n) => n.startsWith('box.lmdb.pre-restore-')).length, 1);
    void srcData;
  });
});

test('configuration only: the stored document is replaced, with the change on the audit record; nothing else moves', async () => {
  await withBackup(async ({ dir, backupDir }) => {
    const data = join(dir, 'other-box');
    const other = new Store(data);
    await seedBox(other, { calls: { maxCalls: 5 } });
    await addRecordings(other, join(data, 'recordings'), 1);
    await other.close();
    const dry = await restore({ from: backupDir, dataDir: data, configOnly: true, dryRun: true });
    assert.deepEqual(dry.config.changes.find((c) => c.path === '/calls/maxCalls'), { path: '/calls/maxCalls', before: 5, after: 77 });
    assert.ok(dry.config.changes.some((c) => c.path === '/extensions' || c.path.startsWith('/extensions')));
    assert.ok(!JSON.stringify(dry).includes('secret-1001'), 'no password in the report');
    await restore({ from: backupDir, dataDir: data, configOnly: true, by: 'tech' });
    const s = new Store(data);
    try {
      assert.deepEqual(s.tables.config.get('box-config'), { extensions: [{ number: '1001', password: 'secret-1001' }], calls: { maxCalls: 77 } });
      assert.equal(rows(s, 'cdr').length, 1, 'CDRs untouched');
      const last = listAudit(s).at(-1)!;
      assert.equal(last.action, 'restore-config');
      assert.equal(verifyAudit(s).ok, true);
    } finally {
      await s.close();
    }
  });
});

test('a tampered backup, a non-backup directory and a running box are refused with their codes (a dry run under a running box is allowed)', async () => {
  await withBackup(async ({ dir, backupDir }) => {
    const m = readJson<Manifest>(join(backupDir, 'manifest.json'))!;
    const poolFile = join(dir, 'disk', BACKUP_ROOT, POOL, m.recordings[0].pool);
    const saved = readFileSync(poolFile);
    writeFileSync(poolFile, Buffer.alloc(saved.length));
    await assert.rejects(restore({ from: backupDir, dataDir: join(dir, 'x') }), (e: BackupError) => e.code === 'CC_BACKUP_VERIFY_FAILED');
    writeFileSync(poolFile, saved);
    await assert.rejects(restore({ from: dir, dataDir: join(dir, 'x') }), (e: BackupError) => e.code === 'CC_BACKUP_BAD_MANIFEST');
    const data = join(dir, 'live');
    mkdirSync(data);
    const sleeper = spawn('sleep', ['30']);
    try {
      writeFileSync(join(data, 'box.running'), JSON.stringify({ pid: sleeper.pid }));
      await assert.rejects(restore({ from: backupDir, dataDir: data }), (e: BackupError) => e.code === 'CC_BACKUP_BOX_RUNNING');
      const plan = await restore({ from: backupDir, dataDir: data, dryRun: true });
      assert.equal(plan.boxRunning, true, 'a dry run may plan ahead while the box runs');
    } finally {
      sleeper.kill();
    }
  });
});

test('the restore CLI prints the plan on a dry run and exits 1 with the code on a refusal', async () => {
  await withBackup(async ({ dir, backupDir }) => {
    const cli = resolve(import.meta.dirname, 'cli.ts');
    const out = execFileSync(process.execPath, ['--import', 'tsx', cli, 'restore', '--from', backupDir, '--data', join(dir, 'n'), '--dry-run'], { encoding: 'utf8' });
    assert.match(out, /DRY RUN — nothing written\. Whole-box restore of backup 20250101T000000Z/);
    assert.match(out, /recordings: 3 in the backup, 3 to copy/);
    try {
      execFileSync(process.execPath, ['--import', 'tsx', cli, 'restore', '--from', dir, '--data', join(dir, 'n')], { encoding: 'utf8', stdio: 'pipe' });
      assert.fail('expected exit 1');
    } catch (err) {
      const e = err as { status: number; stderr: string };
      assert.equal(e.status, 1);
      assert.match(e.stderr, /^CC_BACKUP_BAD_MANIFEST:/);
    }
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { pino } from 'pino';
import { Store } from '../../system/store/store.ts';
import { parseConfig } from '../../system/config/load.ts';
import { listAudit } from '../../system/audit/audit-log.ts';
import { verifyAudit } from '../../system/audit/verify.ts';
import { BackupService } from './backup-service.ts';
import { BackupError } from './errors.ts';
import { probeTarget } from './targets.ts';
import { addRecordings, seedBox } from './testing.ts';

const log = pino({ level: 'silent' });

async function withService(fn: (ctx: { svc: BackupService; store: Store; media: string; dir: string }) => Promise<void>, backup: Record<string, unknown> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'backup-svc-'));
  const media = join(dir, 'media');
  mkdirSync(media);
  const store = new Store(join(dir, 'data'));
  const config = parseConfig({ backup: { mountDir: media, pollIntervalMs: 100, ...backup } });
  let svc: BackupService | undefined;
  try {
    await seedBox(store);
    svc = await BackupService.start({ store, config: () => config, log, allowSameDevice: true });
    await fn({ svc, store, media, dir });
  } finally {
    await svc?.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const attach = (media: string, name: string, marker = '.callcenter-backup') => {
  mkdirSync(join(media, name), { recursive: true });
  writeFileSync(join(media, name, marker), JSON.stringify({ label: `Disk ${name}` }));
};
const events = (store: Store, type: string) => [...store.tables.events.getRange()].map((r) => r.value as Record<string, unknown>).filter((e) => e.type === type);

test('the schema gives backups their defaults: /media, nightly at 02:00, keep 7', () => {
  assert.deepEqual(parseConfig({}).backup, { enabled: true, mountDir: '/media', marker: '.callcenter-backup', schedule: '0 2 * * *', keep: 7, pollIntervalMs: 2000 });
});

test('a directory is a target only with the marker and, unless allowed, on another device than the mount directory', () => {
  const media = mkdtempSync(join(tmpdir(), 'probe-'));
  try {
    mkdirSync(join(media, 'usb'));
    assert.equal(probeTarget(join(media, 'usb'), { mountDir: media, marker: '.m', allowSameDevice: true }), undefined, 'no marker');
    writeFileSync(join(media, 'usb', '.m'), '');
    assert.equal(probeTarget(join(media, 'usb'), { mountDir: media, marker: '.m' }), undefined, 'same device: a leftover directory, not a disk');
    const t = probeTarget(join(media, 'usb'), { mountDir: media, marker: '.m', allowSameDevice: true });
    assert.equal(t?.name, 'usb');
    assert.equal(t?.label, 'usb');
    assert.ok(t!.freeBytes > 0);
  } finally {
    rmSync(media, { recursive: true, force: true });
  }
});

test('a disk with the marker appearing and going is noticed, with event rows', async () => {
  await withService(async ({ svc, store, media }) => {
    assert.deepEqual(svc.targets(), []);
    const attached = once(svc, 'targetAttached');
    attach(media, 'usb0');
    const [t] = await attached;
    assert.equal(t.label, 'Disk usb0');
    await new Promise((r) => setTimeout(r, 300)); // chokidar has read the new disk
    const detached = once(svc, 'targetDetached');
    rmSync(join(media, 'usb0', '.callcenter-backup'));
    assert.deepEqual(await detached, ['usb0']);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(events(store, 'backup-target-attached').length, 1);
    assert.equal(events(store, 'backup-target-detached').length, 1);
  });
});

test('run now: progress, a good backup, the last result, a completed event and an audit row', async () => {
  await withService(async ({ svc, store, media }) => {
    attach(media, 'usb0');
    await addRecordings(store, join(store.dataDir, 'recordings'), 2);
    const phases: string[] = [];
    svc.on('progress', (p) => phases.at(-1) !== p.phase && phases.push(p.phase));
    const { id, target, done } = await svc.start({ by: 'admin' });
    assert.equal(target, 'usb0');
    await assert.rejects(svc.start({ by: 'admin' }), (e: BackupError) => e.code === 'CC_BACKUP_BUSY');
    const r = await done;
    assert.equal(r.id, id);
    assert.deepEqual(phases, ['snapshot', 'recordings', 'manifest', 'verify', 'rotate']);
    const st = svc.status() as { last: { ok: boolean; id: string }; running?: unknown; schedule: { next?: string } };
    assert.equal(st.last.ok, true);
    assert.equal(st.last.id, id);
    assert.equal(st.running, undefined);
    assert.ok(st.schedule.next);
    assert.equal(events(store, 'backup-completed').length, 1);
    const audit = listAudit(store).at(-1)!;
    assert.deepEqual([audit.action, audit.outcome, audit.actor, audit.target], ['backup', 'ok', 'admin', `usb0/${id}`]);
    const v = await svc.verify({ target: 'usb0', id, by: 'admin' });
    assert.equal(v.ok, true);
    assert.equal(listAudit(store).at(-1)!.action, 'backup-verify');
    assert.equal(verifyAudit(store).ok, true);
    assert.deepEqual((svc.backups('usb0')[0].backups).map((b) => [b.id, b.state]), [[id, 'good']]);
  });
});

test('no disk: the run is refused with CC_BACKUP_NO_TARGET and the failure is an event row (the alert) and an audit row', async () => {
  await withService(async ({ svc, store }) => {
    await assert.rejects(svc.start({ by: 'schedule' }), (e: BackupError) => e.code === 'CC_BACKUP_NO_TARGET');
    assert.deepEqual(events(store, 'backup-failed').map((e) => e.code), ['CC_BACKUP_NO_TARGET']);
    assert.equal(listAudit(store).at(-1)!.outcome, 'failed');
  });
});

test('the disk going away mid-backup stops it at once with CC_BACKUP_TARGET_GONE', async () => {
  await withService(async ({ svc, store, media }) => {
    attach(media, 'usb0');
    await addRecordings(store, join(store.dataDir, 'recordings'), 3, 1024 * 1024);
    const { done } = await svc.start({ by: 'admin' });
    svc.once('progress', () => {
      rmSync(join(media, 'usb0', '.callcenter-backup'));
      svc.targets(); // looks again now, as the watcher's next poll would
    });
    await assert.rejects(done, (e: BackupError) => e.code === 'CC_BACKUP_TARGET_GONE');
    assert.deepEqual(events(store, 'backup-failed').map((e) => e.code), ['CC_BACKUP_TARGET_GONE']);
  });
});

test('box.running names the process while the service runs and is removed at close', async () => {
  let file = '';
  await withService(async ({ store, svc }) => {
    file = join(store.dataDir, 'box.running');
    assert.equal(existsSync(file), true);
    await svc.close();
    assert.equal(existsSync(file), false);
  });
});

test('an invalid schedule is logged and scheduled backups stay off; on-demand still works', async () => {
  await withService(async ({ svc }) => {
    assert.equal((svc.status() as { schedule: { next?: string } }).schedule.next, undefined);
  }, { schedule: '99 99 * * *' });
});

test('the cron schedule runs a backup by itself (every second here), recorded as by "schedule"', async () => {
  await withService(async ({ svc, store, media }) => {
    attach(media, 'usb0');
    const [r] = await once(svc, 'completed');
    assert.equal(r.target, 'usb0');
    const audit = listAudit(store).find((a) => a.action === 'backup' && a.outcome === 'ok');
    assert.equal(audit?.actor, 'schedule');
  }, { schedule: '* * * * * *' });
});

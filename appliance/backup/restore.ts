// Restore a backup into a data directory while the box is stopped: the whole box (the LMDB
// snapshot becomes the database, recordings go back under the recording directory) or the
// configuration only (the backup's config document replaces the stored one). Every restore
// first checks the backup (good, every needed file matches its manifest checksum) and plans;
// a dry run returns the plan and writes nothing. The database it replaces is kept beside it
// (box.lmdb.pre-restore-<time>), never deleted. The restored database gets an event row and
// an audit row saying what was restored from where.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Store } from '../../system/store/store.ts';
import { parseConfig, ConfigError } from '../../system/config/load.ts';
import { appendAudit } from '../../system/audit/audit-log.ts';
import { diffConfig, type ConfigChange } from '../../system/audit/config-diff.ts';
import type { RecordingRow } from '../../system/calls/cdr.ts';
import { BackupError } from './errors.ts';
import { copyHashed } from './copy.ts';
import { BACKUP_ROOT, FORMAT, PARTIAL_PREFIX, POOL, readJson, sha256File, verifyBackupDir, type BackupStatus, type Manifest } from './manifest.ts';
import { readSnapshot, type SnapshotContents } from './snapshot.ts';

export interface RestoreOptions {
  /** The backup's directory (<disk>/callcenter-backups/<id>). */
  from: string;
  /** The box's data directory (CC_DATA_DIR). */
  dataDir: string;
  /** Where recordings go back (default: the backup's recording.dir, else <dataDir>/recordings). */
  recordingDir?: string;
  configOnly?: boolean;
  dryRun?: boolean;
  /** Restore even though <dataDir>/box.running names a live process (it may be a reused pid). */
  force?: boolean;
  /** Who restores, for the audit row. */
  by?: string;
  now?: () => Date;
}

export interface RestorePlan {
  mode: 'whole' | 'config-only';
  dryRun: boolean;
  backup: { id: string; kind: Manifest['kind']; createdAt: string; by: string; hostname: string; dir: string };
  dataDir: string;
  /** A box runs on the data directory now (dry runs only; a real restore refuses). */
  boxRunning: boolean;
  /** What the data directory holds now (rows per table, users), if it holds a database. */
  current?: { tables: Record<string, number>; users: string[] };
  /** What it will hold (whole restore: the snapshot's; config-only: unchanged but the config). */
  after: { tables: Record<string, number>; users: string[] };
  config: { changes: ConfigChange[]; changed: boolean };
  recordings?: { recordingDir: string; total: number; toCopy: number; toCopyBytes: number; alreadyPresent: number; pathsRewritten: number };
  /** Files moved aside (kept) by the restore. */
  movedAside: string[];
  applied: boolean;
}

/** The backup must be a good one whose needed files all match the manifest. */
export async function checkBackup(from: string, configOnly: boolean): Promise<Manifest> {
  const dir = resolve(from);
  const manifest = readJson<Manifest>(join(dir, 'manifest.json'));
  if (!manifest || manifest.format !== FORMAT) throw new BackupError('CC_BACKUP_BAD_MANIFEST', `${dir} has no readable manifest.json (is it a backup directory?)`);
  const status = readJson<BackupStatus>(join(dir, 'status.json'));
  if (basename(dir).startsWith(PARTIAL_PREFIX) || status?.state !== 'good') throw new BackupError('CC_BACKUP_NOT_GOOD', `backup ${manifest.id} is ${status?.state ?? 'without status'}, not good`);
  if (configOnly) {
    const f = manifest.files.find((x) => x.role === 'config');
    const got = f && existsSync(join(dir, f.path)) ? await sha256File(join(dir, f.path)) : undefined;
    if (!f || !got || got.sha256 !== f.sha256) throw new BackupError('CC_BACKUP_VERIFY_FAILED', `config.json of backup ${manifest.id} is missing or does not match its checksum`);
  } else {
    const v = await verifyBackupDir(rootOf(dir), dir);
    if (!v.ok) throw new BackupError('CC_BACKUP_VERIFY_FAILED', `backup ${manifest.id} does not verify: ${v.problems.slice(0, 5).join('; ')}`, { problems: v.problems });
  }
  return manifest;
}

/** The callcenter-backups directory a backup directory sits in (where the pool is). */
function rootOf(backupDir: string): string {
  const parent = dirname(backupDir);
  if (basename(parent) !== BACKUP_ROOT && !existsSync(join(parent, POOL))) throw new BackupError('CC_BACKUP_BAD_MANIFEST', `${backupDir} is not inside a ${BACKUP_ROOT} directory with a ${POOL}`);
  return parent;
}

/** Refuse while a box process runs on the data directory. */
export function assertBoxStopped(dataDir: string): void {
  const file = join(dataDir, 'box.running');
  const info = readJson<{ pid?: number }>(file);
  if (!info?.pid) return;
  let alive = false;
  try {
    process.kill(info.pid, 0);
    alive = info.pid !== process.pid;
  } catch (err) {
    alive = (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (alive) throw new BackupError('CC_BACKUP_BOX_RUNNING', `the box (pid ${info.pid}) is running on ${dataDir}: stop it first (or --force if that pid is not the box)`, { pid: info.pid });
}

async function sameFile(path: string, bytes: number, sha256: string): Promise<boolean> {
  try {
    if (statSync(path).size !== bytes) return false;
    return (await sha256File(path)).sha256 === sha256;
  } catch {
    return false;
  }
}

export async function restore(o: RestoreOptions): Promise<RestorePlan> {
  const from = resolve(o.from);
  const dataDir = resolve(o.dataDir);
  const now = o.now ?? (() => new Date());
  const by = o.by ?? 'cli';
  const manifest = await checkBackup(from, !!o.configOnly);
  // A dry run only reads (LMDB allows readers beside the running box): it may plan ahead.
  let boxRunning = false;
  try {
    if (!o.force) assertBoxStopped(dataDir);
  } catch (err) {
    if (!o.dryRun) throw err;
    boxRunning = true;
  }
  const dbFile = join(dataDir, 'box.lmdb');
  const current: SnapshotContents | undefined = existsSync(dbFile) ? await readSnapshot(dbFile) : undefined;
  const backupConfig = JSON.parse(readFileSync(join(from, 'config.json'), 'utf8')) as unknown;
  let parsed;
  try {
    parsed = parseConfig(backupConfig);
  } catch (err) {
    if (err instanceof ConfigError) throw new BackupError('CC_BACKUP_BAD_CONFIG', `the backup's configuration does not validate here: ${err.message}`, { problems: err.problems });
    throw err;
  }
  const changes = diffConfig(current?.config ?? {}, backupConfig, 200);
  const plan: RestorePlan = {
    mode: o.configOnly ? 'config-only' : 'whole',
    dryRun: !!o.dryRun,
    backup: { id: manifest.id, kind: manifest.kind, createdAt: manifest.createdAt, by: manifest.by, hostname: manifest.box.hostname, dir: from },
    dataDir,
    boxRunning,
    current: current && { tables: current.tables, users: current.users },
    after: current && o.configOnly ? { tables: current.tables, users: current.users } : { tables: manifest.tables, users: [] },
    config: { changes, changed: changes.length > 0 },
    movedAside: [],
    applied: false,
  };

  if (o.configOnly) {
    if (!current) throw new BackupError('CC_BACKUP_NO_DATA', `no box database in ${dataDir} to restore the configuration into (restore the whole box instead)`);
    if (o.dryRun) return plan;
    const store = new Store(dataDir);
    try {
      await store.transaction(() => {
        store.tables.config.put('box-config', backupConfig);
        store.appendEvent('config-restored', { backup: manifest.id, from, by });
        appendAudit(store, { actor: by, action: 'restore-config', outcome: 'ok', target: 'box-config', source: 'cli', detail: { backup: manifest.id, from, changes } });
      });
    } finally {
      await store.close();
    }
    return { ...plan, applied: true };
  }

  // Whole box: the snapshot's users, and where the recordings go.
  const snap = await readSnapshot(join(from, 'box.lmdb'));
  plan.after = { tables: snap.tables, users: snap.users };
  const recordingDir = resolve(o.recordingDir ?? parsed.recording.dir ?? join(dataDir, 'recordings'));
  const root = rootOf(from);
  const recs = manifest.recordings.map((r) => ({ ...r, dst: join(recordingDir, r.rel) }));
  const present = new Set<string>();
  for (const r of recs) if (await sameFile(r.dst, r.bytes, r.sha256)) present.add(r.callId);
  const toCopy = recs.filter((r) => !present.has(r.callId));
  plan.recordings = {
    recordingDir,
    total: recs.length,
    toCopy: toCopy.length,
    toCopyBytes: toCopy.reduce((s, r) => s + r.bytes, 0),
    alreadyPresent: present.size,
    pathsRewritten: recs.filter((r) => r.dst !== r.originalPath).length,
  };
  const stamp = now().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  if (current) plan.movedAside.push(`${dbFile} -> ${dbFile}.pre-restore-${stamp}`);
  if (o.dryRun) return plan;

  // The database: copy and check, then swap (the old one is kept aside).
  mkdirSync(dataDir, { recursive: true });
  const snapEntry = manifest.files.find((f) => f.role === 'lmdb-snapshot')!;
  const incoming = `${dbFile}.restoring`;
  const got = await copyHashed(join(from, snapEntry.path), incoming);
  if (got.sha256 !== snapEntry.sha256) {
    rmSync(incoming, { force: true });
    throw new BackupError('CC_BACKUP_VERIFY_FAILED', 'the snapshot changed while it was copied');
  }
  if (current) renameSync(dbFile, `${dbFile}.pre-restore-${stamp}`);
  rmSync(`${dbFile}-lock`, { force: true });
  renameSync(incoming, dbFile);

  // Recordings back under the recording directory.
  for (const r of toCopy) {
    mkdirSync(dirname(r.dst), { recursive: true });
    const tmp = `${r.dst}.restoring`;
    const c = await copyHashed(join(root, POOL, r.pool), tmp);
    if (c.sha256 !== r.sha256) {
      rmSync(tmp, { force: true });
      throw new BackupError('CC_BACKUP_VERIFY_FAILED', `recording ${r.pool} changed while it was copied`);
    }
    renameSync(tmp, r.dst);
  }

  // The scheduled report files, where they were (existing files of the same name are replaced).
  for (const f of manifest.files.filter((x) => x.role === 'report')) {
    const dst = join(dataDir, f.path);
    mkdirSync(dirname(dst), { recursive: true });
    const c = await copyHashed(join(from, f.path), `${dst}.restoring`);
    if (c.sha256 !== f.sha256) {
      rmSync(`${dst}.restoring`, { force: true });
      throw new BackupError('CC_BACKUP_VERIFY_FAILED', `report ${f.path} changed while it was copied`);
    }
    renameSync(`${dst}.restoring`, dst);
  }

  // Index rows point at where the recordings are now; the restore is on the record.
  const store = new Store(dataDir);
  try {
    const moved = recs.filter((r) => r.dst !== r.originalPath);
    await store.transaction(() => {
      for (const r of moved) {
        const row = store.tables.recordings.get(r.callId) as RecordingRow | undefined;
        if (row) store.tables.recordings.put(r.callId, { ...row, path: r.dst });
      }
      store.appendEvent('restored', { backup: manifest.id, from, by, recordings: recs.length, copied: toCopy.length });
      appendAudit(store, {
        actor: by, action: 'restore', outcome: 'ok', target: dataDir, source: 'cli',
        detail: { backup: manifest.id, from, kind: manifest.kind, recordings: { total: recs.length, copied: toCopy.length, pathsRewritten: moved.length }, movedAside: plan.movedAside, configChanges: changes.length },
      });
    });
  } finally {
    await store.close();
  }
  return { ...plan, applied: true };
}

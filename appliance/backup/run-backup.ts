// One backup onto one target, start to finish: check room, LMDB snapshot, configuration
// export, the scheduled report files, recordings not yet on the disk, manifest with sha256 of every file, verify by
// re-reading, then status good and the rename from .partial-<id> to <id>, then rotation.
// Any failure leaves the partial marked failed (its data removed when the disk is still
// there) and never touches earlier backups; the caller records events and audit rows.
import { existsSync, mkdirSync, readdirSync, rmSync, renameSync, statfsSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, extname, isAbsolute, join, relative } from 'node:path';
import type { Store } from '../../system/store/store.ts';
import type { RecordingRow } from '../../system/calls/cdr.ts';
import { BackupError, classifyBackupFailure } from './errors.ts';
import { copyHashed } from './copy.ts';
import {
  BACKUP_ROOT, FORMAT, PARTIAL_PREFIX, POOL, listBackups, readJson, sha256File, syncDir, verifyBackupDir, writeDurable,
  type BackupStatus, type Manifest, type ManifestRecording,
} from './manifest.ts';
import { readSnapshot, snapshotEstimate, snapshotStore } from './snapshot.ts';
import { applyRotation, planRotation } from './rotation.ts';

export type BackupPhase = 'snapshot' | 'recordings' | 'manifest' | 'verify' | 'rotate';

export interface BackupProgress {
  id: string;
  target: string;
  phase: BackupPhase;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface BackupResult {
  id: string;
  target: string;
  dir: string;
  kind: Manifest['kind'];
  startedAt: string;
  finishedAt: string;
  /** Bytes in the backup directory plus the recordings it copied. */
  bytesWritten: number;
  recordings: { total: number; copied: number; reused: number; copiedBytes: number };
  warnings: Manifest['warnings'];
  /** Backups removed by rotation. */
  removed: string[];
}

export interface RunBackupOptions {
  store: Store;
  id: string;
  /** The target disk's directory (its root) and name. */
  targetDir: string;
  targetName: string;
  /** Is the disk still there (mounted, marker present)? Asked after any failure. */
  targetPresent: () => boolean;
  recordingDir: string;
  keep: number;
  by: string;
  now?: () => Date;
  signal?: AbortSignal;
  onProgress?: (p: BackupProgress) => void;
}

/** Files under `dir` (relative paths, sorted), or none when it does not exist. */
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1)).flatMap((e) =>
    e.isDirectory() ? listFiles(join(dir, e.name), join(prefix, e.name)) : e.isFile() && !e.name.includes('.tmp') ? [join(prefix, e.name)] : []);
}

/** Free bytes kept in reserve on the target (file system metadata, status files). */
const MARGIN = 256 * 1024;

/** Where a recording goes in the pool (relative to <root>/pool) and back under a recording directory. */
export function poolPathOf(row: Pick<RecordingRow, 'callId' | 'path'>, recordingDir: string): { pool: string; rel: string } {
  const r = relative(recordingDir, row.path);
  const rel = r && !r.startsWith('..') && !isAbsolute(r) ? r : join('other', `${row.callId}${extname(row.path) || '.wav'}`);
  return { pool: join('recordings', rel), rel };
}

export async function runBackup(o: RunBackupOptions): Promise<BackupResult> {
  const now = o.now ?? (() => new Date());
  const root = join(o.targetDir, BACKUP_ROOT);
  const partial = join(root, `${PARTIAL_PREFIX}${o.id}`);
  const finalDir = join(root, o.id);
  const startedAt = now().toISOString();
  const status: BackupStatus = { id: o.id, state: 'running', startedAt, by: o.by };
  const progress: BackupProgress = { id: o.id, target: o.targetName, phase: 'snapshot', filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
  let lastEmit = 0;
  const emit = (force = false) => {
    const t = Date.now();
    if (!force && t - lastEmit < 200) return;
    lastEmit = t;
    o.onProgress?.({ ...progress });
  };
  const tempFiles: string[] = [];
  let partialCreated = false;
  try {
    // What is on the disk already: recordings the kept good backups hold are not copied again.
    const earlier = listBackups(root);
    const poolRefs = new Map<string, { sha256: string; bytes: number }>();
    for (const b of earlier.filter((x) => x.state === 'good')) {
      for (const r of readJson<Manifest>(join(b.dir, 'manifest.json'))?.recordings ?? []) poolRefs.set(r.pool, { sha256: r.sha256, bytes: r.bytes });
    }
    const kind: Manifest['kind'] = earlier.some((b) => b.state === 'good') ? 'incremental' : 'full';

    // Room check before anything is written: the snapshot at most its used map, plus every
    // indexed recording the disk does not hold yet.
    const liveNew = [...o.store.tables.recordings.getRange()]
      .map((r) => r.value as RecordingRow)
      .filter((row) => !poolRefs.has(poolPathOf(row, o.recordingDir).pool));
    const need = snapshotEstimate(o.store) + liveNew.reduce((s, r) => s + (r.bytes ?? 0), 0) + MARGIN;
    const free = freeBytes(o.targetDir);
    if (free < need) throw new BackupError('CC_BACKUP_TARGET_FULL', `backup disk ${o.targetName} has ${free} bytes free, this backup needs about ${need}`, { free, need });

    mkdirSync(join(root, POOL), { recursive: true });
    mkdirSync(partial);
    partialCreated = true;
    await writeDurable(join(partial, 'status.json'), JSON.stringify(status, null, 2));
    emit(true);

    // 1. The LMDB snapshot (consistent: one read transaction inside mdb_env_copy2), then what
    //    the snapshot holds: the config document and the recordings index as of that instant.
    const snapFile = join(partial, 'box.lmdb');
    await snapshotStore(o.store, snapFile);
    o.signal?.throwIfAborted();
    const snap = await readSnapshot(snapFile);
    const configText = JSON.stringify(snap.config ?? {}, null, 2);
    await writeDurable(join(partial, 'config.json'), configText);

    // 1b. The scheduled report files (small CSVs under <data dir>/reports), as they are.
    const reportFiles: Manifest['files'] = [];
    for (const rel of listFiles(join(o.store.dataDir, 'reports'))) {
      const dst = join(partial, 'reports', rel);
      mkdirSync(dirname(dst), { recursive: true });
      const got = await copyHashed(join(o.store.dataDir, 'reports', rel), dst, { signal: o.signal });
      reportFiles.push({ path: join('reports', rel), role: 'report', ...got });
    }

    // 2. Recordings: plan from the snapshot's index.
    const warnings: Manifest['warnings'] = [];
    const plan: (ManifestRecording & { src: string })[] = [];
    for (const row of snap.recordings.sort((a, b) => (a.callId < b.callId ? -1 : 1))) {
      let { pool, rel } = poolPathOf(row, o.recordingDir);
      const held = poolRefs.get(pool);
      if (held && held.sha256 !== row.sha256) pool = join(dirname(pool), `${row.sha256.slice(0, 12)}-${basename(pool)}`); // never overwrite what a kept backup lists
      const reuse = poolRefs.get(pool);
      if (reuse && reuse.sha256 === row.sha256 && existsSync(join(root, POOL, pool))) {
        plan.push({ callId: row.callId, pool, rel, originalPath: row.path, bytes: reuse.bytes, sha256: reuse.sha256, copied: false, src: row.path });
        continue;
      }
      if (!existsSync(row.path)) {
        warnings.push({ code: 'CC_BACKUP_SOURCE_MISSING', callId: row.callId, message: `${row.path} is indexed but not on the box's disk; not in the backup` });
        continue;
      }
      plan.push({ callId: row.callId, pool, rel, originalPath: row.path, bytes: row.bytes, sha256: row.sha256, copied: true, src: row.path });
    }
    const toCopy = plan.filter((p) => p.copied);
    const copyBytes = toCopy.reduce((s, p) => s + p.bytes, 0);
    const roomLeft = freeBytes(o.targetDir);
    if (roomLeft < copyBytes + MARGIN) throw new BackupError('CC_BACKUP_TARGET_FULL', `backup disk ${o.targetName} has ${roomLeft} bytes free after the snapshot, the new recordings need ${copyBytes}`, { free: roomLeft, need: copyBytes });

    progress.phase = 'recordings';
    progress.filesTotal = toCopy.length;
    progress.bytesTotal = copyBytes;
    emit(true);
    for (const p of toCopy) {
      o.signal?.throwIfAborted();
      const dst = join(root, POOL, p.pool);
      mkdirSync(dirname(dst), { recursive: true });
      const tmp = `${dst}.tmp-${o.id}`;
      tempFiles.push(tmp);
      const got = await copyHashed(p.src, tmp, { signal: o.signal, onBytes: (n) => ((progress.bytesDone += n), emit()) });
      if (got.sha256 !== p.sha256 || got.bytes !== p.bytes) {
        warnings.push({ code: 'CC_BACKUP_SOURCE_CHANGED', callId: p.callId, message: `${p.src} no longer matches its index row (${p.bytes} bytes, ${p.sha256.slice(0, 12)}…); backed up as it is now` });
        p.sha256 = got.sha256;
        p.bytes = got.bytes;
      }
      renameSync(tmp, dst);
      tempFiles.pop();
      progress.filesDone++;
      emit(true);
    }

    // 3. The manifest: every file of this backup with its checksum.
    progress.phase = 'manifest';
    emit(true);
    const snapSum = await sha256File(snapFile);
    const manifest: Manifest = {
      format: FORMAT,
      id: o.id,
      kind,
      createdAt: startedAt,
      by: o.by,
      box: { hostname: hostname(), dataDir: o.store.dataDir, recordingDir: o.recordingDir },
      files: [
        { path: 'box.lmdb', role: 'lmdb-snapshot', ...snapSum },
        { path: 'config.json', role: 'config', bytes: Buffer.byteLength(configText), sha256: (await sha256File(join(partial, 'config.json'))).sha256 },
        ...reportFiles,
      ],
      recordings: plan.map(({ src: _src, ...r }) => r),
      tables: snap.tables,
      config: snap.config === undefined ? 'defaults' : 'stored',
      auditHead: snap.auditHead,
      copied: { files: toCopy.length, bytes: toCopy.reduce((s, p) => s + p.bytes, 0) },
      reused: { files: plan.length - toCopy.length, bytes: plan.filter((p) => !p.copied).reduce((s, p) => s + p.bytes, 0) },
      warnings,
    };
    await writeDurable(join(partial, 'manifest.json'), JSON.stringify(manifest, null, 2));

    // 4. Verify: re-read every file against the manifest.
    progress.phase = 'verify';
    progress.filesDone = 0;
    progress.filesTotal = manifest.files.length + manifest.recordings.length;
    progress.bytesDone = 0;
    progress.bytesTotal = manifest.files.reduce((s, f) => s + f.bytes, 0) + manifest.recordings.reduce((s, r) => s + r.bytes, 0);
    emit(true);
    const verified = await verifyBackupDir(root, partial, (n) => {
      o.signal?.throwIfAborted();
      progress.bytesDone += n;
      emit();
    });
    if (!verified.ok) throw new BackupError('CC_BACKUP_VERIFY_FAILED', `verify after writing failed: ${verified.problems.slice(0, 5).join('; ')}`, { problems: verified.problems });
    o.signal?.throwIfAborted();

    // 5. Good: status, then the rename that makes it a backup.
    const bytesWritten = manifest.files.reduce((s, f) => s + f.bytes, 0) + manifest.copied.bytes;
    const good: BackupStatus = { ...status, state: 'good', finishedAt: now().toISOString(), bytes: bytesWritten, lastVerify: { at: now().toISOString(), ok: true, problems: [] } };
    await writeDurable(join(partial, 'status.json'), JSON.stringify(good, null, 2));
    renameSync(partial, finalDir);
    await syncDir(root);
    partialCreated = false;

    // 6. Rotation: keep N good backups; failed attempts and unneeded pool files go.
    progress.phase = 'rotate';
    emit(true);
    let removed: string[] = [];
    try {
      removed = applyRotation(root, planRotation(listBackups(root), o.keep)).backups;
    } catch (err) {
      warnings.push({ code: 'CC_BACKUP_IO', message: `rotation: ${(err as Error).message}` });
    }
    return {
      id: o.id,
      target: o.targetName,
      dir: finalDir,
      kind,
      startedAt,
      finishedAt: good.finishedAt!,
      bytesWritten,
      recordings: { total: plan.length, copied: toCopy.length, reused: plan.length - toCopy.length, copiedBytes: manifest.copied.bytes },
      warnings,
      removed,
    };
  } catch (err) {
    const reason = o.signal?.aborted && o.signal.reason instanceof BackupError ? o.signal.reason : err;
    const present = o.targetPresent();
    const failure = classifyBackupFailure(reason, present);
    if (present && partialCreated) await markFailed(partial, { ...status, state: 'failed', finishedAt: now().toISOString(), error: { code: failure.code, message: failure.message } });
    if (present) for (const t of tempFiles) rmSync(t, { force: true });
    throw failure;
  }
}

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** The partial keeps only its status (failed, with the code): its data goes, freeing the room. */
async function markFailed(partial: string, status: BackupStatus): Promise<void> {
  try {
    for (const name of readdirSync(partial)) if (name !== 'status.json') rmSync(join(partial, name), { recursive: true, force: true });
    await writeDurable(join(partial, 'status.json'), JSON.stringify(status, null, 2));
  } catch {
    // the disk went away meanwhile: the partial stays "running", which a listing shows as cut off
  }
}

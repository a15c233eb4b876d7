// What a backup is on the disk, and reading it back. Layout under a target disk:
//
//   <disk>/callcenter-backups/
//     pool/recordings/…            recordings, each copied once and shared by every backup
//                                  that lists it (the incremental part)
//     <id>/                        a good backup: renamed to its final name only after verify
//       status.json                state good, when, by whom, last verify
//       manifest.json              every file with size and sha256, the recordings it needs
//       box.lmdb                   consistent LMDB snapshot (lmdb env.backup, compacted)
//       config.json                the stored configuration document (LMDB config/box-config)
//     .partial-<id>/               a backup being written, or one that failed or was cut off
//       status.json                state running (cut off if nobody is running it) or failed
//
// Nothing here writes the live box; pure apart from reading (and, for status, writing) files.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

export const BACKUP_ROOT = 'callcenter-backups';
export const POOL = 'pool';
export const PARTIAL_PREFIX = '.partial-';
export const FORMAT = 'callcenter-backup/1';
const ID_RE = /^\d{8}T\d{6}Z(-\d+)?$/;

export interface ManifestFile {
  /** Relative to the backup directory. */
  path: string;
  bytes: number;
  sha256: string;
  /** `report`: a scheduled report file (<data dir>/reports/…), kept as it is. */
  role: 'lmdb-snapshot' | 'config' | 'report';
}

export interface ManifestRecording {
  callId: string;
  /** Relative to <root>/pool. */
  pool: string;
  /** Relative to the box's recording directory (where a restore puts it). */
  rel: string;
  /** The path the box's index row had. */
  originalPath: string;
  bytes: number;
  sha256: string;
  /** Copied by this backup (false: already on the disk from an earlier one). */
  copied: boolean;
}

export interface Manifest {
  format: typeof FORMAT;
  id: string;
  kind: 'full' | 'incremental';
  createdAt: string;
  by: string;
  box: { hostname: string; dataDir: string; recordingDir: string };
  files: ManifestFile[];
  recordings: ManifestRecording[];
  /** Rows per LMDB table in the snapshot. */
  tables: Record<string, number>;
  /** 'stored': config.json is the LMDB document; 'defaults': the box ran on built-in defaults. */
  config: 'stored' | 'defaults';
  /** The audit log's head at the snapshot: an anchor kept off the box (system/audit/verify.ts). */
  auditHead?: { seq: number; hash: string };
  copied: { files: number; bytes: number };
  reused: { files: number; bytes: number };
  warnings: { code: string; callId?: string; message: string }[];
}

export type BackupState = 'running' | 'good' | 'failed';

export interface BackupStatus {
  id: string;
  state: BackupState;
  startedAt: string;
  finishedAt?: string;
  by: string;
  error?: { code: string; message: string };
  bytes?: number;
  lastVerify?: { at: string; ok: boolean; problems: string[] };
}

/** One entry of a target's listing. `interrupted`: a partial nobody is writing (cut off). */
export interface BackupListing {
  id: string;
  dir: string;
  state: BackupState | 'interrupted';
  kind?: Manifest['kind'];
  startedAt?: string;
  finishedAt?: string;
  by?: string;
  error?: { code: string; message: string };
  bytes?: number;
  recordings?: number;
  copiedRecordings?: number;
  lastVerify?: BackupStatus['lastVerify'];
}

/** A sortable id from the clock: 20250102T030405Z, suffixed -2, -3 when taken. */
export function newBackupId(now: Date, taken: (id: string) => boolean): string {
  const base = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let id = base;
  for (let n = 2; taken(id); n++) id = `${base}-${n}`;
  return id;
}

export const isBackupId = (s: string) => ID_RE.test(s);

export function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Write a small file and fsync it (a status or manifest must survive a power cut). */
export async function writeDurable(path: string, text: string): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** fsync a directory so a rename into it is durable. */
export async function syncDir(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export function sha256File(path: string, onBytes?: (n: number) => void): Promise<{ sha256: string; bytes: number }> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    let bytes = 0;
    createReadStream(path, { highWaterMark: 1 << 20 })
      .on('data', (c) => {
        h.update(c as Buffer);
        bytes += (c as Buffer).length;
        onBytes?.((c as Buffer).length);
      })
      .on('error', reject)
      .on('end', () => resolve({ sha256: h.digest('hex'), bytes }));
  });
}

/** Every backup on a target root, oldest first. `running` names a partial being written now. */
export function listBackups(root: string, running?: string): BackupListing[] {
  if (!existsSync(root)) return [];
  const out: BackupListing[] = [];
  for (const name of readdirSync(root)) {
    const partial = name.startsWith(PARTIAL_PREFIX);
    const id = partial ? name.slice(PARTIAL_PREFIX.length) : name;
    if (!isBackupId(id)) continue;
    const dir = join(root, name);
    const status = readJson<BackupStatus>(join(dir, 'status.json'));
    const manifest = partial ? undefined : readJson<Manifest>(join(dir, 'manifest.json'));
    let state: BackupListing['state'];
    if (!partial) state = status?.state === 'good' && manifest ? 'good' : 'failed';
    else if (status?.state === 'failed') state = 'failed';
    else state = id === running ? 'running' : 'interrupted';
    out.push({
      id,
      dir,
      state,
      kind: manifest?.kind,
      startedAt: status?.startedAt,
      finishedAt: status?.finishedAt,
      by: status?.by,
      error: status?.error ?? (state === 'interrupted' ? { code: 'CC_BACKUP_TARGET_GONE', message: 'cut off: the disk went away or the box stopped while it was written' } : undefined),
      bytes: status?.bytes,
      recordings: manifest?.recordings.length,
      copiedRecordings: manifest?.recordings.filter((r) => r.copied).length,
      lastVerify: status?.lastVerify,
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export interface VerifyResult {
  id: string;
  ok: boolean;
  files: number;
  bytes: number;
  /** 'path: missing' or 'path: sha256 mismatch', … */
  problems: string[];
}

/**
 * Re-read every file the manifest lists (its own files and the pool recordings it needs) and
 * compare size and sha256. `root` is the callcenter-backups directory holding the pool.
 */
export async function verifyBackupDir(root: string, dir: string, onBytes?: (n: number) => void): Promise<VerifyResult> {
  const manifest = readJson<Manifest>(join(dir, 'manifest.json'));
  const id = manifest?.id ?? dir;
  if (!manifest || manifest.format !== FORMAT) return { id, ok: false, files: 0, bytes: 0, problems: ['manifest.json: missing or unreadable'] };
  const checks = [
    ...manifest.files.map((f) => ({ path: join(dir, f.path), name: f.path, bytes: f.bytes, sha256: f.sha256 })),
    ...manifest.recordings.map((r) => ({ path: join(root, POOL, r.pool), name: `${POOL}/${r.pool}`, bytes: r.bytes, sha256: r.sha256 })),
  ];
  const problems: string[] = [];
  let bytes = 0;
  for (const c of checks) {
    try {
      const got = await sha256File(c.path, onBytes);
      bytes += got.bytes;
      if (got.bytes !== c.bytes) problems.push(`${c.name}: ${got.bytes} bytes, manifest says ${c.bytes}`);
      else if (got.sha256 !== c.sha256) problems.push(`${c.name}: sha256 mismatch`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw err;
      problems.push(`${c.name}: missing`);
    }
  }
  return { id, ok: problems.length === 0, files: checks.length, bytes, problems };
}

// The LMDB side of backup and restore: a consistent snapshot of the live store through lmdb's
// own copy (env.backup → mdb_env_copy2, compacted; never a file copy of a live database), and
// a read-only look into a snapshot or a stopped box's database. This is the one place outside
// system/store that opens LMDB files: they are snapshots and stopped boxes, never the
// running box's environment (the live side always goes through its Store).
import { existsSync, rmSync } from 'node:fs';
import { open } from 'lmdb';
import type { Store } from '../../system/store/store.ts';
import type { RecordingRow } from '../../system/calls/cdr.ts';
import type { AuditRow } from '../../system/audit/audit-log.ts';

/** Table names as LMDB knows them (Store's `queueLog` is 'queue-log', …). */
export const TABLES = ['config', 'registrations', 'cdr', 'recordings', 'events', 'agents', 'queue-log', 'queue-calls', 'customers', 'callbacks', 'audit'] as const;

export interface SnapshotContents {
  /** The stored configuration document, undefined when the box runs on defaults. */
  config: unknown;
  recordings: RecordingRow[];
  tables: Record<string, number>;
  users: string[];
  auditHead?: { seq: number; hash: string };
}

/** Bytes a snapshot will need at most (the used part of the map; compaction only shrinks it). */
export function snapshotEstimate(store: Store): number {
  const s = store.root.getStats() as { pageSize: number; lastPageNumber: number };
  return (s.lastPageNumber + 1) * s.pageSize;
}

/** Write a consistent, compacted copy of the live store to `file` (which must not exist). */
export async function snapshotStore(store: Store, file: string): Promise<void> {
  await store.root.backup(file, true);
}

/** Read what a backup or restore needs from an LMDB file, read-only; leaves no lock file behind. */
export async function readSnapshot(file: string): Promise<SnapshotContents> {
  const lockFile = `${file}-lock`;
  const hadLock = existsSync(lockFile);
  const env = open({ path: file, readOnly: true, maxDbs: 32, compression: false });
  try {
    const tables: Record<string, number> = {};
    for (const name of TABLES) {
      try {
        tables[name] = env.openDB({ name }).getCount();
      } catch {
        tables[name] = 0; // a database from before the table existed
      }
    }
    const config = env.openDB<unknown, string>({ name: 'config' });
    const users = [...config.getKeys({ start: 'user:', end: 'user;' })].map((k) => String(k).slice(5));
    const recordings = tables.recordings ? [...env.openDB({ name: 'recordings' }).getRange()].map((r) => r.value as RecordingRow) : [];
    let auditHead: SnapshotContents['auditHead'];
    if (tables.audit) {
      for (const { value } of env.openDB({ name: 'audit' }).getRange({ reverse: true, limit: 1 })) auditHead = { seq: (value as AuditRow).seq, hash: (value as AuditRow).hash };
    }
    return { config: config.get('box-config'), recordings, tables, users, auditHead };
  } finally {
    await env.close();
    if (!hadLock) rmSync(lockFile, { force: true });
  }
}

// Which backups a target keeps after a good backup, and which pool recordings are no longer
// needed. The plan is pure; `applyRotation` deletes. Only ever run after a new good backup, so
// a disk never ends up with fewer good backups because of a failure.
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { POOL, readJson, type BackupListing, type Manifest } from './manifest.ts';

export interface RotationPlan {
  /** Good backups beyond `keep` (oldest first), failed and cut-off attempts. */
  remove: BackupListing[];
  keep: BackupListing[];
}

export function planRotation(listing: BackupListing[], keep: number, runningId?: string): RotationPlan {
  const good = listing.filter((b) => b.state === 'good').sort((a, b) => (a.id < b.id ? -1 : 1));
  const kept = good.slice(Math.max(0, good.length - keep));
  const keptIds = new Set(kept.map((b) => b.id));
  const remove = listing.filter((b) => !keptIds.has(b.id) && b.id !== runningId && b.state !== 'running');
  return { remove, keep: kept };
}

/** Pool files (relative to the pool) that no kept backup's manifest lists, plus leftover temp files. */
export function unreferencedPoolFiles(root: string, kept: BackupListing[]): string[] {
  const wanted = new Set<string>();
  for (const b of kept) for (const r of readJson<Manifest>(join(b.dir, 'manifest.json'))?.recordings ?? []) wanted.add(r.pool);
  const pool = join(root, POOL);
  const out: string[] = [];
  const walk = (dir: string) => {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (!wanted.has(relative(pool, p))) out.push(relative(pool, p));
    }
  };
  walk(pool);
  return out.sort();
}

/** Delete what the plan removes and the pool files nobody needs; returns what went. */
export function applyRotation(root: string, plan: RotationPlan): { backups: string[]; poolFiles: number } {
  for (const b of plan.remove) rmSync(b.dir, { recursive: true, force: true });
  const orphans = unreferencedPoolFiles(root, plan.keep);
  for (const f of orphans) rmSync(join(root, POOL, f), { force: true });
  return { backups: plan.remove.map((b) => b.id), poolFiles: orphans.length };
}

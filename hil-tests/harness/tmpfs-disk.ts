// A removable disk for the browser tests of the backup page: a small tmpfs mounted at a folder
// under the box's mount directory, which the box sees as a disk plugged in (mounting needs
// root; without it the test stops with that reason). unmount() detaches it lazily, so files
// the box still holds open do not keep it, and does nothing the second time.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

export interface TmpfsDisk {
  path: string;
  unmount(): void;
}

/** Create `path` and mount a tmpfs of `sizeMb` MiB named `source` on it; `role` says what it stands for in the error. */
export function mountTmpfsDisk(path: string, o: { sizeMb: number; source: string; role: string }): TmpfsDisk {
  mkdirSync(path, { recursive: true });
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${o.sizeMb}m`, o.source, path]);
  } catch (err) {
    throw new Error(`this test mounts a tmpfs as ${o.role} (needs root): ${(err as Error).message}`);
  }
  let mounted = true;
  return {
    path,
    unmount() {
      if (!mounted) return;
      mounted = false;
      execFileSync('umount', ['-l', path]);
    },
  };
}

// Update bundles on attached storage (a USB stick at a branch office): the disks mounted
// under the backup mount directory (backup.mountDir, /media on the image, where the image's
// udev rule mounts any plugged-in filesystem that is not one of the box's own partitions),
// and the *.ccupdate files in each disk's root. A disk is a direct subdirectory that is a
// mount point (another device than the mount directory itself), so a leftover directory on
// the box's own disk is never offered. Names from a request are checked against this list
// before any path is opened (no path from a client is ever joined unchecked).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UpdateError } from './bundle.ts';

export interface DiskBundle {
  /** The disk's directory name under the mount directory. */
  disk: string;
  /** The bundle's file name in the disk's root. */
  file: string;
  bytes: number;
}

export interface DiskScanOptions {
  mountDir: string;
  /** Accept plain directories as disks: tests only. */
  allowSameDevice?: boolean;
}

export const BUNDLE_SUFFIX = '.ccupdate';

const safeName = (n: string) => n.length > 0 && n.length <= 255 && !n.includes('/') && !n.includes('\\') && n !== '.' && n !== '..' && !n.includes('\0');

/** Every attached disk's directory name, sorted. */
export function attachedDisks(o: DiskScanOptions): string[] {
  let names: string[];
  let rootDev: number;
  try {
    rootDev = statSync(o.mountDir).dev;
    names = readdirSync(o.mountDir).sort();
  } catch {
    return [];
  }
  return names.filter((n) => {
    try {
      const st = statSync(join(o.mountDir, n));
      return st.isDirectory() && (o.allowSameDevice || st.dev !== rootDev);
    } catch {
      return false;
    }
  });
}

/** The update bundles in the roots of the attached disks (unreadable disks are skipped). */
export function findDiskBundles(o: DiskScanOptions): DiskBundle[] {
  const found: DiskBundle[] = [];
  for (const disk of attachedDisks(o)) {
    let files: string[];
    try {
      files = readdirSync(join(o.mountDir, disk)).sort();
    } catch {
      continue;
    }
    for (const file of files) {
      if (!file.endsWith(BUNDLE_SUFFIX) || file.startsWith('.')) continue;
      try {
        const st = statSync(join(o.mountDir, disk, file));
        if (st.isFile()) found.push({ disk, file, bytes: st.size });
      } catch {
        // vanished between the listing and the stat: not offered
      }
    }
  }
  return found;
}

/** The path of bundle `file` on attached disk `disk`, or CC_UPDATE_NO_SUCH_BUNDLE. */
export function diskBundlePath(o: DiskScanOptions, disk: string, file: string): string {
  if (!safeName(disk) || !safeName(file)) throw new UpdateError('CC_UPDATE_NO_SUCH_BUNDLE', `${disk}/${file}`);
  const hit = findDiskBundles(o).find((b) => b.disk === disk && b.file === file);
  if (!hit) throw new UpdateError('CC_UPDATE_NO_SUCH_BUNDLE', `${disk}/${file}`);
  return join(o.mountDir, disk, file);
}

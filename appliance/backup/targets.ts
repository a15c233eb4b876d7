// Attached storage: which disks under the mount directory are backup targets, and noticing
// them come and go. A target is a direct subdirectory of `mountDir` that is a mount point
// (another device than `mountDir` itself, so a leftover directory on the box's own disk never
// receives backups) with the marker file in its root. chokidar watches the mount directory by
// polling: mounting or unmounting a filesystem raises no inotify event on the mount point, but
// its stat changes (measured: inotify saw nothing, polling saw the marker appear and vanish).
import { EventEmitter } from 'node:events';
import { readdirSync, readFileSync, statSync, statfsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

export interface BackupTarget {
  /** The disk's directory name under the mount directory (what the API calls it). */
  name: string;
  dir: string;
  /** From the marker file ({"label": "..."}), else the directory name. */
  label: string;
  totalBytes: number;
  freeBytes: number;
}

export interface TargetOptions {
  mountDir: string;
  marker: string;
  /** Accept a plain directory (not a mount point) as a target: tests and tmpfs fallbacks only. */
  allowSameDevice?: boolean;
}

/** The target in `dir`, or undefined when it is not one (no marker, not mounted, unreadable). */
export function probeTarget(dir: string, o: TargetOptions): BackupTarget | undefined {
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) return undefined;
    if (!o.allowSameDevice && st.dev === statSync(o.mountDir).dev) return undefined;
    const markerText = readFileSync(join(dir, o.marker), 'utf8');
    let label = basename(dir);
    try {
      const parsed = JSON.parse(markerText) as { label?: unknown };
      if (typeof parsed?.label === 'string' && parsed.label) label = parsed.label;
    } catch {
      // an empty or free-text marker is fine
    }
    const fs = statfsSync(dir);
    return { name: basename(dir), dir, label, totalBytes: fs.blocks * fs.bsize, freeBytes: fs.bavail * fs.bsize };
  } catch {
    return undefined;
  }
}

/** Every target attached now, by name. */
export function scanTargets(o: TargetOptions): BackupTarget[] {
  let names: string[];
  try {
    names = readdirSync(o.mountDir);
  } catch {
    return [];
  }
  return names.sort().map((n) => probeTarget(join(o.mountDir, n), o)).filter((t): t is BackupTarget => !!t);
}

export interface TargetWatcherEvents {
  attached: [target: BackupTarget];
  detached: [name: string];
}

/** Emits `attached`/`detached` as disks with the marker come and go; `targets` is the current set. */
export class TargetWatcher extends EventEmitter<TargetWatcherEvents> {
  private watcher?: FSWatcher;
  private safety?: NodeJS.Timeout;
  private readonly known = new Map<string, BackupTarget>();

  constructor(private readonly o: TargetOptions & { pollIntervalMs: number }) {
    super();
  }

  get targets(): BackupTarget[] {
    return [...this.known.values()];
  }

  async start(): Promise<void> {
    const { mountDir, marker } = this.o;
    for (const t of scanTargets(this.o)) this.known.set(t.name, t);
    // Watch the disks' directories and their marker files only: a disk's other files are not
    // polled (a full USB disk root would otherwise be thousands of stat calls a tick).
    const ignored = (path: string) => {
      if (path === mountDir || dirname(path) === mountDir) return false;
      return !(dirname(dirname(path)) === mountDir && basename(path) === marker);
    };
    this.watcher = watch(mountDir, { depth: 1, usePolling: true, interval: this.o.pollIntervalMs, ignoreInitial: true, ignored });
    this.watcher.on('all', (_event, path) => this.recheck(path));
    this.watcher.on('error', () => undefined); // a vanished mount directory is not fatal
    await new Promise<void>((r) => this.watcher!.once('ready', () => r()));
    // Anything that changed while chokidar was starting.
    this.rescan();
    // chokidar misses a marker that goes while it is still reading a new disk's directory:
    // a slow full rescan catches that (and anything else it did not report).
    this.safety = setInterval(() => this.rescan(), this.o.pollIntervalMs * 5);
    this.safety.unref();
  }

  private recheck(path: string): void {
    if (path === this.o.mountDir) return this.rescan();
    const disk = dirname(path) === this.o.mountDir ? path : dirname(path);
    if (dirname(disk) !== this.o.mountDir) return this.rescan();
    this.update(basename(disk), probeTarget(disk, this.o));
  }

  /** Look at every disk again (also called before each backup). */
  rescan(): void {
    const now = new Map(scanTargets(this.o).map((t) => [t.name, t]));
    for (const name of [...this.known.keys()]) if (!now.has(name)) this.update(name, undefined);
    for (const [name, t] of now) this.update(name, t);
  }

  private update(name: string, t: BackupTarget | undefined): void {
    const had = this.known.has(name);
    if (t) this.known.set(name, t);
    else this.known.delete(name);
    if (t && !had) this.emit('attached', t);
    if (!t && had) this.emit('detached', name);
  }

  async close(): Promise<void> {
    clearInterval(this.safety);
    await this.watcher?.close();
    this.watcher = undefined;
  }
}

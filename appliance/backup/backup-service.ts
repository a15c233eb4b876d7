// The box's backup service: watches for target disks, runs the scheduled backup (croner) and
// on-demand ones (one at a time), verifies on request, and reports progress. Every outcome is
// an event row (`backup-completed`, `backup-failed` — the alert) and an audit row, written to
// the box's LMDB. A disk that goes away mid-backup stops that backup at once (the watcher
// sees it) and it is marked failed; earlier backups are never touched. While running it
// keeps <data dir>/box.running (pid) so a restore refuses to run under a live box.
// May import system/ (store, config, audit); system reaches it only through BackupControl.
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cron } from 'croner';
import type { Logger } from 'pino';
import type { Store } from '../../system/store/store.ts';
import type { BoxConfig } from '../../system/config/schema.ts';
import { appendAudit } from '../../system/audit/audit-log.ts';
import type { BackupControl } from '../../system/api/backup-routes.ts';
import { BackupError, classifyBackupFailure } from './errors.ts';
import { BACKUP_ROOT, PARTIAL_PREFIX, listBackups, newBackupId, readJson, verifyBackupDir, writeDurable, type BackupListing, type BackupStatus, type VerifyResult } from './manifest.ts';
import { runBackup, type BackupProgress, type BackupResult } from './run-backup.ts';
import { probeTarget, TargetWatcher, type BackupTarget } from './targets.ts';

export interface BackupServiceEvents {
  progress: [p: BackupProgress];
  completed: [r: BackupResult];
  failed: [err: BackupError, ctx: { id?: string; target?: string }];
  targetAttached: [t: BackupTarget];
  targetDetached: [name: string];
}

export interface LastRun {
  id?: string;
  target?: string;
  ok: boolean;
  at: string;
  by: string;
  code?: string;
  message?: string;
  result?: BackupResult;
}

export interface BackupServiceOptions {
  store: Store;
  config: () => BoxConfig;
  log: Logger;
  now?: () => Date;
  /** Accept targets that are not mount points (unit tests on plain directories). */
  allowSameDevice?: boolean;
}

const LAST_KEY = 'backup:last';
const RUNNING_FILE = 'box.running';

export class BackupService extends EventEmitter<BackupServiceEvents> implements BackupControl {
  private watcher?: TargetWatcher;
  private cron?: Cron;
  private applied?: BoxConfig['backup'];
  private reconcileTimer?: NodeJS.Timeout;
  private running?: { id: string; target: string; abort: AbortController; progress?: BackupProgress; done: Promise<BackupResult> };
  private verifying = false;
  private closed = false;

  static async start(o: BackupServiceOptions): Promise<BackupService> {
    const s = new BackupService(o);
    await s.open();
    return s;
  }

  constructor(private readonly o: BackupServiceOptions) {
    super();
  }

  private get cfg(): BoxConfig['backup'] {
    return this.o.config().backup;
  }

  private targetOptions() {
    return { mountDir: this.cfg.mountDir, marker: this.cfg.marker, allowSameDevice: this.o.allowSameDevice };
  }

  private async open(): Promise<void> {
    writeFileSync(join(this.o.store.dataDir, RUNNING_FILE), JSON.stringify({ pid: process.pid, startedAt: new Date().toISOString() }));
    await this.applyConfig();
    // Schedule, mount directory and marker changes (box.updateConfig) are picked up here.
    this.reconcileTimer = setInterval(() => void this.applyConfig().catch((err) => this.o.log.error({ err }, 'backup: applying configuration failed')), 30_000);
    this.reconcileTimer.unref();
  }

  private async applyConfig(): Promise<void> {
    const cfg = this.cfg;
    const prev = this.applied;
    this.applied = { ...cfg };
    if (!prev || prev.mountDir !== cfg.mountDir || prev.marker !== cfg.marker || prev.pollIntervalMs !== cfg.pollIntervalMs) {
      await this.watcher?.close();
      const w = new TargetWatcher({ ...this.targetOptions(), pollIntervalMs: cfg.pollIntervalMs });
      w.on('attached', (t) => this.onAttached(t));
      w.on('detached', (name) => this.onDetached(name));
      this.watcher = w;
      await w.start();
      for (const t of w.targets) this.o.log.info({ target: t.name, label: t.label, free: t.freeBytes }, 'backup target attached');
    }
    if (!prev || prev.schedule !== cfg.schedule || prev.enabled !== cfg.enabled) {
      this.cron?.stop();
      this.cron = undefined;
      if (cfg.enabled) {
        try {
          this.cron = new Cron(cfg.schedule, { protect: true, catch: true }, () => void this.scheduled());
          this.o.log.info({ schedule: cfg.schedule, next: this.cron.nextRun()?.toISOString() }, 'backup schedule set');
        } catch (err) {
          this.o.log.error({ code: 'CC_BACKUP_BAD_SCHEDULE', schedule: cfg.schedule, err: (err as Error).message }, 'backup schedule is not a valid cron expression; scheduled backups are off');
        }
      }
    }
  }

  private onAttached(t: BackupTarget): void {
    this.o.log.info({ target: t.name, label: t.label, free: t.freeBytes }, 'backup target attached');
    void this.o.store.transaction(() => this.o.store.appendEvent('backup-target-attached', { target: t.name, label: t.label, freeBytes: t.freeBytes })).catch(() => undefined);
    this.emit('targetAttached', t);
  }

  private onDetached(name: string): void {
    this.o.log.warn({ target: name }, 'backup target detached');
    void this.o.store.transaction(() => this.o.store.appendEvent('backup-target-detached', { target: name })).catch(() => undefined);
    if (this.running?.target === name) this.running.abort.abort(new BackupError('CC_BACKUP_TARGET_GONE', `backup disk ${name} went away during the backup`));
    this.emit('targetDetached', name);
  }

  private present(t: BackupTarget): boolean {
    return !!probeTarget(t.dir, this.targetOptions());
  }

  private findTarget(name?: string): BackupTarget {
    this.watcher?.rescan();
    const all = this.watcher?.targets ?? [];
    if (name === undefined) {
      const first = [...all].sort((a, b) => (a.name < b.name ? -1 : 1))[0];
      if (!first) throw new BackupError('CC_BACKUP_NO_TARGET', `no backup disk under ${this.cfg.mountDir} (a mounted disk with ${this.cfg.marker} in its root)`);
      return first;
    }
    const t = all.find((x) => x.name === name);
    if (!t) throw new BackupError('CC_BACKUP_UNKNOWN_TARGET', `no attached backup disk ${name}`);
    return t;
  }

  targets() {
    this.watcher?.rescan();
    return (this.watcher?.targets ?? []).map((t) => {
      const list = listBackups(join(t.dir, BACKUP_ROOT), this.running?.id);
      const good = list.filter((b) => b.state === 'good');
      return { ...t, backups: list.length, good: good.length, lastGood: good.at(-1)?.id };
    });
  }

  backups(target?: string): { target: string; backups: BackupListing[] }[] {
    const ts = target === undefined ? (this.watcher?.rescan(), this.watcher?.targets ?? []) : [this.findTarget(target)];
    return ts.map((t) => ({ target: t.name, backups: listBackups(join(t.dir, BACKUP_ROOT), this.running?.id) }));
  }

  status() {
    return {
      running: this.running ? { id: this.running.id, target: this.running.target, progress: this.running.progress } : undefined,
      last: this.o.store.tables.config.get(LAST_KEY) as LastRun | undefined,
      schedule: { enabled: this.cfg.enabled, pattern: this.cfg.schedule, next: this.cron?.nextRun()?.toISOString() },
      mountDir: this.cfg.mountDir,
    };
  }

  private async scheduled(): Promise<void> {
    if (this.closed || !this.cfg.enabled) return;
    try {
      const { done } = await this.start({ by: 'schedule' });
      await done;
    } catch (err) {
      // Failures are recorded by start() and the run (event row, audit row, log); a busy
      // service (a backup or verify already running) only skips this slot.
      if ((err as BackupError).code === 'CC_BACKUP_BUSY') this.o.log.warn({ code: 'CC_BACKUP_BUSY' }, 'scheduled backup skipped: one is already running');
    }
  }

  /** Start a backup on `target` (default: the first attached); resolves with its id. */
  async start(opts: { target?: string; by: string }): Promise<{ id: string; target: string; done: Promise<BackupResult> }> {
    if (this.closed) throw new BackupError('CC_BACKUP_ABORTED', 'the backup service is closed');
    if (this.running || this.verifying) throw new BackupError('CC_BACKUP_BUSY', `backup ${this.running?.id ?? '(verify)'} is running`);
    let target: BackupTarget;
    try {
      target = this.findTarget(opts.target);
    } catch (err) {
      await this.recordFailure(err as BackupError, { by: opts.by, target: opts.target });
      throw err;
    }
    const root = join(target.dir, BACKUP_ROOT);
    const id = newBackupId((this.o.now ?? (() => new Date()))(), (x) => existsSync(join(root, x)) || existsSync(join(root, `${PARTIAL_PREFIX}${x}`)));
    const abort = new AbortController();
    const cfg = this.cfg;
    const recordingDir = this.o.config().recording.dir ?? join(this.o.store.dataDir, 'recordings');
    this.o.log.info({ id, target: target.name, by: opts.by }, 'backup started');
    const run = {
      id,
      target: target.name,
      abort,
      progress: undefined as BackupProgress | undefined,
      done: undefined as unknown as Promise<BackupResult>,
    };
    run.done = runBackup({
      store: this.o.store,
      id,
      targetDir: target.dir,
      targetName: target.name,
      targetPresent: () => this.present(target),
      recordingDir,
      keep: cfg.keep,
      by: opts.by,
      now: this.o.now,
      signal: abort.signal,
      onProgress: (p) => {
        run.progress = p;
        this.emit('progress', p);
      },
    }).then(
      async (result) => {
        this.running = undefined;
        await this.recordSuccess(result, opts.by);
        return result;
      },
      async (err: BackupError) => {
        this.running = undefined;
        await this.recordFailure(err, { id, target: target.name, by: opts.by });
        throw err;
      },
    );
    run.done.catch(() => undefined); // recorded above; a caller that does not wait is not an unhandled rejection
    this.running = run;
    return { id, target: target.name, done: run.done };
  }

  /** Run a backup and wait for it. */
  async run(opts: { target?: string; by: string }): Promise<BackupResult> {
    return (await this.start(opts)).done;
  }

  private async recordSuccess(r: BackupResult, by: string): Promise<void> {
    const last: LastRun = { id: r.id, target: r.target, ok: true, at: r.finishedAt, by, result: r };
    const { store } = this.o;
    await store.transaction(() => {
      store.tables.config.put(LAST_KEY, last);
      store.appendEvent('backup-completed', { id: r.id, target: r.target, kind: r.kind, bytes: r.bytesWritten, recordings: r.recordings, warnings: r.warnings.length, removed: r.removed });
      appendAudit(store, { actor: by, action: 'backup', outcome: 'ok', target: `${r.target}/${r.id}`, detail: { kind: r.kind, bytes: r.bytesWritten, recordings: r.recordings, removed: r.removed } });
    });
    this.o.log.info({ id: r.id, target: r.target, kind: r.kind, bytes: r.bytesWritten, copied: r.recordings.copied, reused: r.recordings.reused, warnings: r.warnings }, 'backup completed');
    this.emit('completed', r);
  }

  private async recordFailure(err: BackupError, ctx: { id?: string; target?: string; by: string }): Promise<void> {
    const code = err.code ?? 'CC_BACKUP_IO';
    const last: LastRun = { id: ctx.id, target: ctx.target, ok: false, at: new Date().toISOString(), by: ctx.by, code, message: err.message };
    const { store } = this.o;
    this.o.log.error({ code, id: ctx.id, target: ctx.target, message: err.message }, 'backup failed');
    try {
      await store.transaction(() => {
        store.tables.config.put(LAST_KEY, last);
        store.appendEvent('backup-failed', { id: ctx.id, target: ctx.target, code, message: err.message });
        appendAudit(store, { actor: ctx.by, action: 'backup', outcome: 'failed', target: ctx.target && ctx.id ? `${ctx.target}/${ctx.id}` : ctx.target, detail: { code, message: err.message } });
      });
    } catch (e) {
      this.o.log.error({ err: e }, 'backup: could not record the failure');
    }
    this.emit('failed', err, ctx);
  }

  /** Re-read a backup against its manifest; the result is written to its status.json when the disk allows. */
  async verify(opts: { target: string; id: string; by: string }): Promise<VerifyResult> {
    if (this.running || this.verifying) throw new BackupError('CC_BACKUP_BUSY', 'a backup or verify is running');
    const t = this.findTarget(opts.target);
    const root = join(t.dir, BACKUP_ROOT);
    const entry = listBackups(root).find((b) => b.id === opts.id);
    if (!entry) throw new BackupError('CC_BACKUP_NOT_FOUND', `no backup ${opts.id} on ${opts.target}`);
    this.verifying = true;
    try {
      let result: VerifyResult;
      try {
        result = entry.state === 'good' ? await verifyBackupDir(root, entry.dir) : { id: opts.id, ok: false, files: 0, bytes: 0, problems: [`the backup is ${entry.state}, not good`] };
      } catch (err) {
        throw classifyBackupFailure(err, this.present(t));
      }
      const statusFile = join(entry.dir, 'status.json');
      const status = readJson<BackupStatus>(statusFile);
      if (status && entry.state === 'good') await writeDurable(statusFile, JSON.stringify({ ...status, lastVerify: { at: new Date().toISOString(), ok: result.ok, problems: result.problems } }, null, 2)).catch(() => undefined);
      const { store } = this.o;
      await store.transaction(() => {
        if (!result.ok) store.appendEvent('backup-verify-failed', { id: opts.id, target: opts.target, problems: result.problems.slice(0, 20) });
        appendAudit(store, { actor: opts.by, action: 'backup-verify', outcome: result.ok ? 'ok' : 'failed', target: `${opts.target}/${opts.id}`, detail: { files: result.files, bytes: result.bytes, problems: result.problems.slice(0, 20) } });
      });
      if (!result.ok) this.o.log.error({ code: 'CC_BACKUP_VERIFY_FAILED', id: opts.id, target: opts.target, problems: result.problems.slice(0, 20) }, 'backup verify failed');
      return result;
    } finally {
      this.verifying = false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.reconcileTimer);
    this.cron?.stop();
    if (this.running) {
      this.running.abort.abort(new BackupError('CC_BACKUP_ABORTED', 'the box is shutting down'));
      await this.running.done.catch(() => undefined);
    }
    await this.watcher?.close();
    const runningFile = join(this.o.store.dataDir, RUNNING_FILE);
    try {
      if (JSON.parse(readFileSync(runningFile, 'utf8')).pid === process.pid) rmSync(runningFile, { force: true });
    } catch {
      // already gone
    }
  }
}

/** The daemon's factory for startBox (system reaches the service through BackupControl only). */
export const startBackupService = (ctx: { store: Store; config: () => BoxConfig; log: Logger }): Promise<BackupService> => BackupService.start(ctx);

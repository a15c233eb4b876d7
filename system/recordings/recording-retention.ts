// The daily retention run: asks the pure policy (retention-policy.ts) which recordings are past
// their queue's retention, then for each removes the index row (with its event and audit row,
// re-checking hold and QA review in the same transaction) and deletes the file. A recording
// under legal hold or QA review is never touched. Scheduled with croner (recordings.
// retentionSchedule, read at start); `run()` is also what the admin route triggers. One run at
// a time. Whoever starts it closes it.
import { unlink } from 'node:fs/promises';
import { Cron } from 'croner';
import type { RecordingsConfig } from './recordings-config.ts';
import type { RecordingCatalog } from './recording-catalog.ts';
import { decideRetention } from './retention-policy.ts';
import { RecordingsError } from './errors.ts';

export interface RetentionLog {
  info(o: object, m: string): void;
  error(o: object, m: string): void;
}

export interface RetentionRunResult {
  at: number;
  deleted: string[];
  held: { callId: string; why: 'legal-hold' | 'qa-review' }[];
  /** Index row removed but the file could not be deleted (event CC_RECORDINGS_DELETE_FAILED). */
  failed: string[];
}

export class RecordingRetention {
  private cron?: Cron;
  private running?: Promise<RetentionRunResult>;

  constructor(private readonly o: { catalog: RecordingCatalog; config: () => RecordingsConfig; log: RetentionLog; appendRunEvent: (r: RetentionRunResult) => Promise<void> }) {}

  /** Schedule the daily run; a bad cron expression is logged and leaves only manual runs. */
  start(): void {
    const schedule = this.o.config().retentionSchedule;
    try {
      this.cron = new Cron(schedule, { protect: true, catch: true }, () => void this.run().catch((err) => this.o.log.error({ err: (err as Error).message }, 'scheduled recording retention run failed')));
      this.o.log.info({ schedule, next: this.cron.nextRun()?.toISOString() }, 'recording retention scheduled');
    } catch (err) {
      this.o.log.error({ code: 'CC_RECORDINGS_BAD_SCHEDULE', schedule, err: (err as Error).message }, 'recording retention schedule is not a valid cron expression; only manual runs');
    }
  }

  get busy(): boolean {
    return !!this.running;
  }

  /** One retention run now; RecordingsError CC_RECORDINGS_RETENTION_BUSY while another runs. */
  run(now = Date.now()): Promise<RetentionRunResult> {
    if (this.running) return Promise.reject(new RecordingsError('CC_RECORDINGS_RETENTION_BUSY'));
    this.running = this.runOnce(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async runOnce(now: number): Promise<RetentionRunResult> {
    const { catalog, log } = this.o;
    const candidates = [...catalog.entries()].map((e) => ({ callId: e.row.callId, path: e.row.path, endedAt: e.row.endedAt, queue: e.row.queue, legalHold: e.row.legalHold }));
    const decision = decideRetention(candidates, this.o.config(), catalog.underReview(), now);
    const result: RetentionRunResult = { at: now, deleted: [], held: decision.held, failed: [] };
    for (const d of decision.delete) {
      const removed = await catalog.removeExpired(d.callId, { retentionDays: d.retentionDays, endedAt: d.endedAt });
      if (!removed) continue; // held or put under review since the decision: kept
      try {
        await unlink(removed.path);
        result.deleted.push(d.callId);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          result.deleted.push(d.callId);
          continue;
        }
        result.failed.push(d.callId);
        log.error({ code: 'CC_RECORDINGS_DELETE_FAILED', callId: d.callId, path: removed.path, err: (err as Error).message }, 'recording file could not be deleted');
        await catalog.fileDeleteFailed(d.callId, removed.path, (err as Error).message);
      }
    }
    await this.o.appendRunEvent(result);
    log.info({ deleted: result.deleted.length, held: result.held.length, failed: result.failed.length }, 'recording retention run');
    return result;
  }

  async close(): Promise<void> {
    this.cron?.stop();
    this.cron = undefined;
    await this.running?.catch(() => undefined);
  }
}

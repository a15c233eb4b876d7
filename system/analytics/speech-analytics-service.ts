// Speech analytics as the box runs it (语音分析): every recorded call is analysed once it ends
// (talk/listen, silence, overtalk, longest monologue, agitation: media/speech-analytics.ts), in
// a worker thread, one recording at a time, and the figures are written to LMDB table
// `speech-analytics` (call id -> row) with a `speech-analytics` event in one transaction. At
// start, recorded calls without figures (newest first, up to `backfill`) are queued too, so a
// restart or a restored backup catches up. Hold time comes from the call's CDR (calls/hold-
// clock.ts), not from the audio. A recording that cannot be read gets a row with the error, so
// it is not retried forever. Created and closed by box.ts; read by api/recordings-routes.ts
// and qa/sampling-job.ts.
import type { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import type { Cdr, RecordingRow } from '../calls/cdr.ts';
import type { RecordingKeyLookup } from '../../media/recording-crypto.ts';
import type { SpeechFigures } from '../../media/speech-analytics.ts';
import { openRecordingAudio } from '../recordings/recording-audio.ts';
import { spawnSiblingWorker } from '../threads/spawn-worker.ts';
import { analyzeRecordingWav, readRecordingBytes, type AnalyticsJob, type AnalyticsReply } from './analyze-wav.ts';
import type { AnalyticsErrorCode } from './errors.ts';

export const ANALYTICS_ENGINE = 'speech-analytics-1';
/** Recordings larger than this (plaintext) are not analysed (about 4.6 hours of two-channel G.711). */
const MAX_WAV_BYTES = 256 * 1024 ** 2;

export interface SpeechAnalyticsRow {
  callId: string;
  engine: string;
  analyzedAt: number;
  figures?: SpeechFigures;
  /** From the CDR: total hold time and the number of holds. */
  holdMs?: number;
  holds?: number;
  error?: { code: Extract<AnalyticsErrorCode, 'CC_ANALYTICS_UNREADABLE' | 'CC_ANALYTICS_TOO_LARGE'>; message: string };
}

export interface SpeechAnalyticsOptions {
  store: Store;
  keys: RecordingKeyLookup;
  log: Pick<Logger, 'info' | 'warn'>;
  /** Recorded calls without figures queued at start (newest first). */
  backfill?: number;
}

export class SpeechAnalyticsService {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private running?: Promise<void>;
  private worker?: Promise<Worker | undefined>;
  private nextId = 1;
  private closed = false;
  private readonly idleWaiters: Array<() => void> = [];
  /** Recordings analysed in the worker / on the main thread / failed (for status and tests). */
  readonly counts = { worker: 0, inline: 0, failed: 0 };

  constructor(private readonly o: SpeechAnalyticsOptions) {}

  start(): void {
    const limit = this.o.backfill ?? 500;
    let n = 0;
    for (const { key } of this.o.store.tables.recordings.getRange({ reverse: true })) {
      if (n >= limit) break;
      if (this.o.store.tables.speechAnalytics.get(key) === undefined) {
        this.enqueue(key);
        n++;
      }
    }
    if (n) this.o.log.info({ queued: n }, 'speech analytics: recorded calls without figures queued');
  }

  /** Analyse the recording of `callId` (if it has one) soon. */
  enqueue(callId: string): void {
    if (this.closed || this.queued.has(callId)) return;
    this.queued.add(callId);
    this.queue.push(callId);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
      for (const w of this.idleWaiters.splice(0)) w();
    });
  }

  get(callId: string): SpeechAnalyticsRow | undefined {
    return this.o.store.tables.speechAnalytics.get(callId) as SpeechAnalyticsRow | undefined;
  }

  /** Resolves once nothing is queued or running. */
  whenIdle(): Promise<void> {
    return this.running ? new Promise((r) => this.idleWaiters.push(r)) : Promise.resolve();
  }

  private async drain(): Promise<void> {
    for (let callId = this.queue.shift(); callId !== undefined && !this.closed; callId = this.queue.shift()) {
      try {
        await this.analyse(callId);
      } catch (err) {
        this.o.log.warn({ callId, err: (err as Error).message }, 'speech analytics failed');
      } finally {
        this.queued.delete(callId);
      }
    }
  }

  private async analyse(callId: string): Promise<void> {
    const recording = this.o.store.tables.recordings.get(callId) as RecordingRow | undefined;
    if (!recording) return;
    const cdr = this.o.store.tables.cdr.get(callId) as Cdr | undefined;
    const base = { callId, engine: ANALYTICS_ENGINE, analyzedAt: Date.now(), ...(cdr?.holdMs !== undefined ? { holdMs: cdr.holdMs, holds: cdr.holds } : {}) };
    let row: SpeechAnalyticsRow;
    try {
      const audio = await openRecordingAudio(recording.path, this.o.keys);
      if (audio.length > MAX_WAV_BYTES) {
        row = { ...base, error: { code: 'CC_ANALYTICS_TOO_LARGE', message: `the recording has ${audio.length} bytes; analytics stop at ${MAX_WAV_BYTES}` } };
      } else {
        row = { ...base, figures: await this.compute(await readRecordingBytes(audio)) };
      }
    } catch (err) {
      this.counts.failed++;
      row = { ...base, error: { code: 'CC_ANALYTICS_UNREADABLE', message: (err as Error).message } };
    }
    if (this.closed) return;
    const f = row.figures;
    await this.o.store.transaction(() => {
      this.o.store.tables.speechAnalytics.put(callId, row);
      this.o.store.appendEvent('speech-analytics', f
        ? { callId, overtalkPct: f.overtalkPct, silencePct: f.silencePct, talkListenRatio: f.talkListenRatio, agitation: Math.max(f.caller.agitation ?? 0, f.callee.agitation ?? 0) }
        : { callId, code: row.error!.code, message: row.error!.message });
    });
  }

  private async compute(wav: Buffer): Promise<SpeechFigures> {
    const worker = this.closed ? undefined : await (this.worker ??= this.startWorker());
    if (!worker) {
      this.counts.inline++;
      return analyzeRecordingWav(wav);
    }
    const id = this.nextId++;
    const ab = wav.buffer.slice(wav.byteOffset, wav.byteOffset + wav.byteLength) as ArrayBuffer;
    return new Promise<SpeechFigures>((resolve, reject) => {
      const onMessage = (m: AnalyticsReply) => {
        if (m.id !== id) return;
        worker.off('message', onMessage);
        worker.off('exit', onExit);
        if ('error' in m) reject(new Error(m.error));
        else {
          this.counts.worker++;
          resolve(m.figures);
        }
      };
      const onExit = () => {
        worker.off('message', onMessage);
        reject(new Error('the speech analytics worker exited'));
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
      worker.postMessage({ id, wav: ab } satisfies AnalyticsJob, [ab]);
    });
  }

  private async startWorker(): Promise<Worker | undefined> {
    try {
      const w = spawnSiblingWorker(import.meta.url, 'analytics-worker');
      await new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`speech analytics worker exited with ${code}`)));
      });
      w.unref();
      w.on('error', (err) => this.o.log.warn({ err: err.message }, 'speech analytics worker failed'));
      w.once('exit', () => (this.worker = undefined));
      return w;
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'speech analytics worker did not start: analysing on the main thread');
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    const w = await this.worker;
    if (w) await w.terminate();
    await this.running?.catch(() => undefined);
  }
}

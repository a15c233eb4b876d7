// Runs report requests off the main thread: one lazily started worker thread
// (report-worker.ts) that reads the queue log from LMDB itself and computes the figures.
// Requests are answered by id; if the worker cannot start or dies, the request is computed on
// the calling thread instead (slower for the box, never a failed report). Whoever creates a
// runner closes it.
import type { Worker } from 'node:worker_threads';
import { spawnSiblingWorker } from '../threads/spawn-worker.ts';
import type { Store } from '../store/store.ts';
import { computeReport, type Report, type ReportInput } from './figures.ts';
import { reportRows } from './queue-log-reader.ts';

export type ReportQuery = Omit<ReportInput, 'rows' | 'initialStates'>;
export interface ReportRequest {
  id: number;
  input: ReportQuery;
}
export type ReportReply = { id: number; report: Report; rows: number } | { id: number; error: string };

const spawn = (dataDir: string): Worker => spawnSiblingWorker(import.meta.url, 'report-worker', { dataDir });

export class ReportRunner {
  private worker?: Promise<Worker | undefined>;
  private readonly pending = new Map<number, { resolve: (r: Report) => void; reject: (e: Error) => void; query: ReportQuery }>();
  private nextId = 1;
  private closed = false;
  /** Reports computed in the worker / on the calling thread (for tests and status). */
  readonly counts = { worker: 0, inline: 0 };

  constructor(private readonly store: Store, private readonly log?: { warn: (o: object, m: string) => void }) {}

  async run(query: ReportQuery): Promise<Report> {
    const worker = this.closed ? undefined : await (this.worker ??= this.start());
    if (!worker) return this.inline(query);
    const id = this.nextId++;
    return new Promise<Report>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, query });
      worker.postMessage({ id, input: query } satisfies ReportRequest);
    });
  }

  private inline(query: ReportQuery): Report {
    this.counts.inline++;
    const { rows, initialStates } = reportRows(this.store, query.from, query.to, query.now);
    return computeReport({ ...query, rows, initialStates });
  }

  private async start(): Promise<Worker | undefined> {
    try {
      const w = spawn(this.store.dataDir);
      await new Promise<void>((resolve, reject) => {
        w.once('message', () => resolve());
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`report worker exited with ${code}`)));
      });
      w.unref();
      w.on('message', (m: ReportReply) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if ('error' in m) p.reject(new Error(m.error));
        else {
          this.counts.worker++;
          p.resolve(m.report);
        }
      });
      w.on('error', (err) => this.log?.warn({ err: err.message }, 'report worker failed'));
      w.on('exit', () => {
        this.worker = undefined;
        // Whatever was asked of a worker that died is computed here.
        for (const [id, p] of this.pending) {
          this.pending.delete(id);
          try {
            p.resolve(this.inline(p.query));
          } catch (err) {
            p.reject(err as Error);
          }
        }
      });
      return w;
    } catch (err) {
      this.log?.warn({ err: (err as Error).message }, 'report worker did not start: reports are computed on the main thread');
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = await this.worker;
    if (!w) return;
    const exited = new Promise((r) => w.once('exit', r));
    w.postMessage({ close: true });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    await w.terminate();
  }
}

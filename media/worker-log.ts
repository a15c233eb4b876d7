// mediasoup's own error logs (its workers' and its Node side's) into the box log. They are
// otherwise only visible with DEBUG=mediasoup:*, and an error a worker logs per packet is
// worth knowing about (one once cost the main thread a quarter of a core, unseen). A
// per-packet error would also flood the box log, so at most `perMinute` lines are written a
// minute; the next line written says how many were left out. mediasoup's listeners are
// process-wide: the engine started last sets them.
import * as mediasoup from 'mediasoup';
import type { MediaErrorCode } from './errors.ts';

export interface WorkerLogSink {
  error: (o: object, m: string) => void;
}

/** A limiter for lines: true while fewer than `perMinute` went in the current minute. */
export class LineBudget {
  private windowStart = -Infinity;
  private used = 0;
  /** Lines refused since the last one let through. */
  skipped = 0;

  constructor(private readonly perMinute: number) {}

  take(now: number): boolean {
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now;
      this.used = 0;
    }
    if (this.used >= this.perMinute) {
      this.skipped++;
      return false;
    }
    this.used++;
    return true;
  }
}

export function forwardMediasoupErrors(log: WorkerLogSink, perMinute = 10, now: () => number = Date.now): void {
  const budget = new LineBudget(perMinute);
  mediasoup.setLogEventListeners({
    onerror: (namespace, line, error) => {
      const skipped = budget.skipped;
      if (!budget.take(now())) return;
      budget.skipped = 0;
      log.error(
        { code: 'CC_MEDIA_WORKER_ERROR' satisfies MediaErrorCode, namespace, line, ...(error ? { err: error } : {}), ...(skipped ? { skipped } : {}) },
        'mediasoup logged an error',
      );
    },
  });
}

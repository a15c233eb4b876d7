// Overload detection for new calls: the event loop's lag (the median delay of perf_hooks'
// 20 ms timer samples over a second, above the ceiling two seconds in a row — a saturated
// loop, not one stall such as the start-up's password hashing or a GC pause) and the number
// of calls up, against configured ceilings. The endpoint asks it
// before taking a new INVITE; above either ceiling the INVITE gets 503 with Retry-After while
// calls in progress keep going. Whoever starts it closes it.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export interface OverloadOptions {
  /** Current ceilings: lag in ms (0: off), calls (0: off), and the Retry-After to give. */
  limits: () => { maxLagMs: number; maxCalls: number; retryAfterSec: number };
  calls: () => number;
  log?: { warn: (o: object, m: string) => void };
}

/** The decision, pure: seconds for Retry-After, or undefined to admit. */
export function overloadVerdict(lagMs: number, calls: number, l: { maxLagMs: number; maxCalls: number; retryAfterSec: number }): number | undefined {
  if (l.maxLagMs > 0 && lagMs > l.maxLagMs) return l.retryAfterSec;
  if (l.maxCalls > 0 && calls >= l.maxCalls) return l.retryAfterSec;
  return undefined;
}

export class OverloadMonitor {
  private readonly histogram: IntervalHistogram;
  private readonly timer: NodeJS.Timeout;
  /** Median lag of the last full second, ms. */
  lagMs = 0;
  /** The lag of the two last full seconds was over the ceiling. */
  private sustained = 0;
  private previousLagMs = 0;
  refused = 0;
  private warnedAt = 0;

  constructor(private readonly opts: OverloadOptions) {
    this.histogram = monitorEventLoopDelay({ resolution: 20 });
    this.histogram.enable();
    this.timer = setInterval(() => {
      this.previousLagMs = this.lagMs;
      // Timer delay beyond the 20 ms resolution (the histogram counts from the intended firing).
      this.lagMs = this.histogram.count > 0 ? Math.max(0, this.histogram.percentile(50) / 1e6 - 20) : 0;
      this.histogram.reset();
      this.sustained = Math.min(this.lagMs, this.previousLagMs);
    }, 1000);
    this.timer.unref();
  }

  /** Retry-After seconds when a new INVITE must be refused now. */
  check(): number | undefined {
    const verdict = overloadVerdict(this.sustained, this.opts.calls(), this.opts.limits());
    if (verdict !== undefined) {
      this.refused++;
      const now = Date.now();
      if (now - this.warnedAt > 10_000) {
        this.warnedAt = now;
        this.opts.log?.warn({ lagMs: Math.round(this.lagMs), calls: this.opts.calls(), code: 'CC_SIP_OVERLOAD' }, 'overloaded: new INVITEs refused with 503');
      }
    }
    return verdict;
  }

  close(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}

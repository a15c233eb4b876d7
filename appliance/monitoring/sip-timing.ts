// SIP response times of the box's own requests (INVITE to trunks, REGISTER, OPTIONS): the
// endpoint reports each client transaction's time to its first response and its final
// status; here they are kept for a window per peer (a trunk's name, else the address) and
// counted for /metrics. A local 408 (no answer within 64*T1) counts as a timeout.
import type { Reading } from './thresholds.ts';

export interface SipTiming {
  at: number;
  peer: string;
  method: string;
  status: number;
  firstResponseMs: number;
}

export interface PeerTimes {
  peer: string;
  requests: number;
  timeouts: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

/** The value at quantile q (0..1) of sorted numbers (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export class SipTimings {
  private samples: SipTiming[] = [];
  /** Monotonic counters for /metrics: `${method} ${status class}` -> count. */
  readonly totals = new Map<string, number>();

  constructor(private readonly windowMs: () => number, private readonly maxSamples = 20_000) {}

  record(t: SipTiming): void {
    this.samples.push(t);
    if (this.samples.length > this.maxSamples) this.samples.splice(0, this.samples.length - this.maxSamples);
    const key = `${t.method} ${Math.floor(t.status / 100)}xx`;
    this.totals.set(key, (this.totals.get(key) ?? 0) + 1);
  }

  /** Per peer over the window ending `now`. */
  summary(now = Date.now()): PeerTimes[] {
    const since = now - this.windowMs();
    this.samples = this.samples.filter((s) => s.at >= since);
    const byPeer = new Map<string, SipTiming[]>();
    for (const s of this.samples) byPeer.set(s.peer, [...(byPeer.get(s.peer) ?? []), s]);
    return [...byPeer].sort(([a], [b]) => a.localeCompare(b)).map(([peer, list]) => {
      const ms = list.map((s) => s.firstResponseMs).sort((a, b) => a - b);
      const r = (n: number) => Math.round(n * 10) / 10;
      return { peer, requests: list.length, timeouts: list.filter((s) => s.status === 408).length, p50Ms: r(quantile(ms, 0.5)), p95Ms: r(quantile(ms, 0.95)), maxMs: r(ms[ms.length - 1] ?? 0) };
    });
  }
}

/** Readings for the alert rules: each trunk's 95th percentile (peers that are not trunks are not judged). */
export function sipReadings(times: PeerTimes[], trunks: ReadonlySet<string>): Reading[] {
  return times.filter((t) => trunks.has(t.peer)).map((t) => ({ metric: 'sipResponseMs', subject: t.peer, value: t.p95Ms }));
}

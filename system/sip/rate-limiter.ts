// Token buckets per key (a source address): `rate` tokens a second up to `burst`. Pure state
// with an injected clock; the number of keys is bounded (idle, full buckets are pruned first,
// then the oldest), so a spoofed-address flood cannot grow memory without limit.
export interface BucketLimits {
  rate: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** Messages refused since the bucket last had a token. */
  refused: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly maxKeys = 50_000) {}

  get size(): number {
    return this.buckets.size;
  }

  /**
   * Take one token for `key`. Returns 0 when allowed, else how many messages in a row have
   * been refused (1, 2, ...), so the caller can escalate a sustained flood.
   */
  take(key: string, limits: BucketLimits, now: number): number {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.prune(now, limits);
      b = { tokens: limits.burst, at: now, refused: 0 };
      this.buckets.set(key, b);
    } else {
      const elapsed = Math.max(0, now - b.at) / 1000;
      b.tokens = Math.min(limits.burst, b.tokens + elapsed * limits.rate);
      b.at = now;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      b.refused = 0;
      return 0;
    }
    b.refused++;
    return b.refused;
  }

  forget(key: string): void {
    this.buckets.delete(key);
  }

  private prune(now: number, limits: BucketLimits): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * limits.rate >= limits.burst) this.buckets.delete(k);
    }
    // Still full: drop the oldest tenth (Map keeps insertion order).
    if (this.buckets.size >= this.maxKeys) {
      let n = Math.ceil(this.maxKeys / 10);
      for (const k of this.buckets.keys()) {
        if (n-- <= 0) break;
        this.buckets.delete(k);
      }
    }
  }
}

/** Timestamps of events per key within a sliding window (authentication failures, outbound
 *  call starts). Bounded like RateLimiter. */
export class SlidingCounter {
  private readonly events = new Map<string, number[]>();

  constructor(private readonly maxKeys = 50_000) {}

  /** Record one event at `now`; returns how many fall within the last `windowMs`. */
  add(key: string, now: number, windowMs: number): number {
    let list = this.events.get(key);
    if (!list) {
      if (this.events.size >= this.maxKeys) this.prune(now, windowMs);
      list = [];
      this.events.set(key, list);
    }
    while (list.length && now - list[0] >= windowMs) list.shift();
    list.push(now);
    if (list.length > 10_000) list.splice(0, list.length - 10_000);
    return list.length;
  }

  count(key: string, now: number, windowMs: number): number {
    const list = this.events.get(key);
    if (!list) return 0;
    while (list.length && now - list[0] >= windowMs) list.shift();
    return list.length;
  }

  forget(key: string): void {
    this.events.delete(key);
  }

  private prune(now: number, windowMs: number): void {
    for (const [k, list] of this.events) if (!list.length || now - list[list.length - 1] >= windowMs) this.events.delete(k);
    if (this.events.size >= this.maxKeys) {
      let n = Math.ceil(this.maxKeys / 10);
      for (const k of this.events.keys()) {
        if (n-- <= 0) break;
        this.events.delete(k);
      }
    }
  }
}

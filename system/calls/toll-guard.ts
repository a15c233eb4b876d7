// Applies the toll-fraud policy (call-policy.ts) to outbound trunk calls as they are routed:
// keeps each extension's calls up and started (last hour, burst window) and each trunk's
// starts, asks the pure verdict, and on an unusual burst blocks the extension (ban list kind
// 'extension', until an admin lifts it: event, audit row, error log = the alert). The call
// manager calls `admit` and, for an admitted call, `release` when it ends.
import type { BoxConfig, TrunkConfig } from '../config/schema.ts';
import type { BanList } from '../sip/ban-list.ts';
import { securityConfig } from '../config/security-schema.ts';
import { SlidingCounter } from '../sip/rate-limiter.ts';
import { classesFor, outboundVerdict, type OutboundVerdict } from './call-policy.ts';

export type OutboundSource = { kind: 'trunk' } | { kind: 'extension'; extension: string };

export interface TollGuardOptions {
  config: () => BoxConfig;
  bans: BanList;
  now?: () => number;
  log: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

const HOUR = 3600_000;

export class TollGuard {
  private readonly concurrent = new Map<string, number>();
  private readonly hourly = new SlidingCounter();
  private readonly bursts = new SlidingCounter();

  constructor(private readonly opts: TollGuardOptions) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  /** Decide an outbound call to `trunk`; when admitted, `release` must be called once it ends. */
  admit(source: OutboundSource, trunk: TrunkConfig, number: string): OutboundVerdict & { release?: () => void } {
    const cfg = this.opts.config();
    const toll = securityConfig(cfg.security).tollFraud;
    const now = this.now();
    const ext = source.kind === 'extension' ? source.extension : undefined;
    const trunkKey = `trunk:${trunk.name}`;
    const blocked = ext ? this.opts.bans.banned('extension', ext) : false;
    const verdict = outboundVerdict({
      number,
      extension: ext,
      allowed: ext ? classesFor(toll, ext, cfg.agents) : [],
      blocked,
      extensionConcurrent: ext ? this.concurrent.get(ext) ?? 0 : 0,
      extensionLastHour: ext ? this.hourly.count(`ext:${ext}`, now, HOUR) : 0,
      trunkLastHour: this.hourly.count(trunkKey, now, HOUR),
      // Attempts while blocked do not count: once an admin lifts the block, the count starts afresh.
      burstCount: ext && !blocked ? this.bursts.add(ext, now, toll.burstWindowSec * 1000) : 0,
    }, toll);
    if (!verdict.ok) {
      this.opts.log.warn({ extension: ext, trunk: trunk.name, number, class: verdict.class, code: verdict.code }, 'outbound call refused');
      if (verdict.block && ext && !this.opts.bans.banned('extension', ext)) {
        this.opts.log.error({ extension: ext, calls: toll.burstCalls, windowSec: toll.burstWindowSec, code: 'CC_CALL_TOLL_BURST' }, 'ALERT toll fraud: unusual burst of outbound calls, extension blocked');
        this.bursts.forget(ext);
        void this.opts.bans.ban('extension', ext, `more than ${toll.burstCalls} outbound calls within ${toll.burstWindowSec} s`, { durationMs: null });
      }
      return verdict;
    }
    if (verdict.class === 'emergency') return verdict;
    this.hourly.add(trunkKey, now, HOUR);
    if (!ext) return verdict;
    this.hourly.add(`ext:${ext}`, now, HOUR);
    this.concurrent.set(ext, (this.concurrent.get(ext) ?? 0) + 1);
    let released = false;
    return {
      ...verdict,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.concurrent.get(ext) ?? 1) - 1;
        if (n > 0) this.concurrent.set(ext, n);
        else this.concurrent.delete(ext);
      },
    };
  }
}

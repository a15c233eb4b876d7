// The SIP edge defence in front of the UA core (Kamailio pike + secfilter + htable bans in
// one place): banned sources are dropped silently before parsing; other sources are rate
// limited per address (a sustained flood is banned); decoded messages are screened
// (message-screen.ts: scanners are dropped and banned, header/Via limits, loops, Max-Forwards);
// digest failures are counted per address and end in a ban. Trunk hosts and the configured
// allow-list are never limited or banned. Reads the security config live, so allow-list
// changes apply at once. Never throws on input.
import net from 'node:net';
import type { BoxConfig } from '../config/schema.ts';
import { securityConfig, type SecurityConfig } from '../config/security-schema.ts';
import type { Remote, SipMessage } from './message.ts';
import { RateLimiter, SlidingCounter } from './rate-limiter.ts';
import { screenMessage, type ScreenVerdict } from './message-screen.ts';
import type { BanList } from './ban-list.ts';

export interface EdgeGuardOptions {
  config: () => Pick<BoxConfig, 'trunks' | 'security'>;
  bans: BanList;
  /** This box's own Via sent-by (loop detection). */
  self: () => { hosts: string[]; ports: number[] };
  now?: () => number;
  log?: { warn: (o: object, m: string) => void; info?: (o: object, m: string) => void };
}

export interface EdgeCounters {
  droppedBanned: number;
  droppedRate: number;
  droppedScanner: number;
  droppedHeaders: number;
  answeredLimits: number;
  authFailures: number;
  bans: number;
}

export class EdgeGuard {
  readonly counters: EdgeCounters = { droppedBanned: 0, droppedRate: 0, droppedScanner: 0, droppedHeaders: 0, answeredLimits: 0, authFailures: 0, bans: 0 };
  private readonly rates = new RateLimiter();
  private readonly authFailures = new SlidingCounter();
  private allow?: { from: unknown; list: net.BlockList };

  constructor(private readonly opts: EdgeGuardOptions) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  private get security(): SecurityConfig {
    return securityConfig(this.opts.config().security);
  }

  /** Trunk hosts/source addresses and `security.allowList`, rebuilt when the config changes. */
  allowListed(address: string): boolean {
    const cfg = this.opts.config();
    if (this.allow?.from !== cfg) {
      const list = new net.BlockList();
      const add = (entry: string) => {
        try {
          const [addr, bits] = entry.split('/');
          const type = net.isIPv6(addr) ? 'ipv6' : 'ipv4';
          if (!net.isIP(addr)) return;
          if (bits === undefined) list.addAddress(addr, type);
          else list.addSubnet(addr, Number(bits), type);
        } catch (err) {
          this.opts.log?.warn({ entry, err: (err as Error).message, code: 'CC_SIP_ALLOW_LIST_ENTRY' }, 'allow-list entry ignored');
        }
      };
      for (const t of cfg.trunks) for (const a of t.sourceAddresses ?? [t.host]) add(a);
      for (const e of securityConfig(cfg.security).allowList) add(e);
      this.allow = { from: cfg, list };
    }
    try {
      return net.isIP(address) !== 0 && this.allow.list.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
    } catch {
      return false;
    }
  }

  /** A new TCP connection: refused (closed at once) from a banned address. */
  admitConnection(address: string): boolean {
    if (this.opts.bans.banned('source', address) && !this.allowListed(address)) {
      this.counters.droppedBanned++;
      return false;
    }
    return true;
  }

  /** Raw bytes from `remote`, before parsing: false = drop silently. */
  admitBytes(buf: Buffer, remote: Remote): boolean {
    const address = remote.address;
    if (this.allowListed(address)) return true;
    if (this.opts.bans.banned('source', address)) {
      this.counters.droppedBanned++;
      return false;
    }
    const sec = this.security;
    const refused = this.rates.take(address, { rate: sec.requestsPerSecond, burst: sec.requestBurst }, this.now());
    if (refused > 0) {
      this.counters.droppedRate++;
      if (refused >= sec.requestBurst) {
        this.rates.forget(address);
        this.banSource(address, `flood: over ${sec.requestsPerSecond}/s by ${sec.requestBurst} messages`);
      }
      return false;
    }
    if (headerLines(buf, sec.maxHeaders + 1) > sec.maxHeaders) {
      this.counters.droppedHeaders++;
      return false;
    }
    return true;
  }

  /** A decoded message: pass, drop silently, or answer with a status. */
  screen(message: SipMessage, remote: Remote): ScreenVerdict {
    const sec = this.security;
    const allowed = this.allowListed(remote.address);
    const verdict = screenMessage(message, {
      maxHeaders: sec.maxHeaders,
      maxVias: sec.maxVias,
      // A scanner on the allow-list (an admin's own audit) is answered like anyone else.
      dropScanners: sec.dropScanners && !allowed,
      extraScanners: sec.scannerUserAgents,
      self: this.opts.self(),
    });
    if (verdict.action === 'drop') {
      if (verdict.scanner) {
        this.counters.droppedScanner++;
        this.banSource(remote.address, verdict.why);
      } else this.counters.droppedHeaders++;
    } else if (verdict.action === 'answer') this.counters.answeredLimits++;
    return verdict;
  }

  /** A digest answer from `address` failed (wrong password or unknown user). */
  authFailed(address: string, user: string | undefined): void {
    this.counters.authFailures++;
    if (this.allowListed(address)) return;
    const sec = this.security;
    const n = this.authFailures.add(address, this.now(), sec.authFailureWindowSec * 1000);
    if (n >= sec.maxAuthFailures) {
      this.authFailures.forget(address);
      this.banSource(address, `${n} failed authentications (last user ${JSON.stringify(user ?? '')})`);
    }
  }

  private banSource(address: string, reason: string): void {
    if (this.opts.bans.banned('source', address)) return;
    this.counters.bans++;
    const sec = this.security;
    this.opts.log?.warn({ address, reason, code: 'CC_SIP_SOURCE_BANNED' }, 'SIP source banned');
    void this.opts.bans.ban('source', address, reason, { baseMs: sec.banSeconds * 1000, maxMs: sec.maxBanSeconds * 1000, source: address });
  }
}

/** Header lines before the blank line (or in the whole buffer), counting up to `stopAt`. */
export function headerLines(buf: Buffer, stopAt: number): number {
  let lines = 0;
  for (let i = 0; i < buf.length - 1; i++) {
    if (buf[i] !== 0x0a) continue;
    if (buf[i + 1] === 0x0a || (buf[i + 1] === 0x0d && buf[i + 2] === 0x0a)) return lines;
    if (++lines >= stopAt) return lines;
  }
  return lines;
}

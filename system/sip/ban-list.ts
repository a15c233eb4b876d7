// The SIP ban list: banned source addresses (scanners, password crackers, floods) and
// extensions blocked from outbound calls (toll-fraud bursts), kept in memory for the hot path
// and in LMDB table `sip-bans` (key `source:<address>` / `extension:<number>`). Every ban and
// every lift is written in one transaction with its event row and its audit row. Expired
// bans stay as history (repeat offences double the next ban) and are pruned after a week.
import type { Store } from '../store/store.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { nextBan, REPEAT_MEMORY_MS } from './ban-policy.ts';

export type BanKind = 'source' | 'extension';

export interface BanRow {
  kind: BanKind;
  /** The address (source) or extension number. */
  id: string;
  reason: string;
  since: number;
  /** When the ban ends; null: until an admin lifts it. */
  until: number | null;
  offences: number;
  /** Who banned: 'system' or an admin's user name. */
  by: string;
}

export const banKey = (kind: BanKind, id: string) => `${kind}:${id}`;

export interface BanListOptions {
  now?: () => number;
  log?: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
  /** Told of every new ban (live events, alerts). */
  onBan?: (row: BanRow) => void;
}

export class BanList {
  private readonly rows = new Map<string, BanRow>();
  private pruneTimer?: NodeJS.Timeout;

  constructor(private readonly store: Store, private readonly opts: BanListOptions = {}) {
    for (const { key, value } of store.tables.sipBans.getRange()) this.rows.set(String(key), value as BanRow);
  }

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  isActive(row: BanRow | undefined, now = this.now()): row is BanRow {
    return !!row && (row.until === null || row.until > now);
  }

  /** Whether `id` is banned right now (memory only: the hot path). */
  banned(kind: BanKind, id: string): boolean {
    return this.isActive(this.rows.get(banKey(kind, id)));
  }

  /** Active bans, newest first. */
  active(): BanRow[] {
    const now = this.now();
    return [...this.rows.values()].filter((r) => this.isActive(r, now)).sort((a, b) => b.since - a.since);
  }

  /**
   * Ban `id`: for a computed, growing time (`durationMs` omitted, kind source), for a given
   * time, or until lifted (`durationMs` null). The ban holds in memory at once; the returned
   * promise resolves when it is written with its event and audit rows.
   */
  ban(kind: BanKind, id: string, reason: string, o: { baseMs?: number; maxMs?: number; durationMs?: number | null; by?: string; source?: string }): Promise<BanRow> {
    const now = this.now();
    const key = banKey(kind, id);
    const previous = this.rows.get(key);
    const { offences, durationMs } = nextBan(previous ? { offences: previous.offences, lastOffenceAt: previous.since } : undefined, now, o.baseMs ?? 300_000, o.maxMs ?? 86_400_000);
    const until = o.durationMs === null ? null : now + (o.durationMs ?? durationMs);
    const row: BanRow = { kind, id, reason, since: now, until, offences, by: o.by ?? 'system' };
    this.rows.set(key, row);
    this.opts.onBan?.(row);
    return this.store.transaction(() => {
      this.store.tables.sipBans.put(key, row);
      this.store.appendEvent('sip-ban', { ...row }, now);
      appendAudit(this.store, { actor: row.by, action: kind === 'source' ? 'sip-ban' : 'toll-fraud-block', outcome: 'ok', target: id, source: o.source, detail: { reason, until, offences } }, now);
    }).then(() => row, (err) => {
      this.opts.log?.error({ err, code: 'CC_SIP_BAN_NOT_STORED', kind, id }, 'ban could not be stored (it holds in memory until restart)');
      return row;
    });
  }

  /** Lift an active ban; false when there is none. The history row goes too (a fresh start). */
  async lift(kind: BanKind, id: string, by: string, source?: string): Promise<boolean> {
    const key = banKey(kind, id);
    const row = this.rows.get(key);
    if (!this.isActive(row)) return false;
    this.rows.delete(key);
    await this.store.transaction(() => {
      this.store.tables.sipBans.remove(key);
      this.store.appendEvent('sip-ban-lifted', { kind, id, by });
      appendAudit(this.store, { actor: by, action: kind === 'source' ? 'sip-ban-lift' : 'toll-fraud-unblock', outcome: 'ok', target: id, source, detail: { reason: row.reason, since: row.since } });
    });
    return true;
  }

  /** Prune history hourly until `close`. */
  start(): void {
    this.pruneTimer ??= setInterval(() => void this.prune().catch((err) => this.opts.log?.warn({ err }, 'ban history prune failed')), 3600_000);
    this.pruneTimer.unref();
  }

  close(): void {
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
  }

  /** Remove history rows whose ban ended more than a week ago (repeat memory is a day). */
  async prune(): Promise<number> {
    const now = this.now();
    const old = [...this.rows.entries()].filter(([, r]) => r.until !== null && now - r.until > 7 * REPEAT_MEMORY_MS);
    if (!old.length) return 0;
    for (const [k] of old) this.rows.delete(k);
    await this.store.transaction(() => {
      for (const [k] of old) this.store.tables.sipBans.remove(k);
    });
    return old.length;
  }
}

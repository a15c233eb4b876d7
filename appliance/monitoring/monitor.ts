// The monitor: takes a round of readings from its source (a parameter: the hardware and call
// quality on the box, anything a test or a technician injects), lets thresholds.ts decide,
// and makes the decision durable — each raised or cleared alert is one row in LMDB table
// `alerts` (keyed `<metric>:<subject>`) written in one transaction with its event row, then
// logged with its code and emitted as `alert` (the live WebSocket pushes it). Injected
// readings are overrides: they replace the source's value for their metric and subject until
// withdrawn. Rounds never overlap; active alerts survive a restart (read back at start).
import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import type { Store } from '../../system/store/store.ts';
import { alertId, decideAlerts, type ActiveAlert, type Decision, type Reading, type Rule } from './thresholds.ts';
import { MonitoringErrorCodes } from './errors.ts';

export type ReadingSource = () => Promise<Reading[]>;

/** The stored row of an alert: the active one, or the last one of its id once cleared. */
export interface AlertRow extends ActiveAlert {
  state: 'active' | 'cleared';
  clearedAt?: number;
  /** The value that cleared it. */
  clearValue?: number;
  message: string;
}

export interface MonitorDeps {
  store: Store;
  log: Logger;
  rules: () => readonly Rule[];
  source: ReadingSource;
  now?: () => number;
}

export class Monitor extends EventEmitter<{ alert: [AlertRow] }> {
  private readonly active = new Map<string, ActiveAlert>();
  private readonly overrides = new Map<string, Reading>();
  private running: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private closed = false;
  /** The readings of the last round (after overrides). */
  last: Reading[] = [];
  rounds = 0;

  constructor(private readonly deps: MonitorDeps) {
    super();
    for (const { value } of deps.store.tables.alerts.getRange()) {
      const row = value as AlertRow;
      if (row.state === 'active') this.active.set(row.id, row);
    }
  }

  /** Sample every `intervalMs` (the first round at once). */
  start(intervalMs: number): void {
    const loop = () => {
      if (this.closed) return;
      void this.round().finally(() => {
        if (!this.closed) this.timer = setTimeout(loop, intervalMs);
      });
    };
    loop();
  }

  /** Replace (value) or withdraw (null) the source's reading of a metric and subject; runs a round and returns its decision. */
  inject(readings: { metric: Reading['metric']; subject: string; value: number | null }[]): Promise<Decision> {
    for (const r of readings) {
      const id = alertId(r.metric, r.subject);
      if (r.value === null) this.overrides.delete(id);
      else this.overrides.set(id, { metric: r.metric, subject: r.subject, value: r.value });
    }
    return this.round();
  }

  get overridden(): Reading[] {
    return [...this.overrides.values()];
  }

  /** Stored alerts: the active ones first, then cleared ones, newest first. */
  alerts(): AlertRow[] {
    const rows = [...this.deps.store.tables.alerts.getRange()].map(({ value }) => value as AlertRow);
    return rows.sort((a, b) => (a.state === b.state ? (b.clearedAt ?? b.raisedAt) - (a.clearedAt ?? a.raisedAt) : a.state === 'active' ? -1 : 1));
  }

  /** One round: read, override, decide, persist, log, emit. Rounds queue behind each other. */
  round(): Promise<Decision> {
    const next = this.running.then(() => this.runRound());
    this.running = next.catch(() => undefined);
    return next;
  }

  private async runRound(): Promise<Decision> {
    const now = this.deps.now ?? Date.now;
    let readings: Reading[] = [];
    try {
      readings = await this.deps.source();
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'monitoring: reading the sources failed; judging injected readings only');
    }
    const merged = new Map<string, Reading>();
    for (const r of readings) merged.set(alertId(r.metric, r.subject), r);
    for (const [id, r] of this.overrides) merged.set(id, r);
    this.last = [...merged.values()];
    this.rounds++;
    if (this.closed) return { raised: [], cleared: [] };
    const decision = decideAlerts(this.active, this.last, this.deps.rules(), now());
    if (!decision.raised.length && !decision.cleared.length) return decision;
    const at = now();
    const raisedRows: AlertRow[] = decision.raised.map((a) => ({ ...a, state: 'active', message: MonitoringErrorCodes[a.code] }));
    const clearedRows: AlertRow[] = decision.cleared.map(({ alert, value }) => ({ ...alert, state: 'cleared', clearedAt: at, clearValue: value, message: MonitoringErrorCodes[alert.code] }));
    const { store } = this.deps;
    await store.transaction(() => {
      for (const row of raisedRows) {
        store.tables.alerts.put(row.id, row);
        store.appendEvent('alert-raised', { id: row.id, code: row.code, metric: row.metric, subject: row.subject, value: row.value, threshold: row.threshold }, at);
      }
      for (const row of clearedRows) {
        store.tables.alerts.put(row.id, row);
        store.appendEvent('alert-cleared', { id: row.id, code: row.code, metric: row.metric, subject: row.subject, value: row.clearValue }, at);
      }
    });
    for (const row of raisedRows) {
      this.active.set(row.id, row);
      this.deps.log.warn({ code: row.code, alert: row.id, value: row.value, threshold: row.threshold }, `alert raised: ${row.metric}${row.subject ? ` of ${row.subject}` : ''} at ${row.value} (limit ${row.threshold})`);
      this.emit('alert', row);
    }
    for (const row of clearedRows) {
      this.active.delete(row.id);
      this.deps.log.info({ code: row.code, alert: row.id, value: row.clearValue }, `alert cleared: ${row.metric}${row.subject ? ` of ${row.subject}` : ''} back at ${row.clearValue}`);
      this.emit('alert', row);
    }
    return decision;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }
}

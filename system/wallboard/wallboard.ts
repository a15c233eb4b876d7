// The live wallboard service (实时监控): keeps the wallboard model of the running box and tells
// listeners what changed (`delta`, numbered without gaps) as it happens. It watches the ACD's
// agent changes and queue-log rows and every call's own events (state, hold, connect,
// transfer, live quality readings, end), gathers plain facts from the ACD, the calls and the
// IVR, and leaves every decision to the pure core (wallboard-model.ts, today-counts.ts; the
// service-level time and short-abandon threshold are the reports' settings). A slow
// reconciliation tick (2 s, server side) catches what no event announces (a call entering an
// IVR flow, midnight) and sends only differences. Owns the supervisor's colour thresholds
// (LMDB config table, key `wallboard-thresholds`, written with an event row and an audit
// row). Reads the ACD, calls and IVR; never changes them.
import { EventEmitter } from 'node:events';
import type { Store } from '../store/store.ts';
import type { BoxConfig } from '../config/schema.ts';
import type { Acd } from '../acd/acd.ts';
import type { Call, LiveQuality } from '../calls/call.ts';
import type { CallManager } from '../calls/call-manager.ts';
import type { LegSide } from '../calls/sip-leg.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { DEFAULT_THRESHOLDS, thresholdProblem, type WallboardDelta, type WallboardModel, type WallboardSnapshot, type WallboardThresholds } from './wallboard-wire.ts';
import { buildModel, diffModels, type CallFacts, type WallFacts, type WaitingFact } from './wallboard-model.ts';
import { countRow, countToday, dayOf, emptyToday, type QueueLogRow, type TodayCounts } from './today-counts.ts';
import { reportSettings, type ReportsConfig } from '../reports/reports-config.ts';
import type { ReportSettings } from '../reports/figures.ts';
import { WallboardError } from './errors.ts';

export const THRESHOLDS_KEY = 'wallboard-thresholds';
const RECONCILE_MS = 2000;

export interface WallboardDeps {
  store: Store;
  config: () => BoxConfig;
  acd: Acd;
  calls: CallManager;
  /** Is this call inside an IVR flow now? */
  inIvr: (callId: string) => boolean;
  log: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

export type WallboardEvents = {
  delta: [delta: WallboardDelta];
};

interface Tracked {
  startedAt: number;
  held: Set<LegSide>;
}

export class Wallboard extends EventEmitter<WallboardEvents> {
  private model: WallboardModel;
  private seq = 0;
  private today: TodayCounts;
  /** The settings `today` was counted with. */
  private countedWith?: ReportSettings;
  private thresholds: WallboardThresholds;
  private readonly tracked = new Map<string, Tracked>();
  private scheduled = false;
  private tick?: NodeJS.Timeout;
  private closed = false;
  private readonly onAgent = () => this.schedule();
  private readonly onQueueRow = (row: Record<string, unknown>) => {
    this.today = countRow(this.today, row as unknown as QueueLogRow, this.settings(), this.deps.config().timeZone);
    this.schedule();
  };

  constructor(private readonly deps: WallboardDeps) {
    super();
    this.setMaxListeners(0); // one listener per open supervisor page
    this.thresholds = loadThresholds(deps.store);
    this.today = this.recount(Date.now());
    this.model = buildModel(this.facts(Date.now()), this.today, this.settings(), this.thresholds);
  }

  /** Start watching (calls already in progress included). */
  start(): void {
    this.deps.acd.on('agent', this.onAgent);
    this.deps.acd.on('queueEvent', this.onQueueRow);
    for (const call of this.deps.calls.calls.values()) this.track(call);
    this.tick = setInterval(() => this.schedule(), RECONCILE_MS);
    this.tick.unref();
    this.schedule();
  }

  /** Follow a new call's events (the box wires this to CallManager.onCall). */
  track(call: Call): void {
    if (this.tracked.has(call.id) || call.state === 'ended') return;
    const t: Tracked = { startedAt: Date.now(), held: new Set() };
    this.tracked.set(call.id, t);
    const changed = () => this.schedule();
    call.on('stateChanged', changed);
    call.on('connected', changed);
    call.on('transferred', changed);
    call.on('quality', changed);
    call.on('held', (side, held) => {
      if (held) t.held.add(side);
      else t.held.delete(side);
      this.schedule();
    });
    call.once('ended', () => {
      this.tracked.delete(call.id);
      this.schedule();
    });
    this.schedule();
  }

  /** The model now, and the number of the last delta it includes. */
  snapshot(): WallboardSnapshot {
    this.publish();
    return { seq: this.seq, serverTime: Date.now(), model: this.model };
  }

  /** Store new thresholds (event and audit rows in the same transaction), then push them. */
  async setThresholds(next: WallboardThresholds, by: string, source?: string): Promise<WallboardThresholds> {
    const problem = thresholdProblem(next);
    if (problem) throw new WallboardError('CC_WALLBOARD_BAD_THRESHOLDS', problem);
    const before = this.thresholds;
    const value: WallboardThresholds = structuredClone(next);
    await this.deps.store.transaction(() => {
      this.deps.store.tables.config.put(THRESHOLDS_KEY, value);
      this.deps.store.appendEvent('wallboard-thresholds-changed', { by, thresholds: value });
      appendAudit(this.deps.store, { actor: by, action: 'wallboard-thresholds', outcome: 'ok', target: THRESHOLDS_KEY, source, detail: { before, after: value } });
    });
    this.thresholds = value;
    this.publish();
    return value;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.tick);
    this.deps.acd.off('agent', this.onAgent);
    this.deps.acd.off('queueEvent', this.onQueueRow);
    this.removeAllListeners();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      try {
        this.publish();
      } catch (err) {
        this.deps.log.error({ err }, 'wallboard update failed');
      }
    });
  }

  /** Rebuild the model; tell listeners what changed, if anything. */
  private publish(): void {
    if (this.closed) return;
    const now = Date.now();
    const day = dayOf(now, this.deps.config().timeZone);
    if (day > this.today.day) this.today = emptyToday(day);
    const settings = this.settings();
    if (JSON.stringify(settings) !== JSON.stringify(this.countedWith)) this.today = this.recount(now); // the reports settings changed
    const next = buildModel(this.facts(now), this.today, settings, this.thresholds, this.model);
    const d = diffModels(this.model, next);
    this.model = next;
    if (!d) return;
    this.seq++;
    this.emit('delta', { kind: 'wallboard', seq: this.seq, ...d });
  }

  /** The report arithmetic's settings (short abandons, service-level times), from the config. */
  private settings(): ReportSettings {
    return reportSettings((this.deps.config() as { reports?: Partial<ReportsConfig> }).reports);
  }

  /** Today's counters from the queue log (rows of the last 36 hours, filtered by day). */
  private recount(now: number): TodayCounts {
    const rows = this.deps.store.tables.queueLog.getRange({ start: [now - 36 * 3600_000, 0] });
    return countToday((function* () {
      for (const { value } of rows) yield value as QueueLogRow;
    })(), now, this.countedWith = this.settings(), this.deps.config().timeZone);
  }

  /** Plain facts about the box now (the only place that reads live objects). */
  private facts(now: number): WallFacts {
    const cfg = this.deps.config();
    const acd = this.deps.acd;
    const waiting: WaitingFact[] = [];
    for (const q of cfg.queues) for (const e of acd.waiting.entries(q.name)) waiting.push({ queue: q.name, callId: e.callId, enteredAt: e.enteredAt });
    const waitingIds = new Set(waiting.map((w) => w.callId));
    const ringing = new Map<string, string>();
    for (const r of acd.agents.all()) if (r.state === 'ringing' && r.callId && !ringing.has(r.callId)) ringing.set(r.callId, r.id);
    const calls: CallFacts[] = [];
    for (const call of this.deps.calls.calls.values()) {
      const { caller, callee } = call.parties;
      const t = this.tracked.get(call.id);
      const agent = acd.waiters.get(call.id)?.agent;
      const mos = worseMos(call.liveQuality);
      calls.push({
        callId: call.id,
        state: call.state,
        caller: caller.number,
        ...(caller.kind === 'extension' ? { callerExtension: caller.id } : {}),
        dialled: call.dialled,
        startedAt: t?.startedAt ?? now,
        ...(callee ? { callee: callee.number } : {}),
        ...(callee?.kind === 'extension' ? { calleeExtension: callee.id } : {}),
        connected: call.state === 'answered' && !!call.callee,
        held: (t?.held.size ?? 0) > 0,
        inIvr: this.deps.inIvr(call.id),
        ...(call.tags.queue ? { queue: call.tags.queue } : {}),
        waiting: waitingIds.has(call.id),
        ...(ringing.has(call.id) ? { ringingAgent: ringing.get(call.id) } : {}),
        ...(agent ? { agent } : {}),
        ...(mos !== undefined ? { mos } : {}),
      });
    }
    const agents = cfg.agents.flatMap((a) => {
      const rec = acd.agents.get(a.id);
      if (!rec) return [];
      return [{
        id: a.id, name: a.name, extension: a.extension, queues: a.queues.map((m) => m.queue),
        state: rec.state, reason: rec.reason, since: rec.since, callId: rec.callId, queue: rec.queue, callsTaken: rec.callsTaken,
      }];
    });
    return { now, queues: cfg.queues.map((q) => ({ name: q.name, displayName: q.displayName })), waiting, calls, agents };
  }
}

/** The stored thresholds, or the defaults (also for any part missing from what is stored). */
export function loadThresholds(store: Store): WallboardThresholds {
  const stored = store.tables.config.get(THRESHOLDS_KEY) as Partial<WallboardThresholds> | undefined;
  const merged: WallboardThresholds = { ...structuredClone(DEFAULT_THRESHOLDS), ...(stored && typeof stored === 'object' ? stored : {}) };
  return thresholdProblem(merged) ? structuredClone(DEFAULT_THRESHOLDS) : merged;
}

/** The lower MOS of the legs that received media in a live reading; undefined without one. */
function worseMos(q: LiveQuality | undefined): number | undefined {
  const legs = q ? [q.caller, q.callee].filter((l) => l !== undefined && l.packetsReceived > 0) : [];
  return legs.length ? Math.min(...legs.map((l) => l!.mos)) : undefined;
}

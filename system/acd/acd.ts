// The ACD (自动呼叫分配): takes callers routed to a queue (a LocalService of the CallManager),
// keeps them in the waiting list, asks the pure planner (dispatch.ts) which waiting call to
// offer to which available agents, rings them through Call.offer(), and turns every outcome
// into agent transitions (AgentBook) and queue-log rows, each written in one LMDB
// transaction with the change it records. Where callers go when they leave a queue other
// than to an agent is queue-exits.ts; what they hear while waiting is queued-caller.ts.
import { EventEmitter } from 'node:events';
import type { Call } from '../calls/call.ts';
import type { LocalService } from '../calls/call-manager.ts';
import type { CalleeCandidate, CalleeOffer, CandidateFailure } from '../calls/callee-offer.ts';
import type { Cdr } from '../calls/cdr.ts';
import type { TransferInfo } from '../calls/transfer.ts';
import type { CallMember } from '../calls/call-party-mix.ts';
import type { BoxConfig, QueueConfig } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import type { PromptLibrary } from '../../media/prompt-library.ts';
import { AgentBook, type AgentRecord } from './agent-book.ts';
import { isLoggedIn } from './agent-states.ts';
import { WaitingList } from './waiting-list.ts';
import { planOffers } from './dispatch.ts';
import { rankAgents } from './strategies/index.ts';
import { agentSnapshots, queueSpecs, type Reachability } from './decision-input.ts';
import { QueuedCaller } from './queued-caller.ts';
import { estimatedWaitSec } from './announcements.ts';
import { QueueExits, type ExitDeps } from './queue-exits.ts';
import type { AcdErrorCode } from './errors.ts';

export interface AcdDeps extends Omit<ExitDeps, 'store' | 'log' | 'prompts'> {
  store: Store;
  config: () => BoxConfig;
  prompts?: PromptLibrary;
  /** Ring target for an agent's phone; undefined when it is not registered. */
  agentCandidate(agentId: string, call: Call, ringTimeoutMs: number): CalleeCandidate | undefined;
  reach: Omit<Reachability, 'cooldownUntil'>;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

/** A caller the ACD is responsible for (waiting, ringing agents, or talking to one). */
export interface Waiter {
  call: Call;
  queue: string;
  /** When the caller entered the current queue. */
  enteredAt: number;
  priority: number;
  experience: QueuedCaller;
  ringing?: { offer: CalleeOffer; startedAt: number; ranked: number; progressive?: NodeJS.Timeout };
  agent?: string;
  connectedAt?: number;
  /** Left the queue (connected, moved out, ended). */
  left: boolean;
  maxWait?: NodeJS.Timeout;
}

export type AcdEvents = {
  /** An agent's state changed (after it was persisted). */
  agent: [record: AgentRecord];
  /** A queue-log row was written. */
  queueEvent: [event: Record<string, unknown>];
};

/** How long an agent whose phone declined (busy, do not disturb) is not offered calls. */
const DECLINE_COOLDOWN_MS = 5000;
/** Re-plan at least this often (skill relaxation over time, cool-downs, registrations). */
const TICK_MS = 1000;

export class Acd extends EventEmitter<AcdEvents> implements LocalService {
  readonly agents: AgentBook;
  readonly waiting = new WaitingList();
  readonly waiters = new Map<string, Waiter>();
  private readonly rrMemory = new Map<string, string>();
  private readonly cooldown = new Map<string, number>();
  private readonly handleTimes = new Map<string, number[]>();
  private readonly exits: QueueExits;
  private planScheduled = false;
  private tick?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly deps: AcdDeps) {
    super();
    this.agents = new AgentBook(deps.store, () => deps.config().agents, () => deps.config().acd.breakReasons);
    this.agents.on('changed', (rec, from, _cause, row) => {
      this.emit('agent', rec);
      this.emit('queueEvent', row);
      if (rec.state === 'available') this.planSoon();
      if (rec.state === 'logged-out' && from !== 'logged-out') this.onAgentLeft(rec.id);
    });
    this.exits = new QueueExits(
      { store: deps.store, prompts: deps.prompts, log: deps.log, ringExtension: deps.ringExtension, ringNumber: deps.ringNumber },
      (w, queue) => this.enter(w, queue),
      (...list) => this.rows(...list),
    );
  }

  /** Load agents and repair what a crash left: no agent stays ringing or on a lost call. */
  async start(): Promise<void> {
    const report = await this.agents.load();
    const leftovers = [...this.deps.store.tables.queueCalls.getRange()];
    if (leftovers.length) {
      const now = Date.now();
      await this.deps.store.transaction(() => {
        for (const { key, value } of leftovers) {
          const row = value as { queue: string; enteredAt: number; caller?: string };
          this.deps.store.tables.queueCalls.remove(key);
          this.deps.store.appendQueueEvent('lost', { callId: key, queue: row.queue, caller: row.caller, waitMs: now - row.enteredAt, cause: 'box-restart' }, now);
        }
      });
    }
    if (report.fixed.length || leftovers.length) this.deps.log.warn({ agents: report.fixed, lostCalls: leftovers.length }, 'ACD state reconciled after restart');
    this.tick = setInterval(() => this.planSoon(), TICK_MS);
    this.tick.unref();
  }

  // ---- LocalService: callers routed to a queue ----

  admit(name: string): { ok: true } | { ok: false; status: number; reason: string } {
    if (this.closed) return { ok: false, status: 503, reason: 'Service Unavailable' };
    if (!this.queueConfig(name)) return { ok: false, status: 404, reason: 'Not Found (no such queue)' };
    return { ok: true };
  }

  take(call: Call, name: string): void {
    const caller = call.parties.caller.number;
    const customer = this.deps.store.tables.customers.get(caller) as { priority?: number } | undefined;
    const priority = call.tags.priority ?? customer?.priority ?? 0;
    const w: Waiter = { call, queue: name, enteredAt: Date.now(), priority, left: false, experience: undefined as unknown as QueuedCaller };
    w.experience = new QueuedCaller(call, this.queueConfig(name)!, {
      prompts: this.deps.prompts,
      position: () => this.waiting.position(call.id),
      estimatedWaitSec: () => this.estimate(w),
      onExitKey: () => void this.leaveByKey(w),
      log: this.deps.log,
    });
    this.waiters.set(call.id, w);
    call.once('ended', (cdr) => void this.onCallEnded(w, cdr).catch((err) => this.deps.log.error({ err, callId: call.id }, 'queue bookkeeping after call end failed')));
    void this.enter(w, name).catch((err) => {
      this.deps.log.error({ err, callId: call.id }, 'could not queue the call');
      void call.hangup({ status: 500, reason: 'queue failed', side: 'system', cause: 'failed' });
    });
  }

  /** Put a caller in a queue (on arrival, or moved there by an overflow). */
  private async enter(w: Waiter, name: string): Promise<void> {
    const q = this.queueConfig(name);
    if (!q || w.call.state !== 'answered') return;
    w.queue = name;
    w.enteredAt = Date.now();
    w.call.tags.queue = name;
    const full = q.maxLength > 0 && this.waiting.size(name) >= q.maxLength;
    const empty = !q.joinEmpty && !this.staffed(name);
    if (full || empty) return this.exits.overflow(w, q, full ? 'full' : 'empty', this.waiting.size(name) + 1);
    const caller = w.call.parties.caller.number;
    const rows = this.rows(['enter', { callId: w.call.id, queue: name, caller, priority: w.priority, position: this.waiting.size(name) + 1, ...(w.call.tags.ivr ? { ivr: w.call.tags.ivr } : {}) }]);
    await this.deps.store.transaction(() => {
      this.deps.store.tables.queueCalls.put(w.call.id, { queue: name, enteredAt: w.enteredAt, caller });
      rows.write();
    });
    rows.announce();
    if (w.call.state !== 'answered' || w.left) return;
    this.waiting.add({ callId: w.call.id, queue: name, priority: w.priority, enteredAt: w.enteredAt, ...(w.call.tags.skills?.length ? { requiredSkills: w.call.tags.skills } : {}) });
    w.experience.start(q);
    if (q.maxWaitSec > 0) {
      w.maxWait = setTimeout(() => void this.leaveWaiting(w).then((pos) => (pos ? this.exits.overflow(w, q, 'timeout', pos) : undefined)), q.maxWaitSec * 1000);
      w.maxWait.unref();
    }
    this.planSoon();
  }

  /** Take a caller out of the waiting list (stop music, cancel ringing); its position, or 0 if it was not waiting. */
  private async leaveWaiting(w: Waiter): Promise<number> {
    if (!this.waiting.has(w.call.id)) return 0;
    const position = this.waiting.position(w.call.id);
    this.waiting.remove(w.call.id);
    clearTimeout(w.maxWait);
    w.experience.stop();
    w.ringing?.offer.cancelAll();
    return position;
  }

  private async leaveByKey(w: Waiter): Promise<void> {
    const q = this.queueConfig(w.queue);
    const position = await this.leaveWaiting(w);
    if (!q || !position) return;
    await this.exits.exitKey(w, q, position);
  }

  // ---- planning and ringing ----

  private planSoon(): void {
    if (this.planScheduled || this.closed) return;
    this.planScheduled = true;
    setImmediate(() => {
      this.planScheduled = false;
      try {
        this.plan();
      } catch (err) {
        this.deps.log.error({ err }, 'ACD planning failed');
      }
    });
  }

  private plan(): void {
    if (this.waiting.size() === 0) return;
    const cfg = this.deps.config();
    const now = Date.now();
    const busyCalls = new Set<string>();
    for (const w of this.waiters.values()) if (w.ringing) busyCalls.add(w.call.id);
    const offers = planOffers({
      queues: queueSpecs(cfg),
      waiting: this.waiting,
      agents: this.snapshots(now),
      memory: this.rrMemory,
      busyCalls,
      crossQueueFairness: cfg.acd.crossQueueFairness,
      now,
      random: Math.random,
    });
    for (const o of offers) {
      const w = this.waiters.get(o.callId);
      if (w && !w.ringing && !w.left) this.ring(w, o.agentIds);
    }
  }

  private snapshots(now: number) {
    return agentSnapshots(this.deps.config(), this.agents, { ...this.deps.reach, cooldownUntil: (id) => this.cooldown.get(id) }, now);
  }

  /** Ring agents for a waiting caller: one, all (ring-all) or one more every step (ring-progressively). */
  private ring(w: Waiter, agentIds: string[]): void {
    const q = this.queueConfig(w.queue)!;
    const first = q.strategy === 'ring-all' ? agentIds : agentIds.slice(0, 1);
    const candidates = first.map((id) => this.reserve(w, id, q)).filter((c): c is CalleeCandidate => c !== undefined);
    if (!candidates.length) return;
    const offer = w.call.offer(candidates);
    if (!offer) {
      for (const c of candidates) this.release(c.key, w.call.id, 'offer-refused');
      return;
    }
    this.rrMemory.set(w.queue, agentIds[0]);
    w.ringing = { offer, startedAt: Date.now(), ranked: first.length };
    offer.on('failed', (f) => void this.onAgentFailed(w, q, f).catch((err) => this.deps.log.warn({ err }, 'no-answer handling failed')));
    if (q.strategy === 'ring-progressively') {
      w.ringing.progressive = setInterval(() => this.ringOneMore(w, q), q.progressiveStepSec * 1000);
      w.ringing.progressive.unref();
    }
    void offer.outcome.then((outcome) => {
      const ringing = w.ringing;
      clearInterval(ringing?.progressive);
      w.ringing = undefined;
      if (outcome.kind === 'answered') {
        this.releaseAllFor(w.call.id, 'not-chosen', outcome.key);
        return this.onConnected(w, q, outcome.key, ringing?.startedAt ?? Date.now());
      }
      this.releaseAllFor(w.call.id, w.call.state === 'answered' ? 'not-chosen' : 'caller-left');
      this.planSoon();
    }).catch((err) => this.deps.log.error({ err, callId: w.call.id }, 'queue offer outcome failed'));
  }

  private ringOneMore(w: Waiter, q: QueueConfig): void {
    const ringing = w.ringing;
    const entry = this.waiting.get(w.call.id);
    if (!ringing || !entry || !ringing.offer.active) return;
    const next = rankAgents(queueSpecs(this.deps.config()).get(q.name)!, entry, this.snapshots(Date.now()), { now: Date.now(), random: Math.random }, 1)[0];
    const candidate = next && this.reserve(w, next, q);
    if (candidate) ringing.offer.add(candidate);
  }

  /** Mark an agent ringing for this call (memory now, LMDB with the ring-attempt row). */
  private reserve(w: Waiter, agentId: string, q: QueueConfig): CalleeCandidate | undefined {
    const candidate = this.deps.agentCandidate(agentId, w.call, q.ringTimeoutSec * 1000);
    if (!candidate || this.agents.get(agentId)?.state !== 'available') return undefined;
    const rows = this.rows(['ring-attempt', { callId: w.call.id, queue: w.queue, agent: agentId }]);
    void this.agents.transition(agentId, 'ringing', { cause: 'offer', callId: w.call.id, queue: w.queue, alsoWrite: rows.write })
      .then(rows.announce, (err) => this.deps.log.warn({ err, agent: agentId }, 'could not mark the agent ringing'));
    return candidate;
  }

  /** An agent left ringing for `callId` goes back to available (not their fault). */
  private release(agentId: string, callId: string, cause: string): void {
    const rec = this.agents.get(agentId);
    if (rec?.state === 'ringing' && rec.callId === callId) void this.agents.transition(agentId, 'available', { cause, callId }).catch(() => undefined);
  }

  /** Every agent still ringing for `callId` (but `except`) goes back to available. */
  private releaseAllFor(callId: string, cause: string, except?: string): void {
    for (const rec of this.agents.all()) if (rec.state === 'ringing' && rec.callId === callId && rec.id !== except) this.release(rec.id, callId, cause);
  }

  /** One agent did not take the call: RONA puts them where the queue says; a decline cools them down. */
  private async onAgentFailed(w: Waiter, q: QueueConfig, f: CandidateFailure): Promise<void> {
    const rec = this.agents.get(f.key);
    if (rec?.state !== 'ringing' || rec.callId !== w.call.id) return;
    const row = { callId: w.call.id, queue: q.name, agent: f.key, status: f.status, reason: f.reason, ringMs: Date.now() - (w.ringing?.startedAt ?? Date.now()) };
    if (f.noAnswer) {
      const rows = this.rows(['no-answer', row]);
      await this.agents.noAnswer(f.key, q.afterNoAnswer, rows.write);
      return rows.announce();
    }
    if (f.status === 487) return this.release(f.key, w.call.id, 'withdrawn');
    this.cooldown.set(f.key, Date.now() + DECLINE_COOLDOWN_MS);
    const rows = this.rows(['declined', row]);
    await this.agents.transition(f.key, 'available', { cause: 'declined', callId: w.call.id, alsoWrite: rows.write });
    rows.announce();
  }

  private async onConnected(w: Waiter, q: QueueConfig, agentId: string, ringStartedAt: number): Promise<void> {
    const now = Date.now();
    const position = this.waiting.has(w.call.id) ? this.waiting.position(w.call.id) : 0;
    this.waiting.remove(w.call.id);
    clearTimeout(w.maxWait);
    w.experience.stop();
    w.left = true;
    w.agent = agentId;
    // Talk starts when the call bridged the agent (the CDR's clock), not when this bookkeeping
    // runs: recording and DTMF taps are set up in between, tens of ms on a busy box.
    w.connectedAt = w.call.calleeConnectedAtMs ?? now;
    w.call.tags.agents.push(agentId);
    w.call.on('transferred', (info) => void this.onTransferred(w, info).catch((err) => this.deps.log.warn({ err, callId: w.call.id }, 'queue bookkeeping of a transfer failed')));
    w.call.on('members', (members) => void this.onMembers(w, members).catch((err) => this.deps.log.warn({ err, callId: w.call.id }, 'queue bookkeeping of a party change failed')));
    const rows = this.rows(['connect', { callId: w.call.id, queue: q.name, agent: agentId, waitMs: now - w.enteredAt, ringMs: now - ringStartedAt, position }]);
    await this.agents.transition(agentId, 'on-call', {
      cause: 'answered', callId: w.call.id, queue: q.name,
      alsoWrite: () => {
        this.deps.store.tables.queueCalls.remove(w.call.id);
        rows.write();
      },
    });
    rows.announce();
  }

  /**
   * The agent transferred the caller on (blind or consultative): the agent's part of the call
   * is over (wrap-up starts now, a `transfer` row instead of `complete`); the call goes on
   * without the queue.
   */
  private async onTransferred(w: Waiter, info: TransferInfo): Promise<void> {
    const agent = w.agent;
    const extension = agent && this.deps.config().agents.find((a) => a.id === agent)?.extension;
    if (!agent || !w.connectedAt || info.from.kind !== 'extension' || info.from.id !== extension) return;
    const q = this.queueConfig(w.queue);
    const talkMs = Date.now() - w.connectedAt;
    const wrapUpSec = q?.wrapUpSec ?? 0;
    w.agent = undefined;
    this.remember(w.queue, talkMs + wrapUpSec * 1000);
    const rows = this.rows(['transfer', { callId: w.call.id, queue: w.queue, agent, kind: info.kind, to: info.to.number, toKind: info.to.kind, talkMs, waitMs: w.connectedAt - w.enteredAt }]);
    const rec = this.agents.get(agent);
    if (rec?.state === 'on-call' && rec.callId === w.call.id) await this.agents.afterCall(agent, w.queue, talkMs, wrapUpSec, rows.write);
    else await this.deps.store.transaction(rows.write);
    rows.announce();
  }

  /**
   * The agent left a multi-party call that goes on without them (hung up after adding a party):
   * done with it as after a transfer (a `transfer` row of kind 'conference', wrap-up from now).
   */
  private async onMembers(w: Waiter, members: readonly CallMember[]): Promise<void> {
    const agent = w.agent;
    const extension = agent && this.deps.config().agents.find((a) => a.id === agent)?.extension;
    if (!agent || !w.connectedAt || !extension || w.call.state !== 'answered') return;
    const left = members.find((m) => (m.role === 'caller' || m.role === 'callee') && m.state === 'left' && m.party.kind === 'extension' && m.party.id === extension);
    const talking = members.filter((m) => m.state === 'talking' && m.role !== 'monitor');
    if (!left || talking.length < 2) return;
    const q = this.queueConfig(w.queue);
    const talkMs = Date.now() - w.connectedAt;
    const wrapUpSec = q?.wrapUpSec ?? 0;
    w.agent = undefined;
    this.remember(w.queue, talkMs + wrapUpSec * 1000);
    const to = talking.find((m) => m.role !== 'caller') ?? talking[0];
    const rows = this.rows(['transfer', { callId: w.call.id, queue: w.queue, agent, kind: 'conference', to: to?.party.number, toKind: to?.party.kind, talkMs, waitMs: w.connectedAt - w.enteredAt }]);
    const rec = this.agents.get(agent);
    if (rec?.state === 'on-call' && rec.callId === w.call.id) await this.agents.afterCall(agent, w.queue, talkMs, wrapUpSec, rows.write);
    else await this.deps.store.transaction(rows.write);
    rows.announce();
  }

  // ---- the end of a call ----

  private async onCallEnded(w: Waiter, cdr: Cdr): Promise<void> {
    this.waiters.delete(w.call.id);
    clearTimeout(w.maxWait);
    w.experience.stop();
    clearInterval(w.ringing?.progressive);
    this.releaseAllFor(w.call.id, 'caller-left');
    const q = this.queueConfig(w.queue);
    if (w.agent && w.connectedAt) {
      const talkMs = cdr.endedAt - w.connectedAt;
      const wrapUpSec = q?.wrapUpSec ?? 0;
      this.remember(w.queue, talkMs + wrapUpSec * 1000);
      const hungUpBy = cdr.hangup.side === 'caller' ? 'caller' : cdr.hangup.side === 'callee' ? 'agent' : 'system';
      const rec = this.agents.get(w.agent);
      const row = { callId: w.call.id, queue: w.queue, agent: w.agent, talkMs, waitMs: w.connectedAt - w.enteredAt, hungUpBy, ...(cdr.holdMs ? { holdMs: cdr.holdMs } : {}) };
      const rows = this.rows(['complete', row]);
      if (rec?.state === 'on-call' && rec.callId === w.call.id) await this.agents.afterCall(w.agent, w.queue, talkMs, wrapUpSec, rows.write);
      else await this.deps.store.transaction(rows.write);
      return rows.announce();
    }
    if (w.left) return; // moved out of the queue (overflow to an extension, exit key): logged there
    const position = await this.leaveWaiting(w);
    w.left = true;
    const rows = this.rows(['abandon', { callId: w.call.id, queue: w.queue, caller: cdr.caller.number, position, waitMs: cdr.endedAt - w.enteredAt, cause: cdr.hangup.cause }]);
    await this.deps.store.transaction(() => {
      this.deps.store.tables.queueCalls.remove(w.call.id);
      rows.write();
    });
    rows.announce();
  }

  /** The last agent of a queue logged out: callers of a leave-when-empty queue move on. */
  private onAgentLeft(agentId: string): void {
    const cfg = this.deps.config();
    const queues = cfg.agents.find((a) => a.id === agentId)?.queues.map((m) => m.queue) ?? [];
    for (const name of queues) {
      const q = this.queueConfig(name);
      if (!q?.leaveWhenEmpty || this.staffed(name)) continue;
      for (const entry of [...this.waiting.entries(name)]) {
        const w = this.waiters.get(entry.callId);
        if (w) void this.leaveWaiting(w).then((pos) => (pos ? this.exits.overflow(w, q, 'empty', pos) : undefined));
      }
    }
  }

  // ---- helpers ----

  queueConfig(name: string): QueueConfig | undefined {
    return this.deps.config().queues.find((q) => q.name === name);
  }

  /** Logged-in members of a queue. */
  staffed(name: string): number {
    let n = 0;
    for (const a of this.deps.config().agents) {
      if (a.queues.some((m) => m.queue === name) && isLoggedIn(this.agents.get(a.id)?.state ?? 'logged-out')) n++;
    }
    return n;
  }

  private estimate(w: Waiter): number | undefined {
    return estimatedWaitSec(this.waiting.position(w.call.id), this.handleTimes.get(w.queue) ?? [], this.staffed(w.queue));
  }

  /** Recent handle times per queue (talk + wrap-up), for the estimated wait. */
  private remember(queue: string, handleMs: number): void {
    const list = this.handleTimes.get(queue) ?? [];
    list.push(handleMs);
    const keep = this.deps.config().acd.handleTimeSamples;
    if (list.length > keep) list.splice(0, list.length - keep);
    this.handleTimes.set(queue, list);
  }

  recentHandleTimes(queue: string): readonly number[] {
    return this.handleTimes.get(queue) ?? [];
  }

  /**
   * Queue-log rows that go into someone else's transaction: `write` (inside it) appends them,
   * `announce` (after it committed) tells listeners. Persist first, then tell.
   */
  rows(...list: [type: string, data: Record<string, unknown>][]): { write: () => void; announce: () => void } {
    const written: Record<string, unknown>[] = [];
    return {
      write: () => {
        for (const [type, data] of list) {
          const at = Date.now();
          this.deps.store.appendQueueEvent(type, data, at);
          written.push({ type, at, ...data });
        }
      },
      announce: () => {
        for (const row of written.splice(0)) this.emit('queueEvent', row);
      },
    };
  }

  close(): void {
    this.closed = true;
    clearInterval(this.tick);
    this.agents.close();
    for (const w of this.waiters.values()) {
      clearTimeout(w.maxWait);
      clearInterval(w.ringing?.progressive);
      w.experience.stop();
    }
  }
}

export type { AcdErrorCode };

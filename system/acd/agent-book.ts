// The authoritative agent states of the ACD: one record per agent in LMDB (table `agents`),
// changed only through the state table (agent-states.ts), each change written in the same
// transaction as its queue-log row. Memory is updated synchronously (so the dispatcher never
// offers one agent two calls) and `changed` is emitted once the write has committed.
// Owns the wrap-up timers and the restart reconciliation: after a crash no agent stays
// ringing or on a call that no longer exists; breaks and logins survive.
import { EventEmitter } from 'node:events';
import type { Store } from '../store/store.ts';
import type { AgentConfig } from '../config/schema.ts';
import { canAgentTransition, isBusyWithCall, type AgentState } from './agent-states.ts';
import { AcdError } from './errors.ts';
import type { AgentRecord } from './live-types.ts';

export type { AgentRecord } from './live-types.ts';

export interface TransitionOptions {
  cause: string;
  reason?: string;
  callId?: string;
  queue?: string;
  wrapUntil?: number;
  /** More rows to write in the same transaction (a queue event that goes with this change). */
  alsoWrite?: () => void;
}

export type AgentBookEvents = {
  /** After commit: the new record and the queue-log row written with it. */
  changed: [record: AgentRecord, from: AgentState, cause: string, row: Record<string, unknown>];
};

export type AgentRequest = 'login' | 'logout' | 'break' | 'ready';

export interface ReconcileReport {
  fixed: { agent: string; from: AgentState; to: AgentState; callId?: string }[];
}

export class AgentBook extends EventEmitter<AgentBookEvents> {
  private readonly records = new Map<string, AgentRecord>();
  private readonly wrapTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: Store,
    private readonly agents: () => readonly AgentConfig[],
    private readonly breakReasons: () => readonly string[],
  ) {
    super();
  }

  get(id: string): AgentRecord | undefined {
    return this.records.get(id);
  }

  all(): IterableIterator<AgentRecord> {
    return this.records.values();
  }

  /** Load every agent of the config, and repair what a crash or restart left behind. */
  async load(now = Date.now()): Promise<ReconcileReport> {
    const report: ReconcileReport = { fixed: [] };
    const configured = new Set(this.agents().map((a) => a.id));
    const writes: AgentRecord[] = [];
    for (const { key, value } of this.store.tables.agents.getRange()) {
      const rec = value as AgentRecord;
      if (!configured.has(key)) {
        if (rec.state !== 'logged-out') {
          report.fixed.push({ agent: key, from: rec.state, to: 'logged-out' });
          writes.push({ ...rec, state: 'logged-out', since: now, callId: undefined, queue: undefined, pending: undefined, wrapUntil: undefined });
        }
        continue;
      }
      this.records.set(key, { ...rec });
    }
    for (const id of configured) {
      if (!this.records.has(id)) {
        const fresh: AgentRecord = { id, state: 'logged-out', since: now, idleSince: now, callsTaken: 0, talkTimeMs: 0, missed: 0 };
        this.records.set(id, fresh);
        writes.push(fresh);
      }
    }
    for (const rec of this.records.values()) {
      const wrapOver = rec.state === 'wrap-up' && (rec.wrapUntil ?? 0) <= now;
      if (!isBusyWithCall(rec.state) && !wrapOver) continue;
      // The call it was ringing for or talking on did not survive the restart.
      const from = rec.state;
      const to = rec.pending?.state ?? 'available';
      report.fixed.push({ agent: rec.id, from, to, callId: rec.callId });
      Object.assign(rec, { state: to, reason: rec.pending?.reason, since: now, idleSince: now, callId: undefined, queue: undefined, wrapUntil: undefined, pending: undefined });
      writes.push(rec);
    }
    await this.store.transaction(() => {
      for (const rec of writes) this.store.tables.agents.put(rec.id, rec);
      for (const f of report.fixed) this.store.appendQueueEvent('agent-reconciled', { agent: f.agent, from: f.from, to: f.to, callId: f.callId }, now);
      if (report.fixed.length) this.store.appendEvent('acd-reconciled', { agents: report.fixed.length }, now);
    });
    for (const rec of this.records.values()) if (rec.state === 'wrap-up') this.armWrapUp(rec);
    return report;
  }

  /**
   * Apply one transition from the state table. Memory changes now; the returned promise
   * resolves once the record and its queue-log row are committed (then `changed` fires).
   */
  transition(id: string, to: AgentState, opts: TransitionOptions, now = Date.now()): Promise<AgentRecord> {
    const rec = this.records.get(id);
    if (!rec) return Promise.reject(new AcdError('CC_ACD_UNKNOWN_AGENT', `no agent ${id}`));
    const from = rec.state;
    if (from !== to && !canAgentTransition(from, to)) {
      return Promise.reject(new AcdError('CC_ACD_BAD_TRANSITION', `agent ${id}: ${from} -> ${to} is not allowed`));
    }
    if (from === 'logged-out' && to !== 'logged-out') Object.assign(rec, { loggedInAt: now, callsTaken: 0, talkTimeMs: 0, missed: 0, idleSince: now });
    if (to === 'available' && from !== 'ringing') rec.idleSince = now;
    rec.state = to;
    rec.since = now;
    rec.reason = to === 'break' ? opts.reason : undefined;
    if (from === 'on-call' && rec.callId) rec.lastCallId = rec.callId;
    rec.callId = to === 'ringing' || to === 'on-call' ? opts.callId : undefined;
    rec.queue = to === 'ringing' || to === 'on-call' || to === 'wrap-up' ? opts.queue : undefined;
    rec.wrapUntil = to === 'wrap-up' ? opts.wrapUntil : undefined;
    if (to === 'logged-out' || to === 'available') rec.pending = undefined;
    this.clearWrapUp(id);
    if (to === 'wrap-up') this.armWrapUp(rec);
    const snapshot = { ...rec };
    const row = { type: eventTypeFor(from, to), at: now, agent: id, from, to, cause: opts.cause, reason: opts.reason, callId: opts.callId, queue: opts.queue };
    return this.store
      .transaction(() => {
        this.store.tables.agents.put(id, snapshot);
        const { type, at, ...data } = row;
        this.store.appendQueueEvent(type, data, at);
        opts.alsoWrite?.();
      })
      .then(() => {
        this.emit('changed', snapshot, from, opts.cause, row);
        return snapshot;
      });
  }

  /**
   * An agent's own request. While ringing or on a call, break and logout wait for the call
   * (and wrap-up) to end; ready ends a break or cuts wrap-up short.
   */
  async request(id: string, action: AgentRequest, reason?: string): Promise<AgentRecord> {
    const rec = this.records.get(id);
    if (!rec) throw new AcdError('CC_ACD_UNKNOWN_AGENT', `no agent ${id}`);
    if (action === 'break' && (!reason || !this.breakReasons().includes(reason))) {
      throw new AcdError('CC_ACD_BAD_REASON', `break reason must be one of: ${this.breakReasons().join(', ')}`);
    }
    const wanted: AgentState = action === 'login' || action === 'ready' ? 'available' : action === 'break' ? 'break' : 'logged-out';
    if (action === 'login' && rec.state !== 'logged-out') return { ...rec };
    if (action === 'ready' && rec.state === 'logged-out') throw new AcdError('CC_ACD_NOT_LOGGED_IN', `agent ${id} is logged out: log in first`);
    if (isBusyWithCall(rec.state)) {
      if (wanted === 'available') {
        rec.pending = undefined;
      } else {
        rec.pending = { state: wanted as 'break' | 'logged-out', reason };
      }
      const snapshot = { ...rec };
      await this.store.transaction(() => {
        this.store.tables.agents.put(id, snapshot);
        this.store.appendQueueEvent('agent-request-pending', { agent: id, action, reason, state: rec.state });
      });
      return snapshot;
    }
    if (rec.state === wanted && (wanted !== 'break' || rec.reason === reason)) return { ...rec };
    return this.transition(id, wanted, { cause: action, reason });
  }

  /** After a call: wrap-up for `wrapUpSec`, then the pending request or available. */
  afterCall(id: string, queue: string | undefined, talkMs: number, wrapUpSec: number, alsoWrite?: () => void, now = Date.now()): Promise<AgentRecord> {
    const rec = this.records.get(id);
    if (!rec) return Promise.reject(new AcdError('CC_ACD_UNKNOWN_AGENT', `no agent ${id}`));
    rec.callsTaken++;
    rec.talkTimeMs += talkMs;
    rec.idleSince = now;
    if (wrapUpSec > 0) return this.transition(id, 'wrap-up', { cause: 'call-ended', queue, wrapUntil: now + wrapUpSec * 1000, alsoWrite }, now);
    return this.finishWork(rec, 'call-ended', alsoWrite, now);
  }

  /** No answer: the agent goes where the queue says (a 'missed-call' break by default). */
  noAnswer(id: string, to: 'break' | 'available' | 'logged-out', alsoWrite?: () => void): Promise<AgentRecord> {
    const rec = this.records.get(id);
    if (rec) rec.missed++;
    return this.transition(id, to, { cause: 'no-answer', reason: to === 'break' ? 'missed-call' : undefined, alsoWrite });
  }

  private finishWork(rec: AgentRecord, cause: string, alsoWrite?: () => void, now = Date.now()): Promise<AgentRecord> {
    const next = rec.pending;
    if (next) return this.transition(rec.id, next.state, { cause: `${cause}+pending`, reason: next.reason, alsoWrite }, now);
    return this.transition(rec.id, 'available', { cause, alsoWrite }, now);
  }

  private armWrapUp(rec: AgentRecord): void {
    this.clearWrapUp(rec.id);
    const t = setTimeout(() => {
      this.wrapTimers.delete(rec.id);
      const current = this.records.get(rec.id);
      if (current?.state === 'wrap-up') void this.finishWork(current, 'wrap-up-ended').catch(() => undefined);
    }, Math.max(0, (rec.wrapUntil ?? 0) - Date.now()));
    t.unref();
    this.wrapTimers.set(rec.id, t);
  }

  private clearWrapUp(id: string): void {
    const t = this.wrapTimers.get(id);
    if (t) clearTimeout(t);
    this.wrapTimers.delete(id);
  }

  close(): void {
    for (const t of this.wrapTimers.values()) clearTimeout(t);
    this.wrapTimers.clear();
  }
}

/** The queue-log row type of a transition (the report vocabulary). */
export function eventTypeFor(from: AgentState, to: AgentState): string {
  if (from === 'logged-out' && to !== 'logged-out') return 'agent-login';
  if (to === 'logged-out') return 'agent-logout';
  return `agent-${to}`;
}

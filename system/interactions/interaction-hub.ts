// The interactions core (全渠道互动): chats and emails as Interactions routed by the same queues
// and strategies as calls, under each agent's per-channel capacity. Owns the interaction
// records and their message logs in LMDB (tables `interactions` and `interactionMessages`,
// each change written with its event before it is acknowledged or announced), the offer
// cycle (offer -> accept / decline / timeout -> next agent), requeueing when an agent logs
// out, and the transcript search index. Channels plug in through open / addCustomerMessage
// and the 'agent-message' and 'closed' events; the routing decision itself is routing.ts.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { Database } from 'lmdb';
import type { Store } from '../store/store.ts';
import type { BoxConfig } from '../config/schema.ts';
import type { AgentBook, AgentRecord } from '../acd/agent-book.ts';
import { queueSpecs } from '../acd/decision-input.ts';
import { InteractionError } from './errors.ts';
import { interactionsConfig } from './interactions-config.ts';
import { pickAgent, type AgentLoad } from './routing.ts';
import { TextIndex } from './text-index.ts';
import type {
  ChannelCapacity,
  CustomerMessageInput,
  Interaction,
  InteractionChannel,
  InteractionCounts,
  InteractionMessage,
  OpenInteractionInput,
} from './interaction-types.ts';
import { INTERACTION_CHANNELS } from './interaction-types.ts';

export type { Interaction, InteractionMessage, OpenInteractionInput, CustomerMessageInput } from './interaction-types.ts';

export type InteractionHubEvents = {
  /** An agent wrote to the customer (after it was persisted): the channel delivers it. */
  'agent-message': [interaction: Interaction, message: InteractionMessage];
  /** The customer wrote (after it was persisted). */
  'customer-message': [interaction: Interaction, message: InteractionMessage];
  /** The interaction was closed (after it was persisted). */
  closed: [interaction: Interaction];
  /** Any change (state, agent, message) after it was persisted: live views follow this. */
  changed: [interaction: Interaction];
};

export interface InteractionHubDeps {
  store: Store;
  config: () => BoxConfig;
  /** The ACD's agent states (logged in, break, on a call). */
  agents: AgentBook;
  /** Subscribe to the ACD's agent state changes (after they were persisted). */
  onAgentChange: (fn: (record: AgentRecord) => void) => void;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
  /** Uniform [0, 1) source for the random strategy (seed it in tests). */
  random?: () => number;
}

/** The persisted record: everything but the message log (kept under [id, seq]). */
type InteractionRow = Omit<Interaction, 'messages'> & { messageCount: number };

/** Re-plan at least this often (capacity freed by calls ending, config changes). */
const TICK_MS = 2000;
/** The longest text a message may carry in any channel (chat has its own lower limit). */
const MAX_TEXT = 1_000_000;

export class InteractionHub extends EventEmitter<InteractionHubEvents> {
  /** Open (not closed) interactions, with their messages. */
  private readonly open_ = new Map<string, Interaction>();
  private readonly refs = new Map<string, string>();
  private readonly index = new TextIndex();
  private readonly offerTimers = new Map<string, NodeJS.Timeout>();
  private readonly rrMemory = new Map<string, string>();
  private readonly idleSince = new Map<string, number>();
  private readonly rows: Database<unknown, string>;
  private readonly messageLog: Database<unknown, [string, number]>;
  private planScheduled = false;
  private tick?: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly deps: InteractionHubDeps) {
    super();
    this.rows = deps.store.tables.interactions;
    this.messageLog = deps.store.tables.interactionMessages;
    deps.onAgentChange((rec) => this.onAgentChange(rec));
  }

  /** Load open interactions and build the search index; an offer a restart cut off is queued again. */
  async start(now = Date.now()): Promise<void> {
    const requeued: Interaction[] = [];
    for (const { key, value } of this.rows.getRange()) {
      const row = value as InteractionRow;
      const { messageCount: _n, ...rest } = row;
      this.index.add(key, [row.subject, row.customer?.name, row.customer?.email, row.customer?.phone].filter(Boolean).join(' '));
      if (row.externalRef) this.refs.set(row.externalRef, key);
      const messages: InteractionMessage[] = [];
      for (const { value: m } of this.messageLog.getRange({ start: [key, 0], end: [key, Number.MAX_SAFE_INTEGER] })) {
        const msg = m as InteractionMessage;
        this.index.add(key, msg.text);
        if (msg.externalRef) this.refs.set(msg.externalRef, key);
        if (row.state !== 'closed') messages.push(msg);
      }
      if (row.state === 'closed') continue;
      const ix: Interaction = { ...rest, messages };
      if (ix.state === 'offered') {
        Object.assign(ix, { state: 'queued', agent: undefined, since: undefined });
        requeued.push(ix);
      }
      this.open_.set(key, ix);
    }
    if (requeued.length) {
      await this.deps.store.transaction(() => {
        for (const ix of requeued) {
          this.rows.put(ix.id, rowOf(ix));
          this.deps.store.appendEvent('interaction-requeued', { id: ix.id, channel: ix.channel, queue: ix.queue, cause: 'box-restart' }, now);
        }
      });
      this.deps.log.warn({ interactions: requeued.length }, 'interaction offers cut by a restart were queued again');
    }
    this.tick = setInterval(() => this.planSoon(), TICK_MS);
    this.tick.unref();
    this.planSoon();
  }

  // ---- channels ----

  /** A new conversation from a customer: persisted, then routed. */
  async open(input: OpenInteractionInput): Promise<Interaction> {
    this.assertOpen();
    if (!this.deps.config().queues.some((q) => q.name === input.queue)) throw new InteractionError('CC_IX_UNKNOWN_QUEUE', `no queue ${input.queue}`);
    const text = checkText(input.firstMessage.text, input.firstMessage.html);
    const now = Date.now();
    const id = randomUUID();
    const first: InteractionMessage = { seq: 0, from: 'customer', text, html: input.firstMessage.html, externalRef: input.externalRef, at: now };
    const ix: Interaction = {
      id,
      channel: input.channel,
      queue: input.queue,
      state: 'queued',
      customer: { ...input.customer },
      subject: input.subject,
      externalRef: input.externalRef,
      createdAt: now,
      queuedAt: now,
      skipped: [],
      messages: [first],
    };
    this.open_.set(id, ix);
    if (input.externalRef) this.refs.set(input.externalRef, id);
    this.index.add(id, [input.subject, input.customer.name, input.customer.email, input.customer.phone, text].filter(Boolean).join(' '));
    await this.persist(ix, 'interaction-opened', { customer: input.customer.name ?? input.customer.email }, first);
    this.emit('customer-message', copy(ix), first);
    this.planSoon();
    return copy(ix);
  }

  /** A follow-up from the customer; on a closed interaction it reopens it (queued again) if
   *  the channel's `reopenOnReply` says so, else CC_IX_CLOSED. */
  async addCustomerMessage(id: string, msg: CustomerMessageInput): Promise<void> {
    this.assertOpen();
    const text = checkText(msg.text, msg.html);
    let ix = this.open_.get(id);
    let reopened = false;
    if (!ix) {
      const closed = this.load(id);
      if (!closed) throw new InteractionError('CC_IX_NOT_FOUND', `no interaction ${id}`);
      if (!interactionsConfig(this.deps.config().interactions).reopenOnReply[closed.channel]) throw new InteractionError('CC_IX_CLOSED', `interaction ${id} is closed`);
      ix = closed;
      Object.assign(ix, { state: 'queued', agent: undefined, since: undefined, closedAt: undefined, closedBy: undefined, queuedAt: Date.now(), skipped: [] });
      this.open_.set(id, ix);
      reopened = true;
    }
    const m: InteractionMessage = { seq: ix.messages.length, from: 'customer', text, html: msg.html, externalRef: msg.externalRef, at: Date.now() };
    ix.messages.push(m);
    if (msg.externalRef) this.refs.set(msg.externalRef, id);
    this.index.add(id, text);
    await this.persist(ix, reopened ? 'interaction-reopened' : 'interaction-customer-message', {}, m);
    this.emit('customer-message', copy(ix), m);
    if (reopened) this.planSoon();
  }

  /** The interaction whose own or one of whose messages' channel id is `ref`. */
  findByExternalRef(ref: string): Interaction | undefined {
    const id = this.refs.get(ref);
    return id === undefined ? undefined : this.get(id);
  }

  // ---- agents ----

  /** The offered agent takes it. */
  async accept(id: string, agent: string): Promise<Interaction> {
    const ix = this.mine(id, agent);
    if (ix.state !== 'offered') throw new InteractionError('CC_IX_BAD_STATE', `interaction ${id} is ${ix.state}, not offered`);
    this.clearOffer(id);
    Object.assign(ix, { state: 'active', since: Date.now() });
    await this.persist(ix, 'interaction-accepted', { agent });
    return copy(ix);
  }

  /** The offered agent declines: offered to the next agent (not to this one again while queued). */
  async decline(id: string, agent: string): Promise<Interaction> {
    const ix = this.mine(id, agent);
    if (ix.state !== 'offered') throw new InteractionError('CC_IX_BAD_STATE', `interaction ${id} is ${ix.state}, not offered`);
    await this.unoffer(ix, 'declined');
    return copy(ix);
  }

  /** The handling agent writes to the customer; the channel delivers it on 'agent-message'. */
  async reply(id: string, agent: string, msg: { text: string; html?: string }): Promise<InteractionMessage> {
    const ix = this.mine(id, agent);
    if (ix.state !== 'active') throw new InteractionError('CC_IX_BAD_STATE', `interaction ${id} is ${ix.state}: accept it first`);
    const text = checkText(msg.text, msg.html);
    const m: InteractionMessage = { seq: ix.messages.length, from: 'agent', agent, text, html: msg.html, at: Date.now() };
    ix.messages.push(m);
    this.index.add(id, text);
    await this.persist(ix, 'interaction-agent-message', { agent }, m);
    this.emit('agent-message', copy(ix), m);
    return { ...m };
  }

  /** Close it: `by` is the handling agent, 'customer' (the visitor left) or 'system'. */
  async closeInteraction(id: string, by: string): Promise<Interaction> {
    const ix = this.open_.get(id);
    if (!ix) {
      if (this.load(id)) throw new InteractionError('CC_IX_BAD_STATE', `interaction ${id} is already closed`);
      throw new InteractionError('CC_IX_NOT_FOUND', `no interaction ${id}`);
    }
    if (by !== 'customer' && by !== 'system' && ix.agent !== by) throw new InteractionError('CC_IX_NOT_YOURS', `interaction ${id} is not handled by ${by}`);
    this.clearOffer(id);
    const agent = ix.agent;
    const now = Date.now();
    Object.assign(ix, { state: 'closed', closedAt: now, closedBy: by });
    this.open_.delete(id);
    if (agent) this.idleSince.set(agent, now);
    await this.persist(ix, 'interaction-closed', { by, agent });
    this.emit('closed', copy(ix));
    this.planSoon();
    return copy(ix);
  }

  // ---- reading ----

  /** One interaction with its messages (open or closed). */
  get(id: string): Interaction | undefined {
    const ix = this.open_.get(id);
    return ix ? copy(ix) : this.load(id);
  }

  /** Open interactions, oldest first, optionally only an agent's (offered or active) or one channel's. */
  list(filter: { agent?: string; channel?: InteractionChannel } = {}): Interaction[] {
    return [...this.open_.values()]
      .filter((ix) => (filter.agent === undefined || ix.agent === filter.agent) && (filter.channel === undefined || ix.channel === filter.channel))
      .sort((a, b) => a.createdAt - b.createdAt)
      .map(copy);
  }

  /** Transcripts (open and closed) containing every word of `query`, newest first. */
  search(query: string, opts: { agent?: string; limit?: number } = {}): Interaction[] {
    const out: Interaction[] = [];
    for (const id of this.index.search(query)) {
      const ix = this.get(id);
      if (!ix) continue;
      if (opts.agent !== undefined && ix.agent !== opts.agent && !ix.messages.some((m) => m.agent === opts.agent)) continue;
      out.push(ix);
    }
    return out.sort((a, b) => b.createdAt - a.createdAt).slice(0, opts.limit ?? 50);
  }

  /** Per channel and queue: waiting, offered and active interactions and the longest wait. */
  counts(now = Date.now()): InteractionCounts[] {
    const out: InteractionCounts[] = [];
    for (const channel of INTERACTION_CHANNELS) {
      for (const q of this.deps.config().queues) {
        const c: InteractionCounts = { channel, queue: q.name, queued: 0, offered: 0, active: 0, longestWaitSec: 0 };
        for (const ix of this.open_.values()) {
          if (ix.channel !== channel || ix.queue !== q.name || ix.state === 'closed') continue;
          c[ix.state]++;
          if (ix.state !== 'active') c.longestWaitSec = Math.max(c.longestWaitSec, Math.round((now - ix.queuedAt) / 1000));
        }
        out.push(c);
      }
    }
    return out;
  }

  /** Agents the ACD must not offer calls to now: with `callsExclusive`, an agent with a chat
   *  offered or active is busy for calls ("1 call or 3 chats"); emails do not block calls. */
  agentsBusyForCalls(): Set<string> {
    const out = new Set<string>();
    if (!interactionsConfig(this.deps.config().interactions).callsExclusive) return out;
    for (const ix of this.open_.values()) if (ix.channel === 'chat' && ix.agent && (ix.state === 'offered' || ix.state === 'active')) out.add(ix.agent);
    return out;
  }

  /** Each configured agent's open interactions per channel and capacity (supervision). */
  agentLoads(): AgentLoad[] {
    return [...this.loads().values()];
  }

  // ---- routing ----

  /** Run the routing soon (coalesced). */
  planSoon(): void {
    if (this.planScheduled || this.closed) return;
    this.planScheduled = true;
    setImmediate(() => {
      this.planScheduled = false;
      if (!this.closed) this.plan();
    });
  }

  private plan(now = Date.now()): void {
    const cfg = this.deps.config();
    const ixCfg = interactionsConfig(cfg.interactions);
    const queued = [...this.open_.values()].filter((ix) => ix.state === 'queued').sort((a, b) => a.queuedAt - b.queuedAt);
    if (queued.length === 0) return;
    const loads = this.loads();
    const specs = queueSpecs(cfg);
    for (const ix of queued) {
      const spec = specs.get(ix.queue);
      if (!spec) continue;
      const agent = pickAgent(spec, ix, loads, { callsExclusive: ixCfg.callsExclusive }, { now, random: this.deps.random ?? Math.random, lastOffered: this.rrMemory.get(ix.queue) });
      if (!agent) continue;
      const load = loads.get(agent)!;
      loads.set(agent, { ...load, open: { ...load.open, [ix.channel]: load.open[ix.channel] + 1 } });
      this.rrMemory.set(ix.queue, agent);
      this.offer(ix, agent, ixCfg.offerTimeoutSec * 1000);
    }
  }

  private offer(ix: Interaction, agent: string, timeoutMs: number): void {
    Object.assign(ix, { state: 'offered', agent, since: Date.now() });
    const t = setTimeout(() => {
      this.offerTimers.delete(ix.id);
      if (ix.state === 'offered' && ix.agent === agent) void this.unoffer(ix, 'timeout').catch((err) => this.deps.log.error({ err, id: ix.id }, 'interaction offer timeout failed'));
    }, timeoutMs);
    t.unref();
    this.offerTimers.set(ix.id, t);
    void this.persist(ix, 'interaction-offered', { agent }).catch((err) => this.deps.log.error({ err, id: ix.id }, 'interaction offer not persisted'));
  }

  /** Take an offer back (declined, timed out, agent gone) and route it again. */
  private async unoffer(ix: Interaction, cause: string): Promise<void> {
    this.clearOffer(ix.id);
    const agent = ix.agent!;
    if (!ix.skipped.includes(agent)) ix.skipped.push(agent);
    Object.assign(ix, { state: 'queued', agent: undefined, since: undefined });
    await this.persist(ix, 'interaction-requeued', { agent, cause });
    this.planSoon();
  }

  private onAgentChange(rec: AgentRecord): void {
    if (this.closed) return;
    if (rec.state === 'logged-out' || rec.state === 'break') {
      for (const ix of this.open_.values()) {
        if (ix.agent !== rec.id) continue;
        // A break keeps the chats the agent is in; logging out hands them all back.
        if (ix.state === 'offered' || (ix.state === 'active' && rec.state === 'logged-out')) {
          void this.unoffer(ix, rec.state === 'logged-out' ? 'agent-logged-out' : 'agent-break').catch((err) => this.deps.log.error({ err, id: ix.id }, 'requeue failed'));
        }
      }
    }
    this.planSoon();
  }

  private loads(): Map<string, AgentLoad> {
    const cfg = this.deps.config();
    const ixCfg = interactionsConfig(cfg.interactions);
    const overrides = new Map(ixCfg.agents.map((a) => [a.agent, a]));
    const open = new Map<string, Record<InteractionChannel, number>>();
    for (const ix of this.open_.values()) {
      if (!ix.agent || (ix.state !== 'offered' && ix.state !== 'active')) continue;
      const o = open.get(ix.agent) ?? { chat: 0, email: 0 };
      o[ix.channel]++;
      open.set(ix.agent, o);
    }
    const out = new Map<string, AgentLoad>();
    for (const a of cfg.agents) {
      const rec = this.deps.agents.get(a.id);
      const o = overrides.get(a.id);
      const capacity: ChannelCapacity = { calls: o?.calls ?? ixCfg.capacity.calls, chats: o?.chats ?? ixCfg.capacity.chats, emails: o?.emails ?? ixCfg.capacity.emails };
      out.set(a.id, {
        id: a.id,
        state: rec?.state ?? 'logged-out',
        open: open.get(a.id) ?? { chat: 0, email: 0 },
        capacity,
        idleSince: Math.max(this.idleSince.get(a.id) ?? 0, rec?.idleSince ?? 0),
        skills: a.skills,
      });
    }
    return out;
  }

  // ---- helpers ----

  private mine(id: string, agent: string): Interaction {
    const ix = this.open_.get(id);
    if (!ix) {
      if (this.load(id)) throw new InteractionError('CC_IX_BAD_STATE', `interaction ${id} is closed`);
      throw new InteractionError('CC_IX_NOT_FOUND', `no interaction ${id}`);
    }
    if (ix.agent !== agent) throw new InteractionError('CC_IX_NOT_YOURS', `interaction ${id} is not offered to or handled by ${agent}`);
    return ix;
  }

  private load(id: string): Interaction | undefined {
    const row = this.rows.get(id) as InteractionRow | undefined;
    if (!row) return undefined;
    const { messageCount: _n, ...rest } = row;
    const messages = [...this.messageLog.getRange({ start: [id, 0], end: [id, Number.MAX_SAFE_INTEGER] })].map(({ value }) => value as InteractionMessage);
    return { ...rest, skipped: [...(rest.skipped ?? [])], messages };
  }

  /** The record (and a new message) with its event in one transaction; 'changed' after commit. */
  private async persist(ix: Interaction, event: string, data: Record<string, unknown>, message?: InteractionMessage): Promise<void> {
    const row = rowOf(ix);
    await this.deps.store.transaction(() => {
      this.rows.put(ix.id, row);
      if (message) this.messageLog.put([ix.id, message.seq], message);
      this.deps.store.appendEvent(event, { id: ix.id, channel: ix.channel, queue: ix.queue, state: row.state, ...data });
    });
    this.emit('changed', copy(ix));
  }

  private clearOffer(id: string): void {
    const t = this.offerTimers.get(id);
    if (t) clearTimeout(t);
    this.offerTimers.delete(id);
  }

  private assertOpen(): void {
    if (this.closed) throw new InteractionError('CC_IX_BAD_STATE', 'the interactions hub is shut down');
  }

  close(): void {
    this.closed = true;
    if (this.tick) clearInterval(this.tick);
    for (const t of this.offerTimers.values()) clearTimeout(t);
    this.offerTimers.clear();
  }
}

function rowOf(ix: Interaction): InteractionRow {
  const { messages, ...rest } = ix;
  return { ...structuredClone(rest), messageCount: messages.length };
}

function copy(ix: Interaction): Interaction {
  return structuredClone(ix);
}

function checkText(text: string, html?: string): string {
  const t = typeof text === 'string' ? text.trim() : '';
  if (!t && !html) throw new InteractionError('CC_IX_EMPTY', 'a message needs some text');
  if (t.length > MAX_TEXT || (html?.length ?? 0) > MAX_TEXT) throw new InteractionError('CC_IX_TOO_LONG', 'the message is too long');
  return t;
}

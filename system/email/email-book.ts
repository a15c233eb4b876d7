// The email channel's durable state in LMDB (tables `emails` and `emailDeliveries`): each
// message in or out (`msg:<id>`), the Message-ID index threading reads (`mid:<id>` -> thread
// ref), the threads (`thread:<EM-ref>`: queue, box address, customer, last message ids), and
// the delivery log of replies. Writes happen in one transaction with their event row; the
// caller answers SMTP or HTTP only after the write has committed.
import type { Store } from '../store/store.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { ThreadRef } from './threading.ts';

export interface AttachmentRow {
  filename: string;
  contentType: string;
  size: number;
  /** Where it was kept (relative to the data dir), or absent when only the raw message has it. */
  path?: string;
  /** Why it was not kept: 'too-large' | 'too-many'. */
  skipped?: 'too-large' | 'too-many';
}

export interface EmailRow {
  id: string;
  direction: 'in' | 'out';
  thread: ThreadRef;
  messageId: string;
  inReplyTo?: string;
  references: string[];
  from: string;
  fromName?: string;
  to: string[];
  subject: string;
  text: string;
  html?: string;
  at: number;
  /** The raw message, relative to the data dir (inbound). */
  rawPath?: string;
  size: number;
  attachments: AttachmentRow[];
  /** Inbound: stored (not yet handed to the interactions hub) or routed. Outbound: the delivery id. */
  state?: 'stored' | 'routed';
  interactionId?: string;
  deliveryId?: string;
  /** The client that delivered it (inbound). */
  remote?: string;
}

export interface ThreadRow {
  ref: ThreadRef;
  queue: string;
  /** The box address the customer wrote to (replies come from it). */
  address: string;
  customer: { email: string; name?: string };
  subject: string;
  interactionId?: string;
  /** Message-ID of the newest message in the thread (replies answer it) and the chain before it. */
  lastMessageId?: string;
  references: string[];
  createdAt: number;
  messages: string[];
}

export type DeliveryState = 'pending' | 'sent' | 'failed';

export interface DeliveryRow {
  id: string;
  emailId: string;
  interactionId: string;
  thread: ThreadRef;
  agent?: string;
  to: string;
  subject: string;
  messageId: string;
  state: DeliveryState;
  attempts: number;
  /** When the next attempt is due (pending). */
  nextAt?: number;
  lastError?: string;
  code?: string;
  createdAt: number;
  sentAt?: number;
  failedAt?: number;
  /** The relay's answer to the accepted message. */
  response?: string;
}

export class EmailBook {
  constructor(private readonly store: Store) {}

  private get t() {
    return this.store.tables.emails;
  }

  threadOfMessage(messageId: string): ThreadRef | undefined {
    return messageId ? (this.t.get(`mid:${messageId}`) as ThreadRef | undefined) : undefined;
  }

  thread(ref: ThreadRef): ThreadRow | undefined {
    return this.t.get(`thread:${ref}`) as ThreadRow | undefined;
  }

  message(id: string): EmailRow | undefined {
    return this.t.get(`msg:${id}`) as EmailRow | undefined;
  }

  /** Threads by interaction id (a scan: threads are few per box compared with LMDB's speed). */
  threadOfInteraction(interactionId: string): ThreadRow | undefined {
    for (const { value } of this.t.getRange({ start: 'thread:', end: 'thread;' })) {
      if ((value as ThreadRow).interactionId === interactionId) return value as ThreadRow;
    }
    return undefined;
  }

  /** Inbound messages stored but not yet routed (after a crash or a hub failure), oldest first. */
  unrouted(): EmailRow[] {
    const rows: EmailRow[] = [];
    for (const { value } of this.t.getRange({ start: 'msg:', end: 'msg;' })) {
      const r = value as EmailRow;
      if (r.direction === 'in' && r.state === 'stored') rows.push(r);
    }
    return rows.sort((a, b) => a.at - b.at);
  }

  /** Record an inbound message and its thread (new or updated) in one transaction. */
  async saveInbound(row: EmailRow, thread: ThreadRow, matchedBy: string | undefined): Promise<void> {
    await this.store.transaction(() => {
      this.t.put(`msg:${row.id}`, row);
      if (row.messageId) this.t.put(`mid:${row.messageId}`, thread.ref);
      this.t.put(`thread:${thread.ref}`, thread);
      this.store.appendEvent('email-received', { emailId: row.id, thread: thread.ref, queue: thread.queue, from: row.from, to: row.to, size: row.size, matchedBy: matchedBy ?? 'new-thread', remote: row.remote });
    });
  }

  /** Mark an inbound message handed to the hub, with its interaction. */
  async markRouted(emailId: string, ref: ThreadRef, interactionId: string): Promise<void> {
    await this.store.transaction(() => {
      const row = this.message(emailId);
      if (row) this.t.put(`msg:${emailId}`, { ...row, state: 'routed', interactionId });
      const th = this.thread(ref);
      if (th) this.t.put(`thread:${ref}`, { ...th, interactionId });
      this.store.appendEvent('email-routed', { emailId, thread: ref, interactionId });
    });
  }

  /** Record an agent's reply and its pending delivery together (the thread's newest message becomes the reply). */
  async saveOutbound(row: EmailRow, delivery: DeliveryRow): Promise<void> {
    await this.store.transaction(() => {
      this.t.put(`msg:${row.id}`, row);
      this.t.put(`mid:${row.messageId}`, row.thread);
      const th = this.thread(row.thread);
      if (th) this.t.put(`thread:${th.ref}`, { ...th, lastMessageId: row.messageId, references: row.references, messages: [...th.messages, row.id].slice(-1000) });
      this.store.tables.emailDeliveries.put(delivery.id, delivery);
      this.store.appendEvent('email-reply-queued', { emailId: row.id, deliveryId: delivery.id, thread: row.thread, interactionId: delivery.interactionId, agent: delivery.agent });
      appendAudit(this.store, { actor: delivery.agent ?? 'system', action: 'email-reply', outcome: 'ok', target: delivery.interactionId, detail: { deliveryId: delivery.id, to: delivery.to, thread: row.thread } });
    });
  }

  delivery(id: string): DeliveryRow | undefined {
    return this.store.tables.emailDeliveries.get(id) as DeliveryRow | undefined;
  }

  deliveries(filter: (d: DeliveryRow) => boolean = () => true): DeliveryRow[] {
    const out: DeliveryRow[] = [];
    for (const { value } of this.store.tables.emailDeliveries.getRange()) if (filter(value as DeliveryRow)) out.push(value as DeliveryRow);
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Write a delivery's new state with its event (and an audit row when it is given up). */
  async updateDelivery(next: DeliveryRow): Promise<void> {
    await this.store.transaction(() => {
      this.store.tables.emailDeliveries.put(next.id, next);
      this.store.appendEvent(`email-delivery-${next.state === 'pending' ? 'retry' : next.state}`, { deliveryId: next.id, interactionId: next.interactionId, attempts: next.attempts, code: next.code, error: next.lastError });
      if (next.state === 'failed') {
        appendAudit(this.store, { actor: 'system', action: 'email-delivery-failed', outcome: 'failed', target: next.interactionId, detail: { deliveryId: next.id, to: next.to, attempts: next.attempts, code: next.code, error: next.lastError } });
      }
    });
  }
}

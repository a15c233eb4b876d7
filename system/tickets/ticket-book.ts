// Tickets in LMDB (工单): table `tickets` (id T-000123 -> the ticket), `ticket-log` ([id, seq]
// -> one history row: creation, a state step, an assignment, a priority or text edit, a
// comment, an SLA breach) and `ticket-deliveries` (the outbound webhook queue and its log).
// Every change is one transaction holding the ticket, its history row, the event row, the
// audit row and one webhook delivery per configured receiver, so what a receiver is told
// and what the box shows cannot drift apart, and a restart loses no delivery ("persist
// before you acknowledge"). Checks run inside the write transaction. After the commit the
// change is announced (`change` event) for the live WebSocket and the delivery worker.
// Decisions are the pure modules beside this one (ticket-states.ts, sla.ts).
import { EventEmitter } from 'node:events';
import { appendAudit } from '../audit/audit-log.ts';
import type { Store } from '../store/store.ts';
import { TicketError } from './errors.ts';
import { checkTransition, clockRuns, type TicketActor, type TicketState } from './ticket-states.ts';
import { dueAt, isBreached, rebudget, remainingMs, setRunning, startClock, usedMs, type SlaClock } from './sla.ts';
import type { TicketsConfig } from './tickets-config.ts';

export type TicketPriority = 'low' | 'normal' | 'high' | 'urgent';
export const TICKET_PRIORITIES: readonly TicketPriority[] = ['low', 'normal', 'high', 'urgent'];
export type SourceKind = 'call' | 'chat' | 'email' | 'manual';

export interface Ticket {
  id: string;
  subject: string;
  description: string;
  /** The customer: phone number (links to the customer record and call history) and/or name. */
  customer: { number?: string; name?: string };
  /** The interaction it came from: a call id, a chat or email id (system/interactions), or none. */
  source: { kind: SourceKind; id?: string };
  department?: string;
  /** A box user name. */
  assignee?: string;
  state: TicketState;
  priority: TicketPriority;
  sla: SlaClock;
  breached: boolean;
  breachedAt?: number;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
  resolvedAt?: number;
  closedAt?: number;
  /** The external system's own reference, when its status update gave one. */
  externalRef?: string;
  comments: number;
  /** History rows written so far (the next row's seq). */
  seq: number;
}

export type HistoryKind = 'created' | 'state' | 'assigned' | 'priority' | 'edited' | 'comment' | 'sla-breached';

export interface TicketHistoryRow {
  ticketId: string;
  seq: number;
  at: number;
  by: string;
  kind: HistoryKind;
  from?: unknown;
  to?: unknown;
  /** A comment's text, or a state step's note. */
  text?: string;
}

/** A ticket as the API shows it: with its SLA clock read now. */
export interface TicketView extends Omit<Ticket, 'sla'> {
  sla: { budgetMs: number; usedMs: number; remainingMs: number; running: boolean; dueAt?: number };
}

export interface TicketDelivery {
  id: string;
  ticketId: string;
  event: string;
  url: string;
  /** The exact JSON text POSTed (what the signature covers). */
  body: string;
  createdAt: number;
  state: 'pending' | 'delivered' | 'failed';
  nextAt: number;
  attempts: { at: number; status?: number; error?: string; ms: number }[];
}

export interface Actor {
  username: string;
  role: TicketActor;
  source?: string;
}

export interface NewTicket {
  subject: string;
  description?: string;
  customer?: { number?: string; name?: string };
  source?: { kind: SourceKind; id?: string };
  department?: string;
  assignee?: string;
  priority?: TicketPriority;
}

export interface TicketFilter {
  state?: TicketState;
  priority?: TicketPriority;
  assignee?: string;
  department?: string;
  customer?: string;
  /** Words in the id, subject, description or customer name. */
  q?: string;
  breached?: boolean;
  limit?: number;
}

export interface TicketChange {
  ticket: TicketView;
  row: TicketHistoryRow;
  /** The assignee before the change (a re-assignment notifies the new one). */
  previousAssignee?: string;
}

const NEXT_ID_KEY = 'tickets:next-id';
const MIN = 60_000;

export function ticketView(t: Ticket, now = Date.now()): TicketView {
  const due = dueAt(t.sla, now);
  return {
    ...t,
    sla: { budgetMs: t.sla.budgetMs, usedMs: usedMs(t.sla, now), remainingMs: remainingMs(t.sla, now), running: t.sla.runningSince !== undefined, ...(due !== undefined ? { dueAt: due } : {}) },
  };
}

export class TicketBook extends EventEmitter<{ change: [TicketChange] }> {
  private deliverySeq = 0;

  constructor(private readonly store: Store, private readonly config: () => TicketsConfig) {
    super();
  }

  private get t() {
    return this.store.tables;
  }

  get(id: string, now = Date.now()): TicketView {
    const t = this.t.tickets.get(id) as Ticket | undefined;
    if (!t) throw new TicketError('CC_TICKET_NOT_FOUND', `no ticket ${id}`);
    return ticketView(t, now);
  }

  history(id: string): TicketHistoryRow[] {
    const out: TicketHistoryRow[] = [];
    for (const { value } of this.t.ticketLog.getRange({ start: [id, 0], end: [id, Number.MAX_SAFE_INTEGER] })) out.push(value as TicketHistoryRow);
    return out;
  }

  /** Tickets matching the filter, newest first. A scan of the table (an appliance keeps thousands, not millions, of open tickets). */
  list(f: TicketFilter = {}, now = Date.now()): TicketView[] {
    const words = f.q?.toLowerCase().split(/\s+/).filter(Boolean) ?? [];
    const out: Ticket[] = [];
    for (const { value } of this.t.tickets.getRange({})) {
      const t = value as Ticket;
      if (f.state && t.state !== f.state) continue;
      if (f.priority && t.priority !== f.priority) continue;
      if (f.assignee !== undefined && (t.assignee ?? '') !== f.assignee) continue;
      if (f.department !== undefined && (t.department ?? '') !== f.department) continue;
      if (f.customer && t.customer.number !== f.customer) continue;
      if (f.breached !== undefined && t.breached !== f.breached) continue;
      if (words.length) {
        const hay = `${t.id} ${t.subject} ${t.description} ${t.customer.name ?? ''} ${t.customer.number ?? ''}`.toLowerCase();
        if (!words.every((w) => hay.includes(w))) continue;
      }
      out.push(t);
    }
    out.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    return out.slice(0, f.limit ?? 200).map((t) => ticketView(t, now));
  }

  /** Webhook deliveries, newest first (optionally of one ticket). */
  deliveries(o: { ticketId?: string; limit?: number } = {}): TicketDelivery[] {
    const out: TicketDelivery[] = [];
    for (const { value } of this.t.ticketDeliveries.getRange({ reverse: true })) {
      const d = value as TicketDelivery;
      if (o.ticketId && d.ticketId !== o.ticketId) continue;
      out.push(d);
      if (out.length >= (o.limit ?? 100)) break;
    }
    return out;
  }

  budgetMs(p: TicketPriority): number {
    return this.config().slaMinutes[p] * MIN;
  }

  private checkDepartment(d: string | undefined): void {
    const list = this.config().departments;
    if (d && list.length && !list.includes(d)) throw new TicketError('CC_TICKET_INVALID', `department: no department ${d} (configured: ${list.join(', ')})`);
  }

  async create(n: NewTicket, by: Actor, now = Date.now()): Promise<TicketView> {
    if (!n.subject.trim()) throw new TicketError('CC_TICKET_INVALID', 'subject: must not be empty');
    this.checkDepartment(n.department);
    const priority = n.priority ?? 'normal';
    const change = await this.store.transaction(() => {
      const next = ((this.t.config.get(NEXT_ID_KEY) as number | undefined) ?? 1);
      const id = `T-${String(next).padStart(6, '0')}`;
      this.t.config.put(NEXT_ID_KEY, next + 1);
      const number = n.customer?.number || undefined;
      const known = number ? (this.t.customers.get(number) as { name?: string } | undefined) : undefined;
      const name = n.customer?.name || known?.name || undefined;
      const t: Ticket = {
        id, subject: n.subject.trim(), description: n.description ?? '',
        customer: { ...(number ? { number } : {}), ...(name ? { name } : {}) },
        source: n.source ?? { kind: 'manual' },
        ...(n.department ? { department: n.department } : {}),
        ...(n.assignee ? { assignee: n.assignee } : {}),
        state: 'new', priority, sla: startClock(this.budgetMs(priority), now), breached: false,
        createdAt: now, createdBy: by.username, updatedAt: now, updatedBy: by.username, comments: 0, seq: 0,
      };
      return this.write(t, { kind: 'created', to: { state: t.state, priority, assignee: t.assignee, department: t.department, source: t.source } }, by, now, 'ticket.created');
    });
    this.emit('change', change);
    return change.ticket;
  }

  /**
   * Move a ticket to `to`. Already there: nothing is written (`changed: false`), so an
   * external system may send the same update again. A step the table does not allow, or not
   * for this actor, is refused.
   */
  async setState(id: string, to: TicketState, by: Actor, o: { note?: string; externalRef?: string } = {}, now = Date.now()): Promise<{ ticket: TicketView; changed: boolean }> {
    const change = await this.store.transaction(() => {
      const t = this.load(id);
      const check = checkTransition(t.state, to, by.role);
      if (check === 'same') return undefined;
      if (check === 'not-allowed') throw new TicketError('CC_TICKET_BAD_TRANSITION', `a ticket cannot go from ${t.state} to ${to}`);
      if (check === 'forbidden') throw new TicketError('CC_TICKET_FORBIDDEN', `${by.role} may not move a ticket from ${t.state} to ${to}`);
      const from = t.state;
      const next: Ticket = {
        ...t, state: to, sla: setRunning(t.sla, clockRuns(to), now),
        ...(to === 'resolved' ? { resolvedAt: now } : {}),
        ...(to === 'closed' ? { closedAt: now } : {}),
        ...(o.externalRef ? { externalRef: o.externalRef } : {}),
      };
      return this.write(next, { kind: 'state', from, to, ...(o.note ? { text: o.note } : {}) }, by, now, 'ticket.updated');
    });
    if (!change) return { ticket: this.get(id, now), changed: false };
    this.emit('change', change);
    return { ticket: change.ticket, changed: true };
  }

  /** Assign (department and/or person; '' clears one). */
  async assign(id: string, a: { department?: string; assignee?: string }, by: Actor, now = Date.now()): Promise<TicketView> {
    this.checkDepartment(a.department);
    return this.edit(id, by, now, (t) => {
      const from = { department: t.department, assignee: t.assignee };
      const department = a.department === undefined ? t.department : a.department || undefined;
      const assignee = a.assignee === undefined ? t.assignee : a.assignee || undefined;
      if (department === t.department && assignee === t.assignee) return undefined;
      const { department: _d, assignee: _a, ...rest } = t;
      return [{ ...rest, ...(department ? { department } : {}), ...(assignee ? { assignee } : {}) }, { kind: 'assigned', from, to: { department, assignee } }];
    });
  }

  /** A new priority: the SLA budget follows it; the time used so far stays used. */
  async setPriority(id: string, priority: TicketPriority, by: Actor, now = Date.now()): Promise<TicketView> {
    return this.edit(id, by, now, (t) => (t.priority === priority ? undefined : [{ ...t, priority, sla: rebudget(t.sla, this.budgetMs(priority)) }, { kind: 'priority', from: t.priority, to: priority }]));
  }

  async editText(id: string, e: { subject?: string; description?: string }, by: Actor, now = Date.now()): Promise<TicketView> {
    if (e.subject !== undefined && !e.subject.trim()) throw new TicketError('CC_TICKET_INVALID', 'subject: must not be empty');
    return this.edit(id, by, now, (t) => {
      const subject = e.subject?.trim() ?? t.subject;
      const description = e.description ?? t.description;
      if (subject === t.subject && description === t.description) return undefined;
      return [{ ...t, subject, description }, { kind: 'edited', from: { subject: t.subject, description: t.description }, to: { subject, description } }];
    });
  }

  async comment(id: string, text: string, by: Actor, now = Date.now()): Promise<TicketHistoryRow> {
    if (!text.trim()) throw new TicketError('CC_TICKET_INVALID', 'text: must not be empty');
    const change = await this.store.transaction(() => {
      const t = this.load(id);
      return this.write({ ...t, comments: t.comments + 1 }, { kind: 'comment', text: text.trim() }, by, now, 'ticket.commented');
    });
    this.emit('change', change);
    return change.row;
  }

  /** Mark every open ticket whose SLA budget ran out (once each); returns their ids. */
  async markBreaches(now = Date.now()): Promise<string[]> {
    const due: string[] = [];
    for (const { value } of this.t.tickets.getRange({})) {
      const t = value as Ticket;
      if (!t.breached && isBreached(t.sla, now)) due.push(t.id);
    }
    const marked: string[] = [];
    for (const id of due) {
      const change = await this.store.transaction(() => {
        const t = this.load(id);
        if (t.breached || !isBreached(t.sla, now)) return undefined;
        return this.write({ ...t, breached: true, breachedAt: now }, { kind: 'sla-breached', to: { budgetMs: t.sla.budgetMs, usedMs: usedMs(t.sla, now) } }, { username: 'system', role: 'api' }, now, 'ticket.sla-breached');
      });
      if (change) {
        marked.push(id);
        this.emit('change', change);
      }
    }
    return marked;
  }

  private load(id: string): Ticket {
    const t = this.t.tickets.get(id) as Ticket | undefined;
    if (!t) throw new TicketError('CC_TICKET_NOT_FOUND', `no ticket ${id}`);
    return t;
  }

  private async edit(id: string, by: Actor, now: number, fn: (t: Ticket) => [Ticket, Omit<TicketHistoryRow, 'ticketId' | 'seq' | 'at' | 'by'>] | undefined): Promise<TicketView> {
    const change = await this.store.transaction(() => {
      const t = this.load(id);
      const r = fn(t);
      return r ? this.write(r[0], r[1], by, now, 'ticket.updated', t.assignee) : undefined;
    });
    if (!change) return this.get(id, now);
    this.emit('change', change);
    return change.ticket;
  }

  /** Inside a transaction: the ticket, its history row, the event, the audit row and the webhook deliveries. */
  private write(t: Ticket, r: Omit<TicketHistoryRow, 'ticketId' | 'seq' | 'at' | 'by'>, by: Actor, now: number, event: string, previousAssignee?: string): TicketChange {
    const row: TicketHistoryRow = { ticketId: t.id, seq: t.seq, at: now, by: by.username, ...r };
    const next: Ticket = { ...t, seq: t.seq + 1, updatedAt: now, updatedBy: by.username };
    this.t.tickets.put(next.id, next);
    this.t.ticketLog.put([next.id, row.seq], row);
    this.store.appendEvent(event, { ticketId: next.id, kind: row.kind, by: by.username }, now);
    appendAudit(this.store, { actor: by.username, action: `ticket-${row.kind}`, outcome: 'ok', target: next.id, source: by.source, detail: { from: row.from, to: row.to } }, now);
    const view = ticketView(next, now);
    const cfg = this.config();
    cfg.webhooks.forEach((w, i) => {
      const id = `${String(now).padStart(15, '0')}-${String(this.deliverySeq++ % 1e6).padStart(6, '0')}-${i}`;
      const body = JSON.stringify({ event, deliveryId: id, at: now, by: by.username, ticket: view, change: row });
      const d: TicketDelivery = { id, ticketId: next.id, event, url: w.url, body, createdAt: now, state: 'pending', nextAt: now, attempts: [] };
      this.t.ticketDeliveries.put(id, d);
    });
    return { ticket: view, row, ...(previousAssignee !== undefined ? { previousAssignee } : {}) };
  }
}

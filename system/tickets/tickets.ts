// The ticket service the box runs (工单): the ticket book, the webhook worker (kicked after
// each committed change) and the SLA breach check (every `breachCheckSec`), plus the live
// notices for the WebSocket: an agent hears of tickets assigned to them (and changes to
// them); supervisors and admins hear of every change.
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { TicketBook, type TicketChange } from './ticket-book.ts';
import { ticketsConfig, type TicketsConfig } from './tickets-config.ts';
import { TicketWebhooks } from './webhook-worker.ts';

/** The WebSocket message: `assignedToYou` when someone else's change gave the ticket to the listener. */
export interface TicketNotice {
  kind: 'ticket';
  change: TicketChange['row'];
  ticket: TicketChange['ticket'];
  assignedToYou: boolean;
}

export class TicketService {
  readonly book: TicketBook;
  readonly webhooks: TicketWebhooks;
  private timer?: NodeJS.Timeout;

  constructor(private readonly deps: { store: Store; config: () => TicketsConfig | undefined; log: Logger }) {
    const config = () => ticketsConfig(deps.config());
    this.book = new TicketBook(deps.store, config);
    this.webhooks = new TicketWebhooks({ store: deps.store, config, log: deps.log });
    this.book.on('change', () => this.webhooks.kick());
  }

  start(): void {
    this.webhooks.start();
    const every = ticketsConfig(this.deps.config()).breachCheckSec * 1000;
    this.timer = setInterval(() => {
      this.book.markBreaches().catch((err) => this.deps.log.error({ err }, 'ticket SLA check failed'));
    }, every);
    this.timer.unref?.();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.webhooks.close();
  }

  /** Send `user` the notices meant for them; returns the unsubscribe function. */
  subscribe(user: { username: string; role: string }, send: (msg: TicketNotice) => void): () => void {
    const staff = user.role === 'admin' || user.role === 'supervisor';
    const on = (c: TicketChange) => {
      const assignedToYou = c.ticket.assignee === user.username && c.row.by !== user.username && (c.row.kind === 'created' || (c.row.kind === 'assigned' && c.previousAssignee !== user.username));
      if (staff || c.ticket.assignee === user.username) send({ kind: 'ticket', change: c.row, ticket: c.ticket, assignedToYou });
    };
    this.book.on('change', on);
    return () => void this.book.off('change', on);
  }
}

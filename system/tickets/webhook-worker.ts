// The outbound webhook worker: POSTs each pending ticket delivery (ticket-deliveries table)
// to its receiver, signed (webhook-signature.ts), and records every attempt on the delivery
// in LMDB. A 2xx answer delivers it; anything else (an error status, a refused connection, a
// timeout) is a failed attempt, retried after an exponential back-off until the configured
// attempts are used up, then the delivery is marked failed (event ticket-webhook-failed).
// One delivery at a time, oldest first; a ticket's later deliveries to the same receiver wait
// until its earlier one is settled, so a receiver sees a ticket's changes in order. The queue
// is in LMDB, so a restart resumes it (at least once: a receiver dedupes by X-Ticket-Delivery).
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import type { TicketDelivery } from './ticket-book.ts';
import type { TicketsConfig } from './tickets-config.ts';
import { backoffMs, signWebhook } from './webhook-signature.ts';

export class TicketWebhooks {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private closed = false;

  constructor(private readonly deps: { store: Store; config: () => TicketsConfig; log: Logger }) {}

  start(): void {
    this.kick();
  }

  /** Look at the queue now (after a change was committed). */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err) => this.deps.log.error({ err }, 'ticket webhook pass failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private async pass(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const blocked = new Set<string>();
    let wake = Infinity;
    const pending: TicketDelivery[] = [];
    for (const { value } of this.deps.store.tables.ticketDeliveries.getRange({})) {
      const d = value as TicketDelivery;
      if (d.state === 'pending') pending.push(d);
    }
    for (const d of pending) {
      if (this.closed) return;
      const lane = `${d.ticketId} ${d.url}`;
      if (blocked.has(lane)) continue;
      blocked.add(lane);
      const now = Date.now();
      if (d.nextAt > now) {
        wake = Math.min(wake, d.nextAt);
        continue;
      }
      const after = await this.attempt(d);
      if (after.state === 'pending') wake = Math.min(wake, after.nextAt);
      else blocked.delete(lane);
    }
    if (wake < Infinity && !this.closed) {
      this.timer = setTimeout(() => this.kick(), Math.max(0, Math.min(wake - Date.now(), 2 ** 31 - 1)));
      this.timer.unref?.();
    }
  }

  private async attempt(d: TicketDelivery): Promise<TicketDelivery> {
    const cfg = this.deps.config();
    const hook = cfg.webhooks.find((w) => w.url === d.url);
    const started = Date.now();
    let status: number | undefined;
    let error: string | undefined;
    if (!hook) {
      error = 'the webhook is no longer configured';
    } else {
      try {
        const res = await fetch(d.url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(cfg.webhookTimeoutMs),
          headers: {
            'content-type': 'application/json',
            'x-signature': signWebhook(hook.secret, started, d.body),
            'x-timestamp': String(started),
            'x-ticket-delivery': d.id,
            'x-ticket-event': d.event,
            'user-agent': 'callcenter-box-tickets',
          },
          body: d.body,
        });
        status = res.status;
        await res.arrayBuffer().catch(() => undefined);
        if (status < 200 || status >= 300) error = `HTTP ${status}`;
      } catch (err) {
        error = (err as Error).name === 'TimeoutError' ? `no answer within ${cfg.webhookTimeoutMs} ms` : String((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message);
      }
    }
    const at = Date.now();
    const store = this.deps.store;
    return store.transaction(() => {
      const cur = (store.tables.ticketDeliveries.get(d.id) as TicketDelivery | undefined) ?? d;
      const attempts = [...cur.attempts, { at: started, ...(status !== undefined ? { status } : {}), ...(error ? { error } : {}), ms: at - started }];
      let next: TicketDelivery;
      if (!error) {
        next = { ...cur, attempts, state: 'delivered' };
        store.appendEvent('ticket-webhook-delivered', { deliveryId: d.id, ticketId: d.ticketId, attempts: attempts.length }, at);
      } else if (!hook || attempts.length >= cfg.webhookMaxAttempts) {
        next = { ...cur, attempts, state: 'failed' };
        store.appendEvent('ticket-webhook-failed', { deliveryId: d.id, ticketId: d.ticketId, attempts: attempts.length, error }, at);
        this.deps.log.warn({ code: 'CC_TICKET_WEBHOOK_FAILED', deliveryId: d.id, ticketId: d.ticketId, url: d.url, attempts: attempts.length, error }, 'ticket webhook delivery given up');
      } else {
        next = { ...cur, attempts, nextAt: at + backoffMs(attempts.length, cfg.webhookBaseDelayMs, cfg.webhookMaxDelayMs) };
      }
      store.tables.ticketDeliveries.put(d.id, next);
      return next;
    });
  }
}

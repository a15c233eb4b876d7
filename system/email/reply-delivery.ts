// Agents' replies out through the configured SMTP relay (nodemailer): each reply is written to
// LMDB as an outbound email with a pending delivery (same transaction, with an audit row)
// before the first attempt; it carries In-Reply-To / References to the thread's newest message,
// the [#EM-] tag in its subject and its own Message-ID (indexed, so the customer's answer
// threads). Temporary failures are retried with backoff; a 5xx from the relay, a missing relay
// or the last attempt fail it, with the code and error in the delivery log the agent sees.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import nodemailer from 'nodemailer';
import type { EmailBook, DeliveryRow, EmailRow } from './email-book.ts';
import type { EmailConfig } from './email-config.ts';
import type { EmailInteraction, EmailInteractionMessage } from './interactions-port.ts';
import { replyHeaders, replySubject } from './threading.ts';
import { EmailError } from './errors.ts';

/** Waits before attempts 2, 3, ... (the last value repeats). */
export const RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];

/** Whether a send error is permanent (the relay answered 5xx) or worth another attempt. */
export function isPermanent(err: { responseCode?: number; code?: string }): boolean {
  return typeof err.responseCode === 'number' && err.responseCode >= 500 && err.responseCode < 600;
}

/** The delay before the next attempt after `attempts` tries. */
export function nextDelay(attempts: number, delays: readonly number[] = RETRY_DELAYS_MS): number {
  return delays[Math.min(Math.max(attempts - 1, 0), delays.length - 1)]!;
}

export class ReplyDelivery {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;

  constructor(private readonly deps: {
    book: EmailBook;
    config: () => EmailConfig;
    log: Logger;
    retryDelaysMs?: readonly number[];
    /** Called after a delivery changed state (live views). */
    onChange?: (d: DeliveryRow) => void;
  }) {}

  /** Resume deliveries a restart left pending. */
  start(now = Date.now()): void {
    for (const d of this.deps.book.deliveries((x) => x.state === 'pending')) this.schedule(d, Math.max(0, (d.nextAt ?? now) - now));
  }

  /** An agent wrote on an email interaction: record the reply and its delivery, then send it. */
  async queue(ix: EmailInteraction, msg: EmailInteractionMessage): Promise<DeliveryRow> {
    const { book } = this.deps;
    const cfg = this.deps.config();
    const thread = (ix.externalRef ? book.thread(ix.externalRef) : undefined) ?? book.threadOfInteraction(ix.id);
    const to = thread?.customer.email ?? ix.customer.email;
    const now = Date.now();
    const id = randomUUID();
    const ref = thread?.ref ?? ix.externalRef ?? 'EM-UNKNOWN0';
    const messageId = `${id}@${cfg.listener.hostname}`;
    const headers = replyHeaders(thread?.lastMessageId, thread?.references ?? []);
    const subject = replySubject(thread?.subject ?? ix.subject, ref);
    const from = thread?.address ?? cfg.relay?.from ?? '';
    const row: EmailRow = {
      id, direction: 'out', thread: ref, messageId,
      inReplyTo: headers.inReplyTo?.slice(1, -1),
      references: headers.references.map((r) => r.slice(1, -1)),
      from, to: to ? [to] : [], subject, text: msg.text, html: msg.html,
      at: now, size: Buffer.byteLength(msg.text), attachments: [], deliveryId: id, interactionId: ix.id,
    };
    const delivery: DeliveryRow = { id, emailId: id, interactionId: ix.id, thread: ref, agent: msg.agent, to: to ?? '', subject, messageId, state: 'pending', attempts: 0, nextAt: now, createdAt: now };
    await book.saveOutbound(row, delivery);
    if (!to) await this.fail(delivery, new EmailError('CC_EMAIL_NO_RECIPIENT', 'the interaction has no customer email address'));
    else this.schedule(delivery, 0);
    return book.delivery(id) ?? delivery;
  }

  /** Try a failed (or pending) delivery again now, from attempt 1 (an agent's or admin's retry). */
  async retry(id: string): Promise<DeliveryRow> {
    const d = this.deps.book.delivery(id);
    if (!d) throw new EmailError('CC_EMAIL_NOT_FOUND', `no delivery ${id}`);
    if (d.state === 'sent') return d;
    const next: DeliveryRow = { ...d, state: 'pending', attempts: 0, nextAt: Date.now(), code: undefined, lastError: undefined, failedAt: undefined };
    await this.deps.book.updateDelivery(next);
    this.schedule(next, 0);
    return next;
  }

  private schedule(d: DeliveryRow, delayMs: number): void {
    if (this.closed) return;
    clearTimeout(this.timers.get(d.id));
    const t = setTimeout(() => {
      this.timers.delete(d.id);
      const p = this.attempt(d.id).catch((err) => this.deps.log.error({ err, deliveryId: d.id }, 'email delivery attempt failed unexpectedly'));
      this.inFlight.add(p);
      void p.finally(() => this.inFlight.delete(p));
    }, delayMs);
    t.unref();
    this.timers.set(d.id, t);
  }

  private async attempt(id: string): Promise<void> {
    const { book, log } = this.deps;
    const d = book.delivery(id);
    if (!d || d.state !== 'pending' || this.closed) return;
    const cfg = this.deps.config();
    const relay = cfg.relay;
    if (!relay) return this.fail(d, new EmailError('CC_EMAIL_NO_RELAY', 'email.relay is not configured'));
    const email = book.message(d.emailId);
    if (!email) return this.fail(d, new EmailError('CC_EMAIL_NOT_FOUND', `no stored reply ${d.emailId}`));
    const attempts = d.attempts + 1;
    const transport = nodemailer.createTransport({
      host: relay.host, port: relay.port, secure: relay.secure,
      auth: relay.auth ? { user: relay.auth.user, pass: relay.auth.pass } : undefined,
      name: cfg.listener.hostname,
      connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 60_000,
    });
    try {
      const info = await transport.sendMail({
        from: email.from || relay.from,
        to: d.to,
        envelope: { from: relay.from, to: d.to },
        subject: email.subject,
        text: email.text,
        html: email.html,
        messageId: `<${email.messageId}>`,
        inReplyTo: email.inReplyTo ? `<${email.inReplyTo}>` : undefined,
        references: email.references.map((r) => `<${r}>`),
        headers: { 'X-CC-Thread': email.thread },
      });
      const next: DeliveryRow = { ...d, state: 'sent', attempts, sentAt: Date.now(), nextAt: undefined, response: String(info.response ?? '').slice(0, 300), code: undefined, lastError: undefined };
      await book.updateDelivery(next);
      log.info({ deliveryId: id, interactionId: d.interactionId, attempts }, 'email reply delivered to the relay');
      this.deps.onChange?.(next);
    } catch (e) {
      const err = e as Error & { responseCode?: number; code?: string };
      const message = `${err.responseCode ? `${err.responseCode} ` : ''}${err.message}`.slice(0, 500);
      if (isPermanent(err) || attempts >= relay.maxAttempts) {
        return this.fail({ ...d, attempts }, new EmailError('CC_EMAIL_DELIVERY_FAILED', message));
      }
      const delay = nextDelay(attempts, this.deps.retryDelaysMs);
      const next: DeliveryRow = { ...d, attempts, nextAt: Date.now() + delay, code: 'CC_EMAIL_DELIVERY_RETRY', lastError: message };
      await book.updateDelivery(next);
      log.warn({ code: 'CC_EMAIL_DELIVERY_RETRY', deliveryId: id, attempts, retryInMs: delay, err: message }, 'email reply not delivered; retrying');
      this.deps.onChange?.(next);
      this.schedule(next, delay);
    } finally {
      transport.close();
    }
  }

  private async fail(d: DeliveryRow, err: EmailError): Promise<void> {
    const next: DeliveryRow = { ...d, state: 'failed', failedAt: Date.now(), nextAt: undefined, code: err.code, lastError: err.message };
    await this.deps.book.updateDelivery(next);
    this.deps.log.warn({ code: err.code, deliveryId: d.id, interactionId: d.interactionId, attempts: d.attempts, err: err.message }, 'email reply given up');
    this.deps.onChange?.(next);
  }

  get pending(): number {
    return this.timers.size + this.inFlight.size;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}

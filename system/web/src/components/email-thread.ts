// <cc-email-thread interaction-id="…">: the email side of an email interaction, shown beside
// its conversation (the interactions panel owns the messages and the reply box): the thread
// tag, the box address the customer wrote to, attachments (and which were not kept), and the
// delivery of each reply with its state; a reply the relay refused shows its error code and a
// "Send again" button (POST /api/email/deliveries/:id/retry). Reads GET /api/email/
// interactions/:id when shown and every 5 s while a reply is still pending.
import { html } from 'lit';
import { api } from '../api.ts';
import { AppElement } from '../base.ts';
import { errorText } from '../errors.ts';
import { formatDateTime, t } from '../i18n.ts';

interface Delivery { id: string; state: 'pending' | 'sent' | 'failed'; attempts: number; code?: string; lastError?: string; createdAt: number; sentAt?: number }
interface Attachment { filename: string; size: number; kept: boolean; skipped?: 'too-large' | 'too-many' }
interface ThreadView {
  thread: { ref: string; subject: string; address: string; customer: { email: string; name?: string } };
  messages: { id: string; direction: 'in' | 'out'; from: string; at: number; attachments: Attachment[] }[];
  deliveries: Delivery[];
}

export class EmailThread extends AppElement {
  static override properties = { interactionId: { attribute: 'interaction-id' }, view: { state: true }, error: { state: true }, busy: { state: true } };
  declare interactionId: string;
  declare view: ThreadView | undefined;
  declare error: unknown;
  declare busy: boolean;
  private timer?: number;

  constructor() {
    super();
    this.busy = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.timer);
  }

  override updated(changed: Map<string, unknown>): void {
    if (changed.has('interactionId') && changed.get('interactionId') !== undefined) void this.reload();
  }

  private async reload(): Promise<void> {
    clearTimeout(this.timer);
    if (!this.interactionId) return;
    try {
      this.view = await api<ThreadView>('GET', `/api/email/interactions/${this.interactionId}`);
      this.error = undefined;
    } catch (err) {
      this.error = err;
    }
    if (this.view?.deliveries.some((d) => d.state === 'pending')) this.timer = window.setTimeout(() => void this.reload(), 5000);
  }

  private async retry(d: Delivery): Promise<void> {
    this.busy = true;
    try {
      await api('POST', `/api/email/deliveries/${d.id}/retry`);
      await this.reload();
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  private delivery(d: Delivery) {
    return html`<li data-test="email-delivery" data-state=${d.state} style="margin:0.2rem 0">
      <span class="muted small">${formatDateTime(d.createdAt)}</span>
      ${d.state === 'failed'
        ? html`<span class="error" role="alert">${t('email.delivery.failed')}: ${errorText({ code: d.code })}${d.lastError ? html` <code class="small">${d.lastError}</code>` : ''}</span>
            <button ?disabled=${this.busy} data-test="email-retry" @click=${() => void this.retry(d)}>${t('email.retry')}</button>`
        : d.state === 'pending'
          ? html`<span>${t('email.delivery.pending', { attempts: d.attempts + 1 })}</span>`
          : html`<span>${t('email.delivery.sent')}</span>`}
    </li>`;
  }

  override render() {
    if (this.error && !this.view) return html`<p class="error small" role="alert">${errorText(this.error)}</p>`;
    const v = this.view;
    if (!v) return '';
    const attachments = v.messages.flatMap((m) => m.attachments);
    return html`<div class="small" data-test="email-thread" data-ref=${v.thread.ref} style="border-top:1px solid var(--line);margin-top:0.5rem;padding-top:0.3rem">
      <div class="muted">${t('email.thread', { ref: v.thread.ref })} · ${t('email.to', { address: v.thread.address })} · ${t('email.from', { address: v.thread.customer.email })}</div>
      ${attachments.length ? html`<div>${t('email.attachments')}: ${attachments.map((a) => a.kept
        ? html`<span style="margin-right:0.6em">${a.filename}</span>`
        : html`<span class="muted" style="margin-right:0.6em">${t('email.attachmentSkipped', { name: a.filename, size: a.size, reason: t(a.skipped === 'too-many' ? 'email.skipped.too-many' : 'email.skipped.too-large') })}</span>`)}</div>` : ''}
      ${v.deliveries.length ? html`<div>${t('email.deliveries')}</div><ul style="list-style:none;padding:0;margin:0" data-test="email-deliveries">${v.deliveries.map((d) => this.delivery(d))}</ul>` : ''}
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
    </div>`;
  }
}
customElements.define('cc-email-thread', EmailThread);

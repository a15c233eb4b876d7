// Dial out (外呼) from the workspace: a number typed or picked from the quick-dial list; the
// agent's desk phone is asked to call it through the box (POST /api/workspace/dial, click-to-
// dial), so the call goes out by the dial plan like any call the phone dials. Shown while the
// agent has no call. A browser-softphone agent's call is placed by the box with the page's
// softphone as the calling side (calls/browser-dial.ts): the softphone panel shows its
// progress (calling, ringback, timer); refusals (toll class, no route) show here, coded.
import { html } from 'lit';
import { api } from '../api.ts';
import { DeskElement } from '../base.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';

export class DialPanel extends DeskElement {
  static override properties = { ...DeskElement.properties, sent: { state: true }, busy: { state: true }, error: { state: true } };
  declare sent: string | undefined;
  declare busy: boolean;
  declare error: unknown;
  private quickDial: { number: string; label: string }[] = [];

  constructor() {
    super();
    this.busy = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    api<{ numbers: { number: string; label: string }[] }>('GET', '/api/workspace/quick-dial')
      .then((r) => {
        this.quickDial = r.numbers;
        this.requestUpdate();
      })
      .catch(() => undefined);
  }

  private async dial(number: string): Promise<void> {
    if (!/^[0-9*#+]{1,32}$/.test(number) || this.busy) return;
    this.error = undefined;
    this.sent = undefined;
    this.busy = true;
    try {
      const r = await api<{ to?: string }>('POST', '/api/workspace/dial', { number });
      this.sent = number;
      // A call placed from the softphone: the screen pop shows whom it calls.
      if (r.to) void this.desk.showCustomer(r.to).catch(() => undefined);
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const agent = this.desk.workspace?.agent;
    if (!agent || this.desk.call) return html``;
    const browser = agent.device === 'browser';
    const state = this.desk.record?.state;
    const busy = this.busy || state === 'ringing' || state === 'on-call';
    return html`<section class="card dial" data-test="dial" data-device=${browser ? 'browser' : 'phone'}>
      <h2>${t('dial.title')}</h2>
      ${browser ? html`<p class="muted small" data-test="dial-browser-note">${t('dial.browserHint')}</p>` : ''}
      <form class="actions" @submit=${(e: Event) => {
        e.preventDefault();
        void this.dial(String(new FormData(e.target as HTMLFormElement).get('number') ?? '').trim());
      }}>
        <label class="inline">${t('dial.number')}<input name="number" inputmode="tel" pattern="[0-9*#+]{1,32}" required maxlength="32" data-test="dial-number" /></label>
        <button type="submit" class="primary" ?disabled=${busy} data-test="dial-call">${t('dial.call')}</button>
      </form>
      ${this.quickDial.length ? html`<div class="actions">${this.quickDial.map((q) => html`<button class="small" ?disabled=${busy} data-test="dial-quick" data-number=${q.number} @click=${() => this.dial(q.number)}>${q.label} · ${q.number}</button>`)}</div>` : ''}
      ${this.sent ? html`<p class="ok" data-test="dial-sent">${browser ? t('dial.placed', { number: this.sent }) : t('dial.sent', { number: this.sent, ext: agent.extension })}</p>` : ''}
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
    </section>`;
  }
}
customElements.define('cc-dial-panel', DialPanel);

// The agent's own state and time in state (live), and the status switch: available, break
// with a reason from the configured list, logged out. A request made during a call is shown
// as pending (the box applies it when the call and wrap-up end).
import { html } from 'lit';
import { DeskElement } from '../base.ts';
import { everySecond, formatDuration, serverNow } from '../clock.ts';
import { errorText } from '../errors.ts';
import { t, tMaybe } from '../i18n.ts';

export class StatusPanel extends DeskElement {
  static override properties = { ...DeskElement.properties, error: { state: true } };
  declare error: unknown;

  constructor() {
    super();
    this.error = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.keep(everySecond(() => this.requestUpdate()));
  }

  /** The break reason chosen in the list (the first one by default). */
  reason(): string {
    const select = this.querySelector<HTMLSelectElement>('select[data-test="break-reason"]');
    return select?.value || this.desk.workspace?.breakReasons[0] || '';
  }

  async act(what: 'available' | 'break' | 'logout') {
    this.error = undefined;
    try {
      if (what === 'available') await this.desk.becomeAvailable();
      else if (what === 'break') await this.desk.setStatus('break', this.reason());
      else await this.desk.setStatus('logout');
    } catch (err) {
      this.error = err;
    }
  }

  override render() {
    const ws = this.desk.workspace;
    const rec = this.desk.record;
    if (!ws) return html``;
    if (!ws.agent || !rec) return html`<section class="card"><h2>${t('status.title')}</h2><p class="hint" data-test="not-agent">${t('status.notAgent')}</p></section>`;
    const stateText = t(`state.${rec.state}`);
    const reasons = ws.breakReasons.filter((r) => r !== 'missed-call');
    return html`<section class="card status" data-test="status-panel">
      <h2>${t('status.title')}</h2>
      <div class="state-line">
        <span class="state state-${rec.state}" data-test="agent-state" data-state=${rec.state}>${stateText}${rec.state === 'break' && rec.reason ? html` · <span data-test="break-shown">${tMaybe(`reason.${rec.reason}`, rec.reason)}</span>` : ''}</span>
        <span class="muted" data-test="time-in-state">${t('status.timeInState', { time: formatDuration(serverNow() - rec.since) })}</span>
      </div>
      ${rec.pending ? html`<p class="pending" data-test="pending">${t('status.pending', { state: t(`state.${rec.pending.state}`) })}</p>` : ''}
      ${rec.state === 'wrap-up' && rec.wrapUntil ? html`<p class="muted">${t('status.wrapUntil', { time: formatDuration(rec.wrapUntil - serverNow()) })}</p>` : ''}
      <div class="actions">
        <button class="primary" data-test="go-available" title="F2" ?disabled=${rec.state === 'available'} @click=${() => this.act('available')}>${t('status.available')}</button>
        <label class="inline"><span class="sr-only">${t('status.breakReason')}</span>
          <select data-test="break-reason" aria-label=${t('status.breakReason')}>
            ${reasons.map((r) => html`<option value=${r}>${tMaybe(`reason.${r}`, r)}</option>`)}
          </select>
        </label>
        <button data-test="go-break" title="F3" @click=${() => this.act('break')}>${t('status.break')}</button>
        <button data-test="go-logout" title="F4" ?disabled=${rec.state === 'logged-out'} @click=${() => this.act('logout')}>${t('status.logout')}</button>
      </div>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
      <p class="muted small">${t('status.extension', { ext: ws.agent.extension })} · ${t('status.queues', { queues: ws.agent.queues.map((q) => ws.queues.find((x) => x.name === q.queue)?.displayName ?? q.queue).join(', ') })} · ${t('status.callsTaken', { n: rec.callsTaken })}</p>
    </section>`;
  }
}
customElements.define('cc-status-panel', StatusPanel);

// The queue call ringing or connected to the agent: caller number, queue, how long the
// caller waited, and the call timer (from the box's connect time, ticking on the page).
import { html } from 'lit';
import { DeskElement } from '../base.ts';
import { everySecond, formatDuration, serverNow } from '../clock.ts';
import { t } from '../i18n.ts';

export class CallPanel extends DeskElement {
  override connectedCallback(): void {
    super.connectedCallback();
    this.keep(everySecond(() => this.requestUpdate()));
  }

  override render() {
    const call = this.desk.call;
    const agent = this.desk.workspace?.agent;
    const ext = agent && agent.device !== 'browser' ? agent.extension : undefined;
    if (!call) {
      const last = this.desk.lastCall;
      return html`<section class="card call idle" data-test="call-panel" data-call-state="none">
        <h2>${t('call.title')}</h2>
        <p class="muted" data-test="no-call">${t('call.none')}</p>
        ${last ? html`<p class="muted small" data-test="last-call">${t('call.lastCall', { number: last.caller })}</p>` : ''}
      </section>`;
    }
    const now = serverNow();
    const waited = (call.connectedAt ?? call.ringingSince ?? now) - call.enteredAt;
    return html`<section class="card call ${call.state}" data-test="call-panel" data-call-state=${call.state}>
      <h2>${t('call.title')} <span class="badge ${call.state}" data-test="call-state">${call.state === 'ringing' ? t('call.ringing') : t('call.connected')}</span></h2>
      <dl>
        <dt>${t('call.caller')}</dt><dd class="big" data-test="caller-number">${call.caller}</dd>
        <dt>${t('call.queue')}</dt><dd data-test="call-queue">${call.queueName ?? call.queue}</dd>
        <dt>${t('call.waited')}</dt><dd data-test="call-waited">${formatDuration(waited)}</dd>
        ${call.state === 'connected' && call.connectedAt
          ? html`<dt>${t('call.timer')}</dt><dd class="big timer" data-test="call-timer">${formatDuration(now - call.connectedAt)}</dd>`
          : html`<dt>${t('call.ringingFor')}</dt><dd data-test="ringing-for">${formatDuration(now - (call.ringingSince ?? now))}</dd>`}
        ${call.ivr ? html`<dt>${t('call.ivrPath')}</dt><dd class="small">${call.ivr.flow}: ${call.ivr.path.join(' → ')}</dd>` : ''}
      </dl>
      ${call.state === 'ringing' && ext ? html`<p class="hint">${t('call.deskPhone', { ext })}</p>` : ''}
    </section>`;
  }
}
customElements.define('cc-call-panel', CallPanel);

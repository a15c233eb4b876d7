// The agent workspace (坐席工作台): own status and time in state, the current queue call with
// its timer, the screen pop of the caller's customer record and history, and the softphone
// (#softphone-mount: the browser softphone's controls for a `device: 'browser'` agent, a
// note about the desk phone otherwise). Keyboard: F2 available, F3 break, F4 log out, Alt+C
// customer name, Ctrl+S save the customer record (the softphone adds F7/F8/F9, Alt+M).
import { html } from 'lit';
import { AppElement } from '../base.ts';
import type { Desk } from '../desk.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';
import type { LiveEvents } from '../live.ts';
import { registerShortcuts } from '../shortcuts.ts';
import '../components/status-panel.ts';
import '../components/call-panel.ts';
import '../components/wrap-up-panel.ts';
import '../components/conference-panel.ts';
import '../components/transfer-panel.ts';
import '../components/dial-panel.ts';
import '../components/customer-card.ts';
import '../components/ticket-notices.ts';
import '../components/softphone-panel.ts';
import '../components/kb-panel.ts';
import '../components/interactions-panel.ts';
import type { StatusPanel } from '../components/status-panel.ts';
import type { CustomerCard } from '../components/customer-card.ts';

export class WorkspacePage extends AppElement {
  static override properties = { desk: { attribute: false }, live: { attribute: false }, error: { state: true } };
  declare desk: Desk;
  declare live: LiveEvents;
  declare error: unknown;

  constructor() {
    super();
    this.error = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.keep(this.desk.onChange(() => this.requestUpdate()));
    this.keep(registerShortcuts([
      { keys: 'F2', label: 'shortcuts.available', run: () => void this.status()?.act('available') },
      { keys: 'F3', label: 'shortcuts.break', run: () => void this.status()?.act('break') },
      { keys: 'F4', label: 'shortcuts.logout', run: () => void this.status()?.act('logout') },
      { keys: 'Alt+C', label: 'shortcuts.customer', run: () => this.customer()?.focusName() },
      { keys: 'Ctrl+S', label: 'shortcuts.save', run: () => void this.customer()?.save() },
    ]));
    this.desk.load().catch((err) => (this.error = err));
  }

  private status() {
    return this.querySelector<StatusPanel>('cc-status-panel');
  }

  private customer() {
    return this.querySelector<CustomerCard>('cc-customer-card');
  }

  override render() {
    const agent = this.desk.workspace?.agent;
    return html`<main class="workspace" data-test="workspace">
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
      <cc-ticket-notices .live=${this.live}></cc-ticket-notices>
      <div class="columns">
        <div class="column">
          <cc-status-panel .desk=${this.desk}></cc-status-panel>
          <cc-call-panel .desk=${this.desk}></cc-call-panel>
          <cc-conference-panel .desk=${this.desk}></cc-conference-panel>
          <cc-transfer-panel .desk=${this.desk}></cc-transfer-panel>
          <cc-dial-panel .desk=${this.desk}></cc-dial-panel>
          <cc-wrap-up-panel .desk=${this.desk}></cc-wrap-up-panel>
          <section class="card">
            <h2>${t('softphone.title')}</h2>
            <div id="softphone-mount" data-test="softphone-mount">
              ${agent
                ? html`<cc-softphone-panel .device=${agent.device ?? 'phone'} .extension=${agent.extension}></cc-softphone-panel>`
                : html`<p class="muted small">${t('status.notAgent')}</p>`}
            </div>
          </section>
        </div>
        <div class="column wide">
          <cc-customer-card .desk=${this.desk}></cc-customer-card>
          <cc-kb-panel .desk=${this.desk}></cc-kb-panel>
          ${['admin', 'supervisor', 'agent'].includes(this.desk.workspace?.role ?? '') ? html`<cc-interactions-panel></cc-interactions-panel>` : ''}
        </div>
      </div>
    </main>`;
  }
}
customElements.define('cc-workspace', WorkspacePage);

// The agent workspace (坐席工作台): own status and time in state, the current queue call with
// its timer, the screen pop of the caller's customer record and history, and the softphone
// slot (#softphone-mount, filled by src/softphone when the build has it). Keyboard: F2
// available, F3 break, F4 log out, Alt+C customer name, Ctrl+S save the customer record.
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import type { Desk } from '../desk.ts';
import { errorText } from '../errors.ts';
import { lang, onLanguageChange, t, tMaybe } from '../i18n.ts';
import type { LiveEvents } from '../live.ts';
import { registerShortcuts } from '../shortcuts.ts';
import { softphoneModule } from '../softphone-slot.ts';
import '../components/status-panel.ts';
import '../components/call-panel.ts';
import '../components/customer-card.ts';
import type { StatusPanel } from '../components/status-panel.ts';
import type { CustomerCard } from '../components/customer-card.ts';

export class WorkspacePage extends AppElement {
  static override properties = { desk: { attribute: false }, live: { attribute: false }, error: { state: true } };
  declare desk: Desk;
  declare live: LiveEvents;
  declare error: unknown;
  private softphone?: { unmount(): void } | void;

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

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    if (this.softphone) this.softphone.unmount();
    this.softphone = undefined;
  }

  private status() {
    return this.querySelector<StatusPanel>('cc-status-panel');
  }

  private customer() {
    return this.querySelector<CustomerCard>('cc-customer-card');
  }

  override updated(): void {
    const slot = this.querySelector<HTMLElement>('#softphone-mount');
    const mod = softphoneModule();
    if (!slot || !mod || this.softphone !== undefined || !this.desk.workspace) return;
    this.softphone = mod.mountSoftphone(slot, {
      workspace: this.desk.workspace,
      api,
      live: this.live,
      lang,
      onLanguageChange,
      t: (key, params) => tMaybe(key, key, params),
      registerShortcuts,
      current: () => ({ record: this.desk.record, call: this.desk.call }),
      onChange: (fn) => this.desk.onChange(fn),
    }) ?? { unmount: () => undefined };
  }

  override render() {
    return html`<main class="workspace" data-test="workspace">
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
      <div class="columns">
        <div class="column">
          <cc-status-panel .desk=${this.desk}></cc-status-panel>
          <cc-call-panel .desk=${this.desk}></cc-call-panel>
          <section class="card softphone">
            <h2>${t('softphone.title')}</h2>
            <div id="softphone-mount" data-test="softphone-mount">
              ${softphoneModule() ? '' : html`<p class="muted small">${t('softphone.missing')}</p>`}
            </div>
          </section>
        </div>
        <div class="column wide">
          <cc-customer-card .desk=${this.desk}></cc-customer-card>
        </div>
      </div>
    </main>`;
  }
}
customElements.define('cc-workspace', WorkspacePage);

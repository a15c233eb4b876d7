// <cc-update-from-disk>: firmware update from a USB stick, on the backup page (the stick is
// attached storage, like a backup disk). Shows the running and committed root slots with their
// versions (GET /api/updates), the update bundles (*.ccupdate) in the roots of the attached
// disks (GET /api/updates/disk), installs a chosen one onto the inactive slot after a
// confirmation (POST /api/updates/disk, audit-logged), then offers the restart that tries it
// (POST /api/updates/reboot); the health check after that boot commits it or rolls back.
import { html, nothing } from 'lit';
import { AppElement } from '../base.ts';
import { api, ApiError } from '../api.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';

interface SlotStatus { running: 'a' | 'b'; committed: 'a' | 'b' | null; slots: { a: string | null; b: string | null }; applying: boolean }
interface DiskBundle { disk: string; file: string; bytes: number }

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

export class UpdateFromDisk extends AppElement {
  static override properties = { slots: { state: true }, offAppliance: { state: true }, bundles: { state: true }, busy: { state: true }, done: { state: true }, rebooting: { state: true }, error: { state: true } };
  declare slots: SlotStatus | undefined;
  declare offAppliance: boolean;
  declare bundles: DiskBundle[];
  declare busy: string | undefined;
  declare done: { version: string; slot: string } | undefined;
  declare rebooting: boolean;
  declare error: unknown;

  constructor() {
    super();
    this.slots = undefined;
    this.offAppliance = false;
    this.bundles = [];
    this.busy = undefined;
    this.done = undefined;
    this.rebooting = false;
    this.error = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  async load(): Promise<void> {
    this.error = undefined;
    try {
      this.slots = await api<SlotStatus>('GET', '/api/updates');
      this.offAppliance = false;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CC_UPDATE_NOT_ON_APPLIANCE') this.offAppliance = true;
      else this.error = err;
    }
    try {
      this.bundles = (await api<{ bundles: DiskBundle[] }>('GET', '/api/updates/disk')).bundles;
    } catch (err) {
      this.error = err;
    }
  }

  private async install(b: DiskBundle): Promise<void> {
    if (!confirm(t('updates.confirm', { file: b.file, disk: b.disk }))) return;
    this.busy = `${b.disk}/${b.file}`;
    this.error = undefined;
    this.done = undefined;
    try {
      const done = await api<{ version: string; slot: string }>('POST', '/api/updates/disk', { disk: b.disk, file: b.file });
      // The slots are read again first, so the message never shows beside the old slot list.
      await this.load();
      this.done = done;
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = undefined;
    }
  }

  private async reboot(): Promise<void> {
    if (!confirm(t('updates.rebootConfirm'))) return;
    try {
      await api('POST', '/api/updates/reboot', {});
      this.rebooting = true;
    } catch (err) {
      this.error = err;
    }
  }

  private slotLine(s: SlotStatus) {
    const row = (slot: 'a' | 'b') => html`<li data-test="update-slot" data-slot=${slot}>${t('updates.slot', { slot: slot.toUpperCase() })}: ${s.slots[slot] ?? t('updates.empty')}
      ${s.running === slot ? html`<span class="ok">${t('updates.running')}</span>` : nothing} ${s.committed === slot ? html`<span class="muted">${t('updates.committed')}</span>` : nothing}</li>`;
    return html`<ul data-test="update-slots">${row('a')}${row('b')}</ul>`;
  }

  override render() {
    return html`<section class="card" data-test="update-from-disk">
      <h2>${t('updates.title')}</h2>
      <p class="muted">${t('updates.hint')}</p>
      ${this.offAppliance ? html`<p class="muted" data-test="update-off-appliance">${t('updates.offAppliance')}</p>` : nothing}
      ${this.slots ? this.slotLine(this.slots) : nothing}
      ${this.error ? html`<p class="error" role="alert" data-test="update-error">${errorText(this.error)}</p>` : nothing}
      ${this.busy ? html`<p role="status" data-test="update-busy">${t('updates.installing', { file: this.busy })}</p>` : nothing}
      ${this.done ? html`<p class="ok" role="status" data-test="update-done">${t('updates.installed', { version: this.done.version, slot: this.done.slot.toUpperCase() })}</p>
        <button type="button" class="primary" data-test="update-reboot" ?disabled=${this.rebooting} @click=${() => this.reboot()}>${t('updates.reboot')}</button>` : nothing}
      ${this.rebooting ? html`<p class="muted" role="status">${t('updates.rebooting')}</p>` : nothing}
      ${this.bundles.length === 0 ? html`<p class="muted" data-test="no-bundles">${t('updates.noBundles')}</p>` : html`
      <table class="grid" data-test="update-bundles"><thead><tr><th>${t('updates.disk')}</th><th>${t('updates.file')}</th><th>${t('updates.size')}</th><th></th></tr></thead>
        <tbody>${this.bundles.map((b) => html`<tr data-test="bundle-row" data-file=${b.file}><td>${b.disk}</td><td>${b.file}</td><td class="num">${mb(b.bytes)}</td>
          <td><button type="button" class="primary" data-test="bundle-install" ?disabled=${!!this.busy || this.offAppliance} @click=${() => this.install(b)}>${t('updates.install')}</button></td></tr>`)}</tbody></table>`}
      <p><button type="button" data-test="update-refresh" ?disabled=${!!this.busy} @click=${() => this.load()}>${t('updates.refresh')}</button></p>
    </section>`;
  }
}
customElements.define('cc-update-from-disk', UpdateFromDisk);

// The list of keyboard shortcuts registered right now ('?' opens it).
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { t, tMaybe } from '../i18n.ts';
import { onShortcutsChange, shortcuts } from '../shortcuts.ts';

export class ShortcutsDialog extends AppElement {
  static override properties = { open: { type: Boolean, reflect: true } };
  declare open: boolean;

  constructor() {
    super();
    this.open = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.keep(onShortcutsChange(() => this.requestUpdate()));
  }

  override render() {
    if (!this.open) return html``;
    return html`<div class="dialog-backdrop" @click=${() => (this.open = false)}>
      <div class="dialog" role="dialog" aria-modal="true" aria-label=${t('shortcuts.title')} data-test="shortcuts" @click=${(e: Event) => e.stopPropagation()}>
        <h2>${t('shortcuts.title')}</h2>
        <table>
          ${shortcuts().map((s) => html`<tr><td><kbd>${s.keys}</kbd></td><td>${tMaybe(s.label, s.label)}</td></tr>`)}
        </table>
        <button @click=${() => (this.open = false)}>${t('shortcuts.close')}</button>
      </div>
    </div>`;
  }
}
customElements.define('cc-shortcuts-dialog', ShortcutsDialog);

// 简体中文 / English switch (each language named in itself).
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { LANGS, lang, setLang, t, type Lang } from '../i18n.ts';

export class LangSwitch extends AppElement {
  override render() {
    return html`<label class="lang-switch">
      <span class="sr-only">${t('lang.label')}</span>
      <select data-test="lang" aria-label=${t('lang.label')} @change=${(e: Event) => setLang((e.target as HTMLSelectElement).value as Lang)}>
        ${LANGS.map((l) => html`<option value=${l} ?selected=${l === lang()}>${t(`lang.${l}`)}</option>`)}
      </select>
    </label>`;
  }
}
customElements.define('cc-lang-switch', LangSwitch);

// The SIP security page (SIP 安全, admins only): the active bans — addresses banned for
// scanning, password guessing or flooding, and extensions blocked after a burst of outbound
// calls — with why, since and until when, and a button to lift each; banning an address by
// hand; the permanent allow-list (the LAN phones' subnet; trunk hosts are always on it); and
// the edge guard's counters. Everything goes through /api/security (admin only, audit-logged).
import { html, nothing } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { errorText } from '../errors.ts';
import { formatDateTime, t } from '../i18n.ts';
import '../components/sip-certificate-form.ts';

interface BanView {
  kind: 'source' | 'extension';
  id: string;
  reason: string;
  since: number;
  until: number | null;
  offences: number;
  by: string;
}

interface SecurityView {
  bans: BanView[];
  allowList: string[];
  trunkAddresses: string[];
  counters: Record<string, number>;
}

const COUNTERS = ['droppedBanned', 'droppedRate', 'droppedScanner', 'droppedHeaders', 'answeredLimits', 'authFailures', 'bans', 'overloadRefused', 'eventLoopLagMs'] as const;

export class SecurityPage extends AppElement {
  static override properties = { view: { state: true }, error: { state: true }, notice: { state: true } };
  declare view: SecurityView | undefined;
  declare error: unknown;
  declare notice: string;

  constructor() {
    super();
    this.view = undefined;
    this.error = undefined;
    this.notice = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.view = await api<SecurityView>('GET', '/api/security/bans');
    } catch (err) {
      this.error = err;
    }
  }

  private async act(run: () => Promise<unknown>, notice: string): Promise<boolean> {
    this.error = undefined;
    this.notice = '';
    let ok = false;
    try {
      await run();
      this.notice = notice;
      ok = true;
    } catch (err) {
      this.error = err;
    }
    await this.load();
    return ok;
  }

  private async ban(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const address = (form.elements.namedItem('address') as HTMLInputElement).value.trim();
    const minutes = Number((form.elements.namedItem('minutes') as HTMLInputElement).value);
    if (await this.act(() => api('POST', '/api/security/bans', { address, ...(minutes > 0 ? { minutes } : {}) }), t('security.banned', { id: address }))) form.reset();
  }

  private async saveAllowList(e: Event): Promise<void> {
    e.preventDefault();
    const text = ((e.target as HTMLFormElement).elements.namedItem('entries') as HTMLTextAreaElement).value;
    const entries = text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);
    await this.act(() => api('PUT', '/api/security/allow-list', { entries }), t('security.allowListSaved'));
  }

  override render() {
    const v = this.view;
    return html`<main class="security" data-test="security-page">
      <h1>${t('security.title')}</h1>
      <p class="muted">${t('security.intro')}</p>
      ${this.error ? html`<p class="error" role="alert" data-test="security-error">${errorText(this.error)}</p>` : nothing}
      ${this.notice ? html`<p class="ok" role="status" data-test="security-notice">${this.notice}</p>` : nothing}
      <section class="card">
        <h2>${t('security.bans')} <button type="button" data-test="security-refresh" @click=${() => this.load()}>${t('security.refresh')}</button></h2>
        ${!v || v.bans.length === 0 ? html`<p class="muted" data-test="no-bans">${t('security.noBans')}</p>` : html`
        <table class="grid" data-test="bans">
          <thead><tr><th>${t('security.kind')}</th><th>${t('security.who')}</th><th>${t('security.reason')}</th><th>${t('security.since')}</th><th>${t('security.until')}</th><th>${t('security.offences')}</th><th>${t('security.by')}</th><th></th></tr></thead>
          <tbody>${v.bans.map((b) => html`<tr data-test="ban-row" data-kind=${b.kind} data-id=${b.id}>
            <td>${t(b.kind === 'source' ? 'security.kind.source' : 'security.kind.extension')}</td>
            <td>${b.id}</td><td>${b.reason}</td><td>${formatDateTime(b.since)}</td>
            <td>${b.until === null ? t('security.untilLifted') : formatDateTime(b.until)}</td>
            <td class="num">${b.offences}</td><td>${b.by === 'system' ? t('security.bySystem') : b.by}</td>
            <td class="actions"><button type="button" data-test="ban-lift" @click=${() => this.act(() => api('DELETE', `/api/security/bans/${b.kind}/${encodeURIComponent(b.id)}`), t('security.lifted', { id: b.id }))}>${t('security.lift')}</button></td>
          </tr>`)}</tbody>
        </table>`}
        <form class="inline" data-test="ban-create" @submit=${(e: Event) => this.ban(e)}>
          <label class="field">${t('security.address')}<input name="address" required pattern="[0-9A-Fa-f:.]{2,45}" data-test="ban-address" /></label>
          <label class="field">${t('security.minutes')}<input name="minutes" type="number" min="0" max="525600" data-test="ban-minutes" /></label>
          <button type="submit" class="danger" data-test="ban-submit">${t('security.banButton')}</button>
        </form>
        <p class="muted small">${t('security.banHint')}</p>
      </section>
      <section class="card">
        <h2>${t('security.allowList')}</h2>
        <p class="muted small">${t('security.allowListHint')}</p>
        <form data-test="allow-list" @submit=${(e: Event) => this.saveAllowList(e)}>
          <textarea name="entries" rows="5" cols="40" data-test="allow-list-entries" aria-label=${t('security.allowList')} .value=${(v?.allowList ?? []).join('\n')}></textarea>
          <div><button type="submit" class="primary" data-test="allow-list-save">${t('security.save')}</button></div>
        </form>
        ${v && v.trunkAddresses.length ? html`<p class="muted small" data-test="trunk-addresses">${t('security.trunks', { list: v.trunkAddresses.join(', ') })}</p>` : nothing}
      </section>
      ${v ? html`<section class="card">
        <h2>${t('security.counters')}</h2>
        <table class="grid" data-test="security-counters"><tbody>${COUNTERS.map((k) => html`<tr><td>${t(`security.counter.${k}`)}</td><td class="num" data-test="counter-${k}">${v.counters[k] ?? 0}</td></tr>`)}</tbody></table>
      </section>` : nothing}
      <cc-sip-certificate-form></cc-sip-certificate-form>
    </main>`;
  }
}
customElements.define('cc-security', SecurityPage);

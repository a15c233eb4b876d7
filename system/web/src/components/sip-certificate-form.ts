// <cc-sip-certificate-form>: the certificate of SIP over TLS, on the SIP security page (admins
// only). Shows the TLS port and the certificate in use (subject, issuer, expiry, SHA-256
// fingerprint to compare with a phone's view; GET /api/sip/tls) and replaces it with a pasted
// PEM certificate and key (PUT /api/sip/tls/certificate: checked by the box, audit-logged,
// used by new TLS connections at once).
import { html, nothing } from 'lit';
import { AppElement } from '../base.ts';
import { api, ApiError } from '../api.ts';
import { errorText } from '../errors.ts';
import { formatDateTime, t } from '../i18n.ts';

interface CertificateInfo { subject: string; issuer: string; validFrom: string; validTo: string; fingerprint: string; selfSigned: boolean }
interface SipTlsView { port: number; certificate: CertificateInfo }

export class SipCertificateForm extends AppElement {
  static override properties = { view: { state: true }, off: { state: true }, busy: { state: true }, done: { state: true }, error: { state: true } };
  declare view: SipTlsView | undefined;
  declare off: boolean;
  declare busy: boolean;
  declare done: boolean;
  declare error: unknown;

  constructor() {
    super();
    this.view = undefined;
    this.off = false;
    this.busy = false;
    this.done = false;
    this.error = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.view = await api<SipTlsView>('GET', '/api/sip/tls');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CC_SIP_TLS_OFF') this.off = true;
      else this.error = err;
    }
  }

  private async replace(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    this.busy = true;
    this.done = false;
    this.error = undefined;
    try {
      this.view = await api<SipTlsView>('PUT', '/api/sip/tls/certificate', { certificate: String(data.get('certificate') ?? ''), key: String(data.get('key') ?? '') });
      this.done = true;
      form.reset();
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    const c = this.view?.certificate;
    return html`<section class="card" data-test="sip-certificate">
      <h2>${t('sipTls.title')}</h2>
      ${this.off ? html`<p class="muted" data-test="sip-tls-off">${t('sipTls.off')}</p>` : html`<p class="muted">${t('sipTls.hint')}</p>`}
      ${c ? html`<table class="grid" data-test="sip-certificate-info"><tbody>
        <tr><td>${t('sipTls.port')}</td><td data-test="sip-tls-port">${this.view!.port}</td></tr>
        <tr><td>${t('sipTls.subject')}</td><td data-test="sip-cert-subject">${c.subject} ${c.selfSigned ? html`<span class="muted">(${t('sipTls.selfSigned')})</span>` : nothing}</td></tr>
        <tr><td>${t('sipTls.issuer')}</td><td>${c.issuer}</td></tr>
        <tr><td>${t('sipTls.validTo')}</td><td>${formatDateTime(Date.parse(c.validTo))}</td></tr>
        <tr><td>${t('sipTls.fingerprint')}</td><td class="small" data-test="sip-cert-fingerprint"><code>${c.fingerprint}</code></td></tr>
      </tbody></table>` : nothing}
      ${this.error ? html`<p class="error" role="alert" data-test="sip-cert-error">${errorText(this.error)}</p>` : nothing}
      ${this.done ? html`<p class="ok" role="status" data-test="sip-cert-done">${t('sipTls.replaced')}</p>` : nothing}
      ${this.off ? nothing : html`<form data-test="sip-cert-form" @submit=${(e: Event) => this.replace(e)}>
        <label>${t('sipTls.certificate')}<textarea name="certificate" rows="6" required spellcheck="false" data-test="sip-cert-pem"></textarea></label>
        <label>${t('sipTls.key')}<textarea name="key" rows="5" required spellcheck="false" autocomplete="off" data-test="sip-key-pem"></textarea></label>
        <button type="submit" class="primary" ?disabled=${this.busy} data-test="sip-cert-replace">${t('sipTls.replace')}</button>
      </form>`}
    </section>`;
  }
}
customElements.define('cc-sip-certificate-form', SipCertificateForm);

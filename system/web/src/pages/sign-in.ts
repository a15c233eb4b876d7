// The sign-in page: user name and password; the box sets the session cookie and returns the
// CSRF token. Lockout and throttling come back as messages with the wait.
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';
import type { Me } from '../types.ts';
import '../components/lang-switch.ts';

export class SignInPage extends AppElement {
  static override properties = { busy: { state: true }, error: { state: true } };
  declare busy: boolean;
  /** The failure of the last attempt (its text follows the language). */
  declare error: unknown;

  constructor() {
    super();
    this.busy = false;
    this.error = undefined;
  }

  private async submit(e: Event) {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const data = new FormData(form);
    this.busy = true;
    this.error = undefined;
    try {
      const me = await api<Omit<Me, 'kind' | 'serverTime'>>('POST', '/api/session', { username: String(data.get('username') ?? ''), password: String(data.get('password') ?? ''), cookie: true });
      this.dispatchEvent(new CustomEvent('signed-in', { detail: me, bubbles: true }));
    } catch (err) {
      this.error = err;
      (form.elements.namedItem('password') as HTMLInputElement).select();
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`<main class="sign-in">
      <form class="card" @submit=${this.submit} data-test="sign-in">
        <div class="card-head"><h1>${t('app.title')}</h1><cc-lang-switch></cc-lang-switch></div>
        <h2>${t('signIn.title')}</h2>
        <label>${t('signIn.username')}<input name="username" autocomplete="username" required maxlength="64" autofocus data-test="username" /></label>
        <label>${t('signIn.password')}<input name="password" type="password" autocomplete="current-password" required maxlength="256" data-test="password" /></label>
        ${this.error ? html`<p class="error" role="alert" data-test="sign-in-error">${errorText(this.error)}</p>` : ''}
        <button type="submit" class="primary" ?disabled=${this.busy} data-test="sign-in-submit">${this.busy ? t('signIn.busy') : t('signIn.submit')}</button>
        <p class="hint">${t('signIn.hint')}</p>
      </form>
    </main>`;
  }
}
customElements.define('cc-sign-in', SignInPage);

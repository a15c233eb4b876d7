// First sign-in of a user whose password an administrator set (and of the generated admin):
// the app shows only this form until they have chosen their own password
// (POST /api/session/password), then fires `password-changed`.
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';
import '../components/lang-switch.ts';

export class PasswordChangePage extends AppElement {
  static override properties = { busy: { state: true }, error: { state: true }, mismatch: { state: true } };
  declare busy: boolean;
  declare error: unknown;
  declare mismatch: boolean;

  constructor() {
    super();
    this.busy = false;
    this.mismatch = false;
  }

  private async submit(e: Event) {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const next = String(data.get('next') ?? '');
    this.error = undefined;
    this.mismatch = next !== String(data.get('repeat') ?? '');
    if (this.mismatch) return;
    this.busy = true;
    try {
      await api('POST', '/api/session/password', { current: String(data.get('current') ?? ''), next });
      this.dispatchEvent(new CustomEvent('password-changed', { bubbles: true }));
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  override render() {
    return html`<main class="sign-in">
      <form class="card" @submit=${this.submit} data-test="password-change">
        <div class="card-head"><h1>${t('app.title')}</h1><cc-lang-switch></cc-lang-switch></div>
        <h2>${t('password.title')}</h2>
        <p class="hint">${t('password.why')}</p>
        <label>${t('password.current')}<input name="current" type="password" autocomplete="current-password" required maxlength="256" data-test="pw-current" /></label>
        <label>${t('password.next')}<input name="next" type="password" autocomplete="new-password" required minlength="10" maxlength="128" data-test="pw-next" /></label>
        <label>${t('password.repeat')}<input name="repeat" type="password" autocomplete="new-password" required maxlength="128" data-test="pw-repeat" /></label>
        ${this.mismatch ? html`<p class="error" role="alert" data-test="pw-error">${t('password.mismatch')}</p>` : ''}
        ${this.error ? html`<p class="error" role="alert" data-test="pw-error">${errorText(this.error)}</p>` : ''}
        <button type="submit" class="primary" ?disabled=${this.busy} data-test="pw-submit">${t('password.submit')}</button>
      </form>
    </main>`;
  }
}
customElements.define('cc-password-change', PasswordChangePage);

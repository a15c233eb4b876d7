// The app shell <cc-app>: finds out whether the browser already has a session (GET
// /api/session), shows the sign-in page or the signed-in layout (top bar with language
// switch, pages, sign-out), opens the live events, and routes by the URL hash (#/<page>)
// over the pages the role may open (pages/registry.ts).
import { html } from 'lit';
import { AppElement } from './base.ts';
import { api, setCsrfToken, whenSignedOut } from './api.ts';
import { Desk } from './desk.ts';
import { lang, LANGS, setLang, t } from './i18n.ts';
import { LiveEvents } from './live.ts';
import { registerShortcuts } from './shortcuts.ts';
import type { Me } from './types.ts';
import './components/lang-switch.ts';
import './components/shortcuts-dialog.ts';
import './pages/sign-in.ts';
import './pages/password-change.ts';
import { pageFor, pagesFor } from './pages/registry.ts';
import type { ShortcutsDialog } from './components/shortcuts-dialog.ts';

export class App extends AppElement {
  static override properties = { me: { state: true }, page: { state: true }, ready: { state: true }, liveUp: { state: true }, mustChangePassword: { state: true } };
  declare me: Me | null;
  /** The user must choose their own password before anything else (first sign-in). */
  declare mustChangePassword: boolean;
  declare page: string;
  declare ready: boolean;
  declare liveUp: boolean;
  private live = new LiveEvents();
  private desk = new Desk(this.live);

  constructor() {
    super();
    this.me = null;
    this.page = 'workspace';
    this.ready = false;
    this.liveUp = false;
    this.mustChangePassword = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.title = t('app.title');
    whenSignedOut(() => this.signedOut());
    this.keep(this.live.onStatus((up) => (this.liveUp = up)));
    const onHash = () => this.route();
    window.addEventListener('hashchange', onHash);
    this.keep(() => window.removeEventListener('hashchange', onHash));
    this.keep(registerShortcuts([
      { keys: 'Alt+W', label: 'shortcuts.workspace', run: () => (location.hash = '#/workspace') },
      { keys: 'Alt+S', label: 'shortcuts.supervisor', run: () => (location.hash = '#/supervisor') },
      { keys: 'Alt+L', label: 'shortcuts.language', run: () => setLang(LANGS[(LANGS.indexOf(lang()) + 1) % LANGS.length]) },
      { keys: '?', label: 'shortcuts.help', run: () => this.showShortcuts() },
    ]));
    api<Me>('GET', '/api/session')
      .then((me) => this.signedIn(me))
      .catch(() => undefined)
      .finally(() => (this.ready = true));
  }

  private route(): void {
    if (!this.me) return;
    const wanted = location.hash.replace(/^#\/?/, '').split('?')[0]!;
    this.page = pageFor(this.me.role, wanted).id;
    if (wanted !== this.page) history.replaceState(null, '', `#/${this.page}`);
  }

  private async signedIn(me: Me): Promise<void> {
    setCsrfToken(me.csrfToken);
    this.mustChangePassword = (await api<{ mustChangePassword: boolean }>('GET', '/api/session/password').catch(() => ({ mustChangePassword: false }))).mustChangePassword;
    this.me = me;
    this.live.start();
    this.route();
  }

  private async onSignIn(e: CustomEvent<{ username: string; role: Me['role']; csrfToken: string }>) {
    this.signedIn({ ...e.detail, kind: 'browser', serverTime: Date.now() });
  }

  private signedOut(): void {
    this.live.stop();
    setCsrfToken(undefined);
    this.me = null;
  }

  private async signOut() {
    await api('DELETE', '/api/session').catch(() => undefined);
    this.signedOut();
    history.replaceState(null, '', '#/');
  }

  private showShortcuts(): void {
    const dialog = this.querySelector<ShortcutsDialog>('cc-shortcuts-dialog');
    if (dialog) dialog.open = true;
  }

  override render() {
    if (!this.ready) return html``;
    if (!this.me) return html`<cc-sign-in @signed-in=${this.onSignIn}></cc-sign-in><cc-shortcuts-dialog></cc-shortcuts-dialog>`;
    if (this.mustChangePassword) return html`<cc-password-change @password-changed=${() => (this.mustChangePassword = false)}></cc-password-change>`;
    return html`<header class="top">
        <strong class="brand">${t('app.title')}</strong>
        <nav>
          ${pagesFor(this.me.role).map((p) => html`<a href="#/${p.id}" class=${this.page === p.id ? 'active' : ''} data-test="nav-${p.id}">${t(p.nav)}</a>`)}
        </nav>
        <span class="spacer"></span>
        <span class="live ${this.liveUp ? 'up' : 'down'}" data-test="live" data-up=${String(this.liveUp)}>${this.liveUp ? t('live.connected') : t('live.reconnecting')}</span>
        <span class="muted small" data-test="signed-in-as">${t('nav.signedInAs', { user: this.me.username, role: t(`role.${this.me.role}`) })}</span>
        <cc-lang-switch></cc-lang-switch>
        <button class="link" @click=${() => this.showShortcuts()} title="?">${t('nav.shortcuts')}</button>
        <button class="link" data-test="sign-out" @click=${() => this.signOut()}>${t('nav.signOut')}</button>
      </header>
      ${pageFor(this.me.role, this.page).render({ me: this.me, live: this.live, desk: this.desk })}
      <cc-shortcuts-dialog></cc-shortcuts-dialog>`;
  }
}
customElements.define('cc-app', App);

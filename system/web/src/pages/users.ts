// The users page (用户管理, admins only): every box user with their role and whether they
// must change their password; an admin changes a role, disables or enables an account, sets
// a new password (the user must change it at the next sign-in), removes an account, or adds
// one. The box refuses what would leave it without an enabled administrator or lock the
// admin out, and says why; every change ends that user's sessions and is audit-logged.
import { html, nothing } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { errorText } from '../errors.ts';
import { formatDateTime, t } from '../i18n.ts';
import type { Me, Role } from '../types.ts';
import '../admin/admin.css';

interface UserView {
  username: string;
  role: Role;
  createdAt: number;
  mustChangePassword: boolean;
  disabled: boolean;
}

const ROLES: Role[] = ['admin', 'supervisor', 'agent', 'technician'];

export class UsersPage extends AppElement {
  static override properties = { me: { attribute: false }, users: { state: true }, error: { state: true }, notice: { state: true }, resetting: { state: true } };
  declare me: Me;
  declare users: UserView[];
  declare error: unknown;
  declare notice: string;
  /** The user whose new password is being typed. */
  declare resetting: string | undefined;

  constructor() {
    super();
    this.users = [];
    this.error = undefined;
    this.notice = '';
    this.resetting = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  private async load(): Promise<void> {
    try {
      this.users = await api<UserView[]>('GET', '/api/users');
    } catch (err) {
      this.error = err;
    }
  }

  private async act(run: () => Promise<unknown>, notice: string): Promise<void> {
    this.error = undefined;
    this.notice = '';
    try {
      await run();
      this.notice = notice;
    } catch (err) {
      this.error = err;
    }
    await this.load();
  }

  private field(form: HTMLFormElement, name: string): string {
    return (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement).value;
  }

  private async create(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const username = this.field(form, 'username').trim();
    await this.act(() => api('POST', '/api/users', { username, role: this.field(form, 'role'), password: this.field(form, 'password') }), t('admin.users.created', { user: username }));
    if (!this.error) form.reset();
  }

  private async setPassword(e: Event, username: string): Promise<void> {
    e.preventDefault();
    const password = this.field(e.target as HTMLFormElement, 'password');
    await this.act(() => api('POST', `/api/users/${encodeURIComponent(username)}/password`, { password }), t('admin.users.passwordSet', { user: username }));
    if (!this.error) this.resetting = undefined;
  }

  override render() {
    return html`<main class="users" data-test="users-page">
      <h1>${t('admin.users.title')}</h1>
      ${this.error ? html`<p class="error" role="alert" data-test="users-error">${errorText(this.error)}</p>` : nothing}
      ${this.notice ? html`<p class="ok" role="status" data-test="users-notice">${this.notice}</p>` : nothing}
      <section class="card">
        <table class="grid" data-test="users">
          <thead><tr><th>${t('admin.users.username')}</th><th>${t('admin.users.role')}</th><th>${t('admin.users.createdAt')}</th><th>${t('admin.users.status')}</th><th></th></tr></thead>
          <tbody>${this.users.map((u) => html`<tr data-test="user-row" data-user=${u.username} data-role=${u.role} data-disabled=${String(u.disabled)}>
            <td>${u.username}${u.username === this.me?.username ? html` <span class="badge">${t('admin.users.you')}</span>` : nothing}</td>
            <td><select data-test="user-role" aria-label=${t('admin.users.role')} @change=${(e: Event) => this.act(() => api('PATCH', `/api/users/${encodeURIComponent(u.username)}`, { role: (e.target as HTMLSelectElement).value }), t('admin.users.saved', { user: u.username }))}>
              ${ROLES.map((r) => html`<option value=${r} ?selected=${r === u.role}>${t(`role.${r}`)}</option>`)}</select></td>
            <td>${formatDateTime(u.createdAt)}</td>
            <td>${u.disabled ? html`<span class="state state-logged-out">${t('admin.users.disabled')}</span>` : t('admin.users.enabled')}${u.mustChangePassword ? html`<div class="muted small">${t('admin.users.mustChange')}</div>` : nothing}</td>
            <td class="actions">
              <button type="button" data-test="user-toggle" @click=${() => this.act(() => api('PATCH', `/api/users/${encodeURIComponent(u.username)}`, { disabled: !u.disabled }), t('admin.users.saved', { user: u.username }))}>${u.disabled ? t('admin.users.enable') : t('admin.users.disable')}</button>
              ${this.resetting === u.username
                ? html`<form class="inline" @submit=${(e: Event) => this.setPassword(e, u.username)}><input type="password" name="password" autocomplete="new-password" data-test="user-new-password" aria-label=${t('admin.users.newPassword')} placeholder=${t('admin.users.newPassword')} required />
                    <button type="submit" class="primary" data-test="user-password-save">${t('admin.save')}</button></form>`
                : html`<button type="button" data-test="user-password" @click=${() => (this.resetting = u.username)}>${t('admin.users.setPassword')}</button>`}
              <button type="button" class="danger" data-test="user-remove" @click=${() => confirm(t('admin.users.confirmRemove', { user: u.username })) && this.act(() => api('DELETE', `/api/users/${encodeURIComponent(u.username)}`), t('admin.users.removed', { user: u.username }))}>${t('admin.users.remove')}</button>
            </td>
          </tr>`)}</tbody>
        </table>
      </section>
      <section class="card">
        <h2>${t('admin.users.add')}</h2>
        <form class="inline" data-test="user-create" @submit=${(e: Event) => this.create(e)}>
          <label class="field">${t('admin.users.username')}<input name="username" required pattern="[a-zA-Z0-9_.\\-]{1,32}" data-test="new-username" /></label>
          <label class="field">${t('admin.users.role')}<select name="role" data-test="new-role">${ROLES.map((r) => html`<option value=${r} ?selected=${r === 'agent'}>${t(`role.${r}`)}</option>`)}</select></label>
          <label class="field">${t('admin.users.initialPassword')}<input type="password" name="password" autocomplete="new-password" required minlength="8" data-test="new-password" /></label>
          <button type="submit" class="primary" data-test="new-user-submit">${t('admin.users.addButton')}</button>
        </form>
        <p class="muted small">${t('admin.users.addHint')}</p>
      </section>
    </main>`;
  }
}
customElements.define('cc-users', UsersPage);

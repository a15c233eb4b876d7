// The tickets page (工单, #/tickets; #/tickets?id=T-000123 opens one). The list with filters
// (state, priority, assigned to me, department, customer number, words, SLA breached), a
// form to create a ticket by hand, and a ticket's detail: its fields (priority, department,
// assignee editable), the state buttons the box allows this user, comments and the full
// history; supervisors and admins also see its webhook deliveries. The list follows ticket
// changes pushed over the live WebSocket.
import { html } from 'lit';
import { api } from '../api.ts';
import { AppElement } from '../base.ts';
import { formatDateTime, t } from '../i18n.ts';
import type { LiveEvents } from '../live.ts';
import type { Me } from '../types.ts';
import { historyText, priorityText, slaText, sourceText, stateText, ticketError, type TicketHistoryRow, type TicketNotice, type TicketOptions, type TicketState, type TicketView } from '../components/ticket-common.ts';

interface Delivery { id: string; event: string; url: string; state: 'pending' | 'delivered' | 'failed'; createdAt: number; attempts: { at: number; status?: number; error?: string }[] }
interface Detail { ticket: TicketView; history: TicketHistoryRow[]; next: TicketState[] }

const STATES: TicketState[] = ['new', 'in-progress', 'waiting', 'resolved', 'closed'];
const STYLE = html`<style>
  .tickets .filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0.5rem 0.8rem; align-items: end; }
  .tickets .filters label, .tickets form[data-test=ticket-fields] label { display: flex; flex-direction: column; font-size: 0.85rem; color: var(--muted); gap: 0.2rem; }
  .tickets .filters label.check { flex-direction: row; align-items: center; }
  .tickets form[data-test=ticket-fields] { display: flex; gap: 0.8rem; align-items: end; flex-wrap: wrap; }
  .tickets dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
  .tickets dl.facts dt { color: var(--muted); }
  .tickets dl.facts dd { margin: 0; }
  .tickets [data-test=ticket-moves] input { max-width: 20rem; }
</style>`;

export class TicketsPage extends AppElement {
  static override properties = {
    me: { attribute: false }, live: { attribute: false },
    list: { state: true }, filter: { state: true }, detail: { state: true }, deliveries: { state: true },
    options: { state: true }, creating: { state: true }, message: { state: true }, error: { state: true },
  };
  declare me: Me;
  declare live: LiveEvents | undefined;
  declare list: TicketView[];
  declare filter: { state: string; priority: string; mine: boolean; department: string; customer: string; q: string; breached: boolean };
  declare detail: Detail | undefined;
  declare deliveries: Delivery[];
  declare options: TicketOptions | undefined;
  declare creating: boolean;
  declare message: string;
  declare error: string;
  private readAt = Date.now();

  constructor() {
    super();
    this.list = [];
    this.filter = { state: '', priority: '', mine: false, department: '', customer: '', q: '', breached: false };
    this.deliveries = [];
    this.creating = false;
    this.message = '';
    this.error = '';
  }

  private get staff(): boolean {
    return this.me.role === 'admin' || this.me.role === 'supervisor';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const onHash = () => void this.openFromHash();
    window.addEventListener('hashchange', onHash);
    this.keep(() => window.removeEventListener('hashchange', onHash));
    if (this.live) {
      this.keep(this.live.on((m) => {
        const n = m as unknown as TicketNotice;
        if (n.kind !== 'ticket') return;
        void this.reload();
        if (this.detail?.ticket.id === n.ticket.id) void this.open(n.ticket.id);
      }));
      this.keep(this.live.onReconnect(() => void this.reload()));
    }
    void this.start();
  }

  private async start(): Promise<void> {
    await this.run(async () => {
      this.options = await api<TicketOptions>('GET', '/api/tickets/options');
    });
    await this.reload();
    await this.openFromHash();
  }

  private async openFromHash(): Promise<void> {
    const id = new URLSearchParams(location.hash.split('?')[1] ?? '').get('id');
    if (id && id !== this.detail?.ticket.id) await this.open(id);
  }

  private async run(fn: () => Promise<unknown>): Promise<boolean> {
    this.error = '';
    try {
      await fn();
      return true;
    } catch (err) {
      this.error = ticketError(err);
      return false;
    }
  }

  private async reload(): Promise<void> {
    const f = this.filter;
    const q = new URLSearchParams();
    if (f.state) q.set('state', f.state);
    if (f.priority) q.set('priority', f.priority);
    if (f.mine) q.set('assignee', this.me.username);
    if (f.department) q.set('department', f.department);
    if (f.customer) q.set('customer', f.customer);
    if (f.q) q.set('q', f.q);
    if (f.breached) q.set('breached', 'true');
    await this.run(async () => {
      this.list = await api<TicketView[]>('GET', `/api/tickets?${q}`);
      this.readAt = Date.now();
    });
  }

  private async open(id: string): Promise<void> {
    await this.run(async () => {
      this.detail = await api<Detail>('GET', `/api/tickets/${encodeURIComponent(id)}`);
      this.readAt = Date.now();
      this.deliveries = this.staff ? await api<Delivery[]>('GET', `/api/tickets/deliveries?ticket=${encodeURIComponent(id)}&limit=20`) : [];
    });
  }

  private setFilter(patch: Partial<TicketsPage['filter']>): void {
    this.filter = { ...this.filter, ...patch };
    void this.reload();
  }

  private async create(e: Event): Promise<void> {
    e.preventDefault();
    const data = new FormData(e.target as HTMLFormElement);
    const str = (k: string) => String(data.get(k) ?? '').trim();
    const ok = await this.run(async () => {
      const made = await api<TicketView>('POST', '/api/tickets', {
        subject: str('subject'), description: str('description'), priority: str('priority') || 'normal',
        customer: { ...(str('number') ? { number: str('number') } : {}), ...(str('name') ? { name: str('name') } : {}) },
        source: { kind: str('sourceKind') || 'manual', ...(str('sourceId') ? { id: str('sourceId') } : {}) },
        ...(str('department') ? { department: str('department') } : {}),
        ...(str('assignee') ? { assignee: str('assignee') } : {}),
      });
      this.message = t('tickets.created', { id: made.id });
      await this.open(made.id);
    });
    if (ok) {
      this.creating = false;
      await this.reload();
    }
  }

  private async move(to: TicketState): Promise<void> {
    const id = this.detail!.ticket.id;
    const note = this.querySelector<HTMLInputElement>('[data-test=ticket-state-note]')?.value ?? '';
    await this.run(() => api('PUT', `/api/tickets/${id}/status`, { state: to, ...(note ? { note } : {}) }));
    await this.open(id);
    await this.reload();
  }

  private async saveFields(e: Event): Promise<void> {
    e.preventDefault();
    const id = this.detail!.ticket.id;
    const data = new FormData(e.target as HTMLFormElement);
    const ok = await this.run(() => api('PATCH', `/api/tickets/${id}`, {
      priority: String(data.get('priority')), department: String(data.get('department') ?? ''), assignee: String(data.get('assignee') ?? ''),
    }));
    if (ok) this.message = t('tickets.saved');
    await this.open(id);
    await this.reload();
  }

  private async comment(e: Event): Promise<void> {
    e.preventDefault();
    const id = this.detail!.ticket.id;
    const form = e.target as HTMLFormElement;
    const text = String(new FormData(form).get('text') ?? '');
    if (await this.run(() => api('POST', `/api/tickets/${id}/comments`, { text }))) form.reset();
    await this.open(id);
  }

  private departmentField(value: string | undefined, test: string) {
    const o = this.options;
    return o?.departments.length
      ? html`<select name="department" data-test=${test}><option value="">${t('tickets.noDepartment')}</option>${o.departments.map((d) => html`<option value=${d} ?selected=${d === value}>${d}</option>`)}</select>`
      : html`<input name="department" maxlength="64" .value=${value ?? ''} data-test=${test} />`;
  }

  private assigneeField(value: string | undefined, test: string) {
    return html`<select name="assignee" data-test=${test}><option value="">${t('tickets.unassigned')}</option>
      ${(this.options?.assignees ?? []).map((u) => html`<option value=${u} ?selected=${u === value}>${u}</option>`)}</select>`;
  }

  private priorityField(value: string, test: string) {
    return html`<select name="priority" data-test=${test}>${(this.options?.priorities ?? ['low', 'normal', 'high', 'urgent']).map((p) => html`<option value=${p} ?selected=${p === value}>${priorityText(p)}</option>`)}</select>`;
  }

  private renderCreate() {
    return html`<form class="card" data-test="ticket-create-form" @submit=${(e: Event) => this.create(e)}>
      <h2>${t('tickets.new')}</h2>
      <label>${t('tickets.field.subject')}<input name="subject" required maxlength="200" data-test="new-ticket-subject" /></label>
      <label>${t('tickets.field.description')}<textarea name="description" rows="4" maxlength="10000"></textarea></label>
      <label>${t('tickets.field.customerNumber')}<input name="number" pattern="[0-9*#+]{1,32}" /></label>
      <label>${t('tickets.field.customerName')}<input name="name" maxlength="128" /></label>
      <label>${t('tickets.field.source')}<select name="sourceKind">${(['manual', 'call', 'chat', 'email'] as const).map((k) => html`<option value=${k}>${t(`tickets.source.${k}`)}</option>`)}</select>
        <input name="sourceId" maxlength="128" placeholder="ID" /></label>
      <label>${t('tickets.field.priority')}${this.priorityField('normal', 'new-ticket-priority')}</label>
      <label>${t('tickets.field.department')}${this.departmentField(undefined, 'new-ticket-department')}</label>
      <label>${t('tickets.field.assignee')}${this.assigneeField(undefined, 'new-ticket-assignee')}</label>
      <div class="actions"><button type="submit" class="primary" data-test="new-ticket-submit">${t('tickets.create')}</button>
        <button type="button" @click=${() => (this.creating = false)}>${t('tickets.back')}</button></div>
    </form>`;
  }

  private renderDetail(d: Detail) {
    const tk = d.ticket;
    const comments = d.history.filter((h) => h.kind === 'comment');
    return html`<section class="card" data-test="ticket-detail" data-id=${tk.id} data-state=${tk.state}>
      <h2>${tk.id} · ${tk.subject} ${tk.breached ? html`<span class="badge vip">${t('tickets.sla.breached')}</span>` : ''}</h2>
      <p>${tk.description}</p>
      <dl class="facts">
        <dt>${t('tickets.field.state')}</dt><dd data-test="ticket-state">${stateText(tk.state)}</dd>
        <dt>${t('tickets.field.customer')}</dt><dd>${tk.customer.number ?? ''} ${tk.customer.name ?? ''}</dd>
        <dt>${t('tickets.field.source')}</dt><dd>${sourceText(tk.source)}</dd>
        <dt>${t('tickets.field.due')}</dt><dd>${slaText(tk, this.readAt)}${tk.sla.dueAt ? ` (${formatDateTime(tk.sla.dueAt)})` : ''}</dd>
        <dt>${t('tickets.field.created')}</dt><dd>${formatDateTime(tk.createdAt)} · ${tk.createdBy}</dd>
        ${tk.externalRef ? html`<dt>${t('tickets.field.externalRef')}</dt><dd>${tk.externalRef}</dd>` : ''}
      </dl>
      <div class="actions" data-test="ticket-moves">
        ${d.next.length ? html`<span>${t('tickets.moveTo')}:</span><input data-test="ticket-state-note" maxlength="2000" placeholder=${t('tickets.comment')} />` : ''}
        ${d.next.map((s) => html`<button type="button" data-test="ticket-move" data-to=${s} @click=${() => this.move(s)}>${stateText(s)}</button>`)}
      </div>
      <form data-test="ticket-fields" @submit=${(e: Event) => this.saveFields(e)}>
        <label>${t('tickets.field.priority')}${this.priorityField(tk.priority, 'ticket-priority')}</label>
        <label>${t('tickets.field.department')}${this.departmentField(tk.department, 'ticket-department')}</label>
        <label>${t('tickets.field.assignee')}${this.assigneeField(tk.assignee, 'ticket-assignee')}</label>
        <button type="submit" data-test="ticket-save">${t('tickets.save')}</button>
      </form>
      <h3>${t('tickets.comments')}</h3>
      <ul data-test="ticket-comments">${comments.map((c) => html`<li><span class="muted small">${formatDateTime(c.at)} · ${c.by}</span><br />${c.text}</li>`)}</ul>
      <form data-test="ticket-comment-form" @submit=${(e: Event) => this.comment(e)}>
        <textarea name="text" rows="2" required maxlength="10000" data-test="ticket-comment-text"></textarea>
        <button type="submit" data-test="ticket-comment-submit">${t('tickets.addComment')}</button>
      </form>
      <h3>${t('tickets.history')}</h3>
      <table class="grid" data-test="ticket-history"><tbody>${d.history.map((h) => html`<tr data-kind=${h.kind}>
        <td>${formatDateTime(h.at)}</td><td>${h.by}</td><td>${historyText(h)}${h.text && h.kind !== 'comment' ? html` — ${h.text}` : ''}</td></tr>`)}</tbody></table>
      ${this.staff ? html`<h3>${t('tickets.deliveries')}</h3>
        <table class="grid" data-test="ticket-deliveries"><tbody>${this.deliveries.map((x) => html`<tr data-state=${x.state}>
          <td>${formatDateTime(x.createdAt)}</td><td>${x.event}</td><td>${x.url}</td><td>${t(`tickets.delivery.state.${x.state}`)}</td>
          <td>${t('tickets.delivery.attempts', { count: x.attempts.length })}: ${x.attempts.map((a) => a.status ?? a.error).join(', ')}</td></tr>`)}</tbody></table>` : ''}
    </section>`;
  }

  override render() {
    const f = this.filter;
    return html`${STYLE}<main class="tickets" data-test="tickets-page">
      <h1>${t('tickets.title')}</h1>
      ${this.error ? html`<p class="error" role="alert" data-test="tickets-error">${this.error}</p>` : ''}
      ${this.message ? html`<p class="ok" data-test="tickets-message">${this.message}</p>` : ''}
      <div class="filters card">
        <label>${t('tickets.field.state')}<select data-test="filter-state" @change=${(e: Event) => this.setFilter({ state: (e.target as HTMLSelectElement).value })}>
          <option value="">${t('tickets.filter.all')}</option>${STATES.map((s) => html`<option value=${s} ?selected=${s === f.state}>${stateText(s)}</option>`)}</select></label>
        <label>${t('tickets.field.priority')}<select data-test="filter-priority" @change=${(e: Event) => this.setFilter({ priority: (e.target as HTMLSelectElement).value })}>
          <option value="">${t('tickets.filter.all')}</option>${(['low', 'normal', 'high', 'urgent'] as const).map((p) => html`<option value=${p} ?selected=${p === f.priority}>${priorityText(p)}</option>`)}</select></label>
        <label>${t('tickets.field.department')}<input .value=${f.department} maxlength="64" @change=${(e: Event) => this.setFilter({ department: (e.target as HTMLInputElement).value.trim() })} /></label>
        <label>${t('tickets.field.customerNumber')}<input .value=${f.customer} pattern="[0-9*#+]{0,32}" data-test="filter-customer" @change=${(e: Event) => this.setFilter({ customer: (e.target as HTMLInputElement).value.trim() })} /></label>
        <label>${t('tickets.filter.search')}<input .value=${f.q} maxlength="200" data-test="filter-q" @change=${(e: Event) => this.setFilter({ q: (e.target as HTMLInputElement).value.trim() })} /></label>
        <label class="check"><input type="checkbox" .checked=${f.mine} data-test="filter-mine" @change=${(e: Event) => this.setFilter({ mine: (e.target as HTMLInputElement).checked })} />${t('tickets.filter.mine')}</label>
        <label class="check"><input type="checkbox" .checked=${f.breached} @change=${(e: Event) => this.setFilter({ breached: (e.target as HTMLInputElement).checked })} />${t('tickets.filter.breached')}</label>
        <button type="button" class="primary" data-test="ticket-new" @click=${() => (this.creating = true)}>${t('tickets.new')}</button>
      </div>
      ${this.creating ? this.renderCreate() : ''}
      ${this.detail ? this.renderDetail(this.detail) : ''}
      ${this.list.length === 0
        ? html`<p class="muted" data-test="tickets-empty">${t('tickets.none')}</p>`
        : html`<table class="grid" data-test="ticket-list">
          <thead><tr><th>${t('tickets.field.id')}</th><th>${t('tickets.field.subject')}</th><th>${t('tickets.field.customer')}</th><th>${t('tickets.field.state')}</th><th>${t('tickets.field.priority')}</th><th>${t('tickets.field.department')}</th><th>${t('tickets.field.assignee')}</th><th>${t('tickets.field.due')}</th><th>${t('tickets.field.updated')}</th></tr></thead>
          <tbody>${this.list.map((tk) => html`<tr data-test="ticket-row" data-id=${tk.id} data-state=${tk.state}>
            <td><a href="#/tickets?id=${tk.id}" @click=${() => void this.open(tk.id)}>${tk.id}</a></td>
            <td>${tk.subject}</td><td>${tk.customer.name ?? ''} ${tk.customer.number ?? ''}</td>
            <td>${stateText(tk.state)}</td><td>${priorityText(tk.priority)}</td><td>${tk.department ?? ''}</td><td>${tk.assignee ?? t('tickets.unassigned')}</td>
            <td class=${tk.breached ? 'error' : ''}>${slaText(tk, this.readAt)}</td><td>${formatDateTime(tk.updatedAt)}</td>
          </tr>`)}</tbody></table>`}
    </main>`;
  }
}
customElements.define('cc-tickets', TicketsPage);

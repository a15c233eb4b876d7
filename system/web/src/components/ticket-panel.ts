// Tickets in the screen pop (工单联动): the tickets of the shown customer's number, and a
// form to create one from the current call (or the call that just ended), prefilled with the
// caller's number and the call id, so the ticket is linked to the customer and the call.
// Lives inside the customer card; reloads when the shown number changes and after a create.
import { html } from 'lit';
import { api } from '../api.ts';
import { DeskElement } from '../base.ts';
import { formatDateTime, t } from '../i18n.ts';
import { priorityText, slaText, stateText, ticketError, type TicketOptions, type TicketView } from './ticket-common.ts';

export class TicketPanel extends DeskElement {
  static override properties = { ...DeskElement.properties, tickets: { state: true }, open: { state: true }, options: { state: true }, message: { state: true }, error: { state: true } };
  declare tickets: TicketView[];
  declare open: boolean;
  declare options: TicketOptions | undefined;
  declare message: string;
  declare error: string;
  private shownFor?: string | null;
  private readAt = Date.now();

  constructor() {
    super();
    this.tickets = [];
    this.open = false;
    this.message = '';
    this.error = '';
  }

  private async reload(number: string): Promise<void> {
    try {
      const list = await api<TicketView[]>('GET', `/api/tickets?customer=${encodeURIComponent(number)}&limit=20`);
      if (this.desk.popNumber !== number) return;
      this.tickets = list;
      this.readAt = Date.now();
    } catch (err) {
      this.error = ticketError(err);
    }
  }

  /** The call the ticket comes from: the current one, else the one that just ended with the same caller. */
  private get callId(): string | undefined {
    const d = this.desk;
    const c = d.call ?? d.lastCall;
    return c && c.caller === d.popNumber ? c.callId : undefined;
  }

  private async toggle(): Promise<void> {
    this.open = !this.open;
    this.message = '';
    this.error = '';
    if (this.open && !this.options) {
      try {
        this.options = await api<TicketOptions>('GET', '/api/tickets/options');
      } catch (err) {
        this.error = ticketError(err);
      }
    }
  }

  private async create(e: Event): Promise<void> {
    e.preventDefault();
    const number = this.desk.popNumber;
    if (!number) return;
    const data = new FormData(e.target as HTMLFormElement);
    const str = (k: string) => String(data.get(k) ?? '');
    const callId = this.callId;
    this.error = '';
    try {
      const made = await api<TicketView>('POST', '/api/tickets', {
        subject: str('subject'),
        description: str('description'),
        priority: str('priority') || 'normal',
        customer: { number, ...(this.desk.customer?.name ? { name: this.desk.customer.name } : {}) },
        source: callId ? { kind: 'call', id: callId } : { kind: 'manual' },
        ...(str('department') ? { department: str('department') } : {}),
        ...(str('assignee') ? { assignee: str('assignee') } : {}),
      });
      this.message = t('tickets.created', { id: made.id });
      this.open = false;
      await this.reload(number);
    } catch (err) {
      this.error = ticketError(err);
    }
  }

  override render() {
    const d = this.desk;
    if (d.popNumber !== this.shownFor) {
      this.shownFor = d.popNumber;
      this.tickets = [];
      this.message = '';
      this.error = '';
      this.open = false;
      if (d.popNumber) void this.reload(d.popNumber);
    }
    if (!d.popNumber) return html``;
    const callId = this.callId;
    const me = d.workspace?.username;
    const o = this.options;
    return html`<div class="tickets-panel" data-test="customer-tickets">
      <h3>${t('tickets.forCustomer')}
        <button type="button" class="small" data-test="ticket-from-call" @click=${() => this.toggle()}>${callId ? t('tickets.fromCall') : t('tickets.new')}</button></h3>
      ${this.message ? html`<p class="ok" data-test="ticket-created">${this.message}</p>` : ''}
      ${this.error ? html`<p class="error" role="alert" data-test="ticket-error">${this.error}</p>` : ''}
      ${this.open ? html`<form data-test="ticket-form" @submit=${(e: Event) => this.create(e)}>
        <p class="muted small" data-test="ticket-link">${t('tickets.field.customer')}: ${d.popNumber}${d.customer?.name ? ` (${d.customer.name})` : ''}
          · ${t('tickets.field.source')}: ${callId ? html`${t('tickets.source.call')} <span data-test="ticket-call-id">${callId}</span>` : t('tickets.source.manual')}</p>
        <label>${t('tickets.field.subject')}<input name="subject" required maxlength="200" data-test="ticket-subject" /></label>
        <label>${t('tickets.field.description')}<textarea name="description" rows="3" maxlength="10000" data-test="ticket-description"></textarea></label>
        <label>${t('tickets.field.priority')}<select name="priority" data-test="ticket-priority">
          ${(o?.priorities ?? ['low', 'normal', 'high', 'urgent']).map((p) => html`<option value=${p} ?selected=${p === 'normal'}>${priorityText(p)}</option>`)}
        </select></label>
        <label>${t('tickets.field.department')}${o?.departments.length
          ? html`<select name="department" data-test="ticket-department"><option value="">${t('tickets.noDepartment')}</option>${o.departments.map((x) => html`<option value=${x}>${x}</option>`)}</select>`
          : html`<input name="department" maxlength="64" data-test="ticket-department" />`}</label>
        <label>${t('tickets.field.assignee')}<select name="assignee" data-test="ticket-assignee">
          <option value="">${t('tickets.unassigned')}</option>
          ${(o?.assignees ?? []).map((u) => html`<option value=${u} ?selected=${u === me}>${u}</option>`)}
        </select></label>
        <div class="actions"><button type="submit" class="primary" data-test="ticket-submit">${t('tickets.create')}</button></div>
      </form>` : ''}
      ${this.tickets.length === 0
        ? html`<p class="muted" data-test="customer-tickets-empty">${t('tickets.noneForCustomer')}</p>`
        : html`<table class="grid" data-test="customer-ticket-list">
            <thead><tr><th>${t('tickets.field.id')}</th><th>${t('tickets.field.subject')}</th><th>${t('tickets.field.state')}</th><th>${t('tickets.field.priority')}</th><th>${t('tickets.field.due')}</th><th>${t('tickets.field.created')}</th></tr></thead>
            <tbody>${this.tickets.map((tk) => html`<tr data-test="customer-ticket" data-id=${tk.id} data-source=${tk.source.id ?? ''}>
              <td><a href="#/tickets?id=${tk.id}">${tk.id}</a></td>
              <td>${tk.subject}</td>
              <td data-test="customer-ticket-state">${stateText(tk.state)}</td>
              <td>${priorityText(tk.priority)}</td>
              <td class=${tk.breached ? 'error' : ''}>${slaText(tk, this.readAt)}</td>
              <td>${formatDateTime(tk.createdAt)}</td>
            </tr>`)}</tbody>
          </table>`}
    </div>`;
  }
}
customElements.define('cc-ticket-panel', TicketPanel);

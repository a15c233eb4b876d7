// The screen pop (客户信息联动): the customer record of the caller's number — VIP badge, name,
// notes — editable and savable (agents cannot change the queue priority), or a form to
// create it; and the number's previous calls from the CDRs.
import { html } from 'lit';
import { DeskElement } from '../base.ts';
import { formatDuration } from '../clock.ts';
import { errorText } from '../errors.ts';
import { formatDateTime, lang, t, tMaybe } from '../i18n.ts';
import './ticket-panel.ts';

export class CustomerCard extends DeskElement {
  static override properties = { ...DeskElement.properties, saved: { state: true }, error: { state: true } };
  declare saved: boolean;
  declare error: unknown;
  private shownFor?: string | null;

  constructor() {
    super();
    this.saved = false;
    this.error = undefined;
  }

  focusName(): void {
    this.querySelector<HTMLInputElement>('input[name="name"]')?.focus();
  }

  async save(e?: Event) {
    e?.preventDefault();
    const form = this.querySelector<HTMLFormElement>('form[data-test="customer-form"]');
    if (!form) return;
    const data = new FormData(form);
    const priority = data.get('priority');
    this.error = undefined;
    this.saved = false;
    try {
      await this.desk.saveCustomer({
        name: String(data.get('name') ?? ''),
        notes: String(data.get('notes') ?? ''),
        ...(priority !== null ? { priority: Number(priority) } : {}),
      });
      this.saved = true;
    } catch (err) {
      this.error = err;
    }
  }

  override render() {
    const d = this.desk;
    if (d.popNumber !== this.shownFor) {
      this.shownFor = d.popNumber;
      this.saved = false;
      this.error = undefined;
    }
    if (!d.popNumber) return html`<section class="card customer"><h2>${t('customer.title')}</h2><p class="muted">${t('customer.noCall')}</p></section>`;
    const c = d.customer;
    const mayPrioritise = d.workspace?.role === 'admin' || d.workspace?.role === 'supervisor';
    const vip = (c?.priority ?? 0) > 0;
    return html`<section class="card customer" data-test="customer-card" data-number=${d.popNumber}>
      <h2>${t('customer.title')} · <span data-test="customer-number">${d.popNumber}</span>
        ${vip ? html`<span class="badge vip" data-test="vip-badge">${t('customer.vip')} ${c!.priority}</span>` : ''}</h2>
      ${d.customerMissing ? html`<p class="hint" data-test="customer-unknown">${t('customer.unknown', { number: d.popNumber })}</p>` : ''}
      <form data-test="customer-form" @submit=${(e: Event) => this.save(e)}>
        <label>${t('customer.name')}<input name="name" maxlength="128" .value=${c?.name ?? ''} data-test="customer-name" /></label>
        <label>${t('customer.notes')}<textarea name="notes" maxlength="2000" rows="3" .value=${c?.notes ?? ''} data-test="customer-notes"></textarea></label>
        ${mayPrioritise
          ? html`<label>${t('customer.priority')}<input name="priority" type="number" min="0" max="100" .value=${String(c?.priority ?? 0)} data-test="customer-priority" /></label>`
          : html`<p class="muted small">${t('customer.priority')}: ${c?.priority ?? 0} — ${t('customer.priorityLocked')}</p>`}
        <div class="actions">
          <button type="submit" class="primary" title="Ctrl+S" data-test="customer-save">${d.customerMissing ? t('customer.create') : t('customer.save')}</button>
          ${this.saved ? html`<span class="ok" data-test="customer-saved">${t('customer.saved')}</span>` : ''}
          ${c?.updatedAt ? html`<span class="muted small">${t('customer.updated', { when: formatDateTime(c.updatedAt), who: c.updatedBy ?? '' })}</span>` : ''}
        </div>
        ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
      </form>
      <h3>${t('history.title')}</h3>
      ${d.history.length === 0
        ? html`<p class="muted" data-test="history-empty">${t('history.none')}</p>`
        : html`<table class="grid" data-test="history">
            <thead><tr><th>${t('history.when')}</th><th>${t('history.direction')}</th><th>${t('history.other')}</th><th>${t('history.queue')}</th><th>${t('history.agents')}</th><th>${t('history.duration')}</th><th>${t('history.result')}</th><th>${t('history.wrapUp')}</th></tr></thead>
            <tbody>${d.history.map((h) => html`<tr data-test="history-row" data-call=${h.callId}>
              <td>${formatDateTime(h.startedAt)}</td>
              <td>${h.direction === 'in' ? t('history.in') : t('history.out')}</td>
              <td>${h.other}</td>
              <td>${h.queue ? d.workspace?.queues.find((q) => q.name === h.queue)?.displayName ?? h.queue : ''}</td>
              <td>${(h.agents ?? []).join(', ')}</td>
              <td>${formatDuration(h.talkMs)}</td>
              <td>${tMaybe(`disposition.${h.disposition}`, h.disposition)}</td>
              <td data-test="history-wrapup">${h.wrapUp ? html`<strong>${lang() === 'zh-CN' ? h.wrapUp.disposition.zh : h.wrapUp.disposition.en}</strong>${h.wrapUp.notes ? html`<br /><span class="small">${h.wrapUp.notes}</span>` : ''}` : ''}</td>
            </tr>`)}</tbody>
          </table>`}
      <cc-ticket-panel .desk=${d}></cc-ticket-panel>
    </section>`;
  }
}
customElements.define('cc-customer-card', CustomerCard);

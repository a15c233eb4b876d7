// Ticket notices in the workspace: when a ticket is assigned to the signed-in user (pushed
// over the live WebSocket by the box), a banner names it with a link to its page, until
// dismissed. Other ticket changes do not interrupt the agent.
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { t } from '../i18n.ts';
import type { LiveEvents } from '../live.ts';
import type { TicketNotice } from './ticket-common.ts';

export class TicketNotices extends AppElement {
  static override properties = { live: { attribute: false }, notices: { state: true } };
  declare live: LiveEvents;
  declare notices: TicketNotice[];

  constructor() {
    super();
    this.notices = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.live) return;
    this.keep(this.live.on((m) => {
      const n = m as unknown as TicketNotice;
      if (n.kind === 'ticket' && n.assignedToYou) this.notices = [...this.notices.filter((x) => x.ticket.id !== n.ticket.id), n].slice(-5);
    }));
  }

  private dismiss(id: string): void {
    this.notices = this.notices.filter((n) => n.ticket.id !== id);
  }

  override render() {
    if (!this.notices.length) return html``;
    return html`<div class="ticket-notices" role="status">${this.notices.map((n) => html`<p class="hint" data-test="ticket-notice" data-id=${n.ticket.id}>
      ${t('tickets.notice.assigned', { id: n.ticket.id, subject: n.ticket.subject })}
      <a href="#/tickets?id=${n.ticket.id}" @click=${() => this.dismiss(n.ticket.id)}>${t('tickets.notice.open')}</a>
      <button type="button" class="small" @click=${() => this.dismiss(n.ticket.id)}>${t('tickets.notice.dismiss')}</button></p>`)}</div>`;
  }
}
customElements.define('cc-ticket-notices', TicketNotices);

// Add a party to the agent's connected call (3-way / multi-party, 多方通话), or transfer the call
// (the number rings as a party; once it answers the agent leaves): a number typed or
// picked from the quick-dial list rings as the agent's extension would dial it, and joins the
// call once answered (POST /api/calls/:id/parties, built by the call-control area); the added
// parties are listed with a button to drop each (cancels a hand-over). "Complete transfer"
// (POST /api/workspace/calls/:id/leave, also for desk-phone agents) or hanging up leaves the
// others talking: add, introduce, leave hands the caller over.
import { html } from 'lit';
import { api } from '../api.ts';
import { DeskElement } from '../base.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';

interface Member {
  id: string;
  party: { number: string };
  state: 'ringing' | 'talking' | 'left';
}

export class ConferencePanel extends DeskElement {
  static override properties = { ...DeskElement.properties, adding: { state: true }, error: { state: true } };
  declare adding: string | undefined;
  declare error: unknown;
  private members: Member[] = [];
  private forCall?: string;
  private quickDial?: { number: string; label: string }[];
  private transferring = false;

  override connectedCallback(): void {
    super.connectedCallback();
    api<{ numbers: { number: string; label: string }[] }>('GET', '/api/workspace/quick-dial')
      .then((r) => {
        this.quickDial = r.numbers;
        this.requestUpdate();
      })
      .catch(() => (this.quickDial = []));
  }

  private async add(number: string): Promise<void> {
    const callId = this.desk.call?.callId;
    if (!callId || !/^[0-9*#+]{1,32}$/.test(number) || this.adding) return;
    this.error = undefined;
    this.adding = number;
    try {
      const m = await api<Member>('POST', `/api/calls/${encodeURIComponent(callId)}/parties`, { number });
      if (this.forCall === callId) this.members = [...this.members, m];
    } catch (err) {
      this.error = err;
    } finally {
      this.adding = undefined;
    }
  }

  /** Transfer to `number`: it rings as a party; once it answers this agent leaves the call. */
  private async transfer(number: string): Promise<void> {
    const callId = this.desk.call?.callId;
    if (!callId || !/^[0-9*#+]{1,32}$/.test(number) || this.adding) return;
    this.error = undefined;
    this.adding = number;
    this.transferring = true;
    try {
      await api('POST', `/api/workspace/calls/${encodeURIComponent(callId)}/transfer`, { number });
    } catch (err) {
      this.error = err;
    } finally {
      this.adding = undefined;
      this.transferring = false;
    }
  }

  /** Leave the call to the others (the hand-over). */
  private async leave(): Promise<void> {
    const callId = this.desk.call?.callId;
    if (!callId) return;
    this.error = undefined;
    try {
      await api('POST', `/api/workspace/calls/${encodeURIComponent(callId)}/leave`, {});
    } catch (err) {
      this.error = err;
    }
  }

  private async drop(m: Member): Promise<void> {
    const callId = this.desk.call?.callId;
    if (!callId) return;
    this.error = undefined;
    try {
      const left = await api<Member>('DELETE', `/api/calls/${encodeURIComponent(callId)}/parties/${encodeURIComponent(m.id)}`);
      this.members = this.members.map((x) => (x.id === m.id ? { ...x, state: left.state } : x));
      this.requestUpdate();
    } catch (err) {
      this.error = err;
    }
  }

  override render() {
    const call = this.desk.call;
    if (call?.callId !== this.forCall) {
      this.forCall = call?.callId;
      this.members = [];
      this.error = undefined;
    }
    if (call?.state !== 'connected') return html``;
    return html`<section class="card conference" data-test="conference">
      <h2>${t('conference.title')}</h2>
      <form class="actions" @submit=${(e: Event) => {
        e.preventDefault();
        void this.add(String(new FormData(e.target as HTMLFormElement).get('number') ?? '').trim());
      }}>
        <label class="inline">${t('conference.number')}
          <input name="number" inputmode="tel" pattern="[0-9*#+]{1,32}" required maxlength="32" data-test="conf-number" /></label>
        <button type="submit" ?disabled=${!!this.adding} data-test="conf-add">${t('conference.add')}</button>
        <button type="button" ?disabled=${!!this.adding} data-test="conf-transfer" @click=${() => {
          const input = this.querySelector<HTMLInputElement>('input[data-test="conf-number"]');
          if (input?.reportValidity()) void this.transfer(input.value.trim());
        }}>${t('conference.transfer')}</button>
      </form>
      ${this.quickDial?.length ? html`<div class="actions" data-test="quick-dial">${this.quickDial.map((q) => html`<button class="small" ?disabled=${!!this.adding} data-test="quick-dial-entry" data-number=${q.number} @click=${() => this.add(q.number)}>${q.label} · ${q.number}</button>`)}</div>` : ''}
      ${this.adding ? html`<p class="muted" data-test="conf-adding">${t(this.transferring ? 'conference.transferring' : 'conference.ringing', { number: this.adding })}</p>` : ''}
      ${this.members.length ? html`<ul class="members">${this.members.map((m) => html`<li data-test="conf-member" data-member=${m.id} data-state=${m.state}>
          ${m.party.number} · ${t(`conference.state.${m.state}`)}
          ${m.state !== 'left' ? html`<button class="small" data-test="conf-drop" @click=${() => this.drop(m)}>${t('conference.drop')}</button>` : ''}
        </li>`)}</ul>` : ''}
      ${this.members.some((m) => m.state === 'talking') ? html`<div class="actions"><button class="primary" data-test="conf-leave" @click=${() => this.leave()}>${t('conference.leave')}</button></div>` : ''}
      <p class="muted small">${t('conference.hint')}</p>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
    </section>`;
  }
}
customElements.define('cc-conference-panel', ConferencePanel);

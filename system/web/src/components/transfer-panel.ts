// Blind transfer (盲转) of the agent's connected queue call from the workspace: to another agent
// (their browser softphone or desk phone rings), a queue (the caller waits there again) or an
// extension / outside number (through the dial plan, under the agent's toll class). The agent
// leaves at once (POST /api/workspace/calls/:id/blind-transfer); the box rings the target while
// the caller hears music, and sends the caller back to its queue if nobody answers. Consult
// (咨询转接; an agent's browser softphone or desk phone, or a number): the caller waits apart
// with music while the target rings (Cancel stops it) and then talks privately with the agent;
// then Complete, Cancel or Conference (POST .../consult[/:action]). A target that declines or does
// not answer brings the caller back, and the panel says why. The consultation is stored on the
// box (GET /api/workspace/consultations), so a reloaded page shows its controls again, and the
// consulted agent's panel says who consults them about which caller. The agents
// and queues come from GET /api/workspace/transfer-targets. A plain form: Tab moves through it,
// Enter transfers.
import { html } from 'lit';
import { api } from '../api.ts';
import { DeskElement } from '../base.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';

type Kind = 'agent' | 'queue' | 'number';
interface Consultation {
  callId: string;
  agent: string;
  to: string;
  toAgent?: string;
  caller: string;
  phase: string;
  role: 'consulting' | 'consulted';
}
interface Targets {
  agents: { id: string; name?: string; extension: string; device: string; state: 'logged-out' | 'available' | 'ringing' | 'on-call' | 'wrap-up' | 'break' }[];
  queues: { name: string; displayName?: string }[];
}

export class TransferPanel extends DeskElement {
  static override properties = { ...DeskElement.properties, kind: { state: true }, busy: { state: true }, done: { state: true }, consulting: { state: true }, ringingTo: { state: true }, consulted: { state: true }, error: { state: true } };
  declare consulting: string | undefined;
  /** The consultation's target while it rings (Cancel stops it). */
  declare ringingTo: string | undefined;
  /** This agent is the one consulted on the call: by whom, about which caller. */
  declare consulted: Consultation | undefined;
  declare kind: Kind;
  declare busy: boolean;
  declare done: string | undefined;
  declare error: unknown;
  private targets: Targets = { agents: [], queues: [] };
  private forCall?: string;

  constructor() {
    super();
    this.kind = 'agent';
    this.busy = false;
  }

  private async load(): Promise<void> {
    try {
      this.targets = await api<Targets>('GET', '/api/workspace/transfer-targets');
      this.requestUpdate();
    } catch (err) {
      this.error = err;
    }
  }

  /** An agent's configured name (from the transfer targets, which list every agent), else its id. */
  private agentName(id: string): string {
    return this.targets.agents.find((a) => a.id === id)?.name ?? id;
  }

  /** The stored consultation of this call, if any (after a reload its controls come back). */
  private async loadConsultation(callId: string): Promise<void> {
    try {
      const { consultations } = await api<{ consultations: Consultation[] }>('GET', '/api/workspace/consultations');
      if (this.forCall !== callId) return;
      const mine = consultations.find((c) => c.callId === callId && c.role === 'consulting');
      this.consulted = consultations.find((c) => c.callId === callId && c.role === 'consulted');
      if (mine && !this.busy) {
        this.consulting = mine.phase === 'talking' ? mine.to : undefined;
        this.ringingTo = mine.phase === 'ringing' ? mine.to : undefined;
      }
    } catch (err) {
      this.error = err;
    }
  }

  private async transfer(target: string): Promise<void> {
    const callId = this.desk.call?.callId;
    if (!callId || !target || this.busy) return;
    this.error = undefined;
    this.busy = true;
    try {
      const r = await api<{ kind: string; to: string }>('POST', `/api/workspace/calls/${encodeURIComponent(callId)}/blind-transfer`, { kind: this.kind, target });
      this.done = r.to;
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  /** Consult the chosen target: resolves once it answered (the caller waits apart meanwhile). */
  private async consult(target: string): Promise<void> {
    const callId = this.desk.call?.callId;
    if (!callId || !target || this.busy || this.kind === 'queue') return;
    this.error = undefined;
    this.busy = true;
    this.ringingTo = target;
    try {
      const r = await api<{ member: string; to: string }>('POST', `/api/workspace/calls/${encodeURIComponent(callId)}/consult`, { kind: this.kind, target });
      this.consulting = r.to;
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
      this.ringingTo = undefined;
    }
  }

  private async finishConsult(action: 'complete' | 'cancel' | 'conference'): Promise<void> {
    const callId = this.desk.call?.callId;
    if (!callId || (this.busy && !(action === 'cancel' && this.ringingTo))) return;
    this.error = undefined;
    this.busy = true;
    try {
      await api('POST', `/api/workspace/calls/${encodeURIComponent(callId)}/consult/${action}`, {});
      this.ringingTo = undefined;
      if (action === 'complete') this.done = this.consulting;
      this.consulting = undefined;
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  private targetField() {
    const me = this.desk.workspace?.agent?.id;
    if (this.kind === 'number') {
      return html`<input name="target" inputmode="tel" pattern="[0-9*#+]{1,32}" required maxlength="32" data-test="transfer-number" />`;
    }
    const options = this.kind === 'agent'
      ? this.targets.agents.filter((a) => a.id !== me).map((a) => html`<option value=${a.id} ?disabled=${a.state !== 'available'} data-test="transfer-agent-option">${t('transfer.agentState', { name: a.name ?? a.id, state: t(`state.${a.state}`) })}</option>`)
      : this.targets.queues.map((q) => html`<option value=${q.name}>${q.displayName ?? q.name}</option>`);
    return html`<select name="target" required data-test="transfer-target"><option value="">${t('transfer.choose')}</option>${options}</select>`;
  }

  override render() {
    const call = this.desk.call;
    if (call?.callId !== this.forCall) {
      this.forCall = call?.callId;
      this.error = undefined;
      this.consulting = undefined;
      this.ringingTo = undefined;
      this.consulted = undefined;
      if (call) {
        this.done = undefined;
        void this.load();
        void this.loadConsultation(call.callId);
      }
    }
    const consulted = this.consulted ? html`<p class="ok big" data-test="consulted" data-agent=${this.consulted.agent}>${t('transfer.consultedBy', { agent: this.agentName(this.consulted.agent), caller: this.consulted.caller })}</p>` : '';
    if (consulted && call?.state !== 'connected') return html`<section class="card transfer" data-test="transfer">${consulted}</section>`;
    if (this.done && !call) return html`<section class="card transfer" data-test="transfer"><p class="ok" data-test="transfer-done">${t('transfer.started', { to: this.done })}</p></section>`;
    if (call?.state !== 'connected') return html``;
    return html`<section class="card transfer" data-test="transfer">
      <h2>${t('transfer.title')}</h2>
      ${consulted}
      <form class="actions" @submit=${(e: Event) => {
        e.preventDefault();
        void this.transfer(String(new FormData(e.target as HTMLFormElement).get('target') ?? '').trim());
      }}>
        <label class="inline">${t('transfer.kind')}
          <select data-test="transfer-kind" @change=${(e: Event) => (this.kind = (e.target as HTMLSelectElement).value as Kind)}>
            ${(['agent', 'queue', 'number'] as const).map((k) => html`<option value=${k} ?selected=${this.kind === k}>${t(`transfer.kind.${k}`)}</option>`)}
          </select></label>
        <label class="inline">${t('transfer.target')} ${this.targetField()}</label>
        <button type="submit" class="primary" ?disabled=${this.busy || !!this.consulting || !!this.ringingTo} data-test="transfer-blind">${t('transfer.blind')}</button>
        <button type="button" ?disabled=${this.busy || !!this.consulting || !!this.ringingTo || this.kind === 'queue'} data-test="transfer-consult" @click=${() => {
          const field = this.querySelector<HTMLInputElement | HTMLSelectElement>('[name=target]');
          if (field?.reportValidity()) void this.consult(field.value.trim());
        }}>${t('transfer.consult')}</button>
      </form>
      ${this.ringingTo && !this.consulting ? html`<div class="actions" data-test="consult-ringing">
        <p class="muted">${t('transfer.consultRinging', { to: this.ringingTo })}</p>
        <button data-test="consult-cancel" @click=${() => this.finishConsult('cancel')}>${t('transfer.cancel')}</button>
      </div>` : ''}
      ${this.consulting ? html`<div class="actions" data-test="consulting">
        <p class="ok">${t('transfer.consulting', { to: this.consulting })}</p>
        <button class="primary" ?disabled=${this.busy} data-test="consult-complete" @click=${() => this.finishConsult('complete')}>${t('transfer.complete')}</button>
        <button ?disabled=${this.busy} data-test="consult-cancel" @click=${() => this.finishConsult('cancel')}>${t('transfer.cancel')}</button>
        <button ?disabled=${this.busy} data-test="consult-conference" @click=${() => this.finishConsult('conference')}>${t('transfer.conference')}</button>
      </div>` : ''}
      <p class="muted small">${t('transfer.hint')}</p>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
    </section>`;
  }
}
customElements.define('cc-transfer-panel', TransferPanel);

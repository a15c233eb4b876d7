// The supervisor view (班长监控): per queue the callers waiting (number, wait, agents being
// rung), the longest wait and the agents by state; per agent the state and time in state.
// Pushed by the live events (Board); waits and times tick on the page.
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { Board } from '../board.ts';
import { everySecond, formatDuration, serverNow } from '../clock.ts';
import { errorText } from '../errors.ts';
import { t, tMaybe } from '../i18n.ts';
import type { LiveEvents } from '../live.ts';
import type { AgentState } from '../types.ts';

const STATES: AgentState[] = ['available', 'ringing', 'on-call', 'wrap-up', 'break', 'logged-out'];

export class SupervisorPage extends AppElement {
  static override properties = { live: { attribute: false }, error: { state: true } };
  declare live: LiveEvents;
  declare error: unknown;
  board?: Board;

  constructor() {
    super();
    this.error = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const board = new Board(this.live);
    this.board = board;
    this.keep(board.onChange(() => this.requestUpdate()));
    this.keep(everySecond(() => this.requestUpdate()));
    this.keep(() => board.stop());
    board.start().catch((err) => (this.error = err));
  }

  override render() {
    const b = this.board;
    if (!b) return html``;
    const now = serverNow();
    const agents = [...b.agents.values()].sort((x, y) => x.id.localeCompare(y.id));
    return html`<main class="supervisor" data-test="supervisor">
      <h1>${t('supervisor.title')}</h1>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
      <section class="card">
        <h2>${t('supervisor.queues')}</h2>
        ${b.queues.length === 0 ? html`<p class="muted">${t('supervisor.noQueues')}</p>` : html`
        <table class="grid queues" data-test="queues">
          <thead><tr><th>${t('supervisor.queue')}</th><th>${t('supervisor.waiting')}</th><th>${t('supervisor.longestWait')}</th><th>${t('supervisor.estimatedWait')}</th>
            ${STATES.map((s) => html`<th>${t(`state.${s}`)}</th>`)}</tr></thead>
          <tbody>${b.queues.map((q) => {
            const counts = b.agentsByState(q.name);
            return html`<tr data-test="queue-row" data-queue=${q.name}>
              <td>${q.displayName ?? q.name}</td>
              <td class="num ${q.callers.length ? 'alert' : ''}" data-test="queue-waiting">${q.callers.length}</td>
              <td class="num" data-test="queue-longest">${formatDuration(b.longestWaitMs(q))}</td>
              <td class="num">${q.estimatedWaitSec !== undefined ? formatDuration(q.estimatedWaitSec * 1000) : '—'}</td>
              ${STATES.map((s) => html`<td class="num" data-test="queue-agents-${s}">${counts[s]}</td>`)}
            </tr>`;
          })}</tbody>
        </table>`}
      </section>
      <section class="card">
        <h2>${t('supervisor.callers')}</h2>
        ${b.queues.every((q) => q.callers.length === 0) ? html`<p class="muted" data-test="no-callers">${t('supervisor.noCallers')}</p>` : html`
        <table class="grid" data-test="callers">
          <thead><tr><th>${t('supervisor.queue')}</th><th>${t('supervisor.position')}</th><th>${t('supervisor.caller')}</th><th>${t('supervisor.wait')}</th><th>${t('supervisor.ringingAgents')}</th></tr></thead>
          <tbody>${b.queues.flatMap((q) => q.callers.map((c) => html`<tr data-test="caller-row" data-caller=${c.caller}>
            <td>${q.displayName ?? q.name}</td><td class="num">${c.position}</td><td>${c.caller}${c.priority > 0 ? html` <span class="badge vip">${t('customer.vip')}</span>` : ''}</td>
            <td class="num" data-test="caller-wait">${formatDuration(now - (q.enteredAt[c.callId] ?? now))}</td><td>${c.ringing.join(', ')}</td>
          </tr>`))}</tbody>
        </table>`}
      </section>
      <section class="card">
        <h2>${t('supervisor.agents')}</h2>
        ${agents.length === 0 ? html`<p class="muted">${t('supervisor.noAgents')}</p>` : html`
        <table class="grid" data-test="agents">
          <thead><tr><th>${t('supervisor.agent')}</th><th>${t('supervisor.extension')}</th><th>${t('supervisor.state')}</th><th>${t('supervisor.since')}</th><th>${t('supervisor.callsTaken')}</th><th>${t('supervisor.agentQueues')}</th></tr></thead>
          <tbody>${agents.map((a) => html`<tr data-test="agent-row" data-agent=${a.id} data-state=${a.state}>
            <td>${a.name ? `${a.name} (${a.id})` : a.id}</td><td>${a.extension}</td>
            <td><span class="state state-${a.state}">${t(`state.${a.state}`)}${a.state === 'break' && a.reason ? ` · ${tMaybe(`reason.${a.reason}`, a.reason)}` : ''}</span></td>
            <td class="num">${formatDuration(now - a.since)}</td><td class="num">${a.callsTaken}</td><td>${a.queues.map((m) => m.queue).join(', ')}</td>
          </tr>`)}</tbody>
        </table>`}
      </section>
    </main>`;
  }
}
customElements.define('cc-supervisor', SupervisorPage);

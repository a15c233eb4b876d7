// Chats and emails in the agent workspace (全渠道): the agent's open interactions (offered ones
// with Accept / Decline), the selected one's thread with a reply box and Close, and a search
// over the transcripts the agent took part in. Reads GET /api/interactions/mine once and then
// follows the WebSocket /api/interactions/events (reconnecting with back-off; a reconnect
// re-reads the list). Styles are inline so the component stands alone.
// Also the supervision card <cc-interaction-counts> (on the wallboard): per queue and channel
// the waiting, offered and active interactions and the longest wait, and each agent's load
// against their capacity, re-read on every change the same WebSocket reports.
import { html } from 'lit';
import { api } from '../api.ts';
import { AppElement } from '../base.ts';
import { errorText } from '../errors.ts';
import { formatDateTime, t } from '../i18n.ts';
import './email-thread.ts';

interface IxMessage {
  seq: number;
  from: 'customer' | 'agent';
  agent?: string;
  text: string;
  at: number;
}

interface Ix {
  id: string;
  channel: 'chat' | 'email';
  queue: string;
  state: 'queued' | 'offered' | 'active' | 'closed';
  agent?: string;
  customer: { name?: string; email?: string; phone?: string };
  subject?: string;
  createdAt: number;
  messages: IxMessage[];
}

export class InteractionsPanel extends AppElement {
  static override properties = { items: { state: true }, selected: { state: true }, error: { state: true }, results: { state: true }, busy: { state: true } };
  declare items: Ix[];
  declare selected: string | undefined;
  declare error: unknown;
  declare results: Ix[] | undefined;
  declare busy: boolean;
  /** A closed or searched transcript shown read-only. */
  private viewing?: Ix;
  private ws?: WebSocket;
  private retryMs = 500;
  private stopped = false;
  private username?: string;

  constructor() {
    super();
    this.items = [];
    this.busy = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.stopped = false;
    void this.reload();
    this.open();
    this.keep(() => {
      this.stopped = true;
      this.ws?.close();
    });
  }

  private async reload(): Promise<void> {
    try {
      const r = await api<{ interactions: Ix[] }>('GET', '/api/interactions/mine');
      this.items = r.interactions;
    } catch (err) {
      this.error = err;
    }
  }

  private open(): void {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/interactions/events`);
    this.ws = ws;
    let reopened = false;
    ws.onopen = () => {
      if (this.retryMs > 500) reopened = true;
      this.retryMs = 500;
      if (reopened) void this.reload();
    };
    ws.onmessage = (e) => {
      let msg: { kind: string; username?: string; interaction?: Ix };
      try {
        msg = JSON.parse(String(e.data));
      } catch {
        return;
      }
      if (msg.kind === 'hello') this.username = msg.username;
      if (msg.kind === 'interaction' && msg.interaction) this.apply(msg.interaction);
    };
    ws.onclose = () => {
      if (this.stopped) return;
      setTimeout(() => !this.stopped && this.open(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, 10_000);
    };
  }

  /** One change from the box: keep, replace or drop it from the agent's list. */
  private apply(ix: Ix): void {
    const mine = ix.state !== 'closed' && ix.state !== 'queued' && (!this.username || ix.agent === this.username);
    const rest = this.items.filter((i) => i.id !== ix.id);
    this.items = mine ? [...rest, ix].sort((a, b) => a.createdAt - b.createdAt) : rest;
    if (!mine && this.selected === ix.id) this.selected = undefined;
  }

  private async act(ix: Ix, action: 'accept' | 'decline' | 'close'): Promise<void> {
    this.busy = true;
    this.error = undefined;
    try {
      const next = await api<Ix>('POST', `/api/interactions/${ix.id}/${action}`);
      this.apply(next);
      if (action === 'accept') this.selected = ix.id;
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  private async send(ix: Ix, form: HTMLFormElement): Promise<void> {
    const box = form.querySelector('textarea')!;
    const text = box.value.trim();
    if (!text) return;
    this.busy = true;
    this.error = undefined;
    try {
      await api('POST', `/api/interactions/${ix.id}/reply`, { text });
      box.value = '';
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  private async search(form: HTMLFormElement): Promise<void> {
    const q = (form.querySelector('input') as HTMLInputElement).value.trim();
    if (!q) {
      this.results = undefined;
      return;
    }
    try {
      this.results = (await api<{ interactions: Ix[] }>('GET', `/api/interactions/search?q=${encodeURIComponent(q)}`)).interactions;
    } catch (err) {
      this.error = err;
    }
  }

  /** Keep the newest line of the open thread in view. */
  override updated(): void {
    const log = this.querySelector<HTMLElement>('[data-test=ix-thread] ol');
    if (log) log.scrollTop = log.scrollHeight;
  }

  private who(ix: Ix): string {
    return ix.customer.name ?? ix.customer.email ?? ix.customer.phone ?? t('interactions.anonymous');
  }

  private thread(ix: Ix, readOnly: boolean) {
    return html`<div class="ix-thread" data-test="ix-thread" data-id=${ix.id}>
      ${ix.subject ? html`<h3>${ix.subject}</h3>` : ''}
      ${ix.channel === 'email' ? html`<cc-email-thread interaction-id=${ix.id}></cc-email-thread>` : ''}
      <ol style="list-style:none;padding:0;margin:0.5rem 0;max-height:18rem;overflow-y:auto">
        ${ix.messages.map((m) => html`<li data-test="ix-message" data-from=${m.from} style="margin:0.25rem 0;text-align:${m.from === 'agent' ? 'right' : 'left'}">
          <span class="muted small">${m.from === 'agent' ? (m.agent === this.username ? t('interactions.you') : m.agent) : this.who(ix)} · ${formatDateTime(m.at)}</span><br />
          <span style="display:inline-block;white-space:pre-wrap;padding:0.3rem 0.6rem;border-radius:8px;background:${m.from === 'agent' ? 'var(--accent)' : 'var(--line)'};color:${m.from === 'agent' ? '#fff' : 'inherit'}">${m.text}</span>
        </li>`)}
      </ol>
      ${readOnly || ix.state !== 'active'
        ? ''
        : html`<form data-test="ix-reply" @submit=${(e: Event) => { e.preventDefault(); void this.send(ix, e.target as HTMLFormElement); }}>
            <textarea rows="2" style="width:100%" placeholder=${t('interactions.replyPlaceholder')} aria-label=${t('interactions.reply')}
              @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); (e.target as HTMLTextAreaElement).form?.requestSubmit(); } }}></textarea>
            <button class="primary" ?disabled=${this.busy} data-test="ix-send">${t('interactions.send')}</button>
            <button type="button" ?disabled=${this.busy} data-test="ix-close" @click=${() => void this.act(ix, 'close')}>${t('interactions.close')}</button>
          </form>`}
    </div>`;
  }

  override render() {
    const selected = this.items.find((i) => i.id === this.selected);
    return html`<section class="card" data-test="interactions-panel">
      <div class="card-head"><h2>${t('interactions.title')} ${this.items.length ? html`<span class="badge" data-test="ix-count">${this.items.length}</span>` : ''}</h2></div>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
      ${this.items.length === 0 ? html`<p class="muted small">${t('interactions.none')}</p>` : ''}
      <ul style="list-style:none;padding:0;margin:0">
        ${this.items.map((ix) => html`<li data-test="ix-item" data-id=${ix.id} data-state=${ix.state} style="padding:0.3rem 0;border-bottom:1px solid var(--line)">
          <button class="link" @click=${() => { this.selected = ix.id; this.viewing = undefined; }}>
            <strong>${t(ix.channel === 'chat' ? 'interactions.channel.chat' : 'interactions.channel.email')}</strong> · ${this.who(ix)} · ${ix.subject ?? ix.messages[0]?.text.slice(0, 40) ?? ''}
          </button>
          <span class="muted small">${t(`interactions.state.${ix.state}`)}</span>
          ${ix.state === 'offered'
            ? html`<button class="primary" ?disabled=${this.busy} data-test="ix-accept" @click=${() => void this.act(ix, 'accept')}>${t('interactions.accept')}</button>
                <button ?disabled=${this.busy} data-test="ix-decline" @click=${() => void this.act(ix, 'decline')}>${t('interactions.decline')}</button>`
            : ''}
        </li>`)}
      </ul>
      ${selected ? this.thread(selected, false) : this.viewing ? html`${this.thread(this.viewing, true)}<button class="link" @click=${() => { this.viewing = undefined; this.requestUpdate(); }}>${t('interactions.back')}</button>` : ''}
      <form data-test="ix-search" style="margin-top:0.6rem" @submit=${(e: Event) => { e.preventDefault(); void this.search(e.target as HTMLFormElement); }}>
        <input type="search" placeholder=${t('interactions.searchPlaceholder')} aria-label=${t('interactions.search')} />
        <button>${t('interactions.search')}</button>
      </form>
      ${this.results
        ? this.results.length === 0
          ? html`<p class="muted small">${t('interactions.searchNone')}</p>`
          : html`<ul style="list-style:none;padding:0" data-test="ix-results">${this.results.map((ix) => html`<li data-test="ix-result" data-id=${ix.id}>
              <button class="link" @click=${() => { this.viewing = ix; this.selected = undefined; this.requestUpdate(); }}>${formatDateTime(ix.createdAt)} · ${this.who(ix)} · ${ix.messages[0]?.text.slice(0, 60) ?? ''}</button>
            </li>`)}</ul>`
        : ''}
    </section>`;
  }
}
customElements.define('cc-interactions-panel', InteractionsPanel);

interface IxCounts {
  channel: 'chat' | 'email';
  queue: string;
  queued: number;
  offered: number;
  active: number;
  longestWaitSec: number;
}

interface IxLoad {
  id: string;
  state: string;
  open: { chat: number; email: number };
  capacity: { calls: number; chats: number; emails: number };
}

/** Open a WebSocket to /api/interactions/events calling `onChange` for each change (and after a reconnect); returns a stop function. */
function followInteractions(onChange: () => void): () => void {
  let ws: WebSocket | undefined;
  let stopped = false;
  let retryMs = 500;
  const open = () => {
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/interactions/events`);
    ws.onmessage = (e) => {
      if (String(e.data).includes('"kind":"interaction"')) onChange();
    };
    ws.onopen = () => {
      if (retryMs > 500) onChange();
      retryMs = 500;
    };
    ws.onclose = () => {
      if (stopped) return;
      setTimeout(() => !stopped && open(), retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  };
  open();
  return () => {
    stopped = true;
    ws?.close();
  };
}

export class InteractionCountsCard extends AppElement {
  static override properties = { counts: { state: true }, loads: { state: true }, error: { state: true } };
  declare counts: IxCounts[];
  declare loads: IxLoad[];
  declare error: unknown;
  private pending?: ReturnType<typeof setTimeout>;

  constructor() {
    super();
    this.counts = [];
    this.loads = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
    this.keep(followInteractions(() => {
      clearTimeout(this.pending);
      this.pending = setTimeout(() => void this.reload(), 200);
    }));
    this.keep(() => clearTimeout(this.pending));
  }

  private async reload(): Promise<void> {
    try {
      const r = await api<{ counts: IxCounts[]; agents: IxLoad[] }>('GET', '/api/interactions');
      this.counts = r.counts;
      this.loads = r.agents;
      this.error = undefined;
    } catch (err) {
      this.error = err;
    }
  }

  override render() {
    const rows = this.counts.filter((c) => c.queued + c.offered + c.active > 0);
    const busy = this.loads.filter((a) => a.open.chat + a.open.email > 0 || a.state !== 'logged-out');
    return html`<section class="card" data-test="ix-counts">
      <h2>${t('interactions.counts')}</h2>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
      ${rows.length === 0 ? html`<p class="muted small">${t('interactions.none')}</p>` : html`
      <table class="grid">
        <thead><tr><th>${t('wallboard.queue')}</th><th></th><th>${t('interactions.count.queued')}</th><th>${t('interactions.count.offered')}</th><th>${t('interactions.count.active')}</th><th>${t('interactions.count.longestWait')}</th></tr></thead>
        <tbody>${rows.map((c) => html`<tr data-test="ix-count-row" data-queue=${c.queue} data-channel=${c.channel}>
          <td>${c.queue}</td><td>${t(c.channel === 'chat' ? 'interactions.channel.chat' : 'interactions.channel.email')}</td>
          <td class="num" data-test="ix-count-queued">${c.queued}</td><td class="num" data-test="ix-count-offered">${c.offered}</td>
          <td class="num" data-test="ix-count-active">${c.active}</td><td class="num">${c.longestWaitSec} s</td>
        </tr>`)}</tbody>
      </table>`}
      ${busy.length ? html`<p class="small" data-test="ix-loads">${busy.map((a) => html`<span data-test="ix-load" data-agent=${a.id} style="margin-right:1em">${a.id}: ${t('interactions.channel.chat')} ${a.open.chat}/${a.capacity.chats} · ${t('interactions.channel.email')} ${a.open.email}/${a.capacity.emails}</span>`)}</p>` : ''}
    </section>`;
  }
}
customElements.define('cc-interaction-counts', InteractionCountsCard);

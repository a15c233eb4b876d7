// The live wallboard (实时监控) for supervisors and administrators: calls in progress by
// phase, per queue the callers waiting, longest wait, agents by state and today's answered,
// abandoned and service level (coloured by the supervisor's thresholds), per agent the state,
// time in state and current call. One snapshot (GET /api/wallboard) for the first paint, then
// the numbered deltas pushed on the live events (a gap or a reconnect reads the snapshot
// again); nothing is polled, times tick on the page. `#/wallboard?big=1` is the big-screen
// mode for a wall display: no app chrome, the type sized so the board fills the screen.
// Each agent's call has Listen / Whisper / Barge buttons: they ring the supervisor's own
// extension (typed once, kept in the browser) through the call-control API.
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { api, ApiError } from '../api.ts';
import { everySecond, formatDuration, serverNow } from '../clock.ts';
import { errorText } from '../errors.ts';
import { t, tMaybe } from '../i18n.ts';
import type { LiveEvents } from '../live.ts';
import '../components/interactions-panel.ts';
import {
  callsByPhase, catchUp, colourOf, mosColour, CALL_PHASES,
  type WallboardDelta, type WallboardModel, type WallboardSnapshot, type WallboardThresholds,
} from '../../../wallboard/wallboard-wire.ts';

/** The model kept current from the snapshot and the deltas. */
export class WallboardFeed {
  model?: WallboardModel;
  seq = 0;
  /** Snapshot reads (a test can tell pushes from polls). */
  reads = 0;
  private early: WallboardDelta[] = [];
  private loading?: Promise<void>;
  private readonly listeners = new Set<() => void>();
  private offs: (() => void)[] = [];

  constructor(private readonly live: LiveEvents) {}

  start(): Promise<void> {
    this.offs.push(this.live.on((m) => {
      const msg = m as unknown as { kind: string };
      if (msg.kind === 'wallboard') this.onDelta(msg as WallboardDelta);
    }));
    this.offs.push(this.live.onReconnect(() => void this.load()));
    return this.load();
  }

  stop(): void {
    this.offs.splice(0).forEach((f) => f());
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  load(): Promise<void> {
    this.loading ??= (async () => {
      let gap = false;
      try {
        const snap = await api<WallboardSnapshot>('GET', '/api/wallboard');
        this.reads++;
        const caught = catchUp(snap.model, snap.seq, this.early.splice(0));
        this.model = caught.model;
        this.seq = caught.seq;
        gap = caught.gap;
        this.listeners.forEach((f) => f());
      } finally {
        this.loading = undefined;
      }
      if (gap) await this.load();
    })();
    return this.loading;
  }

  private onDelta(d: WallboardDelta): void {
    if (!this.model || this.loading) {
      this.early.push(d);
      return;
    }
    const caught = catchUp(this.model, this.seq, [d]);
    if (caught.gap) {
      void this.load(); // a delta went missing: start again from a snapshot
      return;
    }
    if (caught.seq === this.seq) return;
    this.model = caught.model;
    this.seq = caught.seq;
    this.listeners.forEach((f) => f());
  }
}

const isBig = () => /[?&]big=1\b/.test(location.hash);

/** How far the widest table (or the board) overflows its box: 1 when everything fits. */
export function overflowRatio(main: HTMLElement): number {
  const boxes = [...main.querySelectorAll<HTMLElement>('table')].map((t) => t.scrollWidth / (t.parentElement?.clientWidth || t.scrollWidth || 1));
  return Math.max(1, main.scrollWidth / (main.clientWidth || 1), ...boxes);
}

const BIG_STYLE = `
body.wallboard-big header.top { display: none; }
body.wallboard-big main.wallboard { max-width: none; padding: 1vh 1vw; font-size: clamp(14px, 1.6vw, 48px); box-sizing: border-box; }
body.wallboard-big main.wallboard h1 { font-size: 1.6em; margin: 0; }
body.wallboard-big main.wallboard h2 { font-size: 1.1em; }
body.wallboard-big main.wallboard table.grid { font-size: 1em; }
body.wallboard-big main.wallboard .wb-tile b { font-size: 2.6em; }
body.wallboard-big main.wallboard .card { margin-bottom: 1vh; padding: 0.6em 0.8em; }
main.wallboard .wb-head { display: flex; align-items: center; gap: 1rem; margin-bottom: 0.75rem; }
main.wallboard .wb-head h1 { margin: 0; }
main.wallboard .wb-tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(7em, 1fr)); gap: 0.6em; }
main.wallboard .wb-tile { border: 1px solid var(--line); border-radius: 8px; padding: 0.5em 0.7em; text-align: center; }
main.wallboard .wb-tile b { display: block; font-size: 2em; font-variant-numeric: tabular-nums; }
main.wallboard td.c-amber { background: #ffd33d55; color: #7a5200; font-weight: 700; }
main.wallboard td.c-red { background: #cf222e; color: #fff; font-weight: 700; }
main.wallboard .badge.c-ok { background: #2da44e22; color: #1a7f37; }
main.wallboard .badge.c-amber { background: #ffd33d; color: #5c4400; }
main.wallboard .badge.c-red { background: #cf222e; color: #fff; }
main.wallboard .wb-thresholds { display: grid; grid-template-columns: repeat(4, minmax(8em, 12em)); gap: 0.5rem 1rem; align-items: end; }
`;

type MonitorMode = 'listen' | 'whisper' | 'barge';
const MONITOR_MODES: readonly MonitorMode[] = ['listen', 'whisper', 'barge'];
const EXT_KEY = 'cc.wallboard.extension';

export class WallboardPage extends AppElement {
  static override properties = { live: { attribute: false }, error: { state: true }, big: { state: true }, note: { state: true }, myExt: { state: true } };
  declare live: LiveEvents;
  declare error: unknown;
  declare big: boolean;
  declare note: string;
  /** The supervisor's own extension: listen, whisper and barge ring it (POST /api/calls/:id/monitor). */
  declare myExt: string;
  feed?: WallboardFeed;
  /** This page's supervisor on a call: call id -> member id (once answered) and mode. */
  private readonly monitors = new Map<string, { id?: string; mode: MonitorMode; pending: boolean }>();

  constructor() {
    super();
    this.error = undefined;
    this.big = isBig();
    this.note = '';
    this.myExt = localStorage.getItem(EXT_KEY) ?? '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const feed = new WallboardFeed(this.live);
    this.feed = feed;
    this.keep(feed.onChange(() => this.requestUpdate()));
    this.keep(everySecond(() => this.requestUpdate()));
    this.keep(() => feed.stop());
    const onHash = () => this.setBig(isBig());
    window.addEventListener('hashchange', onHash);
    this.keep(() => window.removeEventListener('hashchange', onHash));
    const onResize = () => this.requestUpdate();
    window.addEventListener('resize', onResize);
    this.keep(() => window.removeEventListener('resize', onResize));
    this.keep(() => document.body.classList.remove('wallboard-big'));
    if (!document.getElementById('wallboard-style')) {
      const style = document.createElement('style');
      style.id = 'wallboard-style';
      style.textContent = BIG_STYLE;
      document.head.append(style);
    }
    this.setBig(this.big);
    feed.start().catch((err) => (this.error = err));
  }

  private setBig(big: boolean): void {
    this.big = big;
    document.body.classList.toggle('wallboard-big', big);
  }

  /** Big screen: the type size that makes the board fill the screen without scrolling (grows
   *  or shrinks a step per render until it fits; renders come every second). */
  private fitPx = 0;
  override updated(): void {
    const main = this.querySelector<HTMLElement>('main.wallboard');
    if (!main) return;
    if (!this.big) {
      main.style.fontSize = '';
      this.fitPx = 0;
      return;
    }
    if (!this.fitPx) this.fitPx = parseFloat(getComputedStyle(main).fontSize) || 16;
    let ratio = window.innerHeight / main.scrollHeight;
    const wide = overflowRatio(main);
    if (wide > 1.005) ratio = Math.min(ratio, 1 / wide); // a table too wide even wrapped
    if (ratio < 1 || ratio > 1.1) {
      const next = Math.round(Math.min(64, Math.max(10, this.fitPx * (ratio < 1 ? ratio * 0.98 : Math.min(ratio * 0.95, 1.5)))) * 2) / 2;
      if (next !== this.fitPx) {
        this.fitPx = next;
        main.style.fontSize = `${next}px`;
        requestAnimationFrame(() => this.requestUpdate());
      }
    }
  }

  private toggleBig(): void {
    location.hash = this.big ? '#/wallboard' : '#/wallboard?big=1';
    if (!this.big) document.documentElement.requestFullscreen?.().catch(() => undefined);
    else if (document.fullscreenElement) void document.exitFullscreen().catch(() => undefined);
  }

  private setMyExt(value: string): void {
    this.myExt = value.trim();
    localStorage.setItem(EXT_KEY, this.myExt);
  }

  /** Listen, whisper or barge: the first press rings the supervisor's extension; later presses switch the mode in the same leg. */
  private async monitor(callId: string, mode: MonitorMode): Promise<void> {
    const mine = this.monitors.get(callId);
    this.error = undefined;
    try {
      if (mine?.id) {
        try {
          await api('PUT', `/api/calls/${callId}/monitor/${mine.id}`, { mode });
          mine.mode = mode;
          return;
        } catch (err) {
          if (!(err instanceof ApiError && err.code === 'CC_CALL_PARTY_UNKNOWN')) throw err;
          this.monitors.delete(callId); // the supervisor hung up: ring again
        }
      }
      this.monitors.set(callId, { mode, pending: true });
      this.requestUpdate();
      const member = await api<{ id: string; mode: MonitorMode }>('POST', `/api/calls/${callId}/monitor`, { mode, from: this.myExt });
      this.monitors.set(callId, { id: member.id, mode: member.mode ?? mode, pending: false });
    } catch (err) {
      if (this.monitors.get(callId)?.pending) this.monitors.delete(callId);
      this.error = err;
    } finally {
      this.requestUpdate();
    }
  }

  private monitorButtons(callId: string) {
    const mine = this.monitors.get(callId);
    const ready = /^[0-9]{2,10}$/.test(this.myExt);
    return html`${MONITOR_MODES.map((mode) => {
      const on = !!mine && !mine.pending && mine.mode === mode;
      return html`<button class=${on ? 'primary' : ''} data-test="wb-${mode}" aria-pressed=${String(on)} ?disabled=${!ready || mine?.pending}
        title=${ready ? t('wallboard.monitorHint', { ext: this.myExt }) : t('wallboard.needExtension')} @click=${() => this.monitor(callId, mode)}>${t(`wallboard.${mode}`)}</button> `;
    })}${mine?.pending ? html`<span class="muted small" data-test="wb-monitor-ringing">${t('wallboard.ringingYou', { ext: this.myExt })}</span>` : ''}`;
  }

  private async saveThresholds(e: Event): Promise<void> {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const n = (name: string) => Number((form.elements.namedItem(name) as HTMLInputElement).value);
    const body: WallboardThresholds = {
      longestWaitSec: { amber: n('waitAmber'), red: n('waitRed') },
      waiting: { amber: n('waitingAmber'), red: n('waitingRed') },
      serviceLevelPct: { amber: n('slAmber'), red: n('slRed') },
    };
    this.note = '';
    this.error = undefined;
    try {
      await api('PUT', '/api/wallboard/thresholds', body);
      this.note = t('wallboard.saved');
    } catch (err) {
      this.error = err;
    }
  }

  override render() {
    const m = this.feed?.model;
    return html`<main class="wallboard" data-test="wallboard" data-big=${String(this.big)}>
        <div class="wb-head">
          <h1>${t('wallboard.title')}</h1>
          <span class="spacer"></span>
          <button data-test="wb-big" @click=${() => this.toggleBig()}>${this.big ? t('wallboard.exitBigScreen') : t('wallboard.bigScreen')}</button>
        </div>
        ${this.error ? html`<p class="error" role="alert" data-test="wb-error">${errorText(this.error)}</p>` : ''}
        ${m ? this.renderModel(m) : ''}
      </main>`;
  }

  private renderModel(m: WallboardModel) {
    const now = serverNow();
    const th = m.thresholds;
    const counts = callsByPhase(m);
    const queues = Object.values(m.queues);
    const agents = Object.values(m.agents).sort((a, b) => a.id.localeCompare(b.id));
    for (const id of this.monitors.keys()) if (!m.calls[id]) this.monitors.delete(id); // the call ended
    return html`
      <section class="card">
        <h2>${t('wallboard.calls')}</h2>
        <div class="wb-tiles" data-test="wb-calls">
          ${CALL_PHASES.filter((p) => p !== 'other' || counts.other > 0).map((p) => html`<div class="wb-tile" data-test="wb-calls-${p}" data-count=${counts[p]}>
            <b>${counts[p]}</b>${t(`wallboard.phase.${p}`)}</div>`)}
        </div>
      </section>
      <section class="card">
        <h2>${t('wallboard.queues')}</h2>
        ${queues.length === 0 ? html`<p class="muted">${t('wallboard.noQueues')}</p>` : html`
        <table class="grid" data-test="wb-queues">
          <thead><tr><th>${t('wallboard.queue')}</th><th>${t('wallboard.waiting')}</th><th>${t('wallboard.longestWait')}</th>
            <th>${t('wallboard.loggedIn')}</th><th>${t('wallboard.available')}</th><th>${t('wallboard.onCall')}</th><th>${t('wallboard.wrapUp')}</th><th>${t('wallboard.break')}</th>
            <th>${t('wallboard.answeredToday')}</th><th>${t('wallboard.abandonedToday')}</th>
            <th>${t('wallboard.serviceLevel')}</th></tr></thead>
          <tbody>${queues.map((q) => {
            const waitSec = q.oldestEnteredAt !== undefined ? Math.max(0, Math.floor((now - q.oldestEnteredAt) / 1000)) : 0;
            const cWaiting = colourOf('waiting', q.waiting, th);
            const cWait = colourOf('longestWaitSec', q.oldestEnteredAt !== undefined ? waitSec : undefined, th);
            const cSl = colourOf('serviceLevelPct', q.today.serviceLevelPct, th);
            return html`<tr data-test="wb-queue" data-queue=${q.name}>
              <td>${q.displayName ?? q.name}</td>
              <td class="num c-${cWaiting}" data-test="wb-waiting" data-colour=${cWaiting}>${q.waiting}</td>
              <td class="num c-${cWait}" data-test="wb-longest" data-colour=${cWait}>${q.oldestEnteredAt !== undefined ? formatDuration(waitSec * 1000) : '—'}</td>
              <td class="num" data-test="wb-logged-in">${q.agents.loggedIn}</td>
              <td class="num" data-test="wb-available">${q.agents.available}</td>
              <td class="num" data-test="wb-on-call">${q.agents.onCall + q.agents.ringing}</td>
              <td class="num" data-test="wb-wrap-up">${q.agents.wrapUp}</td>
              <td class="num" data-test="wb-break">${q.agents.break}</td>
              <td class="num" data-test="wb-answered">${q.today.answered}</td>
              <td class="num" data-test="wb-abandoned">${q.today.abandoned}${q.today.shortAbandoned ? html` <span class="muted small" title=${t('wallboard.shortAbandoned')}>(+${q.today.shortAbandoned})</span>` : ''}</td>
              <td class="num c-${cSl}" data-test="wb-sl" data-colour=${cSl} title=${t('wallboard.serviceLevelHint', { sec: q.today.serviceLevelSec })}>${q.today.serviceLevelPct !== undefined ? `${q.today.serviceLevelPct}%` : '—'}</td>
            </tr>`;
          })}</tbody>
        </table>`}
      </section>
      <cc-interaction-counts></cc-interaction-counts>
      <section class="card">
        <h2>${t('wallboard.agents')}<span class="spacer"></span>
          ${this.big ? '' : html`<label class="inline small">${t('wallboard.myExtension')}
            <input data-test="wb-my-ext" inputmode="numeric" size="8" style="width: 7em" .value=${this.myExt} @change=${(e: Event) => this.setMyExt((e.target as HTMLInputElement).value)}></label>`}</h2>
        ${agents.length === 0 ? html`<p class="muted">${t('wallboard.noAgents')}</p>` : html`
        <table class="grid" data-test="wb-agents">
          <thead><tr><th>${t('wallboard.agent')}</th><th>${t('wallboard.extension')}</th><th>${t('wallboard.state')}</th><th>${t('wallboard.timeInState')}</th>
            <th>${t('wallboard.currentCall')}</th><th>${t('wallboard.queue')}</th><th>${t('wallboard.talkTime')}</th><th>${t('wallboard.actions')}</th></tr></thead>
          <tbody>${agents.map((a) => html`<tr data-test="wb-agent" data-agent=${a.id} data-state=${a.state}>
            <td>${a.name ? `${a.name} (${a.id})` : a.id}</td><td>${a.extension}</td>
            <td><span class="state state-${a.state}" data-test="wb-agent-state">${t(`state.${a.state}`)}${a.state === 'break' && a.reason ? ` · ${tMaybe(`reason.${a.reason}`, a.reason)}` : ''}</span></td>
            <td class="num" data-test="wb-agent-since">${formatDuration(now - a.since)}</td>
            <td data-test="wb-agent-caller">${a.call ? html`${a.call.caller}${a.call.held ? html` <span class="badge" data-test="wb-agent-held">${t('wallboard.held')}</span>` : ''}${a.call.mos !== undefined ? html` <span class="badge c-${mosColour(a.call.mos)}" data-test="wb-agent-mos" data-colour=${mosColour(a.call.mos)} title=${t('wallboard.mosHint')}>MOS ${a.call.mos.toFixed(1)}</span>` : ''}` : ''}</td>
            <td data-test="wb-agent-queue">${a.call?.queue ? m.queues[a.call.queue]?.displayName ?? a.call.queue : ''}</td>
            <td class="num" data-test="wb-agent-talk">${a.call?.talkingSince !== undefined ? formatDuration(now - a.call.talkingSince) : ''}</td>
            <td data-test="wb-agent-actions" data-call=${a.call?.callId ?? ''}>${a.call?.talkingSince !== undefined && !this.big ? this.monitorButtons(a.call.callId) : ''}</td>
          </tr>`)}</tbody>
        </table>`}
      </section>
      ${this.big ? '' : html`<section class="card">
        <h2>${t('wallboard.thresholds')}</h2>
        <p class="hint">${t('wallboard.thresholdsHint')}</p>
        <form class="wb-thresholds" data-test="wb-thresholds" @submit=${(e: Event) => this.saveThresholds(e)}>
          <label>${t('wallboard.tLongestWait')} · ${t('wallboard.amber')}<input type="number" min="0" name="waitAmber" .value=${String(th.longestWaitSec.amber)}></label>
          <label>${t('wallboard.tLongestWait')} · ${t('wallboard.red')}<input type="number" min="0" name="waitRed" .value=${String(th.longestWaitSec.red)}></label>
          <label>${t('wallboard.tWaiting')} · ${t('wallboard.amber')}<input type="number" min="0" name="waitingAmber" .value=${String(th.waiting.amber)}></label>
          <label>${t('wallboard.tWaiting')} · ${t('wallboard.red')}<input type="number" min="0" name="waitingRed" .value=${String(th.waiting.red)}></label>
          <label>${t('wallboard.tServiceLevel')} · ${t('wallboard.amber')}<input type="number" min="0" max="100" name="slAmber" .value=${String(th.serviceLevelPct.amber)}></label>
          <label>${t('wallboard.tServiceLevel')} · ${t('wallboard.red')}<input type="number" min="0" max="100" name="slRed" .value=${String(th.serviceLevelPct.red)}></label>
          <div><button class="primary" type="submit" data-test="wb-save">${t('wallboard.save')}</button>
            ${this.note ? html`<span class="ok" data-test="wb-saved">${this.note}</span>` : ''}</div>
        </form>
      </section>`}`;
  }
}
customElements.define('cc-wallboard', WallboardPage);

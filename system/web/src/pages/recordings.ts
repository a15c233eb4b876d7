// The recordings page (通话录音检索): search by time, agent, queue, number, duration,
// disposition and QA score; a result table newest first, paged; a player for the chosen
// recording (an <audio> element streaming with byte ranges, a seek bar, a waveform canvas
// drawn from the peaks route, click to seek), the download link for roles that may, and the
// legal-hold switch for admins and supervisors. Agents see only their own calls (the API
// filters). Text from messages/recordings.*.ts.
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { formatDuration } from '../clock.ts';
import { errorText } from '../errors.ts';
import { formatDateTime, t, tMaybe } from '../i18n.ts';
import type { Me } from '../types.ts';
import '../components/speech-analytics-panel.ts';

interface RecordingSummary {
  callId: string;
  startedAt: number;
  durationMs: number;
  caller: string;
  callee: string;
  agents: string[];
  queue?: string;
  disposition?: string;
  score?: number;
  legalHold: boolean;
  encrypted: boolean;
}
interface SearchAnswer { total: number; offset: number; limit: number; items: RecordingSummary[]; canDownload: boolean }
interface Peaks { buckets: number; durationMs: number; channels: { min: number[]; max: number[] }[] }

const PAGE = 25;
const DISPOSITIONS = ['answered', 'busy', 'no-answer', 'cancelled', 'rejected', 'failed'];
const FIELDS = ['from', 'to', 'agent', 'queue', 'number', 'minDurationSec', 'maxDurationSec', 'disposition', 'minScore', 'maxScore'] as const;

const STYLE = html`<style>
  .recordings form.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0.5rem 0.8rem; align-items: end; }
  .recordings form.filters label { display: flex; flex-direction: column; font-size: 0.85rem; color: var(--muted); gap: 0.2rem; }
  .recordings tr.chosen td { background: #eef5ff; }
  .recordings .player { display: flex; flex-direction: column; gap: 0.5rem; }
  .recordings .player canvas { width: 100%; height: 96px; background: #f6f8fb; border: 1px solid var(--line); border-radius: 6px; cursor: pointer; }
  .recordings .player input[type=range] { width: 100%; }
  .recordings .player .row { display: flex; gap: 0.8rem; align-items: center; flex-wrap: wrap; }
  .recordings .badge.hold { background: #fde8e8; color: #9b1c1c; }
</style>`;

export class RecordingsPage extends AppElement {
  static override properties = {
    me: { attribute: false },
    answer: { state: true },
    error: { state: true },
    busy: { state: true },
    chosen: { state: true },
    position: { state: true },
    duration: { state: true },
    playing: { state: true },
  };
  declare me: Me;
  declare answer: SearchAnswer | undefined;
  declare error: unknown;
  declare busy: boolean;
  declare chosen: RecordingSummary | undefined;
  declare position: number;
  declare duration: number;
  declare playing: boolean;
  private query: Record<string, string> = {};
  private offset = 0;
  private peaks?: Peaks;

  constructor() {
    super();
    this.answer = undefined;
    this.error = undefined;
    this.busy = false;
    this.chosen = undefined;
    this.position = 0;
    this.duration = 0;
    this.playing = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.search(0);
  }

  private async search(offset: number): Promise<void> {
    this.busy = true;
    this.error = undefined;
    try {
      const params = new URLSearchParams({ ...this.query, offset: String(offset), limit: String(PAGE) });
      this.answer = await api<SearchAnswer>('GET', `/api/recordings?${params}`);
      this.offset = offset;
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  private submit(e: Event): void {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const q: Record<string, string> = {};
    for (const f of FIELDS) {
      const v = String(form.get(f) ?? '').trim();
      if (!v) continue;
      // datetime-local is the browser's local time; the API takes epoch milliseconds.
      q[f] = f === 'from' || f === 'to' ? String(new Date(v).getTime()) : v;
    }
    this.query = q;
    void this.search(0);
  }

  private choose(r: RecordingSummary): void {
    this.chosen = r;
    this.position = 0;
    this.duration = r.durationMs / 1000;
    this.playing = false;
    this.peaks = undefined;
    api<Peaks>('GET', `/api/recordings/${encodeURIComponent(r.callId)}/peaks?buckets=1000`)
      .then((p) => {
        if (this.chosen?.callId !== r.callId) return;
        this.peaks = p;
        this.drawWaveform();
      })
      .catch((err) => (this.error = err));
  }

  private get audio(): HTMLAudioElement | null {
    return this.querySelector('audio');
  }

  private drawWaveform(): void {
    const canvas = this.querySelector<HTMLCanvasElement>('canvas[data-test="waveform"]');
    const p = this.peaks;
    if (!canvas || !p) return;
    const w = (canvas.width = canvas.clientWidth || 800);
    const h = (canvas.height = canvas.clientHeight || 96);
    const g = canvas.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, w, h);
    const lane = h / Math.max(1, p.channels.length);
    p.channels.forEach((ch, c) => {
      const mid = lane * c + lane / 2;
      g.fillStyle = c === 0 ? '#2f6fd0' : '#2f9e63';
      for (let b = 0; b < p.buckets; b++) {
        const x = (b / p.buckets) * w;
        const top = mid - ch.max[b] * (lane / 2);
        const bottom = mid - ch.min[b] * (lane / 2);
        g.fillRect(x, top, Math.max(1, w / p.buckets), Math.max(1, bottom - top));
      }
    });
    const at = this.duration > 0 ? (this.position / this.duration) * w : 0;
    g.fillStyle = '#d03030';
    g.fillRect(at, 0, 2, h);
  }

  private seek(seconds: number): void {
    const a = this.audio;
    if (!a) return;
    a.currentTime = Math.max(0, Math.min(seconds, this.duration || seconds));
    this.position = a.currentTime;
    this.drawWaveform();
  }

  private async toggleHold(r: RecordingSummary): Promise<void> {
    try {
      const updated = await api<RecordingSummary>('PUT', `/api/recordings/${encodeURIComponent(r.callId)}/hold`, { hold: !r.legalHold });
      this.chosen = { ...r, legalHold: updated.legalHold };
      if (this.answer) this.answer = { ...this.answer, items: this.answer.items.map((i) => (i.callId === r.callId ? { ...i, legalHold: updated.legalHold } : i)) };
    } catch (err) {
      this.error = err;
    }
  }

  private renderPlayer(r: RecordingSummary) {
    const id = encodeURIComponent(r.callId);
    const staff = this.me?.role === 'admin' || this.me?.role === 'supervisor';
    return html`<section class="card player" data-test="player" data-call-id=${r.callId}>
      <h2>${t('recordings.player', { caller: r.caller, callee: r.callee })}</h2>
      <audio data-test="audio" preload="metadata" controls src=${`/api/recordings/${id}/audio`}
        @loadedmetadata=${(e: Event) => { const d = (e.target as HTMLAudioElement).duration; if (Number.isFinite(d)) this.duration = d; this.drawWaveform(); }}
        @timeupdate=${(e: Event) => { this.position = (e.target as HTMLAudioElement).currentTime; this.drawWaveform(); }}
        @playing=${() => (this.playing = true)} @pause=${() => (this.playing = false)} @ended=${() => (this.playing = false)}
        @error=${() => (this.error = { code: 'CC_RECORDINGS_UNREADABLE' })}></audio>
      <canvas data-test="waveform" title=${t('recordings.waveformHint')}
        @click=${(e: MouseEvent) => { const c = e.currentTarget as HTMLCanvasElement; this.seek(((e.offsetX / c.clientWidth) || 0) * this.duration); }}></canvas>
      <input type="range" data-test="seek" aria-label=${t('recordings.seek')} min="0" step="0.1" .max=${String(this.duration || 0)} .value=${String(this.position)}
        @input=${(e: Event) => this.seek(Number((e.target as HTMLInputElement).value))}>
      <div class="row">
        <span data-test="position">${formatDuration(this.position * 1000)} / ${formatDuration(this.duration * 1000)}</span>
        <button type="button" class="primary" data-test="play" @click=${() => { const a = this.audio; if (!a) return; if (a.paused) void a.play().catch((err) => (this.error = err)); else a.pause(); }}>${this.playing ? t('recordings.pause') : t('recordings.play')}</button>
        ${this.answer?.canDownload ? html`<a data-test="download" href=${`/api/recordings/${id}/download`} download>${t('recordings.download')}</a>` : ''}
        ${staff ? html`<button type="button" data-test="hold" @click=${() => this.toggleHold(r)}>${r.legalHold ? t('recordings.releaseHold') : t('recordings.setHold')}</button>` : ''}
        <span class="muted">${t('recordings.channels')}</span>
      </div>
      <cc-speech-analytics call-id=${r.callId} ?can-transcribe=${staff}></cc-speech-analytics>
    </section>`;
  }

  override render() {
    const a = this.answer;
    const pages = a ? Math.max(1, Math.ceil(a.total / PAGE)) : 1;
    const page = Math.floor(this.offset / PAGE) + 1;
    return html`${STYLE}<main class="recordings" data-test="recordings">
      <h1>${t('recordings.title')}</h1>
      ${this.error ? html`<p class="error" role="alert" data-test="recordings-error">${errorText(this.error)}</p>` : ''}
      <section class="card">
        <form class="filters" data-test="search" @submit=${(e: Event) => this.submit(e)}>
          <label>${t('recordings.from')}<input type="datetime-local" name="from" step="1"></label>
          <label>${t('recordings.to')}<input type="datetime-local" name="to" step="1"></label>
          ${this.me?.role === 'agent' ? '' : html`<label>${t('recordings.agent')}<input name="agent" pattern="[a-zA-Z0-9_.\\-]{1,32}"></label>`}
          <label>${t('recordings.queue')}<input name="queue" pattern="[a-zA-Z0-9_.\\-]{1,32}"></label>
          <label>${t('recordings.number')}<input name="number" inputmode="tel" pattern="[0-9*#+]{1,32}"></label>
          <label>${t('recordings.minDuration')}<input name="minDurationSec" type="number" min="0"></label>
          <label>${t('recordings.maxDuration')}<input name="maxDurationSec" type="number" min="0"></label>
          <label>${t('recordings.disposition')}<select name="disposition"><option value="">${t('recordings.any')}</option>
            ${DISPOSITIONS.map((d) => html`<option value=${d}>${tMaybe(`recordings.disposition.${d}`, d)}</option>`)}</select></label>
          <label>${t('recordings.minScore')}<input name="minScore" type="number" min="0" max="100"></label>
          <label>${t('recordings.maxScore')}<input name="maxScore" type="number" min="0" max="100"></label>
          <button class="primary" type="submit" data-test="search-submit" ?disabled=${this.busy}>${t('recordings.search')}</button>
        </form>
      </section>
      ${this.chosen ? this.renderPlayer(this.chosen) : ''}
      <section class="card">
        <div class="card-head"><h2>${t('recordings.results', { total: a?.total ?? 0 })}</h2>
          <span>
            <button type="button" class="link" ?disabled=${page <= 1 || this.busy} @click=${() => this.search(this.offset - PAGE)}>${t('recordings.previous')}</button>
            <span class="muted">${t('recordings.page', { page, pages })}</span>
            <button type="button" class="link" data-test="next-page" ?disabled=${page >= pages || this.busy} @click=${() => this.search(this.offset + PAGE)}>${t('recordings.next')}</button>
          </span></div>
        ${!a || a.items.length === 0 ? html`<p class="muted" data-test="no-results">${t('recordings.none')}</p>` : html`
        <table class="grid" data-test="results">
          <thead><tr><th>${t('recordings.started')}</th><th>${t('recordings.duration')}</th><th>${t('recordings.caller')}</th><th>${t('recordings.callee')}</th>
            <th>${t('recordings.agents')}</th><th>${t('recordings.queue')}</th><th>${t('recordings.disposition')}</th><th>${t('recordings.score')}</th><th></th></tr></thead>
          <tbody>${a.items.map((r) => html`<tr data-test="result-row" data-call-id=${r.callId} class=${this.chosen?.callId === r.callId ? 'chosen' : ''}>
            <td>${formatDateTime(r.startedAt)}</td><td class="num">${formatDuration(r.durationMs)}</td><td>${r.caller}</td><td>${r.callee}</td>
            <td>${r.agents.join(', ')}</td><td>${r.queue ?? ''}</td><td>${r.disposition ? tMaybe(`recordings.disposition.${r.disposition}`, r.disposition) : ''}</td>
            <td class="num">${r.score ?? '—'}</td>
            <td>${r.legalHold ? html`<span class="badge hold">${t('recordings.held')}</span> ` : ''}<button type="button" class="link" data-test="listen" @click=${() => this.choose(r)}>${t('recordings.listen')}</button></td>
          </tr>`)}</tbody>
        </table>`}
      </section>
    </main>`;
  }
}

customElements.define('cc-recordings', RecordingsPage);

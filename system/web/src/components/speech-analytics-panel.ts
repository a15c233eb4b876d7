// Speech analytics of one recording (语音分析), shown under the recordings page's player: a
// timeline of who spoke when (caller above, callee below, overtalk where both bars overlap),
// talk share per side and the talk/listen ratio, silence, overtalk, the longest monologue,
// hold time from the CDR, and the agitation estimate per side (labelled an estimate). Reads
// GET /api/recordings/:callId/analytics, asking again while the box answers 202 (still being
// worked out). Below it the call's transcript, when one was asked for (supervisors and admins
// ask with a button): experimental, English only, always shown with the engine's measured word
// accuracy. Text from messages/speech.*.ts.
import { html, svg } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { formatDuration } from '../clock.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';
// The figures' shape is the analyser's own (media/speech-analytics.ts has no imports): type-only, no server code in the bundle.
import type { Side, SpeechFigures } from '../../../../media/speech-analytics.ts';

interface TranscriptRow { state: 'running' | 'done' | 'failed'; engine: string; language: string; experimental: boolean; measuredWordAccuracyPct: number | null; utterances: Array<{ side: Side; startMs: number; endMs: number; text: string }>; error?: { code: string; message: string } }
interface AnalyticsRow { figures?: SpeechFigures; holdMs?: number; holds?: number; error?: { code: string; message: string } }

const STYLE = html`<style>
  .speech dl { display: grid; grid-template-columns: repeat(auto-fill, minmax(10rem, 1fr)); gap: 0.4rem 1rem; margin: 0.4rem 0; }
  .speech dt { font-size: 0.8rem; color: var(--muted); }
  .speech dd { margin: 0; font-variant-numeric: tabular-nums; }
  .speech svg { width: 100%; height: 44px; background: #f6f8fb; border: 1px solid var(--line); border-radius: 6px; }
  .speech .caller { fill: #2f6fdb; }
  .speech .callee { fill: #1a9c6b; }
  .speech .legend span { margin-right: 1rem; font-size: 0.8rem; }
  .speech .legend i { display: inline-block; width: 0.8rem; height: 0.6rem; margin-right: 0.3rem; }
</style>`;

/** Under a minute as seconds with a tenth (figures are in 20 ms frames), longer as m:ss. */
const span = (ms: number) => (ms < 60_000 ? t('speech.seconds', { s: (ms / 1000).toFixed(1) }) : formatDuration(ms));

export class SpeechAnalyticsPanel extends AppElement {
  static override properties = { callId: { attribute: 'call-id' }, canTranscribe: { type: Boolean, attribute: 'can-transcribe' }, row: { state: true }, transcript: { state: true }, error: { state: true }, pending: { state: true } };
  declare canTranscribe: boolean;
  declare transcript: TranscriptRow | undefined;
  declare callId: string;
  declare row: AnalyticsRow | undefined;
  declare error: unknown;
  declare pending: boolean;
  private loadedFor?: string;
  private timer?: ReturnType<typeof setTimeout>;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.timer);
  }

  override updated(): void {
    if (this.callId && this.callId !== this.loadedFor) {
      this.loadedFor = this.callId;
      this.row = undefined;
      this.transcript = undefined;
      this.error = undefined;
      void this.load(0);
      void this.loadTranscript(0);
    }
  }

  private async load(attempt: number): Promise<void> {
    const id = this.callId;
    clearTimeout(this.timer);
    try {
      const res = await api<AnalyticsRow & { code?: string }>('GET', `/api/recordings/${encodeURIComponent(id)}/analytics`);
      if (id !== this.callId) return;
      this.pending = res.code === 'CC_ANALYTICS_PENDING';
      if (this.pending) {
        if (attempt < 30) this.timer = setTimeout(() => void this.load(attempt + 1), 1000);
        return;
      }
      this.row = res;
    } catch (err) {
      if (id === this.callId) this.error = err;
    }
  }

  private async loadTranscript(attempt: number): Promise<void> {
    const id = this.callId;
    try {
      const row = await api<TranscriptRow>('GET', `/api/recordings/${encodeURIComponent(id)}/transcript`);
      if (id !== this.callId) return;
      this.transcript = row;
      if (row.state === 'running' && attempt < 300) setTimeout(() => void this.loadTranscript(attempt + 1), 2000);
    } catch {
      // 404: none asked for yet.
    }
  }

  private async transcribe(): Promise<void> {
    try {
      this.transcript = await api<TranscriptRow>('POST', `/api/recordings/${encodeURIComponent(this.callId)}/transcript`);
      if (this.transcript.state === 'running') setTimeout(() => void this.loadTranscript(1), 2000);
    } catch (err) {
      this.error = err;
    }
  }

  private renderTranscript() {
    const tr = this.transcript;
    const label = (r: TranscriptRow) => t('speech.transcriptLabel', { engine: r.engine, language: r.language, accuracy: r.measuredWordAccuracyPct === null ? '?' : String(r.measuredWordAccuracyPct) });
    return html`<div class="transcript" data-test="transcript">
      <h4>${t('speech.transcript')} ${!tr || tr.experimental ? html`<span class="badge" data-test="transcript-experimental">${t('speech.experimental')}</span>` : ''}</h4>
      ${!tr && this.canTranscribe ? html`<button type="button" data-test="transcribe" @click=${() => void this.transcribe()}>${t('speech.transcribe')}</button>` : ''}
      ${tr ? html`<p class="muted" data-test="transcript-label">${label(tr)}</p>` : ''}
      ${tr?.state === 'running' ? html`<p class="muted" data-test="transcript-running">${t('speech.transcribing')}</p>` : ''}
      ${tr?.state === 'failed' ? html`<p class="error">${tr.error?.code}</p>` : ''}
      ${tr?.state === 'done' ? html`<ol data-test="transcript-lines">${tr.utterances.map((u) => html`<li data-side=${u.side}><b>${t(u.side === 'caller' ? 'speech.caller' : 'speech.callee')}</b> <span class="muted">${span(u.startMs)}</span> ${u.text}</li>`)}</ol>
        ${tr.utterances.length === 0 ? html`<p class="muted">${t('speech.transcriptEmpty')}</p>` : ''}` : ''}
    </div>`;
  }

  private timeline(f: SpeechFigures) {
    const total = Math.max(1, f.durationMs);
    const bars = (side: Side, y: number) => f.segments[side].map(([a, b]) => svg`<rect class=${side} x=${(100 * a) / total} y=${y} width=${Math.max(0.2, (100 * (b - a)) / total)} height="16"></rect>`);
    return html`<svg data-test="speech-timeline" viewBox="0 0 100 44" preserveAspectRatio="none" role="img" aria-label=${t('speech.timeline')}>
      ${bars('caller', 4)}${bars('callee', 24)}</svg>
      <div class="legend"><span><i class="caller" style="background:#2f6fdb"></i>${t('speech.caller')}</span><span><i style="background:#1a9c6b"></i>${t('speech.callee')}</span></div>`;
  }

  override render() {
    const r = this.row;
    const f = r?.figures;
    const agitation = (v: number | null) => (v === null ? t('speech.notEnough') : `${v} / 100`);
    return html`${STYLE}<section class="card speech" data-test="speech-analytics">
      <h3>${t('speech.title')}</h3>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
      ${this.pending ? html`<p class="muted" data-test="speech-pending">${t('speech.pending')}</p>` : ''}
      ${r?.error ? html`<p class="error" data-test="speech-error">${t('speech.unreadable')} (${r.error.code})</p>` : ''}
      ${f ? html`${this.timeline(f)}
      <dl>
        <div><dt>${t('speech.callerTalk')}</dt><dd data-test="speech-caller-talk">${span(f.caller.talkMs)} (${f.caller.talkPct}%)</dd></div>
        <div><dt>${t('speech.calleeTalk')}</dt><dd data-test="speech-callee-talk">${span(f.callee.talkMs)} (${f.callee.talkPct}%)</dd></div>
        <div><dt>${t('speech.ratio')}</dt><dd data-test="speech-ratio">${f.talkListenRatio ?? '–'}</dd></div>
        <div><dt>${t('speech.silence')}</dt><dd data-test="speech-silence">${span(f.silenceMs)} (${f.silencePct}%)</dd></div>
        <div><dt>${t('speech.overtalk')}</dt><dd data-test="speech-overtalk">${span(f.overtalkMs)} (${f.overtalkPct}%)</dd></div>
        <div><dt>${t('speech.monologue')}</dt><dd data-test="speech-monologue">${f.longestMonologue ? `${span(f.longestMonologue.ms)} · ${t(f.longestMonologue.side === 'caller' ? 'speech.caller' : 'speech.callee')}` : '–'}</dd></div>
        <div><dt>${t('speech.hold')}</dt><dd data-test="speech-hold">${r!.holdMs !== undefined ? `${span(r!.holdMs)} (${r!.holds ?? 0}×)` : '–'}</dd></div>
        <div><dt>${t('speech.agitationCaller')}</dt><dd data-test="speech-agitation-caller">${agitation(f.caller.agitation)}</dd></div>
        <div><dt>${t('speech.agitationCallee')}</dt><dd data-test="speech-agitation-callee">${agitation(f.callee.agitation)}</dd></div>
      </dl>
      <p class="muted">${t('speech.estimateNote')}</p>
      ${this.renderTranscript()}` : ''}
    </section>`;
  }
}
customElements.define('cc-speech-analytics', SpeechAnalyticsPanel);

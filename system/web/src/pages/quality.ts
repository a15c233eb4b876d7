// The quality page (服务质检, #/quality). Admins and supervisors: the review queue (filter by
// status, sample today's calls now), a scoring form built from the scorecard with the call's
// recording playable beside it (<audio> on /api/recordings/:callId/audio), resolving an
// agent's dispute (score stands, or revised answers), the QA report per agent / team /
// criterion by week or month, and the scorecards (JSON editor; saving makes a new version).
// Agents: only their own scores with each criterion, their weekly average, and a dispute button.
import { html, nothing } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { formatDuration } from '../clock.ts';
import { errorText } from '../errors.ts';
import { formatDateTime, t, tMaybe } from '../i18n.ts';
import type { Me } from '../types.ts';

type Answer = boolean | number | 'na';
interface Criterion { id: string; kind: 'yes-no' | 'scale' | 'critical'; label: string; description?: string; weight?: number; min?: number; max?: number; na: boolean }
interface Scorecard { name: string; title: string; version: number; retired?: boolean; sections: { id: string; title: string; criteria: Criterion[] }[] }
interface CallSummary { callId: string; caller: string; queue?: string; agents: string[]; startedAt: number; durationMs: number }
interface Review { callId: string; agent?: string; queue?: string; reason: string; reasons: string[]; status: string; callAt: number; score?: number; call?: CallSummary }
interface CriterionResult { earned: number; possible: number; na: boolean; failedCall: boolean }
interface Score {
  callId: string; agent: string; queue?: string; callAt: number; scorecard: string; version: number; answers: Record<string, Answer>;
  score: number; failed: boolean; criteria: Record<string, CriterionResult>; scorer: string; at: number; comments: string; status: string;
  dispute?: { by: string; at: number; reason: string }; resolution?: { by: string; at: number; outcome: string; note: string; previousScore: number };
}
interface ReportRow { period: string; key: string; count: number; average: number; failed: number; na?: number }

const STATUSES = ['open', 'scored', 'disputed', 'closed', 'all'] as const;
const CARD_TEMPLATE = JSON.stringify({
  name: 'inbound', title: 'Inbound calls',
  sections: [
    { id: 'attitude', title: 'Attitude', criteria: [{ id: 'greeting', kind: 'yes-no', label: 'Greets and gives their name', weight: 20 }, { id: 'courtesy', kind: 'scale', label: 'Courtesy', weight: 30, min: 0, max: 5 }] },
    { id: 'accuracy', title: 'Accuracy', criteria: [{ id: 'resolved', kind: 'yes-no', label: 'Gives a correct answer', weight: 50, na: true }] },
    { id: 'compliance', title: 'Compliance', criteria: [{ id: 'identity', kind: 'critical', label: 'Verifies the caller\'s identity', na: true }] },
  ],
}, null, 2);

/** The catalogue text of a QA error; for refused scorecards and answers also the box's message, which names the fields. */
function qaError(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return errorText(err);
  const text = tMaybe(`quality.error.${code}`, errorText(err));
  return code === 'CC_QA_SCORECARD_INVALID' || code === 'CC_QA_ANSWERS_INVALID' ? `${text} ${(err as Error).message}` : text;
}

const answerText = (a: Answer | undefined, c: Criterion) =>
  a === undefined ? '—' : a === 'na' ? t('quality.answer.na') : c.kind === 'scale' ? `${a} / ${c.max}` : a ? t(c.kind === 'critical' ? 'quality.answer.met' : 'quality.answer.yes') : t(c.kind === 'critical' ? 'quality.answer.notMet' : 'quality.answer.no');

export class QualityPage extends AppElement {
  static override properties = {
    me: { attribute: false },
    status: { state: true }, reviews: { state: true }, cards: { state: true }, form: { state: true }, report: { state: true },
    reportBy: { state: true }, reportInterval: { state: true }, mine: { state: true }, message: { state: true }, error: { state: true },
    editor: { state: true }, openScore: { state: true },
  };
  declare me: Me;
  declare status: (typeof STATUSES)[number];
  declare reviews: Review[];
  declare cards: Scorecard[];
  declare form: { callId: string; review?: Review; score?: Score; card?: Scorecard; answers: Record<string, Answer>; comments: string; call?: CallSummary; resolving: boolean; outcome: 'upheld' | 'revised'; note: string } | undefined;
  declare report: ReportRow[];
  declare reportBy: 'agent' | 'queue' | 'criterion';
  declare reportInterval: 'week' | 'month';
  declare mine: { scores: Score[]; scorecards: Record<string, Scorecard>; report: ReportRow[] } | undefined;
  declare message: string;
  declare error: string;
  declare editor: string | undefined;
  declare openScore: string | undefined;
  private disputeText = '';

  constructor() {
    super();
    this.status = 'open';
    this.reviews = [];
    this.cards = [];
    this.report = [];
    this.reportBy = 'agent';
    this.reportInterval = 'week';
    this.message = '';
    this.error = '';
  }

  private get staff(): boolean {
    return this.me.role === 'admin' || this.me.role === 'supervisor';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.reload();
  }

  /** Run a user action: its error (coded) replaces the previous one; a message from before goes unless `keepMessage`. */
  private async run(fn: () => Promise<unknown>, keepMessage = false): Promise<boolean> {
    this.error = '';
    if (!keepMessage) this.message = '';
    try {
      await fn();
      return true;
    } catch (err) {
      this.error = qaError(err);
      return false;
    }
  }

  private async reload(): Promise<void> {
    await this.run(async () => {
      if (!this.staff) {
        this.mine = await api('GET', '/api/qa/my-scores');
        return;
      }
      const query = this.status === 'all' ? '' : `?status=${this.status}`;
      [this.reviews, this.cards] = await Promise.all([api<Review[]>('GET', `/api/qa/reviews${query}`), api<Scorecard[]>('GET', '/api/qa/scorecards')]);
      await this.loadReport();
    }, true);
  }

  private async loadReport(): Promise<void> {
    const r = await api<{ rows: ReportRow[] }>('GET', `/api/qa/report?by=${this.reportBy}&interval=${this.reportInterval}`);
    this.report = r.rows;
  }

  private async sampleNow(): Promise<void> {
    await this.run(async () => {
      const r = await api<{ selected: unknown[] }>('POST', '/api/qa/sampling/run', {});
      this.message = t('quality.sampled', { count: r.selected.length });
      await this.reload();
    });
  }

  private async openForm(callId: string, resolving: boolean): Promise<void> {
    await this.run(async () => {
      const r = await api<{ review?: Review; score?: Score; scorecard?: Scorecard; call?: CallSummary }>('GET', `/api/qa/scores/${encodeURIComponent(callId)}`);
      const usable = this.cards.filter((c) => !c.retired);
      const card = resolving || (r.score && r.scorecard) ? r.scorecard : usable[0];
      this.message = '';
      this.form = {
        callId, review: r.review, score: r.score, card, call: r.call, answers: { ...(r.score?.answers ?? {}) }, comments: r.score?.comments ?? '',
        resolving, outcome: 'upheld', note: '',
      };
    });
  }

  private async pickCard(name: string): Promise<void> {
    await this.run(async () => {
      const card = await api<Scorecard>('GET', `/api/qa/scorecards/${encodeURIComponent(name)}`);
      if (this.form) this.form = { ...this.form, card, answers: {} };
    });
  }

  private setAnswer(id: string, raw: string): void {
    if (!this.form) return;
    const answers = { ...this.form.answers };
    if (raw === '') delete answers[id];
    else answers[id] = raw === 'na' ? 'na' : raw === 'yes' ? true : raw === 'no' ? false : Number(raw);
    this.form = { ...this.form, answers };
  }

  private async submitScore(): Promise<void> {
    const f = this.form;
    if (!f?.card) return;
    await this.run(async () => {
      const s = await api<Score>('PUT', `/api/qa/scores/${encodeURIComponent(f.callId)}`, { scorecard: f.card!.name, version: f.card!.version, answers: f.answers, comments: f.comments });
      this.message = s.failed ? t('quality.form.savedFailed') : t('quality.form.saved', { score: s.score });
      this.form = undefined;
      await this.reload();
    });
  }

  private async submitResolution(): Promise<void> {
    const f = this.form;
    if (!f) return;
    await this.run(async () => {
      const s = await api<Score>('POST', `/api/qa/scores/${encodeURIComponent(f.callId)}/resolve`, { outcome: f.outcome, note: f.note, ...(f.outcome === 'revised' ? { answers: f.answers, comments: f.comments } : {}) });
      this.message = t('quality.resolve.done', { score: s.score });
      this.form = undefined;
      await this.reload();
    });
  }

  private async saveCard(): Promise<void> {
    let doc: { name?: unknown };
    try {
      doc = JSON.parse(this.editor ?? '');
    } catch (err) {
      this.error = t('quality.scorecards.badJson', { message: (err as Error).message });
      return;
    }
    await this.run(async () => {
      const saved = await api<Scorecard>('PUT', `/api/qa/scorecards/${encodeURIComponent(String(doc.name ?? ''))}`, doc);
      this.message = t('quality.scorecards.saved', { name: saved.name, version: saved.version });
      this.editor = undefined;
      await this.reload();
    });
  }

  private async deleteCard(name: string): Promise<void> {
    await this.run(async () => {
      await api('DELETE', `/api/qa/scorecards/${encodeURIComponent(name)}`);
      await this.reload();
    });
  }

  private async dispute(callId: string): Promise<void> {
    const reason = this.disputeText.trim();
    if (!reason) return;
    await this.run(async () => {
      await api('POST', `/api/qa/scores/${encodeURIComponent(callId)}/dispute`, { reason });
      this.disputeText = '';
      this.message = t('quality.dispute.sent');
      await this.reload();
    });
  }

  override render() {
    if (!this.me) return nothing;
    return html`<main class="quality" data-test="quality">
      <h1>${t('quality.title')}</h1>
      ${this.message ? html`<p class="ok" role="status" data-test="qa-message">${this.message}</p>` : nothing}
      ${this.error ? html`<p class="error" role="alert" data-test="qa-error">${this.error}</p>` : nothing}
      ${this.staff ? this.renderStaff() : this.renderMine()}
    </main>`;
  }

  // ---- supervisors and admins ----

  private renderStaff() {
    return html`${this.form ? this.renderForm(this.form) : nothing}
      <section class="card">
        <div class="card-head"><h2>${t('quality.reviews')}</h2>
          <span>
            <select data-test="qa-status-filter" @change=${(e: Event) => { this.status = (e.target as HTMLSelectElement).value as QualityPage['status']; void this.reload(); }}>
              ${STATUSES.map((s) => html`<option value=${s} ?selected=${this.status === s}>${t(`quality.filter.${s}`)}</option>`)}
            </select>
            <button data-test="qa-run-sampling" @click=${() => this.sampleNow()}>${t('quality.runSampling')}</button>
          </span></div>
        ${this.reviews.length === 0 ? html`<p class="muted" data-test="qa-no-reviews">${t('quality.noReviews')}</p>` : html`
        <table class="grid" data-test="qa-reviews">
          <thead><tr><th>${t('quality.col.callAt')}</th><th>${t('quality.col.agent')}</th><th>${t('quality.col.queue')}</th><th>${t('quality.col.caller')}</th><th>${t('quality.col.duration')}</th>
            <th>${t('quality.col.reason')}</th><th>${t('quality.col.status')}</th><th>${t('quality.col.score')}</th><th></th></tr></thead>
          <tbody>${this.reviews.map((r) => html`<tr data-test="qa-review-row" data-call=${r.callId} data-status=${r.status}>
            <td>${formatDateTime(r.callAt)}</td><td>${r.agent ?? '—'}</td><td>${r.queue ?? '—'}</td><td>${r.call?.caller ?? '—'}</td>
            <td class="num">${r.call ? formatDuration(r.call.durationMs) : '—'}</td>
            <td>${r.reasons.map((x) => tMaybe(`quality.reason.${x}`, x)).join(', ')}</td>
            <td>${tMaybe(`quality.status.${r.status}`, r.status)}</td>
            <td class="num" data-test="qa-review-score">${r.score ?? '—'}</td>
            <td>${r.status === 'open' || r.status === 'scored' ? html`<button data-test="qa-score-button" @click=${() => this.openForm(r.callId, false)}>${t('quality.score')}</button>` : nothing}
              ${r.status === 'disputed' ? html`<button data-test="qa-resolve-button" @click=${() => this.openForm(r.callId, true)}>${t('quality.resolve')}</button>` : nothing}</td>
          </tr>`)}</tbody>
        </table>`}
      </section>
      ${this.renderReport()}
      ${this.renderScorecards()}`;
  }

  private renderForm(f: NonNullable<QualityPage['form']>) {
    const usable = this.cards.filter((c) => !c.retired);
    return html`<section class="card" data-test="qa-score-form" data-call=${f.callId}>
      <div class="card-head"><h2>${f.resolving ? t('quality.resolveTitle', { callId: f.callId }) : t('quality.form.title', { callId: f.callId })}</h2>
        <button class="link" data-test="qa-close-form" @click=${() => (this.form = undefined)}>${t('quality.form.cancel')}</button></div>
      ${f.call ? html`<p class="muted">${formatDateTime(f.call.startedAt)} · ${f.call.caller} · ${f.call.queue ?? ''} · ${f.call.agents.join(', ')} · ${formatDuration(f.call.durationMs)}</p>` : nothing}
      <p><strong>${t('quality.form.recording')}</strong><br>
        <audio controls preload="metadata" data-test="qa-audio" src=${`/api/recordings/${encodeURIComponent(f.callId)}/audio`}></audio></p>
      ${f.resolving && f.score?.dispute ? html`<p class="alert" data-test="qa-dispute-reason-shown">${t('quality.dispute.byAgent', { reason: f.score.dispute.reason })}</p>` : nothing}
      ${f.resolving ? nothing : html`<label>${t('quality.form.scorecard')}
        ${usable.length ? html`<select data-test="qa-scorecard" @change=${(e: Event) => this.pickCard((e.target as HTMLSelectElement).value)}>
          ${usable.map((c) => html`<option value=${c.name} ?selected=${f.card?.name === c.name}>${c.title} (${t('quality.scorecards.version', { version: c.version })})</option>`)}
        </select>` : html`<span class="muted">${t('quality.form.noScorecard')}</span>`}</label>`}
      ${f.card ? f.card.sections.map((s) => html`<fieldset class="qa-section"><legend>${s.title}</legend>
        ${s.criteria.map((c) => this.renderCriterion(c, f.answers[c.id], f.resolving && f.outcome === 'upheld'))}</fieldset>`) : nothing}
      <label>${t('quality.form.comments')}<br><textarea rows="3" cols="60" data-test="qa-comments" .value=${f.comments}
        ?disabled=${f.resolving && f.outcome === 'upheld'} @input=${(e: Event) => (this.form = { ...f, comments: (e.target as HTMLTextAreaElement).value })}></textarea></label>
      ${f.resolving ? html`<p>${t('quality.resolve.outcome')}:
          <label><input type="radio" name="qa-outcome" data-test="qa-outcome-upheld" ?checked=${f.outcome === 'upheld'} @change=${() => (this.form = { ...f, outcome: 'upheld' })}> ${t('quality.resolve.upheld')}</label>
          <label><input type="radio" name="qa-outcome" data-test="qa-outcome-revised" ?checked=${f.outcome === 'revised'} @change=${() => (this.form = { ...f, outcome: 'revised' })}> ${t('quality.resolve.revised')}</label></p>
        <label>${t('quality.resolve.note')}<br><textarea rows="2" cols="60" data-test="qa-resolve-note" .value=${f.note} @input=${(e: Event) => (this.form = { ...f, note: (e.target as HTMLTextAreaElement).value })}></textarea></label>
        <p><button class="primary" data-test="qa-submit-resolution" ?disabled=${!f.note.trim()} @click=${() => this.submitResolution()}>${t('quality.resolve.submit')}</button></p>`
      : html`<p><button class="primary" data-test="qa-submit-score" ?disabled=${!f.card} @click=${() => this.submitScore()}>${t('quality.form.submit')}</button></p>`}
    </section>`;
  }

  private renderCriterion(c: Criterion, a: Answer | undefined, readOnly: boolean) {
    const value = a === undefined ? '' : a === 'na' ? 'na' : typeof a === 'boolean' ? (a ? 'yes' : 'no') : String(a);
    const options: [string, string][] = c.kind === 'scale'
      ? Array.from({ length: (c.max ?? 5) - (c.min ?? 0) + 1 }, (_, i) => String((c.min ?? 0) + i)).map((v) => [v, v])
      : c.kind === 'critical' ? [['yes', t('quality.answer.met')], ['no', t('quality.answer.notMet')]] : [['yes', t('quality.answer.yes')], ['no', t('quality.answer.no')]];
    if (c.na) options.push(['na', t('quality.answer.na')]);
    return html`<div class="qa-criterion">
      <label>${c.label}
        <span class="muted small">${c.kind === 'critical' ? html`<span class="badge">${t('quality.kind.critical')}</span>` : t('quality.weight', { weight: c.weight ?? 0 })}</span>
        <select data-test=${`qa-answer-${c.id}`} ?disabled=${readOnly} @change=${(e: Event) => this.setAnswer(c.id, (e.target as HTMLSelectElement).value)}>
          <option value="" ?selected=${value === ''}>${t('quality.answer.choose')}</option>
          ${options.map(([v, label]) => html`<option value=${v} ?selected=${value === v}>${label}</option>`)}
        </select></label>
      ${c.description ? html`<div class="muted small">${c.description}</div>` : nothing}
    </div>`;
  }

  private renderReport() {
    return html`<section class="card" data-test="qa-report">
      <div class="card-head"><h2>${t('quality.report')}</h2><span>
        ${t('quality.report.by')} <select data-test="qa-report-by" @change=${(e: Event) => { this.reportBy = (e.target as HTMLSelectElement).value as QualityPage['reportBy']; void this.run(() => this.loadReport()); }}>
          ${(['agent', 'queue', 'criterion'] as const).map((b) => html`<option value=${b} ?selected=${this.reportBy === b}>${t(`quality.report.by.${b}`)}</option>`)}</select>
        ${t('quality.report.interval')} <select data-test="qa-report-interval" @change=${(e: Event) => { this.reportInterval = (e.target as HTMLSelectElement).value as QualityPage['reportInterval']; void this.run(() => this.loadReport()); }}>
          ${(['week', 'month'] as const).map((i) => html`<option value=${i} ?selected=${this.reportInterval === i}>${t(`quality.report.interval.${i}`)}</option>`)}</select>
      </span></div>
      ${this.renderReportTable(this.report, this.reportBy === 'criterion')}
    </section>`;
  }

  private renderReportTable(rows: ReportRow[], withNa: boolean) {
    if (!rows.length) return html`<p class="muted" data-test="qa-report-empty">${t('quality.report.empty')}</p>`;
    return html`<table class="grid"><thead><tr><th>${t('quality.report.period')}</th><th>${t('quality.report.key')}</th><th>${t('quality.report.count')}</th>
        <th>${t('quality.report.average')}</th><th>${t('quality.report.failed')}</th>${withNa ? html`<th>${t('quality.report.na')}</th>` : nothing}</tr></thead>
      <tbody>${rows.map((r) => html`<tr data-test="qa-report-row" data-key=${r.key} data-period=${r.period}><td>${r.period}</td><td>${r.key || '—'}</td><td class="num">${r.count}</td>
        <td class="num" data-test="qa-report-average">${r.average}</td><td class="num">${r.failed}</td>${withNa ? html`<td class="num">${r.na ?? 0}</td>` : nothing}</tr>`)}</tbody></table>`;
  }

  private renderScorecards() {
    return html`<section class="card" data-test="qa-scorecards">
      <div class="card-head"><h2>${t('quality.scorecards')}</h2>
        <button data-test="qa-new-scorecard" @click=${() => (this.editor = CARD_TEMPLATE)}>${t('quality.scorecards.new')}</button></div>
      <ul>${this.cards.map((c) => html`<li data-test="qa-scorecard-item" data-name=${c.name}>${c.title} (${c.name}, ${t('quality.scorecards.version', { version: c.version })})
        ${c.retired ? html`<span class="badge">${t('quality.scorecards.retired')}</span>` : html`
          <button class="link" @click=${() => (this.editor = JSON.stringify({ name: c.name, title: c.title, sections: c.sections }, null, 2))}>${t('quality.scorecards.edit')}</button>
          <button class="link" @click=${() => this.deleteCard(c.name)}>${t('quality.scorecards.delete')}</button>`}</li>`)}</ul>
      ${this.editor !== undefined ? html`<p class="muted small">${t('quality.scorecards.editorHint')}</p>
        <textarea rows="16" cols="90" data-test="qa-scorecard-json" .value=${this.editor} @input=${(e: Event) => (this.editor = (e.target as HTMLTextAreaElement).value)}></textarea>
        <p><button class="primary" data-test="qa-save-scorecard" @click=${() => this.saveCard()}>${t('quality.scorecards.save')}</button>
          <button class="link" @click=${() => (this.editor = undefined)}>${t('quality.form.cancel')}</button></p>` : nothing}
    </section>`;
  }

  // ---- an agent's own scores ----

  private renderMine() {
    const m = this.mine;
    if (!m) return nothing;
    return html`<section class="card" data-test="qa-my-report">
        <h2>${t('quality.mine.report')}</h2>${this.renderReportTable(m.report, false)}
      </section>
      <section class="card" data-test="qa-my-scores">
        <h2>${t('quality.mine')}</h2>
        ${m.scores.length === 0 ? html`<p class="muted" data-test="qa-my-empty">${t('quality.mine.empty')}</p>` : html`
        <table class="grid"><thead><tr><th>${t('quality.col.callAt')}</th><th>${t('quality.col.queue')}</th><th>${t('quality.col.scorecard')}</th>
          <th>${t('quality.col.score')}</th><th>${t('quality.col.status')}</th><th>${t('quality.col.comments')}</th><th></th></tr></thead>
        <tbody>${m.scores.map((s) => {
          const card = m.scorecards[`${s.scorecard}@${s.version}`];
          return html`<tr data-test="qa-my-score" data-call=${s.callId} data-status=${s.status}>
            <td>${formatDateTime(s.callAt)}</td><td>${s.queue ?? '—'}</td><td>${card?.title ?? s.scorecard} (${t('quality.scorecards.version', { version: s.version })})</td>
            <td class="num" data-test="qa-my-score-value">${s.score}${s.failed ? html` <span class="badge">${t('quality.failed')}</span>` : nothing}</td>
            <td data-test="qa-my-score-status">${tMaybe(`quality.status.${s.status}`, s.status)}</td><td>${s.comments}</td>
            <td><button class="link" data-test="qa-my-details" @click=${() => (this.openScore = this.openScore === s.callId ? undefined : s.callId)}>${t('quality.mine.details')}</button></td>
          </tr>${this.openScore === s.callId ? html`<tr><td colspan="7">${this.renderMyDetail(s, card)}</td></tr>` : nothing}`;
        })}</tbody></table>`}
      </section>`;
  }

  private renderMyDetail(s: Score, card: Scorecard | undefined) {
    return html`<div data-test="qa-my-detail">
      ${card ? html`<table class="grid"><tbody>${card.sections.flatMap((sec) => sec.criteria.map((c) => {
        const r = s.criteria[c.id];
        return html`<tr><td>${sec.title}</td><td>${c.label}</td><td>${answerText(s.answers[c.id], c)}</td><td class="num">${r && r.possible ? `${Math.round(r.earned * 100) / 100} / ${r.possible}` : ''}</td></tr>`;
      }))}</tbody></table>` : nothing}
      ${s.dispute ? html`<p>${t('quality.dispute.mine', { reason: s.dispute.reason })}</p>` : nothing}
      ${s.resolution ? html`<p data-test="qa-my-resolution">${t('quality.resolution', { by: s.resolution.by, note: s.resolution.note })}</p>` : nothing}
      ${s.status === 'scored' ? html`<p><label>${t('quality.dispute.reason')}<br>
          <textarea rows="2" cols="60" data-test="qa-dispute-reason" @input=${(e: Event) => (this.disputeText = (e.target as HTMLTextAreaElement).value)}></textarea></label><br>
          <button data-test="qa-dispute-submit" @click=${() => this.dispute(s.callId)}>${t('quality.dispute.submit')}</button></p>` : nothing}
    </div>`;
  }
}
customElements.define('cc-quality', QualityPage);

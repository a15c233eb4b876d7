// Reports (数据统计) for supervisors and administrators: pick a period (local dates, both
// inclusive), an interval, a queue or an agent; see calls per interval as a uPlot chart (loaded
// on demand), the queue figures and the agent figures as tables, and download both as CSV.
// The figures come from GET /api/reports/queues and /agents (computed by the box from its queue
// log, in the box's time zone); nothing is computed here but sums for the chart.
import { html } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { formatDuration } from '../clock.ts';
import { errorText } from '../errors.ts';
import { t, tMaybe } from '../i18n.ts';
import type { AgentFigures, QueueFigures } from '../../../reports/figures.ts';
import type { Interval, IntervalKind } from '../../../reports/intervals.ts';

const KINDS: IntervalKind[] = ['15min', 'hour', 'day', 'week', 'month'];

interface QueueReport {
  timeZone: string;
  interval: IntervalKind;
  from: number;
  to: number;
  settings: { shortAbandonSec: number; serviceLevelSec: number };
  intervals: Interval[];
  queues: QueueFigures[];
}
interface SpeechGroup { key: string; calls: number; avgTalkListenRatio: number | null; avgOvertalkPct: number; avgSilencePct: number; avgLongestMonologueMs: number; agitatedPct: number }
interface SpeechReport { agitatedAt: number; total: SpeechGroup; agents: SpeechGroup[]; queues: SpeechGroup[] }
interface AgentReport {
  intervals: Interval[];
  agents: AgentFigures[];
}

const pct = (r: number | null) => (r === null ? '—' : `${(Math.round(r * 1000) / 10).toFixed(1)} %`);
/** Under a minute with a decimal (an ASA of 0.8 s is not 0:00), else h:mm:ss. */
const dur = (ms: number | null) => (ms === null ? '—' : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : formatDuration(Math.round(ms)));

/** Today's date as YYYY-MM-DD in the browser's zone (a starting value for the filters). */
function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** The day after a YYYY-MM-DD date (the exclusive end of an inclusive "to" date). */
function dayAfter(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export class ReportsPage extends AppElement {
  static override properties = {
    queues: { state: true }, agents: { state: true }, speech: { state: true }, error: { state: true }, busy: { state: true },
    from: { state: true }, to: { state: true }, kind: { state: true }, queue: { state: true }, agent: { state: true },
    queueNames: { state: true }, agentIds: { state: true },
  };
  declare queues?: QueueReport;
  declare agents?: AgentReport;
  declare speech?: SpeechReport;
  declare error: unknown;
  declare busy: boolean;
  declare from: string;
  declare to: string;
  declare kind: IntervalKind;
  declare queue: string;
  declare agent: string;
  declare queueNames: string[];
  declare agentIds: string[];
  private plot?: { destroy(): void };

  constructor() {
    super();
    this.error = undefined;
    this.busy = false;
    this.from = today();
    this.to = today();
    this.kind = 'hour';
    this.queue = '';
    this.agent = '';
    this.queueNames = [];
    this.agentIds = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.keep(() => this.plot?.destroy());
    void Promise.all([api<{ name: string }[]>('GET', '/api/acd/queues'), api<{ id: string }[]>('GET', '/api/acd/agents')])
      .then(([qs, as]) => {
        this.queueNames = qs.map((q) => q.name).sort();
        this.agentIds = as.map((a) => a.id).sort();
      })
      .catch(() => undefined);
    void this.load();
  }

  /** The query string of the current filters. */
  query(): string {
    const p = new URLSearchParams({ from: this.from, to: dayAfter(this.to), interval: this.kind });
    if (this.queue) p.set('queue', this.queue);
    if (this.agent) p.set('agent', this.agent);
    return p.toString();
  }

  async load(): Promise<void> {
    this.busy = true;
    this.error = undefined;
    try {
      const q = this.query();
      const [queues, agents, speech] = await Promise.all([api<QueueReport>('GET', `/api/reports/queues?${q}`), api<AgentReport>('GET', `/api/reports/agents?${q}`), api<SpeechReport>('GET', `/api/reports/speech?${q}`)]);
      this.queues = queues;
      this.agents = agents;
      this.speech = speech;
      await this.updateComplete;
      await this.drawChart();
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  /** Offered, answered and abandoned per interval, summed over the queues shown. */
  private async drawChart(): Promise<void> {
    const r = this.queues;
    const box = this.querySelector<HTMLElement>('[data-test="report-chart"]');
    if (!r || !box) return;
    const sum = (f: (q: QueueFigures) => number) => r.intervals.map((iv) => r.queues.filter((q) => q.interval.start === iv.start).reduce((n, q) => n + f(q), 0));
    const data: number[][] = [r.intervals.map((iv) => iv.start / 1000), sum((q) => q.offered), sum((q) => q.answered), sum((q) => q.abandoned)];
    const [{ default: UPlot }] = await Promise.all([import('uplot'), import('uplot/dist/uPlot.min.css')]);
    this.plot?.destroy();
    box.replaceChildren();
    this.plot = new UPlot({
      width: Math.max(320, box.clientWidth || 800),
      height: 240,
      tzDate: (ts: number) => UPlot.tzDate(new Date(ts * 1000), r.timeZone),
      // The whole period on the x axis (one interval is a point in the middle, not a year-wide axis).
      scales: { x: { time: true, range: () => [r.from / 1000, r.to / 1000] } },
      series: [
        {},
        { label: t('reports.series.offered'), stroke: '#2f6fdf', width: 2, points: { show: true, size: 7 } },
        { label: t('reports.series.answered'), stroke: '#1c9b5a', width: 2, points: { show: true, size: 7 } },
        { label: t('reports.series.abandoned'), stroke: '#d0443e', width: 2, points: { show: true, size: 7 } },
      ],
      axes: [{}, { label: '' }],
    }, data as unknown as [number[], ...number[][]], box);
  }

  override render() {
    const r = this.queues;
    const a = this.agents;
    const q = this.query();
    return html`<main class="reports" data-test="reports">
      <h1>${t('reports.title')}</h1>
      <section class="card">
        <form class="filters" style="display: flex; flex-wrap: wrap; gap: 0.75rem; align-items: flex-end" data-test="report-filters" @submit=${(e: Event) => {
          e.preventDefault();
          void this.load();
        }}>
          <label>${t('reports.from')} <input type="date" name="from" .value=${this.from} @change=${(e: Event) => (this.from = (e.target as HTMLInputElement).value)}></label>
          <label>${t('reports.to')} <input type="date" name="to" .value=${this.to} @change=${(e: Event) => (this.to = (e.target as HTMLInputElement).value)}></label>
          <label>${t('reports.interval')} <select name="interval" @change=${(e: Event) => (this.kind = (e.target as HTMLSelectElement).value as IntervalKind)}>
            ${KINDS.map((k) => html`<option value=${k} ?selected=${k === this.kind}>${t(`reports.interval.${k}`)}</option>`)}
          </select></label>
          <label>${t('reports.queue')} <select name="queue" @change=${(e: Event) => (this.queue = (e.target as HTMLSelectElement).value)}>
            <option value="">${t('reports.all')}</option>
            ${this.queueNames.map((n) => html`<option value=${n} ?selected=${n === this.queue}>${n}</option>`)}
          </select></label>
          <label>${t('reports.agent')} <select name="agent" @change=${(e: Event) => (this.agent = (e.target as HTMLSelectElement).value)}>
            <option value="">${t('reports.all')}</option>
            ${this.agentIds.map((n) => html`<option value=${n} ?selected=${n === this.agent}>${n}</option>`)}
          </select></label>
          <button type="submit" ?disabled=${this.busy} data-test="report-show">${this.busy ? t('reports.loading') : t('reports.show')}</button>
          <a href=${`/api/reports/queues.csv?${q}`} download data-test="report-csv-queues">${t('reports.downloadQueues')}</a>
          <a href=${`/api/reports/agents.csv?${q}`} download data-test="report-csv-agents">${t('reports.downloadAgents')}</a>
        </form>
        ${r ? html`<p class="muted">${t('reports.timeZone', { zone: r.timeZone, short: r.settings.shortAbandonSec })}</p>` : ''}
        ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : ''}
      </section>
      <section class="card">
        <h2>${t('reports.chart')}</h2>
        <div data-test="report-chart"></div>
      </section>
      <section class="card">
        <h2>${t('reports.queues')}</h2>
        ${!r || r.queues.length === 0 ? html`<p class="muted" data-test="report-no-queues">${t('reports.noData')}</p>` : html`
        <table class="grid" data-test="report-queues">
          <thead><tr>
            <th>${t('reports.col.interval')}</th><th>${t('reports.queue')}</th><th>${t('reports.col.offered')}</th><th>${t('reports.col.answered')}</th>
            <th>${t('reports.col.abandoned')}</th><th>${t('reports.col.shortAbandoned')}</th><th>${t('reports.col.abandonRate')}</th><th>${t('reports.col.asa')}</th>
            <th>${t('reports.col.aht')}</th><th>${t('reports.col.avgTalk')}</th><th>${t('reports.col.longestWait')}</th><th>${t('reports.col.serviceLevelShort')}</th>
            <th>${t('reports.col.serviceLevelAbandons')}</th><th>${t('reports.col.overflowed')}</th><th>${t('reports.col.waiting')}</th>
          </tr></thead>
          <tbody>${r.queues.map((x) => html`<tr data-test="report-queue-row" data-queue=${x.queue} data-interval=${x.interval.label}>
            <td>${x.interval.label}</td><td>${x.queue}</td>
            <td class="num" data-test="offered">${x.offered}</td><td class="num" data-test="answered">${x.answered}</td>
            <td class="num" data-test="abandoned">${x.abandoned}</td><td class="num" data-test="short-abandoned">${x.shortAbandoned}</td>
            <td class="num" data-test="abandon-rate">${pct(x.abandonRate)}</td><td class="num" data-test="asa">${dur(x.asaMs)}</td>
            <td class="num" data-test="aht">${dur(x.ahtMs)}</td><td class="num" data-test="avg-talk">${dur(x.avgTalkMs)}</td>
            <td class="num" data-test="longest-wait">${dur(x.longestWaitMs)}</td>
            <td class="num" data-test="service-level" title=${t('reports.col.serviceLevel', { sec: x.serviceLevelSec })}>${pct(x.serviceLevel)}</td>
            <td class="num" data-test="service-level-abandons">${pct(x.serviceLevelAbandonsWithin)}</td>
            <td class="num">${x.overflowed}</td><td class="num">${x.waiting}</td>
          </tr>`)}</tbody>
        </table>`}
      </section>
      <section class="card">
        <h2>${t('reports.agents')}</h2>
        ${!a || a.agents.length === 0 ? html`<p class="muted" data-test="report-no-agents">${t('reports.noData')}</p>` : html`
        <table class="grid" data-test="report-agents">
          <thead><tr>
            <th>${t('reports.col.interval')}</th><th>${t('reports.agent')}</th><th>${t('reports.col.answered')}</th><th>${t('reports.col.aht')}</th>
            <th>${t('reports.col.avgTalk')}</th><th>${t('reports.col.noAnswer')}</th><th>${t('reports.col.loggedIn')}</th><th>${t('reports.col.occupancy')}</th><th>${t('reports.col.breaks')}</th>
          </tr></thead>
          <tbody>${a.agents.map((x) => html`<tr data-test="report-agent-row" data-agent=${x.agent} data-interval=${x.interval.label}>
            <td>${x.interval.label}</td><td>${x.agent}</td><td class="num" data-test="answered">${x.answered}</td>
            <td class="num" data-test="aht">${dur(x.ahtMs)}</td><td class="num" data-test="avg-talk">${dur(x.avgTalkMs)}</td>
            <td class="num">${x.noAnswer}</td><td class="num" data-test="logged-in">${dur(x.loggedInMs)}</td>
            <td class="num" data-test="occupancy">${pct(x.occupancy)}</td>
            <td>${Object.entries(x.breakByReason).map(([reason, ms]) => `${tMaybe(`reason.${reason}`, reason)} ${dur(ms)}`).join(', ') || '—'}</td>
          </tr>`)}</tbody>
        </table>`}
      </section>
      ${this.renderSpeech()}
    </main>`;
  }

  /** Speech analytics of the window's recorded calls, per agent and per queue (system/reports/speech-summary.ts). */
  private renderSpeech() {
    const s = this.speech;
    const rows = (kind: string, groups: SpeechGroup[]) => groups.map((g) => html`<tr data-test="report-speech-row" data-kind=${kind} data-key=${g.key}>
      <td>${kind === 'total' ? t('speech.report.all') : g.key}</td><td class="num" data-test="calls">${g.calls}</td>
      <td class="num" data-test="ratio">${g.avgTalkListenRatio ?? '—'}</td><td class="num" data-test="overtalk">${g.avgOvertalkPct}%</td>
      <td class="num" data-test="silence">${g.avgSilencePct}%</td><td class="num">${(g.avgLongestMonologueMs / 1000).toFixed(1)}</td>
      <td class="num" data-test="agitated">${g.agitatedPct}%</td></tr>`);
    return html`<section class="card">
      <h2>${t('speech.report.title')}</h2>
      ${!s || s.total.calls === 0 ? html`<p class="muted" data-test="report-no-speech">${t('reports.noData')}</p>` : html`
      <table class="grid" data-test="report-speech">
        <thead><tr><th>${t('speech.report.group')}</th><th>${t('speech.report.calls')}</th><th>${t('speech.report.ratio')}</th><th>${t('speech.report.overtalk')}</th>
          <th>${t('speech.report.silence')}</th><th>${t('speech.report.monologue')}</th><th>${t('speech.report.agitated', { level: s.agitatedAt })}</th></tr></thead>
        <tbody>${rows('total', [s.total])}${rows('agent', s.agents)}${rows('queue', s.queues)}</tbody>
      </table>
      <p class="muted">${t('speech.report.note')}</p>`}
    </section>`;
  }
}
customElements.define('cc-reports', ReportsPage);

// The monitoring page (性能监控 / 运行日志; admins and technicians): the box's hardware
// figures, call quality per trunk and SIP response times (GET /api/monitoring, re-read every
// sampling interval), the alerts (re-read when the live events push one), the system log
// with its filters (GET /api/logs), and — for the technician only — the technician console
// in a terminal (xterm.js over the WebSocket /api/console, a pseudo-terminal on the box).
import { html, nothing } from 'lit';
import type { Terminal } from '@xterm/xterm';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { errorText } from '../errors.ts';
import { formatDuration } from '../clock.ts';
import { t, tMaybe } from '../i18n.ts';
import type { LiveEvents } from '../live.ts';
import type { Me } from '../types.ts';

interface Hardware {
  at: number;
  cpu: { loadPct: number; cores: number; tempC?: number };
  memory: { totalBytes: number; usedBytes: number; pct: number };
  disks: { mount: string; fs: string; sizeBytes: number; usedBytes: number; pct: number }[];
  dataDir?: { path: string; sizeBytes: number; usedBytes: number; pct: number };
  smart: { device: string; name: string; status: 'ok' | 'failing' }[];
  network: { iface: string; ip4: string; up: boolean; internal: boolean; speedMbps?: number }[];
  uptimeSec: number;
}
interface Alert {
  id: string; metric: string; subject: string; code: string; state: 'active' | 'cleared';
  value: number; threshold: number; raisedAt: number; clearedAt?: number; clearValue?: number;
}
interface Snapshot {
  intervalMs: number;
  windowSec: number;
  hardware?: Hardware;
  quality: { trunk: string; legs: number; mos: number; minMos: number; lossPct: number; jitterMs: number }[];
  sip: { peer: string; requests: number; timeouts: number; p50Ms: number; p95Ms: number }[];
  alerts: Alert[];
}
interface LogEntry { time: number; level: string; module?: string; msg: string; code?: string; fields: Record<string, unknown> }

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const gb = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GB`;
const clock = (ms: number) => new Date(ms).toLocaleString();

export class MonitoringPage extends AppElement {
  static override properties = {
    me: { attribute: false }, live: { attribute: false },
    snap: { state: true }, error: { state: true }, logs: { state: true }, truncated: { state: true }, consoleOpen: { state: true }, consoleNote: { state: true },
  };
  declare me: Me;
  declare live: LiveEvents;
  declare snap: Snapshot | undefined;
  declare error: unknown;
  declare logs: LogEntry[];
  declare truncated: boolean;
  declare consoleOpen: boolean;
  declare consoleNote: string;
  private filter = { level: 'info', module: '', text: '', from: '', to: '' };
  private timer?: ReturnType<typeof setTimeout>;
  private term?: Terminal;
  private ws?: WebSocket;

  constructor() {
    super();
    this.snap = undefined;
    this.logs = [];
    this.truncated = false;
    this.consoleOpen = false;
    this.consoleNote = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.refresh();
    void this.searchLogs();
    this.keep(this.live.on((msg) => {
      if ((msg as { kind: string }).kind === 'alert') void this.refresh(false);
    }));
    this.keep(this.live.onReconnect(() => void this.refresh(false)));
    this.keep(() => clearTimeout(this.timer));
    this.keep(() => this.closeConsole());
  }

  private async refresh(schedule = true): Promise<void> {
    try {
      this.snap = await api<Snapshot>('GET', '/api/monitoring');
      this.error = undefined;
    } catch (err) {
      this.error = err;
    }
    if (schedule && this.isConnected) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => void this.refresh(), Math.max(5000, this.snap?.intervalMs ?? 15_000));
    }
  }

  private async searchLogs(): Promise<void> {
    const q = new URLSearchParams({ limit: '200', level: this.filter.level });
    if (this.filter.module.trim()) q.set('module', this.filter.module.trim());
    if (this.filter.text.trim()) q.set('text', this.filter.text.trim());
    if (this.filter.from) q.set('from', String(new Date(this.filter.from).getTime()));
    if (this.filter.to) q.set('to', String(new Date(this.filter.to).getTime()));
    try {
      const r = await api<{ entries: LogEntry[]; truncated: boolean }>('GET', `/api/logs?${q}`);
      this.logs = r.entries;
      this.truncated = r.truncated;
      this.error = undefined;
    } catch (err) {
      this.error = err;
    }
  }

  private openConsole(): void {
    this.consoleOpen = true;
    this.consoleNote = '';
    // xterm.js is loaded only when a console is opened (it is most of the page's weight).
    void Promise.all([import('@xterm/xterm'), import('@xterm/addon-fit'), import('@xterm/xterm/css/xterm.css'), this.updateComplete]).then(([{ Terminal }, { FitAddon }]) => {
      const el = this.querySelector<HTMLElement>('[data-test="console-terminal"]');
      if (!el || !this.consoleOpen) return;
      const term = new Terminal({ cursorBlink: true, fontSize: 14, convertEol: false });
      const fit = new FitAddon();
      term.loadAddon(fit);
      term.open(el);
      fit.fit();
      this.term = term;
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/console?cols=${term.cols}&rows=${term.rows}`;
      const ws = new WebSocket(url);
      this.ws = ws;
      ws.onmessage = (e) => {
        let msg: { type: string; data?: string; code?: string };
        try {
          msg = JSON.parse(String(e.data));
        } catch {
          return;
        }
        if (msg.type === 'output' && msg.data) term.write(msg.data);
        else if (msg.type === 'error') this.consoleNote = errorText(msg);
      };
      ws.onclose = () => {
        if (this.ws === ws) this.consoleNote ||= t('monitoring.consoleEnded');
      };
      term.onData((data) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ type: 'input', data })));
      term.onResize(({ cols, rows }) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ type: 'resize', cols, rows })));
      term.focus();
    });
  }

  private closeConsole(): void {
    const ws = this.ws;
    this.ws = undefined;
    ws?.close();
    this.term?.dispose();
    this.term = undefined;
    this.consoleOpen = false;
  }

  private metricName(m: string): string {
    return tMaybe(`monitoring.metric.${m}`, m);
  }

  override render() {
    const s = this.snap;
    const h = s?.hardware;
    return html`<main class="monitoring" data-test="monitoring">
      <h1>${t('monitoring.title')}</h1>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : nothing}
      <section class="card" data-test="alerts">
        <div class="card-head"><h2>${t('monitoring.alerts')}</h2><button @click=${() => this.refresh(false)}>${t('monitoring.refresh')}</button></div>
        ${!s?.alerts.length ? html`<p class="muted">${t('monitoring.noAlerts')}</p>` : html`
        <table class="grid"><thead><tr><th>${t('monitoring.alertState')}</th><th>${t('monitoring.code')}</th><th>${t('monitoring.metric')}</th><th>${t('monitoring.subject')}</th>
          <th>${t('monitoring.value')}</th><th>${t('monitoring.limit')}</th><th>${t('monitoring.raisedAt')}</th><th>${t('monitoring.clearedAt')}</th></tr></thead>
        <tbody>${s.alerts.map((a) => html`<tr data-test="alert-row" data-alert=${a.id} data-state=${a.state} class=${a.state === 'active' ? 'alert' : ''}>
          <td>${t(a.state === 'active' ? 'monitoring.active' : 'monitoring.cleared')}</td><td><code>${a.code}</code></td><td>${this.metricName(a.metric)}</td><td>${a.subject || '—'}</td>
          <td class="num">${a.state === 'active' ? a.value : a.clearValue}</td><td class="num">${a.threshold}</td><td>${clock(a.raisedAt)}</td><td>${a.clearedAt ? clock(a.clearedAt) : '—'}</td>
        </tr>`)}</tbody></table>`}
      </section>
      <section class="card" data-test="hardware">
        <h2>${t('monitoring.hardware')}</h2>
        ${!h ? html`<p class="muted">${t('monitoring.notSampled')}</p>` : html`
        <p class="muted">${t('monitoring.sampledAt', { time: clock(h.at) })}</p>
        <table class="grid"><tbody>
          <tr><th>${t('monitoring.cpu')}</th><td data-test="hw-cpu">${h.cpu.loadPct}% (${h.cpu.cores})</td></tr>
          <tr><th>${t('monitoring.cpuTemp')}</th><td>${h.cpu.tempC !== undefined ? `${h.cpu.tempC} °C` : t('monitoring.noSensor')}</td></tr>
          <tr><th>${t('monitoring.memory')}</th><td data-test="hw-memory">${h.memory.pct}% — ${gb(h.memory.usedBytes)} / ${gb(h.memory.totalBytes)}</td></tr>
          <tr><th>${t('monitoring.uptime')}</th><td>${formatDuration(h.uptimeSec * 1000)}</td></tr>
        </tbody></table>
        <h3>${t('monitoring.disks')}</h3>
        <table class="grid"><thead><tr><th>${t('monitoring.mount')}</th><th>${t('monitoring.device')}</th><th>${t('monitoring.used')}</th><th>${t('monitoring.size')}</th></tr></thead>
          <tbody>${h.disks.map((d) => html`<tr data-test="disk-row"><td>${d.mount}</td><td>${d.fs}</td><td class="num">${d.pct}%</td><td class="num">${gb(d.sizeBytes)}</td></tr>`)}
          ${h.dataDir ? html`<tr data-test="disk-row" data-data-dir><td>${h.dataDir.path}</td><td>${t('monitoring.dataDir')}</td><td class="num">${h.dataDir.pct}%</td><td class="num">${gb(h.dataDir.sizeBytes)}</td></tr>` : nothing}</tbody></table>
        ${h.smart.length ? html`<p>${t('monitoring.smart')}: ${h.smart.map((d) => `${d.device} ${t(d.status === 'ok' ? 'monitoring.smartOk' : 'monitoring.smartFailing')}`).join(', ')}</p>` : nothing}
        <h3>${t('monitoring.network')}</h3>
        <table class="grid"><thead><tr><th>${t('monitoring.iface')}</th><th>${t('monitoring.address')}</th><th>${t('monitoring.link')}</th></tr></thead>
          <tbody>${h.network.filter((n) => !n.internal).map((n) => html`<tr><td>${n.iface}</td><td>${n.ip4}</td><td>${t(n.up ? 'monitoring.linkUp' : 'monitoring.linkDown')}${n.speedMbps ? ` ${n.speedMbps} Mb/s` : ''}</td></tr>`)}</tbody></table>`}
      </section>
      <section class="card" data-test="quality">
        <h2>${t('monitoring.quality', { minutes: Math.round((s?.windowSec ?? 900) / 60) })}</h2>
        ${!s?.quality.length ? html`<p class="muted">${t('monitoring.noQuality')}</p>` : html`
        <table class="grid"><thead><tr><th>${t('monitoring.trunk')}</th><th>${t('monitoring.legs')}</th><th>${t('monitoring.mos')}</th><th>${t('monitoring.minMos')}</th><th>${t('monitoring.loss')}</th><th>${t('monitoring.jitter')}</th></tr></thead>
          <tbody>${s.quality.map((q) => html`<tr><td>${q.trunk}</td><td class="num">${q.legs}</td><td class="num">${q.mos}</td><td class="num">${q.minMos}</td><td class="num">${q.lossPct}%</td><td class="num">${q.jitterMs} ms</td></tr>`)}</tbody></table>`}
        <h3>${t('monitoring.sip')}</h3>
        ${!s?.sip.length ? html`<p class="muted">${t('monitoring.noSip')}</p>` : html`
        <table class="grid"><thead><tr><th>${t('monitoring.peer')}</th><th>${t('monitoring.requests')}</th><th>p50</th><th>p95</th><th>${t('monitoring.timeouts')}</th></tr></thead>
          <tbody>${s.sip.map((p) => html`<tr><td>${p.peer}</td><td class="num">${p.requests}</td><td class="num">${p.p50Ms} ms</td><td class="num">${p.p95Ms} ms</td><td class="num">${p.timeouts}</td></tr>`)}</tbody></table>`}
      </section>
      <section class="card" data-test="logs">
        <h2>${t('monitoring.logs')}</h2>
        <form class="filters" style="display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end;" @submit=${(e: Event) => { e.preventDefault(); void this.searchLogs(); }}>
          <label>${t('monitoring.level')} <select data-test="log-level" @change=${(e: Event) => (this.filter.level = (e.target as HTMLSelectElement).value)}>
            ${LEVELS.map((l) => html`<option value=${l} ?selected=${l === this.filter.level}>${l}</option>`)}</select></label>
          <label>${t('monitoring.module')} <input data-test="log-module" size="10" @input=${(e: Event) => (this.filter.module = (e.target as HTMLInputElement).value)}></label>
          <label>${t('monitoring.text')} <input data-test="log-text" size="16" @input=${(e: Event) => (this.filter.text = (e.target as HTMLInputElement).value)}></label>
          <label>${t('monitoring.from')} <input type="datetime-local" data-test="log-from" @input=${(e: Event) => (this.filter.from = (e.target as HTMLInputElement).value)}></label>
          <label>${t('monitoring.to')} <input type="datetime-local" data-test="log-to" @input=${(e: Event) => (this.filter.to = (e.target as HTMLInputElement).value)}></label>
          <button type="submit" data-test="log-search">${t('monitoring.search')}</button>
        </form>
        ${this.truncated ? html`<p class="muted">${t('monitoring.truncated', { count: this.logs.length })}</p>` : nothing}
        ${!this.logs.length ? html`<p class="muted" data-test="log-empty">${t('monitoring.noLogs')}</p>` : html`
        <table class="grid logs"><thead><tr><th>${t('monitoring.time')}</th><th>${t('monitoring.levelColumn')}</th><th>${t('monitoring.module')}</th><th>${t('monitoring.code')}</th><th>${t('monitoring.message')}</th></tr></thead>
          <tbody>${this.logs.map((e) => html`<tr data-test="log-row" data-level=${e.level} class=${e.level === 'error' || e.level === 'fatal' ? 'alert' : ''}>
            <td>${clock(e.time)}</td><td>${e.level}</td><td>${e.module ?? '—'}</td><td>${e.code ?? ''}</td><td title=${JSON.stringify(e.fields)}>${e.msg}</td></tr>`)}</tbody></table>`}
      </section>
      ${this.me?.role === 'technician' ? html`<section class="card" data-test="console">
        <div class="card-head"><h2>${t('monitoring.console')}</h2>
          ${this.consoleOpen ? html`<button data-test="console-close" @click=${() => this.closeConsole()}>${t('monitoring.closeConsole')}</button>`
            : html`<button data-test="console-open" @click=${() => this.openConsole()}>${t('monitoring.openConsole')}</button>`}</div>
        <p class="muted">${t('monitoring.consoleHint')}</p>
        ${this.consoleNote ? html`<p class="muted" data-test="console-note">${this.consoleNote}</p>` : nothing}
        ${this.consoleOpen ? html`<div data-test="console-terminal" style="height: 28rem; background: #000;"></div>` : nothing}
      </section>` : nothing}
    </main>`;
  }
}

customElements.define('cc-monitoring', MonitoringPage);

// The backup page (数据备份, admins only): the attached backup disks with their room and last
// good backup, the schedule and the last result, a backup started now with its progress
// (phase, files and bytes, read every second while one runs), and every backup on each disk
// with its state, size, recordings and a Verify button that re-reads it against its
// manifest. Restoring replaces the database under the running box, so it is done from the
// technician console with the box stopped; the page shows the command for the chosen backup.
import { html, nothing } from 'lit';
import { AppElement } from '../base.ts';
import { api } from '../api.ts';
import { errorText } from '../errors.ts';
import { t, tMaybe } from '../i18n.ts';
import '../admin/admin.css';
import '../components/update-from-disk.ts';

interface Target { name: string; label: string; totalBytes: number; freeBytes: number; backups: number; good: number; lastGood?: string }
interface Progress { phase: string; filesDone: number; filesTotal: number; bytesDone: number; bytesTotal: number }
interface Status {
  running?: { id: string; target: string; progress?: Progress };
  last?: { id?: string; target?: string; ok: boolean; at: string; by: string; code?: string; message?: string };
  schedule: { enabled: boolean; pattern: string; next?: string };
  mountDir: string;
}
interface Listing { id: string; state: string; kind?: string; startedAt?: string; by?: string; bytes?: number; recordings?: number; copiedRecordings?: number; error?: { code: string; message: string }; lastVerify?: { at: string; ok: boolean } }

const mb = (n?: number) => (n === undefined ? '—' : `${(n / 1024 / 1024).toFixed(1)} MB`);
const gb = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GB`;

export class BackupPage extends AppElement {
  static override properties = { targets: { state: true }, status: { state: true }, lists: { state: true }, error: { state: true }, notice: { state: true }, chosen: { state: true } };
  declare targets: Target[];
  declare status: Status | undefined;
  declare lists: { target: string; backups: Listing[] }[];
  declare error: unknown;
  declare notice: string;
  /** The backup whose restore command is shown: `target/id`. */
  declare chosen: string | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor() {
    super();
    this.targets = [];
    this.status = undefined;
    this.lists = [];
    this.error = undefined;
    this.notice = '';
    this.chosen = undefined;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    this.timer = setInterval(() => this.status?.running && void this.load(), 1000);
    this.keep(() => clearInterval(this.timer));
  }

  private async load(): Promise<void> {
    try {
      [this.targets, this.status, this.lists] = await Promise.all([
        api<Target[]>('GET', '/api/backup/targets'), api<Status>('GET', '/api/backup/status'), api<{ target: string; backups: Listing[] }[]>('GET', '/api/backup/backups'),
      ]);
    } catch (err) {
      this.error = err;
    }
  }

  private async run(target: string): Promise<void> {
    this.error = undefined;
    this.notice = '';
    try {
      const r = await api<{ id: string }>('POST', '/api/backup/run', { target });
      this.notice = t('backup.started', { id: r.id });
    } catch (err) {
      this.error = err;
    }
    await this.load();
  }

  private async verify(target: string, id: string): Promise<void> {
    this.error = undefined;
    this.notice = '';
    try {
      const r = await api<{ ok: boolean; problems: string[] }>('POST', '/api/backup/verify', { target, id });
      this.notice = r.ok ? t('backup.verifiedOk', { id }) : t('backup.verifiedBad', { id, problems: r.problems.slice(0, 3).join('; ') });
    } catch (err) {
      this.error = err;
    }
    await this.load();
  }

  private renderProgress(r: NonNullable<Status['running']>) {
    const p = r.progress;
    const pct = p && p.bytesTotal ? Math.round((100 * p.bytesDone) / p.bytesTotal) : undefined;
    return html`<p data-test="backup-running" data-id=${r.id}>${t('backup.running', { id: r.id, target: r.target })}
      ${p ? html`· ${tMaybe(`backup.phase.${p.phase}`, p.phase)} · ${t('backup.files', { done: p.filesDone, total: p.filesTotal })}${pct !== undefined ? html` · <progress max="100" value=${pct}></progress> ${pct}%` : nothing}` : nothing}</p>`;
  }

  override render() {
    const s = this.status;
    return html`<main class="backup" data-test="backup-page">
      <h1>${t('backup.title')}</h1>
      ${this.error ? html`<p class="error" role="alert" data-test="backup-error">${errorText(this.error)}</p>` : nothing}
      ${this.notice ? html`<p class="ok" role="status" data-test="backup-notice">${this.notice}</p>` : nothing}
      <section class="card">
        <h2>${t('backup.status')}</h2>
        ${s ? html`
          <p>${t('backup.schedule')}: <code>${s.schedule.pattern}</code> ${s.schedule.enabled ? (s.schedule.next ? t('backup.next', { at: new Date(s.schedule.next).toLocaleString() }) : '') : t('backup.scheduleOff')}</p>
          <p class="muted small">${t('backup.mountDir', { dir: s.mountDir })}</p>
          ${s.running ? this.renderProgress(s.running) : nothing}
          ${s.last ? html`<p data-test="backup-last" data-ok=${String(s.last.ok)}>${t('backup.last')}: ${new Date(s.last.at).toLocaleString()} · ${s.last.ok ? html`<span class="ok">${t('backup.ok')}</span>` : html`<span class="error">${s.last.code} ${s.last.message ?? ''}</span>`}${s.last.id ? ` · ${s.last.target}/${s.last.id}` : ''}</p>` : nothing}` : nothing}
      </section>
      <section class="card">
        <h2>${t('backup.targets')}</h2>
        ${this.targets.length === 0 ? html`<p class="muted" data-test="no-targets">${t('backup.noTargets')}</p>` : html`
        <table class="grid" data-test="backup-targets"><thead><tr><th>${t('backup.disk')}</th><th>${t('backup.free')}</th><th>${t('backup.good')}</th><th>${t('backup.lastGood')}</th><th></th></tr></thead>
          <tbody>${this.targets.map((d) => html`<tr data-test="target-row" data-target=${d.name}><td>${d.label}</td><td>${gb(d.freeBytes)} / ${gb(d.totalBytes)}</td><td class="num">${d.good}</td><td>${d.lastGood ?? '—'}</td>
            <td><button type="button" class="primary" data-test="backup-now" ?disabled=${!!s?.running} @click=${() => this.run(d.name)}>${t('backup.now')}</button></td></tr>`)}</tbody></table>`}
      </section>
      ${this.lists.map((l) => html`<section class="card" data-test="backup-list" data-target=${l.target}>
        <h2>${t('backup.on', { target: l.target })}</h2>
        ${l.backups.length === 0 ? html`<p class="muted">${t('backup.none')}</p>` : html`
        <table class="grid"><thead><tr><th>${t('backup.id')}</th><th>${t('backup.state')}</th><th>${t('backup.kind')}</th><th>${t('backup.size')}</th><th>${t('backup.recordings')}</th><th>${t('backup.verified')}</th><th></th></tr></thead>
          <tbody>${[...l.backups].reverse().map((b) => html`<tr data-test="backup-row" data-id=${b.id} data-state=${b.state}>
            <td>${b.id}</td><td>${tMaybe(`backup.state.${b.state}`, b.state)}${b.error ? html`<div class="error small">${b.error.code}</div>` : nothing}</td><td>${b.kind ? tMaybe(`backup.kind.${b.kind}`, b.kind) : '—'}</td>
            <td class="num">${mb(b.bytes)}</td><td class="num">${b.recordings ?? '—'}${b.copiedRecordings !== undefined ? ` (+${b.copiedRecordings})` : ''}</td>
            <td>${b.lastVerify ? html`<span class=${b.lastVerify.ok ? 'ok' : 'error'}>${new Date(b.lastVerify.at).toLocaleString()}</span>` : '—'}</td>
            <td>${b.state === 'good' ? html`<button type="button" data-test="backup-verify" @click=${() => this.verify(l.target, b.id)}>${t('backup.verify')}</button>
              <button type="button" class="link" data-test="backup-restore" @click=${() => (this.chosen = `${l.target}/${b.id}`)}>${t('backup.restore')}</button>` : nothing}</td></tr>`)}</tbody></table>`}
      </section>`)}
      ${this.chosen ? html`<section class="card" data-test="restore-help"><h2>${t('backup.restoreTitle', { backup: this.chosen })}</h2>
        <p>${t('backup.restoreHelp')}</p>
        <pre>cd /opt/callcenter/app && node appliance/backup/cli.js restore --from ${s?.mountDir ?? '/media'}/${this.chosen.split('/')[0]}/callcenter-backups/${this.chosen.split('/')[1]} --data /var/lib/callcenter --dry-run</pre>
        <p class="muted small">${t('backup.restoreThen')}</p></section>` : nothing}
      <cc-update-from-disk></cc-update-from-disk>
    </main>`;
  }
}
customElements.define('cc-backup', BackupPage);

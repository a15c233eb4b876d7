// <cc-config-import>: the configuration as one file on the admin page. Export downloads it
// (GET /api/config/export); import reads a chosen file, asks the box for a dry-run plan
// (POST /api/config/import?dryRun=true) and shows it — problems with their paths, changes,
// sections that need a restart, users and IVR flows — and applies it only when the admin
// confirms a clean plan. Emits `imported` after an import.
import { html, nothing } from 'lit';
import { AppElement } from '../base.ts';
import { api, ApiError } from '../api.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';
import type { Problem } from '../admin/schema-walk.ts';

interface ImportPlan {
  ok: boolean;
  applied: boolean;
  problems: Problem[];
  warnings: Problem[];
  changes: { path: string; before?: unknown; after?: unknown }[];
  restartRequired: string[];
  users: { add: string[]; update: string[]; keep: string[] };
  flows: { publish: string[]; unchanged: string[] };
}

const show = (v: unknown) => (v === undefined ? '—' : JSON.stringify(v).slice(0, 80));

export class ConfigImport extends AppElement {
  static override properties = { plan: { state: true }, file: { state: true }, busy: { state: true }, error: { state: true } };
  declare plan: ImportPlan | undefined;
  declare file: unknown;
  declare busy: boolean;
  declare error: unknown;

  constructor() {
    super();
    this.plan = undefined;
    this.file = undefined;
    this.busy = false;
    this.error = undefined;
  }

  private async send(dryRun: boolean): Promise<void> {
    this.busy = true;
    this.error = undefined;
    try {
      this.plan = await api<ImportPlan>('POST', `/api/config/import?dryRun=${dryRun}`, this.file);
      if (this.plan.applied) this.dispatchEvent(new CustomEvent('imported'));
    } catch (err) {
      const body = err instanceof ApiError ? (err.body as ImportPlan | undefined) : undefined;
      if (body?.problems) this.plan = body;
      else this.error = err;
    } finally {
      this.busy = false;
    }
  }

  private async choose(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement;
    const chosen = input.files?.[0];
    this.plan = undefined;
    if (!chosen) return;
    try {
      this.file = JSON.parse(await chosen.text());
    } catch {
      this.file = undefined;
      this.error = { code: 'CC_CONFIG_FILE_NOT_JSON' };
      return;
    }
    await this.send(true);
  }

  private renderPlan(p: ImportPlan) {
    return html`<div class="plan" data-test="import-plan" data-ok=${String(p.ok)} data-applied=${String(p.applied)}>
      ${p.applied ? html`<p class="ok" role="status" data-test="import-applied">${t('admin.import.applied')}</p>` : nothing}
      ${p.problems.length ? html`<p class="error">${t('admin.import.problems', { n: p.problems.length })}</p>
        <ul class="error" data-test="import-problems">${p.problems.map((x) => html`<li><code>${x.path}</code> ${x.message}</li>`)}</ul>` : nothing}
      ${p.warnings.length ? html`<ul class="muted">${p.warnings.map((x) => html`<li><code>${x.path}</code> ${x.message}</li>`)}</ul>` : nothing}
      <p>${t('admin.import.summary', { changes: p.changes.length, add: p.users.add.length, update: p.users.update.length, flows: p.flows.publish.length })}</p>
      ${p.restartRequired.length ? html`<p class="warn" data-test="import-restart">${t('admin.import.restart', { sections: p.restartRequired.join(', ') })}</p>` : nothing}
      ${p.changes.length ? html`<table class="grid small" data-test="import-changes"><thead><tr><th>${t('admin.import.path')}</th><th>${t('admin.import.before')}</th><th>${t('admin.import.after')}</th></tr></thead>
        <tbody>${p.changes.slice(0, 200).map((c) => html`<tr><td><code>${c.path}</code></td><td>${show(c.before)}</td><td>${show(c.after)}</td></tr>`)}</tbody></table>` : nothing}
      ${p.ok && !p.applied ? html`<button type="button" class="primary" data-test="import-apply" ?disabled=${this.busy} @click=${() => this.send(false)}>${t('admin.import.apply')}</button>` : nothing}
    </div>`;
  }

  override render() {
    return html`<section class="card" data-test="config-file">
      <h2>${t('admin.file.title')}</h2>
      <p class="muted">${t('admin.file.hint')}</p>
      <p><a href="/api/config/export" download data-test="export">${t('admin.file.export')}</a></p>
      <label class="field">${t('admin.file.import')}<input type="file" accept="application/json,.json" data-test="import-file" @change=${(e: Event) => this.choose(e)} /></label>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : nothing}
      ${this.plan ? this.renderPlan(this.plan) : nothing}
    </section>`;
  }
}
customElements.define('cc-config-import', ConfigImport);

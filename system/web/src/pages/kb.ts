// The knowledge-base page (知识库, #/kb). Everyone who may open it (admins, supervisors,
// agents) searches (cc-kb-panel), lists the articles and reads one with its version history
// and attachments, any old version too. Admins and supervisors also write: a new article or a
// change in the editor (title, category, tags, language, Markdown text; saving sends the
// version the editor started from, so a change made meanwhile by someone else is refused, not
// overwritten), delete, attachments, and the import of a folder of Markdown/HTML documents
// from an attached disk with its report (new, updated, skipped and why).
import { html, nothing } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { api } from '../api.ts';
import { AppElement } from '../base.ts';
import { errorText } from '../errors.ts';
import { formatDateTime, t, tMaybe } from '../i18n.ts';
import type { Me } from '../types.ts';
import '../components/kb-panel.ts';
import type { ArticleView } from '../components/kb-panel.ts';

interface Summary { id: string; version: number; title: string; tags: string[]; category: string; language: string; updatedAt: number; updatedBy: string; attachments: number }
interface VersionRow { version: number; title: string; updatedAt: number; updatedBy: string; deleted: boolean; note?: string }
interface Draft { id?: string; baseVersion?: number; title: string; body: string; tags: string; category: string; language: '' | 'zh-CN' | 'en' }
interface Disk { name: string; folders: string[] }
interface ImportReport { folder: string; files: number; imported: { file: string; title: string }[]; updated: { file: string; title: string; version: number }[]; skipped: { file: string; reason: string; detail?: string }[] }

export class KbPage extends AppElement {
  static override properties = {
    me: { attribute: false },
    articles: { state: true }, article: { state: true }, versions: { state: true }, current: { state: true }, draft: { state: true },
    message: { state: true }, error: { state: true }, disks: { state: true }, mountDir: { state: true }, disk: { state: true }, folder: { state: true }, report: { state: true }, busy: { state: true },
  };
  declare me: Me;
  declare articles: Summary[];
  declare article: ArticleView | undefined;
  declare versions: VersionRow[];
  declare current: number;
  declare draft: Draft | undefined;
  declare message: string;
  declare error: unknown;
  declare disks: Disk[];
  declare mountDir: string;
  declare disk: string;
  declare folder: string;
  declare report: ImportReport | undefined;
  declare busy: boolean;

  constructor() {
    super();
    this.articles = [];
    this.versions = [];
    this.current = 0;
    this.message = '';
    this.disks = [];
    this.mountDir = '';
    this.disk = '';
    this.folder = '';
    this.busy = false;
  }

  private get writer(): boolean {
    return this.me?.role === 'admin' || this.me?.role === 'supervisor';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
    if (this.writer) void this.loadDisks();
  }

  private async run(fn: () => Promise<void>): Promise<void> {
    this.error = undefined;
    this.message = '';
    this.busy = true;
    try {
      await fn();
    } catch (err) {
      this.error = err;
    } finally {
      this.busy = false;
    }
  }

  async load(): Promise<void> {
    await this.run(async () => {
      this.articles = await api<Summary[]>('GET', '/api/kb/articles');
    });
  }

  private async loadDisks(): Promise<void> {
    await this.run(async () => {
      const r = await api<{ mountDir: string; disks: Disk[] }>('GET', '/api/kb/import/disks');
      this.disks = r.disks;
      this.mountDir = r.mountDir;
      if (!this.disks.some((d) => d.name === this.disk)) this.disk = this.disks[0]?.name ?? '';
    });
  }

  private async show(id: string, version?: number): Promise<void> {
    await this.run(async () => {
      this.draft = undefined;
      this.article = await api<ArticleView>('GET', `/api/kb/articles/${encodeURIComponent(id)}${version ? `?version=${version}` : ''}`);
      this.versions = await api<VersionRow[]>('GET', `/api/kb/articles/${encodeURIComponent(id)}/versions`);
      this.current = this.versions.find((v) => !v.deleted)?.version ?? this.article.version;
      // The list too: someone may have saved since it was read.
      this.articles = await api<Summary[]>('GET', '/api/kb/articles');
    });
  }

  private edit(a?: ArticleView): void {
    this.message = '';
    this.draft = a
      ? { id: a.id, baseVersion: this.current, title: a.title, body: a.body, tags: a.tags.join(', '), category: a.category, language: a.language as Draft['language'] }
      : { title: '', body: '', tags: '', category: '', language: '' };
  }

  private async save(): Promise<void> {
    const d = this.draft!;
    const body = {
      title: d.title, body: d.body, category: d.category,
      tags: d.tags.split(/[,，]/).map((s) => s.trim()).filter(Boolean),
      ...(d.language ? { language: d.language } : {}),
    };
    await this.run(async () => {
      const saved = d.id
        ? await api<{ id: string; version: number }>('PUT', `/api/kb/articles/${encodeURIComponent(d.id)}`, { ...body, baseVersion: d.baseVersion })
        : await api<{ id: string; version: number }>('POST', '/api/kb/articles', body);
      await this.show(saved.id);
      this.message = t('kb.saved', { version: saved.version });
    });
  }

  private async deleteArticle(id: string): Promise<void> {
    if (!confirm(t('kb.confirmDelete'))) return;
    await this.run(async () => {
      await api('DELETE', `/api/kb/articles/${encodeURIComponent(id)}`);
      this.article = undefined;
      this.articles = await api<Summary[]>('GET', '/api/kb/articles');
      this.message = t('kb.deleted');
    });
  }

  private async attach(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0];
    const a = this.article;
    if (!file || !a) return;
    await this.run(async () => {
      const bytes = new Uint8Array(await file.arrayBuffer());
      let bin = '';
      for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
      await api('PUT', `/api/kb/articles/${encodeURIComponent(a.id)}/attachments/${encodeURIComponent(file.name)}`, { type: file.type || 'application/octet-stream', data: btoa(bin) });
      input.value = '';
    });
    await this.show(a.id);
  }

  private async detach(name: string): Promise<void> {
    const a = this.article!;
    await this.run(async () => {
      await api('DELETE', `/api/kb/articles/${encodeURIComponent(a.id)}/attachments/${encodeURIComponent(name)}`);
    });
    await this.show(a.id);
  }

  private async runImport(): Promise<void> {
    await this.run(async () => {
      this.report = await api<ImportReport>('POST', '/api/kb/import', { disk: this.disk, folder: this.folder });
      this.articles = await api<Summary[]>('GET', '/api/kb/articles');
    });
  }

  private renderEditor(d: Draft) {
    const set = (k: keyof Draft) => (e: Event) => (this.draft = { ...d, [k]: (e.target as HTMLInputElement).value });
    return html`<section class="card" data-test="kb-editor">
      <h2>${d.id ? t('kb.edit') : t('kb.new')}</h2>
      <form class="stack" @submit=${(e: Event) => { e.preventDefault(); void this.save(); }}>
        <label>${t('kb.field.title')} <input data-test="kb-title" required maxlength="200" .value=${d.title} @input=${set('title')}></label>
        <label>${t('kb.field.category')} <input data-test="kb-category" maxlength="64" .value=${d.category} @input=${set('category')}></label>
        <label>${t('kb.field.tags')} <input data-test="kb-tags" .value=${d.tags} @input=${set('tags')}></label>
        <label>${t('kb.field.language')}
          <select data-test="kb-language" @change=${set('language')}>
            ${(['', 'zh-CN', 'en'] as const).map((l) => html`<option value=${l} ?selected=${d.language === l}>${l ? t(`kb.language.${l}`) : t('kb.language.auto')}</option>`)}
          </select></label>
        <label>${t('kb.field.body')} <textarea data-test="kb-body" rows="14" .value=${d.body} @input=${set('body')}></textarea></label>
        <div class="row">
          <button type="submit" data-test="kb-save" ?disabled=${this.busy}>${t('kb.save')}</button>
          <button type="button" @click=${() => (this.draft = undefined)}>${t('kb.cancel')}</button>
        </div>
      </form>
    </section>`;
  }

  private renderArticle(a: ArticleView) {
    const old = a.version !== this.current;
    return html`<section class="card" data-test="kb-view" data-id=${a.id} data-version=${a.version}>
      <h2 data-test="kb-view-title">${a.title}</h2>
      <p class="muted small">${a.category} · ${a.tags.join(', ')} · ${t(`kb.language.${a.language as 'en'}`)} · ${t('kb.version', { version: a.version })} · ${formatDateTime(a.updatedAt)} ${a.updatedBy}</p>
      ${old ? html`<p class="notice" data-test="kb-old-version">${t('kb.viewingVersion', { version: a.version, current: this.current })}</p>` : nothing}
      ${this.writer && !old ? html`<div class="row"><button type="button" data-test="kb-edit" @click=${() => this.edit(a)}>${t('kb.edit')}</button>
        <button type="button" class="danger" data-test="kb-delete" @click=${() => void this.deleteArticle(a.id)}>${t('kb.delete')}</button></div>` : nothing}
      <div class="kb-body" data-test="kb-view-body">${unsafeHTML(a.html)}</div>
      <h3>${t('kb.attachments')}</h3>
      <ul>${a.attachments.map((x) => html`<li data-test="kb-attachment"><a href="/api/kb/articles/${encodeURIComponent(a.id)}/attachments/${encodeURIComponent(x.name)}" target="_blank" rel="noopener">${x.name}</a>
        <span class="muted small">${Math.ceil(x.size / 1024)} KB</span>
        ${this.writer ? html`<button type="button" class="link" @click=${() => void this.detach(x.name)}>${t('kb.removeAttachment')}</button>` : nothing}</li>`)}</ul>
      ${this.writer ? html`<label>${t('kb.attach')} <input type="file" data-test="kb-attach" accept="image/*,application/pdf,text/plain,text/csv" @change=${(e: Event) => void this.attach(e.target as HTMLInputElement)}></label>
        <p class="muted small">${t('kb.attachHint')}</p>` : nothing}
      <h3>${t('kb.versions')}</h3>
      <ol class="kb-versions" data-test="kb-versions">${this.versions.map((v) => html`<li data-test="kb-version" data-version=${v.version}>
        <a href="#" @click=${(e: Event) => { e.preventDefault(); if (!v.deleted) void this.show(a.id, v.version); }}>${t('kb.version', { version: v.version })}</a>
        ${v.version === this.current ? html`<span class="badge">${t('kb.current')}</span>` : nothing}
        ${v.deleted ? html`<span class="badge">${t('kb.deletedVersion')}</span>` : nothing}
        <span class="muted small">${formatDateTime(v.updatedAt)} ${v.updatedBy} ${v.title}</span></li>`)}</ol>
    </section>`;
  }

  private renderImport() {
    const disk = this.disks.find((d) => d.name === this.disk);
    const r = this.report;
    return html`<section class="card" data-test="kb-import">
      <h2>${t('kb.import')}</h2>
      <p class="muted small">${t('kb.importHint')}</p>
      ${this.disks.length
        ? html`<form class="row" @submit=${(e: Event) => { e.preventDefault(); void this.runImport(); }}>
            <label>${t('kb.import.disk')} <select data-test="kb-import-disk" @change=${(e: Event) => { this.disk = (e.target as HTMLSelectElement).value; this.folder = ''; }}>
              ${this.disks.map((d) => html`<option value=${d.name} ?selected=${d.name === this.disk}>${d.name}</option>`)}</select></label>
            <label>${t('kb.import.folder')} <select data-test="kb-import-folder" @change=${(e: Event) => (this.folder = (e.target as HTMLSelectElement).value)}>
              <option value="" ?selected=${!this.folder}>${t('kb.import.wholeDisk')}</option>
              ${(disk?.folders ?? []).map((f) => html`<option value=${f} ?selected=${f === this.folder}>${f}</option>`)}</select></label>
            <button type="submit" data-test="kb-import-run" ?disabled=${this.busy}>${t('kb.import.run')}</button>
          </form>`
        : html`<p class="muted">${t('kb.import.noDisks', { dir: this.mountDir })}</p>`}
      ${r ? html`<div data-test="kb-import-report">
          <p>${t('kb.import.report', { folder: r.folder, imported: r.imported.length, updated: r.updated.length, skipped: r.skipped.length, files: r.files })}</p>
          <ul>
            ${r.imported.map((x) => html`<li data-test="kb-import-imported">${t('kb.import.imported')}: ${x.file} — ${x.title}</li>`)}
            ${r.updated.map((x) => html`<li data-test="kb-import-updated">${t('kb.import.updated')}: ${x.file} — ${x.title} (${t('kb.version', { version: x.version })})</li>`)}
            ${r.skipped.map((x) => html`<li data-test="kb-import-skipped" data-reason=${x.reason}>${t('kb.import.skipped')}: ${x.file} — ${tMaybe(`kb.skip.${x.reason}`, x.reason)}</li>`)}
          </ul></div>` : nothing}
    </section>`;
  }

  override render() {
    return html`<main class="kb-page" data-test="kb-page">
      <h1>${t('kb.title')}</h1>
      ${this.error ? html`<p class="error" role="alert" data-test="kb-error">${errorText(this.error)}</p>` : nothing}
      ${this.message ? html`<p class="notice" role="status" data-test="kb-message">${this.message}</p>` : nothing}
      <div class="columns">
        <div class="column">
          <cc-kb-panel></cc-kb-panel>
          <section class="card">
            <h2>${t('kb.articles')}</h2>
            ${this.writer ? html`<button type="button" data-test="kb-new" @click=${() => this.edit()}>${t('kb.new')}</button>` : nothing}
            ${this.articles.length
              ? html`<table class="grid"><thead><tr><th>${t('kb.col.title')}</th><th>${t('kb.col.category')}</th><th>${t('kb.col.tags')}</th><th>${t('kb.col.version')}</th><th>${t('kb.col.updated')}</th></tr></thead>
                <tbody>${this.articles.map((a) => html`<tr data-test="kb-row" data-id=${a.id}>
                  <td><a href="#" @click=${(e: Event) => { e.preventDefault(); void this.show(a.id); }}>${a.title}</a></td>
                  <td>${a.category}</td><td>${a.tags.join(', ')}</td><td>${a.version}</td><td>${formatDateTime(a.updatedAt)} ${a.updatedBy}</td></tr>`)}</tbody></table>`
              : html`<p class="muted">${t('kb.noArticles')}</p>`}
          </section>
          ${this.writer ? this.renderImport() : nothing}
        </div>
        <div class="column wide">
          ${this.draft ? this.renderEditor(this.draft) : this.article ? this.renderArticle(this.article) : nothing}
        </div>
      </div>
    </main>`;
  }
}
customElements.define('cc-kb-page', KbPage);

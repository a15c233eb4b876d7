// The knowledge base in the agent workspace (and at the top of the knowledge-base page): a
// search box over the box's articles in Chinese and English, results best first with the
// matched words marked (the API returns text segments, so nothing is inserted as HTML), and
// an article opened in place (its body is HTML the box sanitized). With a desk it also shows
// suggestions for the current (or just ended) call: articles tagged with its queue, IVR menu
// path or the disposition chosen in the wrap-up panel (read from that panel's select as it
// changes), reloaded whenever one of them changes.
import { html, nothing } from 'lit';
import { unsafeHTML } from 'lit/directives/unsafe-html.js';
import { api } from '../api.ts';
import { AppElement } from '../base.ts';
import type { Desk } from '../desk.ts';
import { errorText } from '../errors.ts';
import { t } from '../i18n.ts';

export interface Segment {
  text: string;
  hit: boolean;
}
interface Hit { id: string; score: number; title: Segment[]; snippet: Segment[]; language: string; category: string; tags: string[] }
interface Suggestion { id: string; title: string; language: string; matched: string[] }
export interface ArticleView { id: string; version: number; title: string; body: string; html: string; tags: string[]; category: string; language: string; updatedAt: number; updatedBy: string; attachments: { name: string; type: string; size: number }[] }

export const marked = (segs: Segment[]) => segs.map((s) => (s.hit ? html`<mark>${s.text}</mark>` : s.text));

export class KbPanel extends AppElement {
  static override properties = {
    desk: { attribute: false },
    query: { state: true }, hits: { state: true }, searched: { state: true }, suggestions: { state: true },
    article: { state: true }, error: { state: true }, disposition: { state: true },
  };
  declare desk: Desk | undefined;
  declare query: string;
  declare hits: Hit[];
  declare searched: string;
  declare suggestions: Suggestion[] | undefined;
  declare article: ArticleView | undefined;
  declare error: unknown;
  declare disposition: string;
  private contextKey?: string;
  private offDesk?: () => void;

  constructor() {
    super();
    this.query = '';
    this.hits = [];
    this.searched = '';
    this.disposition = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.desk) {
      this.offDesk = this.desk.onChange(() => this.requestUpdate());
      this.keep(() => this.offDesk?.());
    }
    const onChange = (e: Event) => {
      const el = e.target as HTMLSelectElement | null;
      if (el?.matches?.('[data-test=wrapup-disposition]')) this.disposition = el.value;
    };
    document.addEventListener('change', onChange);
    this.keep(() => document.removeEventListener('change', onChange));
  }

  /** The call the suggestions are for: the current one, else the one just ended. */
  private context(): { queue?: string; ivr?: string[]; disposition?: string } | undefined {
    const call = this.desk?.call ?? this.desk?.lastCall;
    if (!call) return undefined;
    return { queue: call.queue, ivr: call.ivr?.path, disposition: this.disposition || undefined };
  }

  override updated(): void {
    if (!this.desk) return;
    const ctx = this.context();
    const key = ctx ? JSON.stringify(ctx) : '';
    if (key === this.contextKey) return;
    this.contextKey = key;
    if (!ctx) {
      this.suggestions = undefined;
      return;
    }
    const q = new URLSearchParams();
    if (ctx.queue) q.set('queue', ctx.queue);
    if (ctx.ivr?.length) q.set('ivr', ctx.ivr.join(','));
    if (ctx.disposition) q.set('disposition', ctx.disposition);
    void api<{ suggestions: Suggestion[] }>('GET', `/api/kb/suggest?${q}`)
      .then((r) => {
        if (this.contextKey === key) this.suggestions = r.suggestions;
      })
      .catch((err) => (this.error = err));
  }

  async search(q = this.query): Promise<void> {
    const text = q.trim();
    if (!text) return;
    this.error = undefined;
    try {
      const r = await api<{ hits: Hit[] }>('GET', `/api/kb/search?q=${encodeURIComponent(text)}&limit=10`);
      this.hits = r.hits;
      this.searched = text;
    } catch (err) {
      this.error = err;
    }
  }

  async open(id: string): Promise<void> {
    try {
      this.article = await api<ArticleView>('GET', `/api/kb/articles/${encodeURIComponent(id)}`);
    } catch (err) {
      this.error = err;
    }
  }

  override render() {
    const ctx = this.desk ? this.context() : undefined;
    return html`<section class="card kb-panel" data-test="kb-panel">
      <h2>${t('kb.search')}</h2>
      <form class="row" @submit=${(e: Event) => { e.preventDefault(); void this.search(); }}>
        <input type="search" data-test="kb-search" .value=${this.query} placeholder=${t('kb.searchPlaceholder')} aria-label=${t('kb.search')}
          @input=${(e: Event) => (this.query = (e.target as HTMLInputElement).value)}>
        <button type="submit" data-test="kb-search-go">${t('kb.searchButton')}</button>
      </form>
      ${this.error ? html`<p class="error" role="alert">${errorText(this.error)}</p>` : nothing}
      ${this.searched
        ? html`<p class="muted small" data-test="kb-hit-count">${this.hits.length ? t('kb.hits', { count: this.hits.length }) : t('kb.noHits', { q: this.searched })}</p>
          <ol class="kb-hits">${this.hits.map((h) => html`<li data-test="kb-hit" data-id=${h.id}>
            <a href="#" data-test="kb-hit-title" @click=${(e: Event) => { e.preventDefault(); void this.open(h.id); }}>${marked(h.title)}</a>
            <span class="muted small">${h.category}</span>
            <p class="small" data-test="kb-hit-snippet">${marked(h.snippet)}</p>
          </li>`)}</ol>`
        : nothing}
      ${this.desk
        ? html`<h3>${t('kb.suggestions')}</h3>
          ${!ctx
            ? html`<p class="muted small">${t('kb.noCall')}</p>`
            : this.suggestions?.length
              ? html`<ul class="kb-suggestions">${this.suggestions.map((s) => html`<li data-test="kb-suggestion" data-id=${s.id}>
                  <a href="#" @click=${(e: Event) => { e.preventDefault(); void this.open(s.id); }}>${s.title}</a>
                  <span class="muted small">${t('kb.matched', { facts: s.matched.join(', ') })}</span></li>`)}</ul>`
              : html`<p class="muted small" data-test="kb-no-suggestions">${t('kb.noSuggestions')}</p>`}`
        : nothing}
      ${this.article
        ? html`<article class="kb-article" data-test="kb-article" data-id=${this.article.id}>
            <h3>${this.article.title} <button type="button" class="link" @click=${() => (this.article = undefined)}>${t('kb.close')}</button></h3>
            <div class="kb-body">${unsafeHTML(this.article.html)}</div>
          </article>`
        : nothing}
    </section>`;
  }
}
customElements.define('cc-kb-panel', KbPanel);

// The knowledge base (知识库) as the box runs it: the article book in LMDB (articles.ts), the
// in-memory search index rebuilt from it at start and kept current after every save, the
// attachment files under <data>/kb/attachments, the folder importer, and suggestions for the
// agent's current call from its queue, IVR path and disposition (articles tagged with them).
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { ArticleBook, newArticleId, type Article, type ArticleInput } from './articles.ts';
import { ATTACHMENT_LIMITS, AttachmentFiles, checkAttachment } from './attachments.ts';
import { KbError } from './errors.ts';
import { importFolder, type ImportReport } from './importer.ts';
import { markdownToText, renderMarkdown } from './markdown.ts';
import { SearchIndex, type SearchHit, type SearchOptions } from './search-index.ts';

export interface SuggestContext {
  queue?: string;
  queueName?: string;
  ivrPath?: string[];
  disposition?: string;
}

export interface Suggestion {
  id: string;
  title: string;
  language: string;
  /** The call facts that matched the article's tags, e.g. "queue:sales". */
  matched: string[];
}

export class KnowledgeBase {
  readonly book: ArticleBook;
  readonly index = new SearchIndex();
  readonly files: AttachmentFiles;

  constructor(private readonly store: Store, private readonly log?: Logger) {
    this.book = new ArticleBook(store);
    this.files = new AttachmentFiles(join(store.dataDir, 'kb', 'attachments'));
  }

  /** Build the index from LMDB (at start). */
  start(): void {
    const t0 = Date.now();
    for (const a of this.book.all()) this.reindex(a);
    this.log?.info({ articles: this.index.size, ms: Date.now() - t0 }, 'knowledge base index built');
  }

  private reindex(a: Article | undefined): void {
    if (!a) return;
    if (a.deleted) this.index.remove(a.id);
    else this.index.put({ id: a.id, title: a.title, tags: a.tags, category: a.category, text: markdownToText(a.body), language: a.language });
  }

  /** The article with its body as safe HTML. */
  view(id: string, version?: number): Article & { html: string } {
    const a = this.book.read(id);
    const v = version === undefined ? a : { ...this.book.version(id, version), attachments: a.attachments };
    return { ...v, html: renderMarkdown(v.body, { attachmentBase: `/api/kb/articles/${encodeURIComponent(id)}/attachments/` }) };
  }

  async create(input: ArticleInput, by: string): Promise<Article> {
    const a = await this.book.save(newArticleId(), input, by);
    this.reindex(a);
    return a;
  }

  async save(id: string, input: ArticleInput, by: string, baseVersion?: number): Promise<Article> {
    const a = await this.book.save(id, input, by, { baseVersion });
    this.reindex(a);
    return a;
  }

  async remove(id: string, by: string): Promise<Article> {
    const a = await this.book.remove(id, by);
    this.reindex(a);
    return a;
  }

  search(q: string, o: SearchOptions = {}): (SearchHit & { language: string; category: string; tags: string[] })[] {
    return this.index.search(q, o).flatMap((h) => {
      const a = this.book.get(h.id);
      return a && !a.deleted ? [{ ...h, language: a.language, category: a.category, tags: a.tags }] : [];
    });
  }

  /** Articles tagged with the call's queue (name or `queue:<name>`), IVR path nodes (`ivr:<node>`) or disposition (`disposition:<code>`). */
  suggest(ctx: SuggestContext, limit = 5): Suggestion[] {
    const facts = new Map<string, string>();
    const add = (kind: string, v: string | undefined) => {
      if (!v) return;
      facts.set(v.toLowerCase(), `${kind}:${v}`);
      facts.set(`${kind}:${v}`.toLowerCase(), `${kind}:${v}`);
    };
    add('queue', ctx.queue);
    add('queue', ctx.queueName);
    for (const node of ctx.ivrPath ?? []) add('ivr', node);
    add('disposition', ctx.disposition);
    if (!facts.size) return [];
    const weight = (fact: string) => (fact.startsWith('disposition:') ? 3 : fact.startsWith('ivr:') ? 2 : 1);
    const scored: (Suggestion & { score: number; updatedAt: number })[] = [];
    for (const a of this.book.all()) {
      const matched = [...new Set(a.tags.map((t) => facts.get(t.toLowerCase())).filter((f): f is string => !!f))];
      if (matched.length) scored.push({ id: a.id, title: a.title, language: a.language, matched, score: matched.reduce((s, f) => s + weight(f), 0), updatedAt: a.updatedAt });
    }
    scored.sort((x, y) => y.score - x.score || y.updatedAt - x.updatedAt);
    return scored.slice(0, limit).map(({ score: _s, updatedAt: _u, ...s }) => s);
  }

  async addAttachment(id: string, name: string, declaredType: string, bytes: Buffer, by: string): Promise<Article> {
    const a = this.book.read(id);
    const type = checkAttachment(name, declaredType, bytes);
    const others = a.attachments.filter((x) => x.name !== name);
    if (others.length >= ATTACHMENT_LIMITS.files) throw new KbError('CC_KB_ATTACHMENT_TOO_LARGE', `an article has at most ${ATTACHMENT_LIMITS.files} attachments`);
    if (others.reduce((s, x) => s + x.size, 0) + bytes.length > ATTACHMENT_LIMITS.articleBytes) throw new KbError('CC_KB_ATTACHMENT_TOO_LARGE', `an article's attachments total at most ${ATTACHMENT_LIMITS.articleBytes} bytes`);
    const { size, sha256 } = this.files.write(id, name, bytes);
    return this.book.setAttachments(id, (list) => [...list.filter((x) => x.name !== name), { name, type, size, sha256, at: Date.now(), by }], by, { added: name, size, type });
  }

  attachment(id: string, name: string): { type: string; bytes: Buffer } {
    const meta = this.book.read(id).attachments.find((x) => x.name === name);
    if (!meta) throw new KbError('CC_KB_ATTACHMENT_NOT_FOUND', `article ${id} has no attachment ${name}`);
    return { type: meta.type, bytes: this.files.read(id, name) };
  }

  async removeAttachment(id: string, name: string, by: string): Promise<Article> {
    if (!this.book.read(id).attachments.some((x) => x.name === name)) throw new KbError('CC_KB_ATTACHMENT_NOT_FOUND', `article ${id} has no attachment ${name}`);
    const a = await this.book.setAttachments(id, (list) => list.filter((x) => x.name !== name), by, { removed: name });
    this.files.remove(id, name);
    return a;
  }

  /** Import a folder (already resolved and checked by the caller); one audit row sums it up. */
  async importFolder(folder: string, by: string): Promise<ImportReport> {
    const report = await importFolder(folder, this.book, by, (id) => this.reindex(this.book.get(id)));
    await this.store.transaction(() => {
      this.store.appendEvent('kb-import', { folder, by, imported: report.imported.length, updated: report.updated.length, skipped: report.skipped.length });
      appendAudit(this.store, { actor: by, action: 'kb-import', outcome: 'ok', target: folder, detail: { files: report.files, imported: report.imported.length, updated: report.updated.length, skipped: report.skipped.length } });
    });
    return report;
  }
}

// Knowledge-base articles in LMDB: the current state of each article (table kb-articles, key
// article id) and every saved version (kb-versions, key [id, version], immutable once
// written). A save is one transaction with its event row and audit row; an editor that read
// version n saves with baseVersion n and is refused when someone saved in between. Deleting
// retires the article (a last version flagged deleted) so its history stays readable.
import { randomBytes } from 'node:crypto';
import { appendAudit } from '../audit/audit-log.ts';
import type { Store } from '../store/store.ts';
import { KbError } from './errors.ts';

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type KbLanguage = (typeof LANGUAGES)[number];

export interface AttachmentMeta {
  name: string;
  type: string;
  size: number;
  sha256: string;
  at: number;
  by: string;
}

export interface ArticleInput {
  title: string;
  body: string;
  tags?: string[];
  category?: string;
  language?: KbLanguage;
}

export interface Article {
  id: string;
  version: number;
  title: string;
  /** Markdown. */
  body: string;
  tags: string[];
  category: string;
  language: KbLanguage;
  createdAt: number;
  createdBy: string;
  updatedAt: number;
  updatedBy: string;
  deleted?: boolean;
  attachments: AttachmentMeta[];
  /** Where an imported article came from: the file's path relative to the import folder and its content hash. */
  source?: { path: string; sha256: string };
}

export type ArticleVersion = Omit<Article, 'attachments'> & { note?: string };

export const ID_PATTERN = '^[a-z0-9][a-z0-9_-]{0,63}$';
const LIMITS = { title: 200, body: 200_000, tags: 20, tag: 48, category: 64 };
const LAST = Number.MAX_SAFE_INTEGER;

/** Problems of an article input (empty when it may be saved). */
export function validateArticle(a: ArticleInput): { path: string; message: string }[] {
  const p: { path: string; message: string }[] = [];
  if (typeof a.title !== 'string' || !a.title.trim()) p.push({ path: '/title', message: 'a title is required' });
  else if (a.title.length > LIMITS.title) p.push({ path: '/title', message: `at most ${LIMITS.title} characters` });
  if (typeof a.body !== 'string') p.push({ path: '/body', message: 'must be text' });
  else if (a.body.length > LIMITS.body) p.push({ path: '/body', message: `at most ${LIMITS.body} characters` });
  const tags = a.tags ?? [];
  if (tags.length > LIMITS.tags) p.push({ path: '/tags', message: `at most ${LIMITS.tags} tags` });
  tags.forEach((t, i) => {
    if (typeof t !== 'string' || !t.trim() || t.length > LIMITS.tag || /[,\n]/.test(t)) p.push({ path: `/tags/${i}`, message: `1-${LIMITS.tag} characters, no commas` });
  });
  if ((a.category ?? '').length > LIMITS.category) p.push({ path: '/category', message: `at most ${LIMITS.category} characters` });
  if (a.language !== undefined && !LANGUAGES.includes(a.language)) p.push({ path: '/language', message: `one of ${LANGUAGES.join(', ')}` });
  return p;
}

/** zh-CN when at least a fifth of the letters are CJK, else en. */
export function guessLanguage(text: string): KbLanguage {
  const cjk = (text.match(/\p{Script=Han}/gu) ?? []).length;
  const letters = (text.match(/\p{L}/gu) ?? []).length;
  return letters && cjk / letters >= 0.2 ? 'zh-CN' : 'en';
}

export const newArticleId = (): string => `kb-${randomBytes(5).toString('hex')}`;

export class ArticleBook {
  constructor(private readonly store: Store) {}

  private get t() {
    return this.store.tables;
  }

  get(id: string): Article | undefined {
    return this.t.kbArticles.get(id) as Article | undefined;
  }

  /** The article, or KbError CC_KB_NOT_FOUND (deleted ones too unless `withDeleted`). */
  read(id: string, withDeleted = false): Article {
    const a = this.get(id);
    if (!a || (a.deleted && !withDeleted)) throw new KbError('CC_KB_NOT_FOUND', `no article ${id}`);
    return a;
  }

  all(withDeleted = false): Article[] {
    const out: Article[] = [];
    for (const { value } of this.t.kbArticles.getRange()) {
      const a = value as Article;
      if (withDeleted || !a.deleted) out.push(a);
    }
    return out;
  }

  versions(id: string): ArticleVersion[] {
    return [...this.t.kbVersions.getRange({ start: [id, LAST], end: [id, 0], reverse: true })].map((e) => e.value as ArticleVersion);
  }

  version(id: string, version: number): ArticleVersion {
    const v = this.t.kbVersions.get([id, version]) as ArticleVersion | undefined;
    if (!v) throw new KbError('CC_KB_NOT_FOUND', `no version ${version} of article ${id}`);
    return v;
  }

  /**
   * Save `input` as the next version of `id` (a new article when there is none). Refused
   * with CC_KB_VERSION_CONFLICT when baseVersion is given and is not the newest version.
   */
  async save(id: string, input: ArticleInput, by: string, o: { baseVersion?: number; source?: Article['source']; note?: string; action?: string } = {}): Promise<Article> {
    const problems = validateArticle(input);
    if (problems.length) throw new KbError('CC_KB_INVALID', 'the article was refused', problems);
    const now = Date.now();
    return this.store.transaction(() => {
      const prev = this.get(id);
      if (o.baseVersion !== undefined && (prev?.version ?? 0) !== o.baseVersion) {
        throw new KbError('CC_KB_VERSION_CONFLICT', `article ${id} is at version ${prev?.version ?? 0}, not ${o.baseVersion}`);
      }
      const article: Article = {
        id,
        version: (prev?.version ?? 0) + 1,
        title: input.title.trim(),
        body: input.body,
        tags: [...new Set((input.tags ?? []).map((t) => t.trim()))],
        category: (input.category ?? '').trim(),
        language: input.language ?? guessLanguage(`${input.title}\n${input.body}`),
        createdAt: prev && !prev.deleted ? prev.createdAt : now,
        createdBy: prev && !prev.deleted ? prev.createdBy : by,
        updatedAt: now,
        updatedBy: by,
        attachments: prev?.attachments ?? [],
        ...(o.source ?? prev?.source ? { source: o.source ?? prev?.source } : {}),
      };
      this.putVersion(article, o.note);
      const action = o.action ?? (prev && !prev.deleted ? 'kb-article-update' : 'kb-article-create');
      this.store.appendEvent('kb-article-saved', { id, version: article.version, by });
      appendAudit(this.store, { actor: by, action, outcome: 'ok', target: id, detail: { version: article.version, title: article.title } }, now);
      return article;
    });
  }

  /** Retire an article: a last version flagged deleted; it leaves lists and search. */
  async remove(id: string, by: string): Promise<Article> {
    const now = Date.now();
    return this.store.transaction(() => {
      const prev = this.read(id);
      const article: Article = { ...prev, version: prev.version + 1, deleted: true, updatedAt: now, updatedBy: by };
      this.putVersion(article);
      this.store.appendEvent('kb-article-deleted', { id, version: article.version, by });
      appendAudit(this.store, { actor: by, action: 'kb-article-delete', outcome: 'ok', target: id, detail: { version: article.version } }, now);
      return article;
    });
  }

  /** Change the attachment list (attachments are not versioned: a version's body may name any of them). */
  async setAttachments(id: string, change: (list: AttachmentMeta[]) => AttachmentMeta[], by: string, detail: Record<string, unknown>): Promise<Article> {
    const now = Date.now();
    return this.store.transaction(() => {
      const prev = this.read(id);
      const article: Article = { ...prev, attachments: change([...prev.attachments]) };
      this.t.kbArticles.put(id, article);
      this.store.appendEvent('kb-attachments-changed', { id, by, ...detail });
      appendAudit(this.store, { actor: by, action: 'kb-attachment', outcome: 'ok', target: id, detail }, now);
      return article;
    });
  }

  private putVersion(article: Article, note?: string): void {
    const { attachments: _a, ...version } = article;
    this.t.kbArticles.put(article.id, article);
    this.t.kbVersions.put([article.id, article.version], { ...version, ...(note ? { note } : {}) });
  }
}

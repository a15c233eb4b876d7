// Import a folder of Markdown and HTML files (e.g. product documents on a USB disk) as
// knowledge-base articles, with a report of what was imported, updated and skipped and why.
// The folder is walked (no symbolic links, no hidden entries, bounded depth and count); each
// .md/.markdown file is taken as Markdown (an optional front matter block gives title, tags,
// category, language), each .html/.htm file is converted to Markdown (html-to-markdown.ts).
// A file's identity is its path relative to the folder: importing the same folder again
// updates the articles whose file changed (a new version) and skips unchanged ones.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import type { ArticleBook, ArticleInput, KbLanguage } from './articles.ts';
import { LANGUAGES } from './articles.ts';
import { KbError } from './errors.ts';
import { htmlTitle, htmlToMarkdown } from './html-to-markdown.ts';

export const IMPORT_LIMITS = { fileBytes: 1024 * 1024, files: 2000, depth: 10 };

export type SkipReason = 'unchanged' | 'unsupported-type' | 'too-large' | 'empty' | 'not-utf8' | 'unreadable' | 'invalid' | 'symlink' | 'too-many-files' | 'too-deep';

export interface ImportReport {
  folder: string;
  at: number;
  by: string;
  /** Files looked at (hidden entries are not counted). */
  files: number;
  imported: { file: string; id: string; title: string }[];
  updated: { file: string; id: string; title: string; version: number }[];
  skipped: { file: string; reason: SkipReason; detail?: string }[];
}

const MD = new Set(['.md', '.markdown']);
const HTML = new Set(['.html', '.htm']);

/** The article id of an imported file: stable for its relative path. */
export const importedId = (rel: string): string => `imp-${createHash('sha1').update(rel).digest('hex').slice(0, 12)}`;

/** A Markdown file's front matter (--- key: value ---) and the rest. */
export function frontMatter(text: string): { meta: Record<string, string>; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n?/.exec(text);
  if (!m) return { meta: {}, body: text };
  const meta: Record<string, string> = {};
  for (const line of m[1]!.split('\n')) {
    const kv = /^([a-zA-Z]+)\s*:\s*(.*)$/.exec(line);
    if (kv) meta[kv[1]!.toLowerCase()] = kv[2]!.trim().replace(/^["']|["']$/g, '');
  }
  return { meta, body: text.slice(m[0].length) };
}

const listOf = (s: string | undefined): string[] | undefined => (s ? s.replace(/^\[|\]$/g, '').split(',').map((t) => t.trim().replace(/^["']|["']$/g, '')).filter(Boolean) : undefined);

/** The article a file's text makes (pure). */
export function articleFromFile(rel: string, text: string): ArticleInput {
  const ext = extname(rel).toLowerCase();
  const folders = rel.split('/').slice(0, -1);
  const fileTitle = rel.split('/').pop()!.slice(0, -ext.length).replace(/[_-]+/g, ' ').trim();
  if (HTML.has(ext)) {
    return { title: (htmlTitle(text) ?? fileTitle).slice(0, 200), body: htmlToMarkdown(text), category: folders[0] ?? '', tags: [] };
  }
  const { meta, body } = frontMatter(text.replace(/\r\n?/g, '\n').replace(/^\uFEFF/, ''));
  const h1 = /^#\s+(.+)$/m.exec(body)?.[1]?.trim();
  const language = LANGUAGES.includes(meta.language as KbLanguage) ? (meta.language as KbLanguage) : undefined;
  return { title: (meta.title || h1 || fileTitle).slice(0, 200), body, category: meta.category ?? folders[0] ?? '', tags: listOf(meta.tags) ?? [], ...(language ? { language } : {}) };
}

/** Import every Markdown/HTML file under `folder` (which must exist). */
export async function importFolder(folder: string, book: ArticleBook, by: string, onArticle?: (id: string) => void): Promise<ImportReport> {
  let st;
  try {
    st = lstatSync(folder);
  } catch {
    throw new KbError('CC_KB_IMPORT_SOURCE', `${folder} does not exist`);
  }
  if (!st.isDirectory()) throw new KbError('CC_KB_IMPORT_SOURCE', `${folder} is not a folder`);
  const report: ImportReport = { folder, at: Date.now(), by, files: 0, imported: [], updated: [], skipped: [] };
  const files: string[] = [];
  const walk = (dir: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      report.skipped.push({ file: relative(folder, dir).split(sep).join('/') || '.', reason: 'unreadable' });
      return;
    }
    for (const name of names) {
      if (name.startsWith('.')) continue;
      const path = join(dir, name);
      const rel = relative(folder, path).split(sep).join('/');
      let s;
      try {
        s = lstatSync(path);
      } catch {
        report.skipped.push({ file: rel, reason: 'unreadable' });
        continue;
      }
      if (s.isSymbolicLink()) report.skipped.push({ file: rel, reason: 'symlink' });
      else if (s.isDirectory()) {
        if (depth >= IMPORT_LIMITS.depth) report.skipped.push({ file: rel, reason: 'too-deep' });
        else walk(path, depth + 1);
      } else if (s.isFile()) {
        report.files++;
        const ext = extname(name).toLowerCase();
        if (!MD.has(ext) && !HTML.has(ext)) report.skipped.push({ file: rel, reason: 'unsupported-type' });
        else if (s.size > IMPORT_LIMITS.fileBytes) report.skipped.push({ file: rel, reason: 'too-large', detail: `${s.size} bytes (limit ${IMPORT_LIMITS.fileBytes})` });
        else if (files.length >= IMPORT_LIMITS.files) report.skipped.push({ file: rel, reason: 'too-many-files', detail: `limit ${IMPORT_LIMITS.files}` });
        else files.push(rel);
      }
    }
  };
  walk(folder, 0);
  for (const rel of files) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(folder, ...rel.split('/')));
    } catch {
      report.skipped.push({ file: rel, reason: 'unreadable' });
      continue;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      report.skipped.push({ file: rel, reason: 'not-utf8' });
      continue;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const id = importedId(rel);
    const prev = book.get(id);
    if (prev && !prev.deleted && prev.source?.sha256 === sha256) {
      report.skipped.push({ file: rel, reason: 'unchanged' });
      continue;
    }
    const input = articleFromFile(rel, text);
    if (!input.body.trim()) {
      report.skipped.push({ file: rel, reason: 'empty' });
      continue;
    }
    try {
      const saved = await book.save(id, input, by, { source: { path: rel, sha256 }, note: `imported from ${rel}`, action: 'kb-article-import' });
      onArticle?.(id);
      if (prev && !prev.deleted) report.updated.push({ file: rel, id, title: saved.title, version: saved.version });
      else report.imported.push({ file: rel, id, title: saved.title });
    } catch (err) {
      if (!(err instanceof KbError)) throw err;
      report.skipped.push({ file: rel, reason: 'invalid', detail: err.problems?.map((p) => `${p.path}: ${p.message}`).join('; ') ?? err.message });
    }
  }
  return report;
}

// The knowledge base's full-text index (in memory, pure; rebuilt from LMDB at start). Each
// article is indexed in four fields with its tokens from tokenizer.ts: title, tags, category
// and body text. Ranking is BM25 per field summed with field boosts (a match in the title
// counts most), a query term's weight from queryTerms (CJK unigrams count less than bigrams
// and words), and a bonus when the whole query appears as written in the title or body.
// Results carry highlighted title and snippet segments ({ text, hit }) so a page marks the
// matches without ever inserting HTML.
import { queryTerms, tokenize, type Token } from './tokenizer.ts';

export interface IndexDoc {
  id: string;
  title: string;
  tags: string[];
  category: string;
  /** Plain text of the body (markdownToText). */
  text: string;
  language: string;
}

export interface Segment {
  text: string;
  hit: boolean;
}

export interface SearchHit {
  id: string;
  score: number;
  title: Segment[];
  snippet: Segment[];
}

export interface SearchOptions {
  limit?: number;
  language?: string;
  category?: string;
  tag?: string;
}

const FIELDS = ['title', 'tags', 'category', 'text'] as const;
const BOOST = [4, 2.5, 1.5, 1];
const K1 = 1.2;
const B = 0.75;
const SNIPPET_CHARS = 140;

interface Entry {
  doc: IndexDoc;
  lens: number[];
  terms: Set<string>;
}

const fieldText = (doc: IndexDoc, f: (typeof FIELDS)[number]): string => (f === 'tags' ? doc.tags.join(' ') : doc[f]);
const squash = (s: string) => s.toLowerCase().replace(/\s+/g, '');

export class SearchIndex {
  private readonly docs = new Map<string, Entry>();
  /** term -> doc id -> term frequency per field. */
  private readonly postings = new Map<string, Map<string, number[]>>();
  private readonly totalLens = [0, 0, 0, 0];

  get size(): number {
    return this.docs.size;
  }

  has(id: string): boolean {
    return this.docs.has(id);
  }

  /** Add or replace an article. */
  put(doc: IndexDoc): void {
    this.remove(doc.id);
    const lens = [0, 0, 0, 0];
    const terms = new Set<string>();
    FIELDS.forEach((f, fi) => {
      for (const t of tokenize(fieldText(doc, f))) {
        lens[fi]!++;
        terms.add(t.term);
        let byDoc = this.postings.get(t.term);
        if (!byDoc) this.postings.set(t.term, (byDoc = new Map()));
        let tf = byDoc.get(doc.id);
        if (!tf) byDoc.set(doc.id, (tf = [0, 0, 0, 0]));
        tf[fi]! += 1;
      }
      this.totalLens[fi]! += lens[fi]!;
    });
    this.docs.set(doc.id, { doc, lens, terms });
  }

  remove(id: string): void {
    const e = this.docs.get(id);
    if (!e) return;
    for (const term of e.terms) {
      const byDoc = this.postings.get(term);
      byDoc?.delete(id);
      if (byDoc && !byDoc.size) this.postings.delete(term);
    }
    e.lens.forEach((l, i) => (this.totalLens[i]! -= l));
    this.docs.delete(id);
  }

  /** Articles matching `query`, best first. */
  search(query: string, o: SearchOptions = {}): SearchHit[] {
    const terms = queryTerms(query);
    if (!terms.size || !this.docs.size) return [];
    const n = this.docs.size;
    const avg = this.totalLens.map((l) => Math.max(1, l / n));
    const scores = new Map<string, number>();
    // Full-weight terms first; the tie-breaking CJK unigrams then only add to articles those
    // matched (a query none of whose bigrams occur still falls back to its characters).
    const ordered = [...terms].sort((a, b) => b[1] - a[1]);
    for (const [term, weight] of ordered) {
      const byDoc = this.postings.get(term);
      if (!byDoc) continue;
      const idf = Math.log(1 + (n - byDoc.size + 0.5) / (byDoc.size + 0.5));
      const among: Iterable<[string, number[] | undefined]> = weight < 1 && scores.size ? [...scores.keys()].map((id) => [id, byDoc.get(id)]) : byDoc;
      for (const [id, tf] of among) {
        if (!tf) continue;
        const e = this.docs.get(id)!;
        let s = 0;
        for (let fi = 0; fi < FIELDS.length; fi++) {
          const f = tf[fi]!;
          if (!f) continue;
          s += BOOST[fi]! * ((f * (K1 + 1)) / (f + K1 * (1 - B + (B * e.lens[fi]!) / avg[fi]!)));
        }
        scores.set(id, (scores.get(id) ?? 0) + weight * idf * s);
      }
    }
    const limit = o.limit ?? 20;
    const candidates: { id: string; score: number }[] = [];
    for (const [id, score] of scores) {
      const d = this.docs.get(id)!.doc;
      if (o.language && d.language !== o.language) continue;
      if (o.category && d.category !== o.category) continue;
      if (o.tag && !d.tags.some((t) => t.toLowerCase() === o.tag!.toLowerCase())) continue;
      candidates.push({ id, score });
    }
    const byScore = (a: { id: string; score: number }, b: { id: string; score: number }) => b.score - a.score || a.id.localeCompare(b.id);
    candidates.sort(byScore);
    // The phrase bonus (at most x1.5) is looked for only among the best candidates: it reorders
    // near neighbours, and reading every matching body would cost more than the ranking itself.
    const phrase = squash(query);
    const ranked = candidates.slice(0, Math.max(50, limit * 5)).map(({ id, score }) => {
      const d = this.docs.get(id)!.doc;
      let bonus = 1;
      if (phrase.length >= 2 && squash(d.title).includes(phrase)) bonus = 1.5;
      else if (phrase.length >= 2 && squash(d.text).includes(phrase)) bonus = 1.2;
      return { id, score: score * bonus };
    });
    ranked.sort(byScore);
    return ranked.slice(0, limit).map(({ id, score }) => {
      const d = this.docs.get(id)!.doc;
      return { id, score: Math.round(score * 1000) / 1000, title: highlight(d.title, terms), snippet: snippet(d.text, terms) };
    });
  }
}

/** The spans of `text` whose tokens are query terms (CJK unigram hits only when the query's unigram counts fully). */
function hitSpans(text: string, terms: Map<string, number>): [number, number][] {
  const spans: [number, number][] = [];
  for (const t of tokenize(text)) {
    const w = terms.get(t.term);
    if (w === undefined || (t.kind === 'unigram' && w < 1)) continue;
    spans.push([t.start, t.end]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    // Adjacent hits and hits apart only by spaces are one mark ("tracking number").
    if (last && (s[0] <= last[1] || !text.slice(last[1], s[0]).trim())) last[1] = Math.max(last[1], s[1]);
    else merged.push([...s]);
  }
  return merged;
}

function segments(text: string, spans: [number, number][], from = 0, to = text.length): Segment[] {
  const out: Segment[] = [];
  let at = from;
  for (const [s, e] of spans) {
    if (e <= from || s >= to) continue;
    const a = Math.max(s, from);
    const b = Math.min(e, to);
    if (a > at) out.push({ text: text.slice(at, a), hit: false });
    out.push({ text: text.slice(a, b), hit: true });
    at = b;
  }
  if (at < to) out.push({ text: text.slice(at, to), hit: false });
  return out;
}

export function highlight(text: string, terms: Map<string, number>): Segment[] {
  return segments(text, hitSpans(text, terms));
}

/** About SNIPPET_CHARS of `text` around the densest cluster of hits, with the hits marked. */
export function snippet(text: string, terms: Map<string, number>): Segment[] {
  const flat = text.replace(/\s+/g, ' ').trim();
  const spans = hitSpans(flat, terms);
  let best = 0;
  let bestCount = 0;
  for (let i = 0; i < spans.length; i++) {
    let c = 0;
    for (let j = i; j < spans.length && spans[j]![1] - spans[i]![0] <= SNIPPET_CHARS; j++) c++;
    if (c > bestCount) [best, bestCount] = [i, c];
  }
  let from = spans.length ? Math.max(0, spans[best]![0] - 30) : 0;
  // Start at a word or sentence boundary when one is near.
  if (from > 0) {
    const cut = flat.slice(from, from + 30).search(/[\s。，；！？,.;!?]/);
    if (cut >= 0 && cut < 29) from += cut + 1;
  }
  const to = Math.min(flat.length, from + SNIPPET_CHARS);
  const segs = segments(flat, spans, from, to);
  if (from > 0) segs.unshift({ text: '…', hit: false });
  if (to < flat.length) segs.push({ text: '…', hit: false });
  return segs;
}

export type { Token };

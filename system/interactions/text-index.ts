// The transcripts' search index: word tokens (Latin letters and digits, lower-cased) and, for
// Chinese text, every character and every pair of neighbouring characters, mapped to the
// interactions whose messages, subject or customer contain them. Built from LMDB at start,
// updated as messages are written. A query matches interactions having all its tokens.
const CJK = /[\u3400-\u9fff\uf900-\ufaff]/u;

/** Search tokens of a text (deduplicated). */
export function tokens(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    const word = m[0];
    let run = '';
    let latin = '';
    for (const ch of word) {
      if (CJK.test(ch)) {
        if (latin) out.add(latin);
        latin = '';
        out.add(ch);
        if (run) out.add(run.slice(-1) + ch);
        run += ch;
      } else {
        run = '';
        latin += ch;
      }
    }
    if (latin) out.add(latin);
  }
  return out;
}

export class TextIndex {
  private readonly postings = new Map<string, Set<string>>();

  add(id: string, text: string): void {
    for (const t of tokens(text)) {
      let set = this.postings.get(t);
      if (!set) this.postings.set(t, (set = new Set()));
      set.add(id);
    }
  }

  /** Ids having every token of `query` (Latin tokens also match as prefixes of a longer word
   *  only when no exact token exists). Empty for an empty query. */
  search(query: string): Set<string> {
    const wanted = [...tokens(query)];
    if (wanted.length === 0) return new Set();
    let result: Set<string> | undefined;
    for (const t of wanted) {
      const hits = this.postings.get(t) ?? this.prefixHits(t);
      result = result ? new Set([...result].filter((id) => hits.has(id))) : new Set(hits);
      if (result.size === 0) break;
    }
    return result ?? new Set();
  }

  private prefixHits(prefix: string): Set<string> {
    const out = new Set<string>();
    if (prefix.length < 3 || CJK.test(prefix)) return out;
    for (const [t, ids] of this.postings) if (t.startsWith(prefix)) for (const id of ids) out.add(id);
    return out;
  }
}

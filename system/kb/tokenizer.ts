// The knowledge base's tokenizer for Chinese and English text (pure). Chinese (and the other
// CJK scripts) has no spaces between words, so a run of CJK characters gives its bigrams
// (退款 款流 流程 from 退款流程), which carry most of the meaning, and its unigrams, so a
// one-character query still finds something; the ranking weighs unigrams less. Latin-script
// and digit runs are words, lowercased and lightly stemmed (refunds, refunded, refunding ->
// refund), with a few English stop words dropped. Every token keeps its character offsets
// in the input so the search can highlight what matched.

export type TokenKind = 'word' | 'bigram' | 'unigram';

export interface Token {
  term: string;
  kind: TokenKind;
  /** Offsets into the input, end exclusive (UTF-16 units). */
  start: number;
  end: number;
}

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const CJK_CLASS = '\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}';
const WORD_CHAR = `(?:(?![${CJK_CLASS}])[\\p{L}\\p{N}])`;
const RUN = new RegExp(`([${CJK_CLASS}]+)|(${WORD_CHAR}+(?:['’]${WORD_CHAR}+)?)`, 'gu');

const STOP_WORDS = new Set(['a', 'an', 'the', 'to', 'of', 'and', 'or', 'in', 'on', 'for', 'is', 'are', 'was', 'be', 'how', 'do', 'does', 'i', 'my', 'me', 'what', 'with', 'can', 'it', 'at', 'by', 'from', 'this', 'that', 'as', 'if', 'you', 'your', 'we', 'our', 'when', 'where', 'why', 'which']);
/** Single CJK characters too common to mean anything as unigrams (still part of bigrams). */
const STOP_CHARS = new Set(['的', '了', '吗', '呢', '吧', '啊', '是', '在', '和', '与', '我', '你', '他', '她', '们', '么', '这', '那', '有', '个', '也', '就', '都', '请', '把', '被', '之', '及', '或']);

export function isCjk(ch: string): boolean {
  return CJK.test(ch);
}

/** Light English stemming: plurals, -ing, -ed, a final -e, a doubled final consonant. */
export function stem(word: string): string {
  let w = word.toLowerCase().replace(/['’]s$/, '');
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ied') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  if (w.length > 3 && /([bdfgklmnprt])\1$/.test(w)) w = w.slice(0, -1);
  return w;
}

/** Every token of `text` in order of position (a CJK run gives its unigrams and bigrams interleaved). */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(RUN)) {
    const at = m.index!;
    if (m[1]) {
      const chars = Array.from(m[1]);
      let off = at;
      for (let i = 0; i < chars.length; i++) {
        const c = chars[i]!;
        const n = c.normalize('NFKC');
        if (!STOP_CHARS.has(n)) out.push({ term: n, kind: 'unigram', start: off, end: off + c.length });
        const next = chars[i + 1];
        if (next) out.push({ term: n + next.normalize('NFKC'), kind: 'bigram', start: off, end: off + c.length + next.length });
        off += c.length;
      }
    } else {
      const word = m[2]!;
      const lower = word.normalize('NFKC').toLowerCase();
      if (STOP_WORDS.has(lower)) continue;
      out.push({ term: stem(lower), kind: 'word', start: at, end: at + word.length });
    }
  }
  return out;
}

/** The distinct terms of a query with their weight in ranking (bigrams and words 1, unigrams less). */
export function queryTerms(query: string): Map<string, number> {
  const terms = new Map<string, number>();
  const tokens = tokenize(query);
  const hasBigram = tokens.some((t) => t.kind === 'bigram');
  for (const t of tokens) {
    // A lone CJK character is all the query says; next to bigrams its unigrams only break ties.
    const w = t.kind === 'unigram' ? (hasBigram ? 0.25 : 1) : 1;
    terms.set(t.term, Math.max(terms.get(t.term) ?? 0, w));
  }
  return terms;
}

// HTML product documents as Markdown for import (pure). Only the text and its structure
// survive: script, style, head, iframe, object, svg, template and comments are dropped whole;
// headings, paragraphs, line breaks, list items, emphasis, code and http(s) links become
// Markdown; every other tag is removed and entities decoded. The result goes through the
// safe renderer (markdown.ts) like any article, so nothing in the HTML can run.

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', hellip: '…', mdash: '—', ndash: '–', ldquo: '“', rdquo: '”', lsquo: '‘', rsquo: '’', middot: '·' };

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (m, e: string) => {
    if (e[0] === '#') {
      const cp = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : '';
    }
    return NAMED[e.toLowerCase()] ?? m;
  });
}

/** The document's <title> (or first <h1>), decoded, if any. */
export function htmlTitle(html: string): string | undefined {
  const m = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html) ?? /<h1[^>]*>([\s\S]*?)<\/h1>/i.exec(html);
  const t = m ? decodeEntities(m[1]!.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim() : '';
  return t || undefined;
}

const attr = (tag: string, name: string): string | undefined => {
  const m = new RegExp(`\\s${name}\\s*=\\s*("([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  return m ? decodeEntities(m[2] ?? m[3] ?? m[4] ?? '') : undefined;
};

export function htmlToMarkdown(html: string): string {
  let s = html.replace(/\r\n?/g, '\n');
  s = s.replace(/<!--[\s\S]*?-->/g, '');
  s = s.replace(/<(script|style|head|iframe|object|embed|svg|template|noscript|textarea|select)\b[\s\S]*?<\/\1\s*>/gi, '');
  s = s.replace(/<(script|style|iframe|object|embed|svg|template|noscript)\b[^>]*>/gi, '');
  // <pre> blocks keep their lines.
  const pres: string[] = [];
  s = s.replace(/<pre\b[^>]*>([\s\S]*?)<\/pre>/gi, (_m, body: string) => `<p>\u0001${pres.push(decodeEntities(body.replace(/<[^>]*>/g, ''))) - 1}\u0001</p>`);
  s = s.replace(/\s+/g, ' ');
  s = s.replace(/<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1\s*>/gi, (_m, n: string, body: string) => `\n\n${'#'.repeat(Number(n))} ${body.replace(/<[^>]*>/g, '').trim()}\n\n`);
  s = s.replace(/<a\b([^>]*)>([\s\S]*?)<\/a\s*>/gi, (_m, tag: string, text: string) => {
    const href = attr(tag, 'href');
    const label = text.replace(/<[^>]*>/g, '').trim();
    return href && /^https?:\/\//i.test(href.trim()) && label ? `[${label.replace(/[[\]]/g, '')}](${href.trim().replace(/[()\s]/g, encodeURIComponent)})` : label;
  });
  s = s.replace(/<\/?(strong|b)\b[^>]*>/gi, '**').replace(/<\/?(em|i)\b[^>]*>/gi, '*').replace(/<\/?code\b[^>]*>/gi, '`');
  s = s.replace(/<li\b[^>]*>/gi, '\n- ').replace(/<\/li\s*>/gi, '');
  s = s.replace(/<br\s*\/?>/gi, '\n').replace(/<hr\b[^>]*>/gi, '\n\n---\n\n');
  s = s.replace(/<\/?(p|div|section|article|header|footer|main|nav|aside|ul|ol|table|tr|blockquote|dl|dt|dd|figure|figcaption|body|html)\b[^>]*>/gi, '\n\n');
  s = s.replace(/<\/?(td|th)\b[^>]*>/gi, ' | ');
  s = s.replace(/<[^>]*>/g, '');
  s = decodeEntities(s);
  return s
    .split('\n')
    .map((l) => l.replace(/[ \t]+/g, ' ').trimEnd().replace(/^ (?=\S)/, ''))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/\u0001(\d+)\u0001/g, (_m, i: string) => `\`\`\`\n${pres[Number(i)]!.replace(/^\n+|\n+$/g, '')}\n\`\`\``)
    .trim();
}

// Articles' Markdown as safe HTML, and as plain text for the search index (pure). The
// renderer is its own sanitizer: every character of the source is HTML-escaped before any
// markup is made, so raw HTML in an article (a <script>, an onerror attribute, an <iframe>)
// shows as text and never runs; the only tags it writes are its own (headings, paragraphs,
// lists, quotes, code, emphasis, links, images). Links keep only http(s), mailto, in-page and
// same-box paths; images only the article's own attachments (`![alt](attachment:name)`).
// Tables and nested lists are kept as plain lines.

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c]!);
const unescapeHtml = (s: string): string => s.replace(/&(amp|lt|gt|quot|#39);/g, (m) => ({ '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" })[m]!);

export interface RenderOptions {
  /** URL prefix of the article's attachments (`attachment:x.png` -> prefix + 'x.png'). */
  attachmentBase?: string;
}

/** A link target that may be written into an href, or undefined. */
export function safeHref(raw: string, o: RenderOptions = {}): string | undefined {
  const url = raw.trim();
  // Browsers ignore control characters and whitespace inside a scheme ("java\tscript:").
  const squeezed = url.replace(/[\u0000-\u0020\u007f-\u009f]/g, '').toLowerCase();
  if (squeezed.startsWith('attachment:')) {
    if (!o.attachmentBase) return undefined;
    const name = url.slice(url.indexOf(':') + 1);
    return /^[\p{L}\p{N}._ -]{1,128}$/u.test(name) && !name.startsWith('.') ? o.attachmentBase + encodeURIComponent(name) : undefined;
  }
  if (/^(https?:|mailto:)/.test(squeezed)) return url;
  if (/^[a-z][a-z0-9+.-]*:/.test(squeezed)) return undefined; // javascript:, data:, vbscript:, file: ...
  if (url.startsWith('//')) return undefined;
  if (url.startsWith('/') || url.startsWith('#')) return url;
  return undefined;
}

function inline(raw: string, o: RenderOptions): string {
  const codes: string[] = [];
  let s = raw.replace(/\u0000/g, '').replace(/`([^`]+)`/g, (_m, c: string) => `\u0000${codes.push(`<code>${escapeHtml(c)}</code>`) - 1}\u0000`);
  s = escapeHtml(s);
  s = s.replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (_m, alt: string, url: string) => {
    const src = unescapeHtml(url).trim().toLowerCase().startsWith('attachment:') ? safeHref(unescapeHtml(url), o) : undefined;
    return src ? `<img src="${escapeHtml(src)}" alt="${alt}">` : alt;
  });
  s = s.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (_m, text: string, url: string) => {
    const href = safeHref(unescapeHtml(url), o);
    return href ? `<a href="${escapeHtml(href)}" rel="noopener noreferrer" target="_blank">${text}</a>` : text;
  });
  s = s.replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>').replace(/__([^_]+)__/g, '<strong>$1</strong>');
  s = s.replace(/(^|[^*])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>').replace(/(^|[\s(])_([^_\s][^_]*)_/g, '$1<em>$2</em>');
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codes[Number(i)] ?? '');
}

/** Safe HTML for an article body. */
export function renderMarkdown(md: string, o: RenderOptions = {}): string {
  const lines = md.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let para: string[] = [];
  let list: { tag: 'ul' | 'ol'; items: string[] } | undefined;
  let quote: string[] = [];
  const flush = () => {
    if (para.length) out.push(`<p>${inline(para.join(' '), o)}</p>`);
    para = [];
    if (list) out.push(`<${list.tag}>${list.items.map((i) => `<li>${inline(i, o)}</li>`).join('')}</${list.tag}>`);
    list = undefined;
    if (quote.length) out.push(`<blockquote><p>${inline(quote.join(' '), o)}</p></blockquote>`);
    quote = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!); i++) code.push(lines[i]!);
      out.push(`<pre><code>${escapeHtml(code.join('\n'))}</code></pre>`);
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    const h = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (h) {
      flush();
      out.push(`<h${h[1]!.length}>${inline(h[2]!, o)}</h${h[1]!.length}>`);
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flush();
      out.push('<hr>');
      continue;
    }
    const ul = /^\s*[-*+]\s+(.*)$/.exec(line);
    const ol = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (ul || ol) {
      const tag = ul ? 'ul' : 'ol';
      if (para.length || quote.length || (list && list.tag !== tag)) flush();
      list ??= { tag, items: [] };
      list.items.push((ul ?? ol)![1]!);
      continue;
    }
    const q = /^\s*>\s?(.*)$/.exec(line);
    if (q) {
      if (para.length || list) flush();
      quote.push(q[1]!);
      continue;
    }
    if (list && /^\s{2,}\S/.test(line)) {
      list.items[list.items.length - 1] += ` ${line.trim()}`;
      continue;
    }
    if (list || quote.length) flush();
    para.push(line.trim());
  }
  flush();
  return out.join('\n');
}

/** The readable text of Markdown (what the index sees and snippets quote), one line per block line. */
export function markdownToText(md: string): string {
  return md
    .replace(/\r\n?/g, '\n')
    .replace(/^[ \t]*(```|~~~).*$/gm, '')
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/<[^>\n]*>/g, ' ')
    .replace(/^[ \t]{0,3}(#{1,6}|>|[-*+]|\d+[.)])[ \t]+/gm, '')
    .replace(/^[ \t]*([-*_])([ \t]*\1){2,}[ \t]*$/gm, '')
    .replace(/(\*\*|__|`)/g, '')
    .replace(/(^|[\s(])[*_]([^*_\n]+)[*_]/g, '$1$2')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

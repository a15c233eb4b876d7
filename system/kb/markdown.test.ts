import { test } from 'node:test';
import assert from 'node:assert/strict';
import { markdownToText, renderMarkdown, safeHref } from './markdown.ts';
import { htmlTitle, htmlToMarkdown } from './html-to-markdown.ts';

test('Markdown becomes headings, paragraphs, lists, code, emphasis and links', () => {
  const html = renderMarkdown('# 退款\n\nSee **bold** and *em* and `a<b`.\n\n- one\n- two\n\n1. first\n\n> quoted\n\n```\n<x>\n```\n\n[docs](https://example.com/a?b=1&c=2)');
  assert.equal(html, [
    '<h1>退款</h1>',
    '<p>See <strong>bold</strong> and <em>em</em> and <code>a&lt;b</code>.</p>',
    '<ul><li>one</li><li>two</li></ul>',
    '<ol><li>first</li></ol>',
    '<blockquote><p>quoted</p></blockquote>',
    '<pre><code>&lt;x&gt;</code></pre>',
    '<p><a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer" target="_blank">docs</a></p>',
  ].join('\n'));
});

test('raw HTML and script links never get through: they show as text or lose the link', () => {
  const attacks = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '[click](javascript:alert(1))',
    '[click](JaVa\tScRiPt:alert(1))',
    '[click](data:text/html;base64,PHNjcmlwdD4=)',
    '[x](//evil.example/)',
    '![x](https://evil.example/track.png)',
    '![x](attachment:../../etc/passwd)',
    '[a" onmouseover="alert(1)](https://ok.example/")',
    '`</code><script>alert(1)</script>`',
  ];
  for (const a of attacks) {
    const html = renderMarkdown(a, { attachmentBase: '/api/kb/articles/a1/attachments/' });
    assert.doesNotMatch(html, /<(script|img|iframe)\b/i, `${a} -> ${html}`);
    assert.doesNotMatch(html, /href="(?!https:\/\/ok\.example)/i, `${a} -> ${html}`);
    assert.doesNotMatch(html, /<[a-z]+[^>]*\son\w+\s*=/i, `${a} -> ${html}`);
  }
  assert.equal(renderMarkdown('![diagram](attachment:setup-1.png)', { attachmentBase: '/api/kb/articles/a1/attachments/' }), '<p><img src="/api/kb/articles/a1/attachments/setup-1.png" alt="diagram"></p>');
  assert.equal(safeHref('/api/kb/articles/x'), '/api/kb/articles/x');
  assert.equal(safeHref('mailto:help@example.com'), 'mailto:help@example.com');
  assert.equal(safeHref('vbscript:x'), undefined);
});

test('Markdown as plain text for the index', () => {
  assert.equal(markdownToText('# Title\n\n- **bold** item\n- [link](https://x)\n\n```\ncode\n```'), 'Title\n\nbold item\nlink\n\ncode');
});

test('HTML documents become Markdown without scripts, styles or event handlers', () => {
  const doc = '<html><head><title>Router &amp; Modem</title><style>p{color:red}</style><script>alert(1)</script></head><body><h1>Setup</h1><p onclick="x()">Connect the <b>yellow</b> cable.<br>Then restart.</p><ul><li>One</li><li>Two</li></ul><a href="javascript:alert(1)">bad</a> <a href="https://example.com/help">help</a><pre>ping 192.168.1.1\n  ok</pre><!-- hidden --><p>&lt;script&gt;not code&lt;/script&gt; &#x4E2D;&#25991;</p></body></html>';
  assert.equal(htmlTitle(doc), 'Router & Modem');
  const md = htmlToMarkdown(doc);
  assert.equal(md, '# Setup\n\nConnect the **yellow** cable.\nThen restart.\n\n- One\n- Two\n\nbad [help](https://example.com/help)\n\n```\nping 192.168.1.1\n  ok\n```\n\n<script>not code</script> 中文');
  const html = renderMarkdown(md);
  assert.doesNotMatch(html, /<script|onclick|javascript:/i);
  assert.match(html, /&lt;script&gt;not code&lt;\/script&gt; 中文/);
});

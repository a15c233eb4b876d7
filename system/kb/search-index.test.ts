import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SearchIndex } from './search-index.ts';
import { markdownToText } from './markdown.ts';
import { LABELLED_QUERIES, SEED_ARTICLES } from './testing.ts';
import { guessLanguage } from './articles.ts';

function seeded(): SearchIndex {
  const index = new SearchIndex();
  for (const [id, a] of Object.entries(SEED_ARTICLES)) {
    index.put({ id, title: a.title, tags: a.tags ?? [], category: a.category ?? '', text: markdownToText(a.body), language: a.language ?? guessLanguage(a.body) });
  }
  return index;
}

test('the labelled query set: each Chinese and English query finds its expected article first', () => {
  const index = seeded();
  const zh = LABELLED_QUERIES.filter(([q]) => guessLanguage(q) === 'zh-CN');
  const en = LABELLED_QUERIES.filter(([q]) => guessLanguage(q) === 'en');
  assert.ok(zh.length >= 10 && en.length >= 10, `${zh.length} Chinese, ${en.length} English queries`);
  const wrong: string[] = [];
  for (const [q, expected] of LABELLED_QUERIES) {
    const hits = index.search(q);
    if (hits[0]?.id !== expected) wrong.push(`${q} -> ${hits.slice(0, 3).map((h) => `${h.id}(${h.score})`).join(', ') || 'nothing'}, expected ${expected}`);
  }
  assert.deepEqual(wrong, []);
});

test('results are highlighted: the matched words and characters are marked in title and snippet', () => {
  const index = seeded();
  const [hit] = index.search('配送延迟');
  assert.equal(hit!.id, 'zh-shipping');
  assert.deepEqual(hit!.title.filter((s) => s.hit).map((s) => s.text), ['配送延迟']);
  assert.ok(hit!.snippet.some((s) => s.hit && s.text === '配送延迟'), JSON.stringify(hit!.snippet));
  const [en] = index.search('tracking numbers');
  assert.equal(en!.id, 'en-shipping');
  assert.deepEqual(en!.title.filter((s) => s.hit).map((s) => s.text), ['tracking numbers']);
  assert.ok(en!.snippet.filter((s) => s.hit).map((s) => s.text.toLowerCase()).includes('tracking number'));
  // The segments put together are the text itself.
  assert.equal(en!.title.map((s) => s.text).join(''), SEED_ARTICLES['en-shipping']!.title);
});

test('a long body gives a snippet around the matches with ellipses', () => {
  const index = new SearchIndex();
  const filler = 'Nothing to see here. '.repeat(40);
  index.put({ id: 'long', title: 'Long', tags: [], category: '', text: `${filler}The escalation hotline is 4000. ${filler}`, language: 'en' });
  const [hit] = index.search('escalation hotline');
  const text = hit!.snippet.map((s) => s.text).join('');
  assert.ok(text.startsWith('…') && text.endsWith('…'), text);
  assert.ok(text.length < 180, text);
  assert.deepEqual(hit!.snippet.filter((s) => s.hit).map((s) => s.text), ['escalation hotline']);
});

test('filters, replacing and removing an article; no terms or no match is an empty list', () => {
  const index = seeded();
  assert.ok(index.search('密码', { language: 'en' }).every((h) => h.id.startsWith('en-')));
  assert.deepEqual(index.search('密码', { language: 'en' }), []);
  assert.deepEqual(index.search('refund', { category: 'account' }), []);
  index.put({ id: 'en-refund', title: 'Moved', tags: [], category: '', text: 'nothing about money', language: 'en' });
  assert.notEqual(index.search('refund')[0]?.id, 'en-refund');
  index.remove('zh-refund');
  assert.equal(index.search('退款申请').some((h) => h.id === 'zh-refund'), false);
  assert.deepEqual(index.search('the of'), []);
  assert.deepEqual(index.search('xylophone'), []);
  assert.equal(index.size, Object.keys(SEED_ARTICLES).length - 1);
});

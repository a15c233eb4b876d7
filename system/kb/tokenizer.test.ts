import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryTerms, stem, tokenize } from './tokenizer.ts';

test('a Chinese run gives its unigrams and bigrams with their offsets; common characters are not unigrams', () => {
  const toks = tokenize('退款流程的说明');
  const bi = toks.filter((t) => t.kind === 'bigram').map((t) => t.term);
  const uni = toks.filter((t) => t.kind === 'unigram').map((t) => t.term);
  assert.deepEqual(bi, ['退款', '款流', '流程', '程的', '的说', '说明']);
  assert.deepEqual(uni, ['退', '款', '流', '程', '说', '明']);
  const liu = toks.find((t) => t.term === '流程')!;
  assert.equal('退款流程的说明'.slice(liu.start, liu.end), '流程');
});

test('English words are lowercased and lightly stemmed, stop words dropped, offsets kept', () => {
  const toks = tokenize('How do I process Refunds for the refunded payments?');
  assert.deepEqual(toks.map((t) => t.term), ['process', 'refund', 'refund', 'payment']);
  const r = toks[1]!;
  assert.equal('How do I process Refunds for the refunded payments?'.slice(r.start, r.end), 'Refunds');
  for (const [a, b] of [['cancelling', 'cancel'], ['cancelled', 'cancel'], ['cancel', 'cancel'], ['invoices', 'invoice'], ['invoice', 'invoice'], ['configured', 'configure'], ['configure', 'configure'], ['resetting', 'reset'], ['deliveries', 'delivery'], ['delivery', 'delivery'], ['boxes', 'box'], ['class', 'class'], ['status', 'status']] as const) {
    assert.equal(stem(a), stem(b), `${a} ~ ${b}`);
  }
});

test('mixed text: Latin words inside Chinese and digits are their own tokens', () => {
  const toks = tokenize('打开192.168.1.1设置WiFi路由器');
  const words = toks.filter((t) => t.kind === 'word').map((t) => t.term);
  assert.deepEqual(words, ['192', '168', '1', '1', 'wifi']);
  assert.ok(toks.some((t) => t.term === '路由'));
});

test('full-width letters are folded; a query weighs CJK unigrams less when it has bigrams', () => {
  assert.equal(tokenize('ＶＡＴ')[0]!.term, 'vat');
  const q = queryTerms('退款');
  assert.equal(q.get('退款'), 1);
  assert.equal(q.get('退'), 0.25);
  assert.equal(queryTerms('退').get('退'), 1);
  assert.equal(queryTerms('the of').size, 0);
});

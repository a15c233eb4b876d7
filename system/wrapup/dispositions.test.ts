// The list a wrap-up's disposition is chosen from: queue's own, else box-wide, else built in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DISPOSITIONS, dispositionsFor, findDisposition } from './dispositions.ts';

const boxWide = [{ code: 'done', en: 'Done', zh: '完成' }];
const sales = [{ code: 'sale', en: 'Sale', zh: '成交' }, { code: 'no-sale', en: 'No sale', zh: '未成交' }];

test('with nothing configured every queue gets the built-in list, in both languages', () => {
  assert.equal(dispositionsFor(undefined, 'sales'), DEFAULT_DISPOSITIONS);
  assert.equal(dispositionsFor({}, undefined), DEFAULT_DISPOSITIONS);
  for (const d of DEFAULT_DISPOSITIONS) assert.ok(d.en && d.zh && /^[a-z0-9-]+$/.test(d.code), d.code);
  assert.equal(new Set(DEFAULT_DISPOSITIONS.map((d) => d.code)).size, DEFAULT_DISPOSITIONS.length, 'codes are unique');
});

test('a queue with its own list uses it; other queues and calls without a queue use the box-wide list', () => {
  const cfg = { dispositions: boxWide, queueDispositions: { sales } };
  assert.deepEqual(dispositionsFor(cfg, 'sales'), sales);
  assert.deepEqual(dispositionsFor(cfg, 'support'), boxWide);
  assert.deepEqual(dispositionsFor(cfg, undefined), boxWide);
  assert.deepEqual(dispositionsFor({ queueDispositions: { sales } }, 'support'), DEFAULT_DISPOSITIONS);
});

test('a code is accepted only from the list that applies to the call', () => {
  const cfg = { dispositions: boxWide, queueDispositions: { sales } };
  assert.equal(findDisposition(cfg, 'sales', 'no-sale')?.zh, '未成交');
  assert.equal(findDisposition(cfg, 'sales', 'done'), undefined, 'the box-wide code is not in the sales list');
  assert.equal(findDisposition(cfg, 'support', 'done')?.en, 'Done');
  assert.equal(findDisposition(undefined, 'x', 'resolved')?.zh, '已解决');
  assert.equal(findDisposition(undefined, 'x', 'nonsense'), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TextIndex, tokens } from './text-index.ts';

test('tokens: lower-cased words, and Chinese characters with their neighbouring pairs', () => {
  assert.deepEqual([...tokens('Order 4711, please!')], ['order', '4711', 'please']);
  assert.deepEqual([...tokens('订单没到')], ['订', '单', '订单', '没', '单没', '到', '没到']);
  assert.deepEqual([...tokens('VIP客户abc')], ['vip', '客', '户', '客户', 'abc']);
});

test('a search matches interactions having every token; prefixes of 3+ letters match longer words', () => {
  const ix = new TextIndex();
  ix.add('a', 'My parcel from order 4711 has not arrived');
  ix.add('b', 'Where is my invoice for order 99?');
  ix.add('c', '我的订单还没有到');
  assert.deepEqual([...ix.search('order')].sort(), ['a', 'b']);
  assert.deepEqual([...ix.search('ORDER 4711')], ['a']);
  assert.deepEqual([...ix.search('parc')], ['a']);
  assert.deepEqual([...ix.search('订单')], ['c']);
  assert.deepEqual([...ix.search('订单 4711')], []);
  assert.deepEqual([...ix.search('  ')], []);
  assert.deepEqual([...ix.search('pa')], [], 'two letters are too short for a prefix');
});

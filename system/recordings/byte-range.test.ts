import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from './byte-range.ts';

test('no Range header: the whole resource', () => {
  assert.deepEqual(parseRange(undefined, 1000), { kind: 'whole' });
});

test('first-last, open-ended and suffix ranges, clamped to the resource', () => {
  assert.deepEqual(parseRange('bytes=0-99', 1000), { kind: 'partial', start: 0, end: 99 });
  assert.deepEqual(parseRange('bytes=500-', 1000), { kind: 'partial', start: 500, end: 999 });
  assert.deepEqual(parseRange('bytes=900-5000', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-100', 1000), { kind: 'partial', start: 900, end: 999 });
  assert.deepEqual(parseRange('bytes=-5000', 1000), { kind: 'partial', start: 0, end: 999 });
  assert.deepEqual(parseRange('bytes=999-999', 1000), { kind: 'partial', start: 999, end: 999 });
  assert.deepEqual(parseRange('Bytes = 10 - 20', 1000), { kind: 'partial', start: 10, end: 20 });
});

test('several ranges: the first is served', () => {
  assert.deepEqual(parseRange('bytes=0-1, 5-9', 1000), { kind: 'partial', start: 0, end: 1 });
});

test('a range that starts past the end, or an empty suffix, cannot be satisfied', () => {
  assert.deepEqual(parseRange('bytes=1000-', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', 1000), { kind: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=0-', 0), { kind: 'unsatisfiable' });
});

test('malformed headers and other units are ignored (the whole resource)', () => {
  for (const h of ['items=0-5', 'bytes=abc', 'bytes=5-1', 'bytes=-', '', 'bytes=1-2-3']) assert.deepEqual(parseRange(h, 1000), { kind: 'whole' }, h);
});

// The line budget that keeps a per-packet mediasoup error from flooding the box log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineBudget } from './worker-log.ts';

test('at most the budget a minute goes through, the rest is counted, and a new minute starts over', () => {
  const b = new LineBudget(3);
  const taken = Array.from({ length: 5 }, (_, i) => b.take(1000 + i));
  assert.deepEqual(taken, [true, true, true, false, false]);
  assert.equal(b.skipped, 2);
  assert.equal(b.take(60_999), false, 'still the same minute');
  assert.equal(b.take(61_000), true, 'a minute after the first line');
  assert.equal(b.skipped, 3, 'the caller resets the count once it has reported it');
});

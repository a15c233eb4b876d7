import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HoldClock } from './hold-clock.ts';

test('hold time counts while anyone holds, overlapping holds once; a hold still running counts to the end', () => {
  const c = new HoldClock();
  c.set('callee', true, 1000);
  c.set('callee', true, 1500); // a repeated re-INVITE is not a new hold
  c.set('caller', true, 2000);
  c.set('callee', false, 3000);
  c.set('caller', false, 4000);
  assert.equal(c.total(10_000), 3000);
  assert.equal(c.holds, 2);
  c.set('callee', true, 9000);
  assert.equal(c.total(10_000), 4000);
  c.set('caller', false, 9500); // not held: nothing changes
  assert.equal(c.total(12_000), 6000);
});

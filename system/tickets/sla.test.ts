import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dueAt, isBreached, pauseClock, rebudget, remainingMs, resumeClock, setRunning, startClock, usedMs } from './sla.ts';

const H = 3_600_000;

test('a running clock uses time and is due budget after its start', () => {
  const c = startClock(8 * H, 1000);
  assert.equal(usedMs(c, 1000 + H), H);
  assert.equal(dueAt(c, 1000 + H), 1000 + 8 * H);
  assert.equal(isBreached(c, 1000 + 8 * H), false);
  assert.equal(isBreached(c, 1000 + 8 * H + 1), true);
});

test('a pause (waiting for the customer) stops the clock and moves the due time by the pause', () => {
  let c = startClock(8 * H, 0);
  c = pauseClock(c, 2 * H);
  assert.equal(dueAt(c, 3 * H), undefined, 'no due time while paused');
  assert.equal(usedMs(c, 100 * H), 2 * H, 'no time used while paused');
  assert.equal(isBreached(c, 100 * H), false);
  c = resumeClock(c, 10 * H);
  assert.equal(usedMs(c, 11 * H), 3 * H);
  assert.equal(dueAt(c, 11 * H), 16 * H, '8 h budget: 2 h before the pause, 6 h after resuming at 10 h');
  assert.equal(remainingMs(c, 11 * H), 5 * H);
});

test('pausing twice or resuming twice changes nothing', () => {
  const p = pauseClock(startClock(H, 0), 10);
  assert.deepEqual(pauseClock(p, 500), p);
  const r = resumeClock(p, 20);
  assert.deepEqual(resumeClock(r, 99), r);
  assert.deepEqual(setRunning(r, true, 1000), r);
});

test('a new budget keeps the time used', () => {
  const c = rebudget(startClock(8 * H, 0), H);
  assert.equal(remainingMs(c, 30 * 60_000), 30 * 60_000);
  assert.equal(isBreached(c, H + 1), true);
});

test('a clock started paused uses nothing until resumed', () => {
  const c = startClock(H, 0, false);
  assert.equal(usedMs(c, 5 * H), 0);
  assert.equal(dueAt(resumeClock(c, 5 * H), 5 * H), 6 * H);
});

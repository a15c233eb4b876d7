import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SipTimings, quantile, sipReadings } from './sip-timing.ts';

test('nearest-rank quantiles', () => {
  const xs = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.deepEqual([quantile(xs, 0.5), quantile(xs, 0.95), quantile(xs, 1), quantile([], 0.5)], [5, 10, 10, 0]);
});

test('times are summed per peer over the window; timeouts counted; totals by method and class never shrink', () => {
  let windowMs = 60_000;
  const t = new SipTimings(() => windowMs);
  const now = 1_000_000;
  for (let i = 1; i <= 20; i++) t.record({ at: now - 1000, peer: 'carrier', method: 'INVITE', status: 200, firstResponseMs: i * 10 });
  t.record({ at: now - 1000, peer: 'carrier', method: 'OPTIONS', status: 408, firstResponseMs: 32_000 });
  t.record({ at: now - 120_000, peer: 'old', method: 'REGISTER', status: 200, firstResponseMs: 5 });
  const s = t.summary(now);
  assert.deepEqual(s.map((p) => p.peer), ['carrier'], 'the sample older than the window is gone');
  assert.deepEqual(s[0], { peer: 'carrier', requests: 21, timeouts: 1, p50Ms: 110, p95Ms: 200, maxMs: 32_000 });
  assert.deepEqual(Object.fromEntries(t.totals), { 'INVITE 2xx': 20, 'OPTIONS 4xx': 1, 'REGISTER 2xx': 1 });
  assert.deepEqual(sipReadings(s, new Set(['carrier'])), [{ metric: 'sipResponseMs', subject: 'carrier', value: 200 }]);
  assert.deepEqual(sipReadings(s, new Set()), [], 'peers that are not trunks are not judged');
  windowMs = 500;
  assert.deepEqual(t.summary(now), []);
});

// Report windows from query strings: local dates and times in the box's zone, instants,
// defaults (today) and the coded refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseInstant, resolveWindow } from './report-window.ts';
import { ReportsError } from './errors.ts';

const TZ = 'Asia/Shanghai';
const NOW = Date.UTC(2026, 10, 26, 9, 0); // 17:00 local

test('local dates and date-times are box-local; instants stay instants', () => {
  assert.equal(parseInstant('2026-11-26', TZ), Date.UTC(2026, 10, 25, 16));
  assert.equal(parseInstant('2026-11-26T09:15', TZ), Date.UTC(2026, 10, 26, 1, 15));
  assert.equal(parseInstant('2026-11-26T09:15:00Z', TZ), Date.UTC(2026, 10, 26, 9, 15));
  assert.equal(parseInstant('2026-11-26T09:15:00+08:00', TZ), Date.UTC(2026, 10, 26, 1, 15));
  assert.equal(parseInstant('1790000000000', TZ), 1790000000000);
  for (const bad of ['yesterday', '2026-13-01', '2026-11-26T25:00', '', '12']) assert.equal(parseInstant(bad, TZ), undefined, bad);
});

test('without from and to: today, local midnight to local midnight; without to: the end of from\'s day', () => {
  assert.deepEqual(resolveWindow({ interval: 'hour' }, NOW, TZ), { from: Date.UTC(2026, 10, 25, 16), to: Date.UTC(2026, 10, 26, 16) });
  assert.deepEqual(resolveWindow({ from: '2026-11-20T10:00', interval: 'hour' }, NOW, TZ), { from: Date.UTC(2026, 10, 20, 2), to: Date.UTC(2026, 10, 20, 16) });
});

test('bad or too long windows are refused with a code', () => {
  const code = (q: Parameters<typeof resolveWindow>[0]) => {
    try {
      resolveWindow(q, NOW, TZ);
      return 'ok';
    } catch (err) {
      assert.ok(err instanceof ReportsError);
      return err.code;
    }
  };
  assert.equal(code({ from: 'nope', interval: 'day' }), 'CC_REPORTS_BAD_TIME');
  assert.equal(code({ from: '2026-11-26', to: '2026-11-25', interval: 'day' }), 'CC_REPORTS_BAD_TIME');
  assert.equal(code({ from: '2026-01-01', to: '2026-12-31', interval: '15min' }), 'CC_REPORTS_RANGE_TOO_LONG');
  assert.equal(code({ from: '2020-01-01', to: '2026-12-31', interval: 'month' }), 'CC_REPORTS_RANGE_TOO_LONG');
  assert.equal(code({ from: '2026-01-01', to: '2026-12-31', interval: 'day' }), 'ok');
});

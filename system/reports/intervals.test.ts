// Report intervals in the box's time zone: local boundaries, daylight-saving days, weeks from
// Monday, months, and zones with half-hour offsets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { intervalsBetween, intervalStart, localLabel, zonedInstant } from './intervals.ts';

test('a local wall time maps to its instant, also across a daylight-saving change', () => {
  assert.equal(zonedInstant(2026, 11, 26, 9, 0, 'Asia/Shanghai'), Date.UTC(2026, 10, 26, 1, 0));
  assert.equal(zonedInstant(2026, 7, 1, 0, 0, 'Europe/Berlin'), Date.UTC(2026, 5, 30, 22, 0));
  assert.equal(zonedInstant(2026, 12, 1, 0, 0, 'Europe/Berlin'), Date.UTC(2026, 10, 30, 23, 0));
  assert.equal(zonedInstant(2026, 1, 1, 0, 0, 'UTC'), Date.UTC(2026, 0, 1));
  // The repeated hour (Berlin, 25 Oct 2026, 02:00-03:00 twice): the earlier one.
  assert.equal(zonedInstant(2026, 10, 25, 2, 30, 'Europe/Berlin'), Date.UTC(2026, 9, 25, 0, 30));
  // A wall time in the spring gap (02:30 does not exist): just after the gap, 03:30 CEST.
  assert.equal(zonedInstant(2026, 3, 29, 2, 30, 'Europe/Berlin'), Date.UTC(2026, 2, 29, 1, 30));
});

test('days are local midnight to local midnight: the autumn change gives a 25-hour day with 25 hours', () => {
  const tz = 'Europe/Berlin';
  const day = intervalsBetween(zonedInstant(2026, 10, 25, 0, 0, tz), zonedInstant(2026, 10, 26, 0, 0, tz), 'day', tz);
  assert.deepEqual(day, [{ start: Date.UTC(2026, 9, 24, 22), end: Date.UTC(2026, 9, 25, 23), label: '2026-10-25 00:00' }]);
  const hours = intervalsBetween(day[0].start, day[0].end, 'hour', tz);
  assert.equal(hours.length, 25);
  assert.deepEqual(hours.slice(1, 4).map((h) => h.label), ['2026-10-25 01:00', '2026-10-25 02:00', '2026-10-25 02:00']);
  const spring = intervalsBetween(zonedInstant(2026, 3, 29, 0, 0, tz), zonedInstant(2026, 3, 30, 0, 0, tz), 'hour', tz);
  assert.equal(spring.length, 23);
});

test('weeks start on Monday and months on the 1st, in local time', () => {
  const tz = 'Asia/Shanghai';
  const thu = zonedInstant(2026, 11, 26, 15, 7, tz);
  assert.equal(localLabel(intervalStart(thu, 'week', tz), tz), '2026-11-23 00:00');
  assert.equal(localLabel(intervalStart(thu, 'month', tz), tz), '2026-11-01 00:00');
  assert.equal(localLabel(intervalStart(thu, 'hour', tz), tz), '2026-11-26 15:00');
  assert.equal(localLabel(intervalStart(thu, '15min', tz), tz), '2026-11-26 15:00');
  const months = intervalsBetween(zonedInstant(2026, 11, 15, 0, 0, tz), zonedInstant(2027, 2, 1, 0, 0, tz), 'month', tz);
  assert.deepEqual(months.map((m) => m.label), ['2026-11-01 00:00', '2026-12-01 00:00', '2027-01-01 00:00']);
  assert.equal(months[2].end, zonedInstant(2027, 2, 1, 0, 0, tz));
});

test('a half-hour zone has its quarter hours on local quarter hours', () => {
  const tz = 'Asia/Kolkata';
  const at = Date.UTC(2026, 10, 26, 4, 10); // 09:40 local
  assert.equal(localLabel(intervalStart(at, '15min', tz), tz), '2026-11-26 09:30');
  assert.equal(localLabel(intervalStart(at, 'hour', tz), tz), '2026-11-26 09:00');
  assert.equal(intervalStart(at, 'hour', tz), Date.UTC(2026, 10, 26, 3, 30));
});

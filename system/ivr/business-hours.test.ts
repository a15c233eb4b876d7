import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coversDate, hoursState, localTime, scheduleDecision } from './business-hours.ts';
import { parseConfig } from '../config/load.ts';
import type { ScheduleConfig } from '../config/schema.ts';

const office: ScheduleConfig = {
  name: 'office',
  weekly: {
    mon: [{ from: '09:00', to: '12:00' }, { from: '13:00', to: '18:00' }],
    tue: [{ from: '09:00', to: '18:00' }],
    wed: [{ from: '09:00', to: '18:00' }],
    thu: [{ from: '09:00', to: '18:00' }],
    fri: [{ from: '09:00', to: '17:00' }],
    sat: [{ from: '10:00', to: '14:00' }],
  },
  holidays: [
    { name: 'Christmas', date: '2020-12-25', yearly: true },
    { name: 'New Year', date: '2020-12-31', to: '2021-01-02', yearly: true },
    { name: 'Spring Festival 2026', date: '2026-02-16', to: '2026-02-22' },
  ],
  exceptions: [
    { name: 'stocktaking', date: '2026-03-06', hours: [] },
    { name: 'open day', date: '2026-02-21', hours: [{ from: '10:00', to: '12:00' }] },
  ],
};
const at = (iso: string) => Date.parse(iso);
const state = (iso: string, tz = 'Asia/Shanghai') => scheduleDecision(office, at(iso), tz).state;

test('within one of several ranges of the day the schedule is open; in the gap between them it is closed', () => {
  // Monday 2026-03-02 in Shanghai (UTC+8).
  assert.equal(state('2026-03-02T09:30:00+08:00'), 'open');
  assert.equal(state('2026-03-02T12:30:00+08:00'), 'closed', 'lunch break');
  assert.equal(state('2026-03-02T13:00:00+08:00'), 'open', 'a range includes its start minute');
  assert.equal(state('2026-03-02T18:00:00+08:00'), 'closed', 'and excludes its end minute');
});

test('a weekday without hours (Sunday here) is closed all day', () => {
  assert.equal(state('2026-03-08T11:00:00+08:00'), 'closed');
});

test('the weekday and the time are those of the box time zone, not UTC', () => {
  // 2026-03-06T23:30Z is Saturday 07:30 in Shanghai (closed, opens 10:00) but Friday in UTC.
  assert.deepEqual(localTime(at('2026-03-06T23:30:00Z'), 'Asia/Shanghai'), { date: '2026-03-07', weekday: 'sat', minutes: 450 });
  assert.equal(state('2026-03-07T02:30:00Z'), 'open', 'Saturday 10:30 local');
  assert.equal(state('2026-03-07T02:30:00Z', 'UTC'), 'closed', 'the same instant is 02:30 in UTC');
});

test('a holiday is reported as holiday, not closed, even inside the weekly hours', () => {
  assert.equal(state('2026-02-17T10:00:00+08:00'), 'holiday');
  assert.match(scheduleDecision(office, at('2026-02-17T10:00:00+08:00'), 'Asia/Shanghai').because, /Spring Festival/);
});

test('a yearly holiday repeats every year, and a yearly range may run over New Year', () => {
  assert.equal(state('2031-12-25T10:00:00+08:00'), 'holiday');
  assert.equal(state('2027-01-01T10:00:00+08:00'), 'holiday');
  assert.equal(state('2027-01-04T10:00:00+08:00'), 'open', 'Monday after the range');
  assert.ok(coversDate({ date: '2020-12-31', to: '2021-01-02', yearly: true }, '2040-01-02'));
  assert.ok(!coversDate({ date: '2020-12-31', to: '2021-01-02', yearly: true }, '2040-01-03'));
  assert.ok(!coversDate({ date: '2026-02-16', to: '2026-02-22' }, '2027-02-17'), 'a one-off range does not repeat');
});

test('an exception decides over the weekly hours and over a holiday', () => {
  assert.equal(state('2026-03-06T10:00:00+08:00'), 'closed', 'a Friday closed for stocktaking');
  assert.equal(state('2026-02-21T11:00:00+08:00'), 'open', 'an open day inside the holiday range');
  assert.equal(state('2026-02-21T13:00:00+08:00'), 'closed', 'outside the exception hours: closed, not holiday');
});

test('daylight saving time: opening hours follow the wall clock on the days the clocks change (Europe/Berlin)', () => {
  const early: ScheduleConfig = { name: 'early', weekly: { sun: [{ from: '02:00', to: '03:00' }, { from: '08:00', to: '09:00' }] }, holidays: [], exceptions: [] };
  const s = (iso: string) => scheduleDecision(early, at(iso), 'Europe/Berlin').state;
  // Spring forward, Sunday 2025-03-30: 06:30Z is 08:30 CEST (a fixed +1 offset would say 07:30, closed).
  assert.equal(s('2025-03-30T06:30:00Z'), 'open');
  assert.equal(s('2025-03-30T07:30:00Z'), 'closed', '09:30 CEST');
  // 02:00-03:00 does not exist that night: 00:59Z is 01:59 CET, 01:00Z is already 03:00 CEST.
  assert.equal(s('2025-03-30T00:59:00Z'), 'closed');
  assert.equal(s('2025-03-30T01:00:00Z'), 'closed');
  // Fall back, Sunday 2025-10-26: 02:00-03:00 happens twice, and both are open.
  assert.equal(s('2025-10-26T00:30:00Z'), 'open', '02:30 CEST');
  assert.equal(s('2025-10-26T01:30:00Z'), 'open', '02:30 CET');
  assert.equal(s('2025-10-26T02:00:00Z'), 'closed', '03:00 CET');
  assert.equal(s('2025-10-26T07:30:00Z'), 'open', '08:30 CET (a fixed +2 offset would say 09:30, closed)');
});

test('hoursState reads the configured schedule and time zone; an unknown schedule is closed', () => {
  const cfg = parseConfig({ timeZone: 'Asia/Shanghai', schedules: [office] });
  assert.equal(hoursState(cfg, 'office', at('2026-03-02T09:30:00+08:00')), 'open');
  assert.equal(hoursState(cfg, 'nope', at('2026-03-02T09:30:00+08:00')), 'closed');
  assert.equal(hoursState({ schedules: [office] }, 'office', at('2026-03-02T09:30:00Z')), 'open', 'UTC without a time zone');
});

test('the configuration refuses unknown time zones, inverted ranges, impossible dates and DID rules naming unknown schedules', () => {
  const problems = (doc: object) => {
    try {
      parseConfig(doc);
      return [];
    } catch (err) {
      return (err as { problems: string[] }).problems;
    }
  };
  assert.match(problems({ timeZone: 'Mars/Olympus' }).join('\n'), /\/timeZone: unknown time zone/);
  assert.match(problems({ schedules: [{ name: 's', weekly: { mon: [{ from: '18:00', to: '09:00' }] } }] }).join('\n'), /\/schedules\/s\/weekly\/mon\/0: from 18:00 is not before/);
  assert.match(problems({ schedules: [{ name: 's', holidays: [{ date: '2026-02-30' }] }] }).join('\n'), /\/schedules\/s\/holidays\/0\/date: no such date/);
  assert.match(problems({ schedules: [{ name: 's', weekly: { mon: [{ from: '9:00', to: '17:00' }] } }] }).join('\n'), /\/schedules\/0\/weekly\/mon\/0\/from/);
  const trunk = { name: 't', kind: 'static', host: '192.0.2.1' };
  assert.match(
    problems({ trunks: [trunk], dids: [{ number: '100', destination: 'ivr:main', hours: { schedule: 'nope', closed: 'queue:none' } }] }).join('\n'),
    /\/dids\/100\/hours: unknown schedule nope[\s\S]*\/dids\/100\/hours\/closed: unknown queue none/,
  );
  assert.deepEqual(problems({ trunks: [trunk], schedules: [office], dids: [{ number: '100', destination: 'ivr:main', hours: { schedule: 'office', closed: 'ivr:closed' } }] }), []);
  assert.match(problems({ extensions: [{ number: '1001', password: 'secret' }], ivr: { numbers: [{ number: '1001', flow: 'x' }] } }).join('\n'), /\/ivr\/numbers\/1001/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countRow, countToday, dayOf, emptyToday, queueToday, type QueueLogRow } from './today-counts.ts';
import { todayFigures } from '../reports/today.ts';
import type { ReportSettings } from '../reports/figures.ts';

const at = (iso: string) => Date.parse(iso);
const SETTINGS: ReportSettings = { shortAbandonSec: 5, serviceLevelSec: 20, queueServiceLevelSec: { support: 60 } };

test('the day is the calendar day in the site\'s time zone, and an unknown zone counts as UTC', () => {
  assert.equal(dayOf(at('2026-11-26T15:59:59Z'), 'Asia/Shanghai'), '2026-11-26');
  assert.equal(dayOf(at('2026-11-26T16:00:00Z'), 'Asia/Shanghai'), '2026-11-27');
  assert.equal(dayOf(at('2026-11-26T16:00:00Z')), '2026-11-26');
  assert.equal(dayOf(at('2026-11-26T23:00:00Z'), 'Not/AZone'), '2026-11-26');
});

/** A scripted day: two queues, answered in and out of the service level, abandons long and short, an overflow, an exit, a restart loss, one caller still waiting. */
const ROWS: QueueLogRow[] = [
  { type: 'enter', at: at('2026-11-26T09:00:00Z'), queue: 'sales', callId: 'c1' },
  { type: 'ring-attempt', at: at('2026-11-26T09:00:01Z'), queue: 'sales', callId: 'c1' },
  { type: 'connect', at: at('2026-11-26T09:00:20Z'), queue: 'sales', callId: 'c1', waitMs: 20_000 },
  { type: 'enter', at: at('2026-11-26T09:01:00Z'), queue: 'sales', callId: 'c2' },
  { type: 'connect', at: at('2026-11-26T09:01:21Z'), queue: 'sales', callId: 'c2', waitMs: 20_001 },
  { type: 'complete', at: at('2026-11-26T09:02:00Z'), queue: 'sales', callId: 'c2', waitMs: 20_001 },
  { type: 'enter', at: at('2026-11-26T09:02:00Z'), queue: 'sales', callId: 'c3' },
  { type: 'abandon', at: at('2026-11-26T09:02:09Z'), queue: 'sales', callId: 'c3', waitMs: 9000 },
  { type: 'enter', at: at('2026-11-26T09:03:00Z'), queue: 'sales', callId: 'c4' },
  { type: 'abandon', at: at('2026-11-26T09:03:03Z'), queue: 'sales', callId: 'c4', waitMs: 3000 },
  { type: 'enter', at: at('2026-11-26T09:04:00Z'), queue: 'sales', callId: 'c5' },
  { type: 'overflow', at: at('2026-11-26T09:04:30Z'), queue: 'sales', callId: 'c5', waitMs: 30_000 },
  { type: 'enter', at: at('2026-11-26T09:04:30Z'), queue: 'support', callId: 'c5' },
  { type: 'connect', at: at('2026-11-26T09:05:15Z'), queue: 'support', callId: 'c5', waitMs: 45_000 },
  { type: 'enter', at: at('2026-11-26T09:06:00Z'), queue: 'support', callId: 'c6' },
  { type: 'exit', at: at('2026-11-26T09:06:10Z'), queue: 'support', callId: 'c6', waitMs: 10_000 },
  { type: 'enter', at: at('2026-11-26T09:07:00Z'), queue: 'support', callId: 'c7' },
  { type: 'lost', at: at('2026-11-26T09:08:00Z'), queue: 'support', callId: 'c7', waitMs: 60_000 },
  { type: 'abandon', at: at('2026-11-26T09:08:01Z'), queue: 'support', callId: 'c7', waitMs: 61_000 },
  { type: 'connect', at: at('2026-11-26T09:08:02Z'), queue: 'support', callId: 'c-unknown', waitMs: 1000 },
  { type: 'agent-available', at: at('2026-11-26T09:09:00Z') },
  { type: 'enter', at: at('2026-11-26T11:59:00Z'), queue: 'support', callId: 'c8' },
];
const NOW = at('2026-11-26T12:00:00Z');

test('a scripted day: offered, answered (within each queue\'s service-level time), abandoned and short-abandoned', () => {
  const today = countToday(ROWS, NOW, SETTINGS, 'UTC');
  assert.deepEqual(today.queues, {
    sales: { offered: 5, answered: 2, abandoned: 1, shortAbandoned: 1, answeredInTime: 1 },
    support: { offered: 4, answered: 1, abandoned: 0, shortAbandoned: 0, answeredInTime: 1 },
  });
  assert.deepEqual(today.open, { c8: 'support' }, 'only the caller still waiting is open');
  assert.deepEqual(queueToday(today.queues.sales, 20), { offered: 5, answered: 2, abandoned: 1, shortAbandoned: 1, answeredInTime: 1, serviceLevelSec: 20, serviceLevelPct: 33.3 });
  assert.deepEqual(queueToday(undefined, 20), { offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, answeredInTime: 0, serviceLevelSec: 20 }, 'no level before a call has finished');
});

test('the counts are the reports\' figures for today (todayFigures over the same rows)', () => {
  const mine = countToday(ROWS, NOW, SETTINGS, 'UTC');
  const reports = todayFigures(ROWS as never, NOW, 'UTC', SETTINGS);
  assert.equal(reports.queues.length, 2);
  for (const q of reports.queues) {
    const c = queueToday(mine.queues[q.queue], q.serviceLevelSec);
    assert.deepEqual(
      [c.offered, c.answered, c.abandoned, c.shortAbandoned, c.answeredInTime, c.serviceLevelSec, c.serviceLevelPct],
      [q.offered, q.answered, q.abandoned, q.shortAbandoned, q.answeredWithinSl, q.serviceLevelSec, q.serviceLevel === null ? undefined : Math.round(q.serviceLevel * 1000) / 10],
      `queue ${q.queue}`,
    );
  }
});

test('a call counts in the day it entered: yesterday\'s callers answered today are not counted, and a new day starts afresh', () => {
  const rows: QueueLogRow[] = [
    { type: 'enter', at: at('2026-11-26T15:59:00Z'), queue: 'sales', callId: 'late' }, // 23:59 in Shanghai, the 26th
    { type: 'enter', at: at('2026-11-26T16:01:00Z'), queue: 'sales', callId: 'early' }, // 00:01, the 27th
    { type: 'connect', at: at('2026-11-26T16:01:30Z'), queue: 'sales', callId: 'late', waitMs: 150_000 },
    { type: 'connect', at: at('2026-11-26T16:01:40Z'), queue: 'sales', callId: 'early', waitMs: 40_000 },
  ];
  const today = countToday(rows, at('2026-11-26T17:00:00Z'), SETTINGS, 'Asia/Shanghai');
  assert.deepEqual(today, { day: '2026-11-27', queues: { sales: { offered: 1, answered: 1, abandoned: 0, shortAbandoned: 0, answeredInTime: 0 } }, open: {} });
  // One row at a time across midnight.
  let t = emptyToday('2026-11-26');
  t = countRow(t, rows[0]!, SETTINGS, 'Asia/Shanghai');
  assert.equal(t.queues.sales!.offered, 1);
  const before = t;
  for (const row of rows.slice(1)) t = countRow(t, row, SETTINGS, 'Asia/Shanghai');
  assert.deepEqual(t, today);
  assert.equal(countRow(t, rows[0]!, SETTINGS, 'Asia/Shanghai'), t, 'a late row of an earlier day changes nothing');
  assert.deepEqual(before.queues.sales, { offered: 1, answered: 0, abandoned: 0, shortAbandoned: 0, answeredInTime: 0 }, 'the input is not changed');
});

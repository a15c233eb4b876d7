import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countRow, countToday, dayOf, emptyToday, queueToday, type QueueLogRow } from './today-counts.ts';

const at = (iso: string) => Date.parse(iso);

test('the day is the calendar day in the site\'s time zone, and an unknown zone counts as UTC', () => {
  assert.equal(dayOf(at('2026-11-26T15:59:59Z'), 'Asia/Shanghai'), '2026-11-26');
  assert.equal(dayOf(at('2026-11-26T16:00:00Z'), 'Asia/Shanghai'), '2026-11-27');
  assert.equal(dayOf(at('2026-11-26T16:00:00Z')), '2026-11-26');
  assert.equal(dayOf(at('2026-11-26T23:00:00Z'), 'Not/AZone'), '2026-11-26');
});

test('entering is offered, connecting is answered (in time when the wait is at most the service-level time), abandoning is abandoned', () => {
  const rows: QueueLogRow[] = [
    { type: 'enter', at: at('2026-11-26T09:00:00Z'), queue: 'sales' },
    { type: 'ring-attempt', at: at('2026-11-26T09:00:01Z'), queue: 'sales' },
    { type: 'connect', at: at('2026-11-26T09:00:20Z'), queue: 'sales', waitMs: 20_000 },
    { type: 'enter', at: at('2026-11-26T09:01:00Z'), queue: 'sales' },
    { type: 'connect', at: at('2026-11-26T09:01:21Z'), queue: 'sales', waitMs: 20_001 },
    { type: 'enter', at: at('2026-11-26T09:02:00Z'), queue: 'sales' },
    { type: 'abandon', at: at('2026-11-26T09:02:09Z'), queue: 'sales', waitMs: 9000 },
    { type: 'enter', at: at('2026-11-26T09:03:00Z'), queue: 'support' },
    { type: 'agent-available', at: at('2026-11-26T09:03:00Z') },
    { type: 'complete', at: at('2026-11-26T09:04:00Z'), queue: 'sales' },
  ];
  const today = countToday(rows, at('2026-11-26T12:00:00Z'), 20, 'UTC');
  assert.deepEqual(today, {
    day: '2026-11-26',
    queues: {
      sales: { offered: 3, answered: 2, abandoned: 1, answeredInTime: 1 },
      support: { offered: 1, answered: 0, abandoned: 0, answeredInTime: 0 },
    },
  });
  assert.deepEqual(queueToday(today.queues.sales), { offered: 3, answered: 2, abandoned: 1, answeredInTime: 1, serviceLevelPct: 33.3 });
  assert.deepEqual(queueToday(today.queues.support), { offered: 1, answered: 0, abandoned: 0, answeredInTime: 0 }, 'no level before a call has finished');
  assert.deepEqual(queueToday(undefined), { offered: 0, answered: 0, abandoned: 0, answeredInTime: 0 });
});

test('yesterday\'s rows are not counted, and a row of a new day starts the counters afresh', () => {
  const rows: QueueLogRow[] = [
    { type: 'enter', at: at('2026-11-26T15:59:00Z'), queue: 'sales' }, // 23:59 in Shanghai, the 26th
    { type: 'enter', at: at('2026-11-26T16:01:00Z'), queue: 'sales' }, // 00:01, the 27th
  ];
  assert.deepEqual(countToday(rows, at('2026-11-26T17:00:00Z'), 20, 'Asia/Shanghai'), { day: '2026-11-27', queues: { sales: { offered: 1, answered: 0, abandoned: 0, answeredInTime: 0 } } });
  const before = countRow(emptyToday('2026-11-26'), rows[0]!, 20, 'Asia/Shanghai');
  assert.equal(before.queues.sales!.offered, 1);
  const after = countRow(before, rows[1]!, 20, 'Asia/Shanghai');
  assert.deepEqual(after, { day: '2026-11-27', queues: { sales: { offered: 1, answered: 0, abandoned: 0, answeredInTime: 0 } } });
  assert.equal(countRow(after, rows[0]!, 20, 'Asia/Shanghai'), after, 'a late row of an earlier day changes nothing');
  assert.equal(before.queues.sales!.offered, 1, 'the input is not changed');
});

test('a connect row without a wait never counts as in time', () => {
  const t = countRow(emptyToday('2026-11-26'), { type: 'connect', at: at('2026-11-26T10:00:00Z'), queue: 'q' }, 20);
  assert.deepEqual(t.queues.q, { offered: 0, answered: 1, abandoned: 0, answeredInTime: 0 });
});

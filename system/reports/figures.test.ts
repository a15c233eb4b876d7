// Report figures against a scripted day of queue-log rows with known times: every field of
// every figure compared with exact equality. The rows are in the order and shape system/acd
// writes them (agent transition row first, then the queue row of the same transaction).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeReport, DEFAULT_SETTINGS, type QueueLogRow, type ReportSettings } from './figures.ts';
import { todayFigures } from './today.ts';
import { zonedInstant } from './intervals.ts';

const TZ = 'Asia/Shanghai';
const T0 = zonedInstant(2026, 11, 26, 9, 0, TZ); // 09:00 local = 01:00Z
const s = (sec: number) => T0 + sec * 1000;
const NOW = s(3720); // 10:02:00
const SETTINGS: ReportSettings = { ...DEFAULT_SETTINGS, queueServiceLevelSec: { support: 30 } };

const rows: QueueLogRow[] = [];
const q = (type: string, sec: number, data: Record<string, unknown>) => rows.push({ type, at: s(sec), ...data });
const agent = (type: string, sec: number, id: string, from: string, to: string, extra: Record<string, unknown> = {}) =>
  rows.push({ type, at: s(sec), agent: id, from, to, cause: 'x', ...extra });

// a1 logs in at 09:00, a2 at 09:01.
agent('agent-login', 0, 'a1', 'logged-out', 'available');
agent('agent-login', 60, 'a2', 'logged-out', 'available');
// c1 (sales): answered by a1 after 15 s, talks 120 s, 10 s wrap-up.
q('enter', 10, { callId: 'c1', queue: 'sales', caller: '1001', position: 1 });
agent('agent-ringing', 12, 'a1', 'available', 'ringing', { callId: 'c1', queue: 'sales' });
q('ring-attempt', 12, { callId: 'c1', queue: 'sales', agent: 'a1' });
agent('agent-on-call', 25, 'a1', 'ringing', 'on-call', { callId: 'c1', queue: 'sales' });
q('connect', 25, { callId: 'c1', queue: 'sales', agent: 'a1', waitMs: 15_000, ringMs: 13_000, position: 1 });
agent('agent-wrap-up', 145, 'a1', 'on-call', 'wrap-up', { queue: 'sales' });
q('complete', 145, { callId: 'c1', queue: 'sales', agent: 'a1', talkMs: 120_000, waitMs: 15_000, hungUpBy: 'caller' });
agent('agent-available', 155, 'a1', 'wrap-up', 'available');
// c2: hangs up after 3 s (short abandon). c3: after 18 s (abandon within SL). c5: after 30 s.
q('enter', 100, { callId: 'c2', queue: 'sales' });
q('abandon', 103, { callId: 'c2', queue: 'sales', position: 1, waitMs: 3000 });
q('enter', 200, { callId: 'c3', queue: 'sales' });
q('abandon', 218, { callId: 'c3', queue: 'sales', position: 1, waitMs: 18_000 });
// c4: a2 answers after 40 s, talks 60 s, no wrap-up.
q('enter', 300, { callId: 'c4', queue: 'sales' });
agent('agent-ringing', 320, 'a2', 'available', 'ringing', { callId: 'c4', queue: 'sales' });
agent('agent-on-call', 340, 'a2', 'ringing', 'on-call', { callId: 'c4', queue: 'sales' });
q('connect', 340, { callId: 'c4', queue: 'sales', agent: 'a2', waitMs: 40_000, ringMs: 20_000, position: 1 });
agent('agent-available', 400, 'a2', 'on-call', 'available');
q('complete', 400, { callId: 'c4', queue: 'sales', agent: 'a2', talkMs: 60_000, waitMs: 40_000, hungUpBy: 'agent' });
q('enter', 500, { callId: 'c5', queue: 'sales' });
q('abandon', 530, { callId: 'c5', queue: 'sales', position: 1, waitMs: 30_000 });
// c6: waits 60 s in sales, overflows to support, a1 answers after 10 s there, 100 s talk,
// 20 s wrap-up, then the lunch break a1 asked for during the call (1000 s).
q('enter', 600, { callId: 'c6', queue: 'sales' });
q('overflow', 660, { callId: 'c6', queue: 'sales', to: 'queue:support', why: 'timeout', position: 1, waitMs: 60_000 });
q('enter', 660, { callId: 'c6', queue: 'support' });
agent('agent-ringing', 662, 'a1', 'available', 'ringing', { callId: 'c6', queue: 'support' });
agent('agent-on-call', 670, 'a1', 'ringing', 'on-call', { callId: 'c6', queue: 'support' });
q('connect', 670, { callId: 'c6', queue: 'support', agent: 'a1', waitMs: 10_000, ringMs: 8000, position: 1 });
q('agent-request-pending', 700, { agent: 'a1', action: 'break', reason: 'lunch', state: 'on-call' });
agent('agent-wrap-up', 770, 'a1', 'on-call', 'wrap-up', { queue: 'support' });
q('complete', 770, { callId: 'c6', queue: 'support', agent: 'a1', talkMs: 100_000, waitMs: 10_000, hungUpBy: 'caller' });
agent('agent-break', 790, 'a1', 'wrap-up', 'break', { reason: 'lunch' });
agent('agent-available', 1790, 'a1', 'break', 'available');
// c7: turned away at entry (queue full): never offered.
q('overflow', 700, { callId: 'c7', queue: 'sales', to: 'hangup', why: 'full', position: 3, waitMs: 0 });
// c8: still waiting at "now"; a2 lets it ring out (missed-call break, then ready).
q('enter', 3500, { callId: 'c8', queue: 'sales' });
agent('agent-ringing', 3530, 'a2', 'available', 'ringing', { callId: 'c8', queue: 'sales' });
agent('agent-break', 3550, 'a2', 'ringing', 'break', { reason: 'missed-call' });
q('no-answer', 3550, { callId: 'c8', queue: 'sales', agent: 'a2', ringMs: 20_000 });
agent('agent-available', 3580, 'a2', 'break', 'available');
// c9: enters at 09:59:50, a2 answers at 10:00:10 after exactly 20 s, talks 90 s.
q('enter', 3590, { callId: 'c9', queue: 'sales' });
agent('agent-ringing', 3595, 'a2', 'available', 'ringing', { callId: 'c9', queue: 'sales' });
agent('agent-on-call', 3610, 'a2', 'ringing', 'on-call', { callId: 'c9', queue: 'sales' });
q('connect', 3610, { callId: 'c9', queue: 'sales', agent: 'a2', waitMs: 20_000, ringMs: 15_000, position: 1 });
agent('agent-available', 3700, 'a2', 'on-call', 'available');
q('complete', 3700, { callId: 'c9', queue: 'sales', agent: 'a2', talkMs: 90_000, waitMs: 20_000, hungUpBy: 'caller' });
// A row after "now" is not counted.
q('enter', 3800, { callId: 'c10', queue: 'sales' });

const HOUR9 = { start: T0, end: s(3600), label: '2026-11-26 09:00' };
const HOUR10 = { start: s(3600), end: s(7200), label: '2026-11-26 10:00' };

const salesHour9 = {
  interval: HOUR9, queue: 'sales', serviceLevelSec: 20,
  offered: 8, answered: 3, abandoned: 2, shortAbandoned: 1, overflowed: 1, blocked: 1, exited: 0, lost: 0, waiting: 1,
  answeredWithinSl: 2, abandonedWithinSl: 1, abandonRate: 2 / 7, asaMs: 25_000, longestWaitMs: 60_000,
  serviceLevel: 2 / 5, serviceLevelAbandonsWithin: 3 / 5,
  talkMs: 270_000, talked: 3, wrapUpMs: 10_000, handled: 3, ahtMs: 280_000 / 3, avgTalkMs: 90_000,
};
const supportHour9 = {
  interval: HOUR9, queue: 'support', serviceLevelSec: 30,
  offered: 1, answered: 1, abandoned: 0, shortAbandoned: 0, overflowed: 0, blocked: 0, exited: 0, lost: 0, waiting: 0,
  answeredWithinSl: 1, abandonedWithinSl: 0, abandonRate: 0, asaMs: 10_000, longestWaitMs: 10_000,
  serviceLevel: 1, serviceLevelAbandonsWithin: 1,
  talkMs: 100_000, talked: 1, wrapUpMs: 20_000, handled: 1, ahtMs: 120_000, avgTalkMs: 100_000,
};
const a1Hour9 = {
  interval: HOUR9, agent: 'a1', answered: 2, talkMs: 220_000, talked: 2, wrapUpMs: 30_000, handled: 2, ahtMs: 125_000, avgTalkMs: 110_000,
  noAnswer: 0, declined: 0, loggedInMs: 3_600_000, availableMs: 2_329_000, ringingMs: 21_000, onCallMs: 220_000, wrapUpStateMs: 30_000,
  breakMs: 1_000_000, breakByReason: { lunch: 1_000_000 }, occupancy: 250_000 / 2_600_000,
};
const a1Hour10 = {
  interval: HOUR10, agent: 'a1', answered: 0, talkMs: 0, talked: 0, wrapUpMs: 0, handled: 0, ahtMs: null, avgTalkMs: null,
  noAnswer: 0, declined: 0, loggedInMs: 120_000, availableMs: 120_000, ringingMs: 0, onCallMs: 0, wrapUpStateMs: 0,
  breakMs: 0, breakByReason: {}, occupancy: 0,
};
const a2Hour9 = {
  interval: HOUR9, agent: 'a2', answered: 1, talkMs: 60_000, talked: 1, wrapUpMs: 0, handled: 1, ahtMs: 60_000, avgTalkMs: 60_000,
  noAnswer: 1, declined: 0, loggedInMs: 3_540_000, availableMs: 3_405_000, ringingMs: 45_000, onCallMs: 60_000, wrapUpStateMs: 0,
  breakMs: 30_000, breakByReason: { 'missed-call': 30_000 }, occupancy: 60_000 / 3_510_000,
};
const a2Hour10 = {
  interval: HOUR10, agent: 'a2', answered: 1, talkMs: 90_000, talked: 1, wrapUpMs: 0, handled: 1, ahtMs: 90_000, avgTalkMs: 90_000,
  noAnswer: 0, declined: 0, loggedInMs: 120_000, availableMs: 20_000, ringingMs: 10_000, onCallMs: 90_000, wrapUpStateMs: 0,
  breakMs: 0, breakByReason: {}, occupancy: 0.75,
};

test('hourly queue and agent figures of the scripted morning, every field exact', () => {
  const r = computeReport({ rows, from: T0, to: s(7200), interval: 'hour', timeZone: TZ, now: NOW, settings: SETTINGS });
  assert.deepEqual(r.intervals, [HOUR9, HOUR10]);
  assert.deepEqual(r.queues, [salesHour9, supportHour9]);
  assert.deepEqual(r.agents, [a1Hour9, a2Hour9, a1Hour10, a2Hour10]);
});

test('a day interval sums the same calls; state times stop at now', () => {
  const r = computeReport({ rows, from: zonedInstant(2026, 11, 26, 0, 0, TZ), to: zonedInstant(2026, 11, 27, 0, 0, TZ), interval: 'day', timeZone: TZ, now: NOW, settings: SETTINGS });
  const DAY = { start: zonedInstant(2026, 11, 26, 0, 0, TZ), end: zonedInstant(2026, 11, 27, 0, 0, TZ), label: '2026-11-26 00:00' };
  assert.deepEqual(r.queues, [{ ...salesHour9, interval: DAY }, { ...supportHour9, interval: DAY }]);
  assert.deepEqual(r.agents, [
    { ...a1Hour9, interval: DAY, loggedInMs: 3_720_000, availableMs: 2_449_000, occupancy: 250_000 / 2_720_000 },
    {
      ...a2Hour9, interval: DAY, answered: 2, talkMs: 150_000, talked: 2, handled: 2, ahtMs: 75_000, avgTalkMs: 75_000,
      loggedInMs: 3_660_000, availableMs: 3_425_000, ringingMs: 55_000, onCallMs: 150_000, occupancy: 150_000 / 3_630_000,
    },
  ]);
});

test('todayFigures gives the wallboard the day so far', () => {
  const today = todayFigures(rows, NOW, TZ, SETTINGS);
  assert.equal(today.from, zonedInstant(2026, 11, 26, 0, 0, TZ));
  assert.equal(today.now, NOW);
  const DAY = { start: today.from, end: NOW + 1, label: '2026-11-26 00:00' };
  assert.deepEqual(today.queues.map((x) => x.interval), [DAY, DAY]);
  assert.deepEqual(today.queues.map(({ interval: _i, ...rest }) => rest), [salesHour9, supportHour9].map(({ interval: _i, ...rest }) => rest));
  assert.deepEqual(today.agents.map((a) => [a.agent, a.loggedInMs, a.answered]), [['a1', 3_720_000, 2], ['a2', 3_660_000, 2]]);
});

test('15-minute intervals put each call where it entered', () => {
  const r = computeReport({ rows, from: T0, to: s(3600), interval: '15min', timeZone: TZ, now: NOW, settings: SETTINGS, queue: 'sales' });
  assert.deepEqual(r.intervals.map((i) => i.label), ['2026-11-26 09:00', '2026-11-26 09:15', '2026-11-26 09:30', '2026-11-26 09:45']);
  assert.deepEqual(r.queues.map((x) => [x.interval.label, x.queue, x.offered, x.answered, x.abandoned, x.shortAbandoned, x.overflowed, x.blocked, x.waiting]), [
    ['2026-11-26 09:00', 'sales', 6, 2, 2, 1, 1, 1, 0],
    ['2026-11-26 09:45', 'sales', 2, 1, 0, 0, 0, 0, 1],
  ]);
});

test('a zero short-abandon threshold counts every abandon; filters keep one queue and one agent', () => {
  const r = computeReport({ rows, from: T0, to: s(3600), interval: 'hour', timeZone: TZ, now: NOW, settings: { ...SETTINGS, shortAbandonSec: 0 }, queue: 'sales', agent: 'a2' });
  assert.deepEqual(r.queues.map((x) => [x.queue, x.abandoned, x.shortAbandoned, x.abandonedWithinSl, x.abandonRate, x.serviceLevel, x.serviceLevelAbandonsWithin]), [
    ['sales', 3, 0, 2, 3 / 8, 2 / 6, 4 / 6],
  ]);
  assert.deepEqual(r.agents.map((a) => a.agent), ['a2']);
});

test('a call still talking or in wrap-up is answered but not yet handled', () => {
  const r = computeReport({ rows, from: T0, to: s(3600), interval: 'hour', timeZone: TZ, now: s(780), settings: SETTINGS, queue: 'support' });
  assert.deepEqual(r.queues.map((x) => [x.answered, x.talked, x.talkMs, x.handled, x.wrapUpMs, x.ahtMs, x.avgTalkMs]), [[1, 1, 100_000, 0, 0, null, 100_000]]);
  const talking = computeReport({ rows, from: T0, to: s(3600), interval: 'hour', timeZone: TZ, now: s(700), settings: SETTINGS, queue: 'support' });
  assert.deepEqual(talking.queues.map((x) => [x.answered, x.talked, x.handled, x.ahtMs, x.avgTalkMs, x.asaMs]), [[1, 0, 0, null, null, 10_000]]);
});

test('the state at the window start comes from initialStates: a break that began earlier counts from the start', () => {
  const window = rows.filter((r) => r.at >= s(1000));
  const r = computeReport({
    rows: window, from: s(1000), to: s(2000), interval: 'hour', timeZone: TZ, now: NOW, settings: SETTINGS, agent: 'a1',
    initialStates: { a1: { state: 'break', reason: 'lunch' } },
  });
  assert.deepEqual(r.agents.map((a) => [a.agent, a.loggedInMs, a.breakMs, a.breakByReason, a.availableMs, a.occupancy]), [['a1', 1_000_000, 790_000, { lunch: 790_000 }, 210_000, 0]]);
});

test('exits, losses and outcomes without their enter row', () => {
  const extra: QueueLogRow[] = [
    { type: 'abandon', at: s(5), callId: 'old', queue: 'sales', waitMs: 90_000 },
    { type: 'enter', at: s(10), callId: 'x1', queue: 'q' },
    { type: 'exit', at: s(40), callId: 'x1', queue: 'q', to: 'callback', position: 1, waitMs: 30_000 },
    { type: 'enter', at: s(50), callId: 'x2', queue: 'q' },
    { type: 'lost', at: s(70), callId: 'x2', queue: 'q', waitMs: 20_000, cause: 'box-restart' },
    { type: 'enter', at: s(80) } as QueueLogRow,
    { type: 'connect', at: s(90), callId: 'nobody', queue: 'q' },
  ];
  const r = computeReport({ rows: extra, from: T0, to: s(3600), interval: 'hour', timeZone: TZ, now: NOW, settings: SETTINGS });
  assert.deepEqual(r.queues.map((x) => [x.queue, x.offered, x.exited, x.lost, x.longestWaitMs, x.abandonRate, x.serviceLevel]), [['q', 2, 1, 1, 30_000, 0, null]]);
});

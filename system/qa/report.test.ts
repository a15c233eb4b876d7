import { test } from 'node:test';
import assert from 'node:assert/strict';
import { periodOf, qaReport, type ScoreFacts } from './report.ts';
import type { CriterionResult } from './scoring.ts';

const MON = Date.UTC(2026, 10, 23); // Monday 23 Nov 2026
const H = 3_600_000;
const D = 24 * H;
const yn = (earned: number, possible = 10): CriterionResult => ({ section: 's', earned, possible, na: false, failedCall: false });
const crit = (met: boolean): CriterionResult => ({ section: 's', earned: 0, possible: 0, na: false, failedCall: !met });
const na: CriterionResult = { section: 's', earned: 0, possible: 0, na: true, failedCall: false };
const s = (agent: string, queue: string, callAt: number, score: number, failed: boolean, criteria: Record<string, CriterionResult> = {}): ScoreFacts =>
  ({ agent, queue, callAt, score, failed, scorecard: 'card', criteria });

const SCORES = [
  s('a1', 'sales', MON + H, 80, false, { greet: yn(10), tone: yn(6), verify: crit(true) }),
  s('a1', 'sales', MON + 2 * D, 0, true, { greet: yn(0), tone: na, verify: crit(false) }),
  s('a2', 'sales', MON + 3 * D, 90, false, { greet: yn(10), tone: yn(8), verify: crit(true) }),
  s('a1', 'support', MON + 7 * D, 70, false, { greet: yn(10), tone: yn(4), verify: crit(true) }), // next week (30 Nov)
  s('a2', 'support', MON + 8 * D + H, 55.55, false, { greet: yn(5), tone: yn(5), verify: na }), // 1 Dec: next month
];

test('periods: the Monday of the ISO week, or the month (UTC)', () => {
  assert.equal(periodOf(MON + 6 * D + D - 1, 'week'), '2026-11-23');
  assert.equal(periodOf(MON + 7 * D, 'week'), '2026-11-30');
  assert.equal(periodOf(MON + 8 * D, 'week'), '2026-11-30', 'a week across a month end keeps its Monday');
  assert.equal(periodOf(MON + 8 * D, 'month'), '2026-12');
  assert.equal(periodOf(Date.UTC(2027, 0, 1), 'week'), '2026-12-28');
});

test('per agent per week: count, mean score (a failed call counts 0) and failed calls', () => {
  assert.deepEqual(qaReport(SCORES, { by: 'agent', interval: 'week' }), [
    { period: '2026-11-23', key: 'a1', count: 2, average: 40, failed: 1 },
    { period: '2026-11-23', key: 'a2', count: 1, average: 90, failed: 0 },
    { period: '2026-11-30', key: 'a1', count: 1, average: 70, failed: 0 },
    { period: '2026-11-30', key: 'a2', count: 1, average: 55.55, failed: 0 },
  ]);
});

test('per team (queue) per month', () => {
  assert.deepEqual(qaReport(SCORES, { by: 'queue', interval: 'month' }), [
    { period: '2026-11', key: 'sales', count: 3, average: 56.67, failed: 1 },
    { period: '2026-11', key: 'support', count: 1, average: 70, failed: 0 },
    { period: '2026-12', key: 'support', count: 1, average: 55.55, failed: 0 },
  ]);
});

test('per criterion: the mean share of points earned, N/A counted apart, critical criteria as the share met and their fails', () => {
  assert.deepEqual(qaReport(SCORES, { by: 'criterion', interval: 'month', to: MON + 8 * D }), [
    { period: '2026-11', key: 'card/greet', count: 4, average: 75, failed: 0, na: 0 },
    { period: '2026-11', key: 'card/tone', count: 3, average: 60, failed: 0, na: 1 },
    { period: '2026-11', key: 'card/verify', count: 4, average: 75, failed: 1, na: 0 },
  ]);
});

test('the time range is by call time, from inclusive, to exclusive; agentless calls are left out of agent rows', () => {
  const rows = qaReport([...SCORES, s('', 'sales', MON + H, 50, false)], { by: 'agent', interval: 'week', from: MON + 2 * D, to: MON + 7 * D });
  assert.deepEqual(rows, [
    { period: '2026-11-23', key: 'a1', count: 1, average: 0, failed: 1 },
    { period: '2026-11-23', key: 'a2', count: 1, average: 90, failed: 0 },
  ]);
  assert.deepEqual(qaReport([], { by: 'queue', interval: 'week' }), []);
});

test('periods in the box\'s time zone: Sunday 20:00 UTC is Monday in Shanghai, 30 November 18:00 UTC is December', () => {
  const tz = 'Asia/Shanghai';
  assert.equal(periodOf(MON + 6 * D + 20 * H, 'week', tz), '2026-11-30');
  assert.equal(periodOf(MON + 6 * D + 20 * H, 'week'), '2026-11-23');
  assert.equal(periodOf(MON + 7 * D + 18 * H, 'month', tz), '2026-12');
  assert.deepEqual(qaReport([s('a1', 'q', MON + 7 * D + 18 * H, 50, false)], { by: 'agent', interval: 'month', timeZone: tz }).map((r) => r.period), ['2026-12']);
});

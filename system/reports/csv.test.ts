// CSV of report figures: the header, seconds and percent with one decimal, empty cells for
// undefined figures, break reasons as columns, quoting and formula guarding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { agentCsv, queueCsv } from './csv.ts';
import type { AgentFigures, QueueFigures } from './figures.ts';

const interval = { start: 0, end: 3_600_000, label: 'x' };
const label = (at: number) => new Date(at).toISOString().slice(0, 16).replace('T', ' ');

test('queue figures become one CSV line each', () => {
  const q: QueueFigures = {
    interval, queue: 'sales', serviceLevelSec: 20, offered: 8, answered: 3, abandoned: 2, shortAbandoned: 1, overflowed: 1, blocked: 1, exited: 0, lost: 0, waiting: 1,
    answeredWithinSl: 2, abandonedWithinSl: 1, abandonRate: 2 / 7, asaMs: 25_000, longestWaitMs: 60_000, serviceLevel: 0.4, serviceLevelAbandonsWithin: 0.6,
    talkMs: 270_000, talked: 3, wrapUpMs: 10_000, handled: 3, ahtMs: 280_000 / 3, avgTalkMs: null,
  };
  const csv = queueCsv([q], label);
  const [header, line, end] = csv.split('\r\n');
  assert.equal(header, 'interval_start,interval_end,queue,offered,answered,abandoned,short_abandoned,overflowed,blocked,exited,lost,waiting,abandon_rate_pct,asa_s,longest_wait_s,service_level_s,service_level_pct,service_level_abandons_within_pct,talk_s,wrap_up_s,handled,aht_s,avg_talk_s');
  assert.equal(line, '1970-01-01 00:00,1970-01-01 01:00,sales,8,3,2,1,1,1,0,0,1,28.6,25.0,60.0,20,40.0,60.0,270.0,10.0,3,93.3,');
  assert.equal(end, '');
});

test('agent figures carry one column per break reason; odd text is quoted and cannot become a formula', () => {
  const a = (agent: string, breakByReason: Record<string, number>): AgentFigures => ({
    interval, agent, answered: 1, talkMs: 1000, talked: 1, wrapUpMs: 0, handled: 1, ahtMs: 1000, avgTalkMs: 1000, noAnswer: 0, declined: 0,
    loggedInMs: 4000, availableMs: 1000, ringingMs: 0, onCallMs: 1000, wrapUpStateMs: 0, breakMs: 2000, breakByReason, occupancy: 0.5,
  });
  const lines = agentCsv([a('a1', { lunch: 2000 }), a('=cmd,"x"', { training: 2000 })], label).split('\r\n');
  assert.equal(lines[0].split(',').slice(-3).join(','), 'occupancy_pct,break_lunch_s,break_training_s');
  assert.equal(lines[1], '1970-01-01 00:00,1970-01-01 01:00,a1,1,1.0,0.0,1,1.0,1.0,0,0,4.0,1.0,0.0,1.0,0.0,2.0,50.0,2.0,0.0');
  assert.ok(lines[2].includes(`"'=cmd,""x"""`), lines[2]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { speechReport, type SpeechReportRow } from './speech-summary.ts';

const row = (startedAt: number, agents: string[], queue: string | undefined, overtalkPct: number, silencePct: number, ratio: number | null, agitation: number | null, monologueMs = 0): SpeechReportRow => ({
  startedAt, agents, ...(queue ? { queue } : {}),
  figures: { overtalkPct, silencePct, talkListenRatio: ratio, longestMonologue: monologueMs ? { side: 'callee', ms: monologueMs, atMs: 0 } : null, caller: { agitation }, callee: { agitation: null } },
});

test('averages per agent and per queue over the calls of the window; agitated share at the level', () => {
  const rows = [
    row(1000, ['li'], 'sales', 10, 20, 1.5, 80, 30_000),
    row(2000, ['li'], 'sales', 20, 40, null, 10, 10_000),
    row(3000, ['wang'], 'support', 0, 10, 0.5, null),
    row(3500, ['li', 'wang'], 'support', 30, 0, 1, 70),
    row(9000, ['li'], 'sales', 99, 99, 9, 99), // outside the window
  ];
  const r = speechReport({ rows, from: 0, to: 5000 });
  assert.equal(r.total.calls, 4);
  assert.equal(r.total.avgOvertalkPct, 15);
  const li = r.agents.find((g) => g.key === 'li')!;
  assert.equal(li.calls, 3);
  assert.equal(li.avgOvertalkPct, 20);
  assert.equal(li.avgTalkListenRatio, 1.25, 'the call where the caller never spoke has no ratio');
  assert.equal(li.agitatedPct, 66.7, '80 and 70 reach 70, 10 does not');
  assert.equal(li.avgLongestMonologueMs, Math.round(40_000 / 3));
  assert.deepEqual(r.queues.map((g) => [g.key, g.calls]), [['sales', 2], ['support', 2]]);
  const onlySupport = speechReport({ rows, from: 0, to: 5000, queue: 'support', agent: 'wang' });
  assert.deepEqual(onlySupport.agents.map((g) => [g.key, g.calls]), [['wang', 2]]);
  const empty = speechReport({ rows: [], from: 0, to: 1 });
  assert.deepEqual([empty.total.calls, empty.total.avgTalkListenRatio, empty.total.agitatedPct], [0, null, 0]);
});

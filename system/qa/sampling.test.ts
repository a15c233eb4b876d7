import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, dayStart, prng, ruleReasons, sampleCallFromCdr, selectForReview, weekStart, type ExistingReview, type SampleCall, type SamplingRules } from './sampling.ts';
import type { Cdr } from '../calls/cdr.ts';

const MONDAY = Date.UTC(2026, 10, 23); // Monday 23 November 2026, 00:00 UTC
const RULES: SamplingRules = { randomPerAgentPerWeek: 0, shortTalkSec: 10, longHoldSec: 120, abandoned: true, transfers: true };
const call = (id: string, over: Partial<SampleCall> = {}): SampleCall => ({ callId: id, startedAt: MONDAY + 3_600_000, agent: 'a1', queue: 'sales', talkMs: 60_000, transferred: false, abandonedAfterAnswer: false, ...over });

test('ISO weeks start on Monday 00:00 UTC', () => {
  assert.equal(weekStart(MONDAY), MONDAY);
  assert.equal(weekStart(MONDAY + 6 * DAY_MS + 86_399_999), MONDAY, 'Sunday 23:59:59.999 is the same week');
  assert.equal(weekStart(MONDAY + 7 * DAY_MS), MONDAY + 7 * DAY_MS);
  assert.equal(weekStart(MONDAY - 1), MONDAY - 7 * DAY_MS);
  assert.equal(dayStart(MONDAY + 5), MONDAY);
});

test('each rule picks its calls, a normal call matches none', () => {
  assert.deepEqual(ruleReasons(call('n'), RULES), []);
  assert.deepEqual(ruleReasons(call('ab', { agent: undefined, talkMs: undefined, abandonedAfterAnswer: true }), RULES), ['abandoned']);
  assert.deepEqual(ruleReasons(call('h', { holdMs: 120_001 }), RULES), ['long-hold']);
  assert.deepEqual(ruleReasons(call('h2', { holdMs: 120_000 }), RULES), [], 'exactly the threshold is not long');
  assert.deepEqual(ruleReasons(call('s', { talkMs: 9_999 }), RULES), ['short-talk']);
  assert.deepEqual(ruleReasons(call('s2', { talkMs: 10_000 }), RULES), []);
  assert.deepEqual(ruleReasons(call('t', { transferred: true, talkMs: 5000 }), RULES), ['short-talk', 'transfer']);
  const off: SamplingRules = { randomPerAgentPerWeek: 0, shortTalkSec: 0, longHoldSec: 0, abandoned: false, transfers: false };
  assert.deepEqual(ruleReasons(call('all', { holdMs: 1e9, talkMs: 1, transferred: true, abandonedAfterAnswer: true }), off), []);
});

test('rules select only the day asked for, and never a call already in review', () => {
  const calls = [
    call('c1', { talkMs: 3000 }),
    call('c2', { talkMs: 3000, startedAt: MONDAY + DAY_MS }),
    call('c3', { talkMs: 3000, startedAt: MONDAY - 1 }),
    call('c4', { transferred: true }),
    call('c5'),
  ];
  const existing: ExistingReview[] = [{ callId: 'c4', agent: 'a1', reasons: ['manual'], callAt: MONDAY }];
  const out = selectForReview({ calls, existing, rules: RULES, day: MONDAY + 12_345, seed: 's' });
  assert.deepEqual(out, [{ callId: 'c1', agent: 'a1', queue: 'sales', callAt: MONDAY + 3_600_000, reasons: ['short-talk'] }]);
});

/** Seven daily runs over a week where the agent takes `perDay` calls a day: the random picks of each day. */
function week(n: number, perDay: (d: number) => number, seed = 'seed') {
  const existing: ExistingReview[] = [];
  const picks: number[] = [];
  for (let d = 0; d < 7; d++) {
    const day = MONDAY + d * DAY_MS;
    const calls = Array.from({ length: perDay(d) }, (_, i) => call(`d${d}-${String(i).padStart(2, '0')}`, { startedAt: day + i * 60_000 }));
    const out = selectForReview({ calls, existing, rules: { ...RULES, shortTalkSec: 0, randomPerAgentPerWeek: n }, day, seed });
    picks.push(out.length);
    existing.push(...out.map((s) => ({ callId: s.callId, agent: s.agent, reasons: s.reasons, callAt: s.callAt })));
  }
  return { picks, existing };
}

test('N random calls per agent per week, spread over the week: 3 a week are picked Tuesday, Thursday and Saturday', () => {
  assert.deepEqual(week(3, () => 10).picks, [0, 1, 0, 1, 0, 1, 0]);
  assert.deepEqual(week(7, () => 10).picks, [1, 1, 1, 1, 1, 1, 1]);
  assert.deepEqual(week(14, () => 10).picks, [2, 2, 2, 2, 2, 2, 2]);
});

test('a day without calls leaves its share to the next days; Sunday takes what is still owed', () => {
  assert.deepEqual(week(3, (d) => (d === 1 || d === 3 ? 0 : 10)).picks, [0, 0, 1, 0, 1, 1, 0], 'Tuesday\'s and Thursday\'s shares move on');
  assert.deepEqual(week(3, (d) => (d === 6 ? 10 : 0)).picks, [0, 0, 0, 0, 0, 0, 3]);
  assert.deepEqual(week(5, (d) => (d === 6 ? 2 : 0)).picks, [0, 0, 0, 0, 0, 0, 2], 'never more than there are calls');
});

test('random picks are reproducible from the seed, whatever order the calls come in, and another seed picks others', () => {
  const calls = Array.from({ length: 40 }, (_, i) => call(`x${String(i).padStart(2, '0')}`));
  const rules = { ...RULES, shortTalkSec: 0, randomPerAgentPerWeek: 70 }; // Monday: 10 due
  const pick = (list: SampleCall[], seed: string) => selectForReview({ calls: list, existing: [], rules, day: MONDAY, seed }).map((s) => s.callId);
  const a = pick(calls, 'box-1');
  assert.equal(a.length, 10);
  assert.equal(new Set(a).size, 10);
  assert.deepEqual(pick([...calls].reverse(), 'box-1'), a);
  assert.notDeepEqual(pick(calls, 'box-2'), a);
});

test('random picks are per agent, count only this week\'s random reviews, and skip calls a rule took', () => {
  const calls = [
    call('a1-1', { talkMs: 1000 }), call('a1-2'), call('a1-3'),
    call('a2-1', { agent: 'a2' }),
    call('ab', { agent: undefined, talkMs: undefined, abandonedAfterAnswer: true }),
  ];
  const existing: ExistingReview[] = [
    { callId: 'old', agent: 'a2', reasons: ['random'], callAt: MONDAY - 1 }, // last week: does not count
    { callId: 'r', agent: 'a1', reasons: ['short-talk'], callAt: MONDAY }, // a rule: does not count
  ];
  const out = selectForReview({ calls, existing, rules: { ...RULES, randomPerAgentPerWeek: 7 }, day: MONDAY, seed: 'k' });
  assert.deepEqual(out.filter((s) => !s.reasons.includes('random')).map((s) => [s.callId, s.reasons]), [['a1-1', ['short-talk']], ['ab', ['abandoned']]]);
  const random = out.filter((s) => s.reasons.includes('random'));
  assert.deepEqual(random.map((s) => s.agent), ['a1', 'a2']);
  assert.ok(['a1-2', 'a1-3'].includes(random[0]!.callId));
  assert.equal(out.find((s) => s.callId === 'ab')!.agent, undefined, 'an abandoned caller has no agent');
});

test('the PRNG is uniform enough: 10,000 draws fall evenly into ten bins (each 9–11 %)', () => {
  const r = prng('x');
  const bins = new Array(10).fill(0);
  for (let i = 0; i < 10_000; i++) bins[Math.floor(r() * 10)]++;
  for (const b of bins) assert.ok(b > 900 && b < 1100, JSON.stringify(bins));
});

test('a CDR becomes a sample call: the first agent, talk from connect to the agent\'s transfer, abandoned only when no agent took it', () => {
  const base = {
    callId: 'c', sipCallId: 's', caller: { uri: 'sip:1@x', number: '1', kind: 'trunk', id: 'carrier' }, dialled: '555',
    startedAt: 1000, answeredAt: 1500, endedAt: 60_000, durationMs: 59_000, billableMs: 58_500, disposition: 'answered',
    hangup: { status: 200, reason: 'BYE', side: 'caller', cause: 'bye' }, quality: {}, dtmf: { caller: '', callee: '' }, queue: 'sales',
  } as unknown as Cdr;
  assert.deepEqual(sampleCallFromCdr({ ...base, connectedAt: 10_000, agents: ['a1', 'a2'] }), {
    callId: 'c', startedAt: 1000, agent: 'a1', queue: 'sales', talkMs: 50_000, transferred: false, abandonedAfterAnswer: false,
  });
  const moved = sampleCallFromCdr({ ...base, connectedAt: 10_000, agents: ['a1'], transfers: [{ at: 12_000 } as never], holdMs: 7000 } as Cdr);
  assert.deepEqual([moved.talkMs, moved.transferred, moved.holdMs], [2000, true, 7000]);
  const gone = sampleCallFromCdr(base);
  assert.deepEqual([gone.agent, gone.talkMs, gone.abandonedAfterAnswer], [undefined, undefined, true]);
  assert.equal(sampleCallFromCdr({ ...base, hangup: { ...base.hangup, side: 'system' } }).abandonedAfterAnswer, false, 'the box hanging up is not the caller abandoning');
});

test('days and weeks are the box\'s local ones: in Shanghai a call at 01:00 Tuesday belongs to Tuesday, and Sunday 20:00 UTC is already Monday', () => {
  const tz = 'Asia/Shanghai';
  const tue0100 = MONDAY + 17 * 3_600_000; // Monday 17:00 UTC
  const c = call('late', { startedAt: tue0100, talkMs: 1000 });
  const rules = { ...RULES };
  assert.deepEqual(selectForReview({ calls: [c], existing: [], rules, day: MONDAY + 12 * 3_600_000, seed: 's' }).map((s) => s.callId), ['late'], 'UTC: Monday');
  assert.deepEqual(selectForReview({ calls: [c], existing: [], rules, day: MONDAY + 12 * 3_600_000, seed: 's', timeZone: tz }), [], 'Shanghai: Monday 20:00 local is not the call\'s day');
  assert.deepEqual(selectForReview({ calls: [c], existing: [], rules, day: tue0100, seed: 's', timeZone: tz }).map((s) => s.callId), ['late']);
  assert.equal(dayStart(tue0100, tz), MONDAY + 16 * 3_600_000, 'local midnight is 16:00 UTC');
  const sunday2000 = MONDAY + 6 * DAY_MS + 20 * 3_600_000;
  assert.equal(weekStart(sunday2000, tz), MONDAY + 7 * DAY_MS - 8 * 3_600_000, 'the next local week began at 16:00 UTC');
  const sample = (timeZone?: string) => selectForReview({ calls: [call('s', { startedAt: sunday2000 })], existing: [], rules: { ...RULES, randomPerAgentPerWeek: 3 }, day: sunday2000, seed: 's', timeZone });
  assert.equal(sample().length, 1, 'UTC Sunday: all 3 are due');
  assert.equal(sample(tz).length, 0, 'Shanghai Monday: round(3/7) = 0 due');
});

test('speech analytics rules: overtalk and silence above their share, agitation at its level; off at 0 and for calls without analytics', () => {
  const speech: SamplingRules = { ...RULES, overtalkPct: 15, agitation: 70, silencePct: 40 };
  assert.deepEqual(ruleReasons(call('o', { overtalkPct: 15.1, silencePct: 10, agitation: 20 }), speech), ['overtalk']);
  assert.deepEqual(ruleReasons(call('o2', { overtalkPct: 15, silencePct: 40, agitation: 69 }), speech), [], 'exactly the thresholds of the shares, one below the level');
  assert.deepEqual(ruleReasons(call('a', { overtalkPct: 0, silencePct: 0, agitation: 70 }), speech), ['agitation']);
  assert.deepEqual(ruleReasons(call('s', { overtalkPct: 0, silencePct: 55, agitation: 0 }), speech), ['silence']);
  assert.deepEqual(ruleReasons(call('none'), speech), [], 'a call without analytics matches no speech rule');
  assert.deepEqual(ruleReasons(call('off', { overtalkPct: 90, silencePct: 90, agitation: 100 }), RULES), [], 'rules absent = off');
  const cdr = { callId: 'c', startedAt: MONDAY, endedAt: MONDAY + 60_000, connectedAt: MONDAY + 1000, answeredAt: MONDAY, agents: ['a1'], queue: 'sales', hangup: { side: 'caller' } } as unknown as Cdr;
  const sampled = sampleCallFromCdr(cdr, { overtalkPct: 22.5, silencePct: 3, caller: { agitation: 81 }, callee: { agitation: null } });
  assert.equal(sampled.overtalkPct, 22.5);
  assert.equal(sampled.agitation, 81, 'the higher side');
  assert.equal(sampleCallFromCdr(cdr, { overtalkPct: 0, silencePct: 0, caller: { agitation: null }, callee: { agitation: null } }).agitation, undefined, 'no estimate, no figure');
});

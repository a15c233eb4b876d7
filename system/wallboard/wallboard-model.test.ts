import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel, callPhase, diffModels, type AgentFacts, type CallFacts, type WallFacts } from './wallboard-model.ts';
import { applyDelta, callsByPhase, catchUp, colourOf, mosColour, DEFAULT_THRESHOLDS, thresholdProblem, type WallboardDelta, type WallboardModel } from './wallboard-wire.ts';
import { emptyToday, type TodayCounts } from './today-counts.ts';
import type { ReportSettings } from '../reports/figures.ts';

const T0 = 1_800_000_000_000;
const call = (over: Partial<CallFacts>): CallFacts => ({
  callId: 'c1', state: 'answered', caller: '13800000001', dialled: '5550100', startedAt: T0, connected: false, held: false, inIvr: false, waiting: false, ...over,
});
const agent = (over: Partial<AgentFacts>): AgentFacts => ({ id: 'a1', extension: '2001', queues: ['sales'], state: 'available', since: T0, callsTaken: 0, ...over });
const facts = (over: Partial<WallFacts>): WallFacts => ({ now: T0, queues: [{ name: 'sales', displayName: 'Sales' }], waiting: [], calls: [], agents: [], ...over });
const today: TodayCounts = { day: '2027-01-15', queues: { sales: { offered: 5, answered: 3, abandoned: 1, shortAbandoned: 1, answeredInTime: 3 } }, open: {} };
const S: ReportSettings = { shortAbandonSec: 5, serviceLevelSec: 20, queueServiceLevelSec: { other: 30 } };

test('a call\'s phase: ringing before a phone answers, IVR, queued, ringing an agent, talking, on hold, and gone once ending', () => {
  assert.equal(callPhase(call({ state: 'routing', callee: '2001' })), 'ringing');
  assert.equal(callPhase(call({ state: 'ringing', callee: '2001' })), 'ringing');
  assert.equal(callPhase(call({ state: 'routing' })), undefined, 'the box is answering it (a queue, an IVR): not shown yet');
  assert.equal(callPhase(call({ inIvr: true })), 'ivr');
  assert.equal(callPhase(call({ waiting: true, queue: 'sales' })), 'queued');
  assert.equal(callPhase(call({ waiting: true, queue: 'sales', inIvr: true })), 'queued', 'a flow that queued the caller is done with it');
  assert.equal(callPhase(call({ waiting: true, queue: 'sales', ringingAgent: 'a1' })), 'ringing');
  assert.equal(callPhase(call({ connected: true })), 'talking');
  assert.equal(callPhase(call({ connected: true, held: true })), 'held');
  assert.equal(callPhase(call({})), 'other');
  assert.equal(callPhase(call({ state: 'ending', connected: true })), undefined);
  assert.equal(callPhase(call({ state: 'ended' })), undefined);
});

test('a queue shows its callers waiting, the oldest entry, its agents by state and today\'s figures', () => {
  const m = buildModel(facts({
    waiting: [{ queue: 'sales', callId: 'c1', enteredAt: T0 - 5000 }, { queue: 'sales', callId: 'c2', enteredAt: T0 - 9000 }, { queue: 'other', callId: 'c3', enteredAt: T0 - 60_000 }],
    agents: [
      agent({ id: 'a1', state: 'available' }), agent({ id: 'a2', state: 'on-call' }), agent({ id: 'a3', state: 'wrap-up' }),
      agent({ id: 'a4', state: 'break', reason: 'lunch' }), agent({ id: 'a5', state: 'logged-out' }), agent({ id: 'a6', state: 'ringing' }),
      agent({ id: 'a7', state: 'available', queues: ['other'] }),
    ],
  }), today, S, DEFAULT_THRESHOLDS);
  assert.deepEqual(m.queues.sales, {
    name: 'sales', displayName: 'Sales', waiting: 2, oldestEnteredAt: T0 - 9000,
    agents: { loggedIn: 5, available: 1, ringing: 1, onCall: 1, wrapUp: 1, break: 1 },
    today: { offered: 5, answered: 3, abandoned: 1, shortAbandoned: 1, answeredInTime: 3, serviceLevelSec: 20, serviceLevelPct: 75 },
  });
  assert.equal(m.agents.a4!.reason, 'lunch');
  assert.equal(m.day, '2027-01-15');
  const empty = buildModel(facts({}), emptyToday('2027-01-15'), S, DEFAULT_THRESHOLDS);
  assert.deepEqual(empty.queues.sales, { name: 'sales', displayName: 'Sales', waiting: 0, agents: { loggedIn: 0, available: 0, ringing: 0, onCall: 0, wrapUp: 0, break: 0 }, today: { offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, answeredInTime: 0, serviceLevelSec: 20 } });
});

test('an agent on a queue call shows the caller, the queue and when the talk began; a ringing agent shows who rings', () => {
  const m = buildModel(facts({
    calls: [
      call({ callId: 'c1', queue: 'sales', connected: true, agent: 'a1', callee: '2001', calleeExtension: '2001' }),
      call({ callId: 'c2', caller: '13900000002', queue: 'sales', waiting: true, ringingAgent: 'a2' }),
    ],
    waiting: [{ queue: 'sales', callId: 'c2', enteredAt: T0 - 3000 }],
    agents: [
      agent({ id: 'a1', state: 'on-call', since: T0 - 7000, callId: 'c1', queue: 'sales', callsTaken: 1 }),
      agent({ id: 'a2', extension: '2002', state: 'ringing', since: T0 - 1000, callId: 'c2', queue: 'sales' }),
    ],
  }), today, S, DEFAULT_THRESHOLDS);
  assert.deepEqual(m.agents.a1!.call, { callId: 'c1', caller: '13800000001', queue: 'sales', talkingSince: T0 - 7000 });
  assert.deepEqual(m.agents.a2!.call, { callId: 'c2', caller: '13900000002', queue: 'sales' });
  assert.deepEqual(m.calls.c1, { callId: 'c1', phase: 'talking', since: T0, caller: '13800000001', dialled: '5550100', startedAt: T0, queue: 'sales', agent: 'a1', callee: '2001', talkingSince: T0 });
  assert.deepEqual(m.calls.c2, { callId: 'c2', phase: 'ringing', since: T0, caller: '13900000002', dialled: '5550100', startedAt: T0, queue: 'sales', agent: 'a2' });
  assert.deepEqual(callsByPhase(m), { ivr: 0, queued: 0, ringing: 1, talking: 1, held: 0, other: 0 });
});

test('an agent on a direct call (not from a queue) shows the other party, held or not', () => {
  const m = buildModel(facts({
    calls: [
      call({ callId: 'd1', caller: '2001', callerExtension: '2001', dialled: '013911112222', callee: '013911112222', connected: true, held: true }),
      call({ callId: 'd2', caller: '13700000003', callee: '2002', calleeExtension: '2002', state: 'ringing' }),
    ],
    agents: [agent({ id: 'a1' }), agent({ id: 'a2', extension: '2002' }), agent({ id: 'a3', extension: '2003' })],
  }), today, S, DEFAULT_THRESHOLDS);
  assert.deepEqual(m.agents.a1!.call, { callId: 'd1', caller: '013911112222', talkingSince: T0, held: true });
  assert.deepEqual(m.agents.a2!.call, { callId: 'd2', caller: '13700000003' });
  assert.equal(m.agents.a3!.call, undefined);
  assert.equal(m.calls.d1!.phase, 'held');
});

test('a connected call shows its live MOS, on the call and on its agent; a call not yet connected does not, and a new reading is a delta', () => {
  const m1 = buildModel(facts({
    calls: [
      call({ callId: 'c1', queue: 'sales', connected: true, agent: 'a1', callee: '2001', calleeExtension: '2001', mos: 4.41 }),
      call({ callId: 'c2', caller: '13900000002', queue: 'sales', waiting: true, ringingAgent: 'a2', mos: 4.2 }),
    ],
    waiting: [{ queue: 'sales', callId: 'c2', enteredAt: T0 - 3000 }],
    agents: [
      agent({ id: 'a1', state: 'on-call', since: T0 - 7000, callId: 'c1', queue: 'sales', callsTaken: 1 }),
      agent({ id: 'a2', extension: '2002', state: 'ringing', since: T0 - 1000, callId: 'c2', queue: 'sales' }),
    ],
  }), today, S, DEFAULT_THRESHOLDS);
  assert.equal(m1.calls.c1!.mos, 4.41);
  assert.equal(m1.agents.a1!.call!.mos, 4.41);
  assert.equal(m1.calls.c2!.mos, undefined, 'ringing: no talk to score yet');
  assert.equal(m1.agents.a2!.call!.mos, undefined);
  const direct = buildModel(facts({
    calls: [call({ callId: 'd1', caller: '2001', callerExtension: '2001', dialled: '013911112222', callee: '013911112222', connected: true, held: true, mos: 3.1 })],
    agents: [agent({ id: 'a1' })],
  }), today, S, DEFAULT_THRESHOLDS);
  assert.deepEqual(direct.agents.a1!.call, { callId: 'd1', caller: '013911112222', talkingSince: T0, held: true, mos: 3.1 });
  const m2 = buildModel(facts({
    now: T0 + 5000,
    calls: [call({ callId: 'c1', queue: 'sales', connected: true, agent: 'a1', callee: '2001', calleeExtension: '2001', mos: 3.6 })],
    agents: [agent({ id: 'a1', state: 'on-call', since: T0 - 7000, callId: 'c1', queue: 'sales', callsTaken: 1 })],
  }), today, S, DEFAULT_THRESHOLDS, m1);
  const d = diffModels(m1, m2);
  assert.equal(d?.calls?.c1?.mos, 3.6);
  assert.equal(d?.agents?.a1?.call?.mos, 3.6);
});

test('the time a phase began and the time talking began are carried over while they last', () => {
  const f = (over: Partial<CallFacts>, now: number) => facts({ now, calls: [call({ queue: 'sales', ...over })] });
  const m1 = buildModel(f({ waiting: true }, T0), today, S, DEFAULT_THRESHOLDS);
  const m2 = buildModel(f({ waiting: true }, T0 + 4000), today, S, DEFAULT_THRESHOLDS, m1);
  assert.equal(m2.calls.c1!.since, T0, 'still queued: same start');
  const m3 = buildModel(f({ connected: true }, T0 + 5000), today, S, DEFAULT_THRESHOLDS, m2);
  assert.deepEqual([m3.calls.c1!.phase, m3.calls.c1!.since, m3.calls.c1!.talkingSince], ['talking', T0 + 5000, T0 + 5000]);
  const m4 = buildModel(f({ connected: true, held: true }, T0 + 9000), today, S, DEFAULT_THRESHOLDS, m3);
  assert.deepEqual([m4.calls.c1!.phase, m4.calls.c1!.since, m4.calls.c1!.talkingSince], ['held', T0 + 9000, T0 + 5000], 'hold starts a phase, not a talk');
});

test('the delta between two models carries only what changed (null for what is gone), and applying it gives the new model', () => {
  const m1 = buildModel(facts({
    calls: [call({ callId: 'c1', queue: 'sales', waiting: true })],
    waiting: [{ queue: 'sales', callId: 'c1', enteredAt: T0 }],
    agents: [agent({ id: 'a1' }), agent({ id: 'a2', queues: ['other'] })],
  }), today, S, DEFAULT_THRESHOLDS);
  assert.equal(diffModels(m1, buildModel(facts({
    now: T0 + 1000,
    calls: [call({ callId: 'c1', queue: 'sales', waiting: true })],
    waiting: [{ queue: 'sales', callId: 'c1', enteredAt: T0 }],
    agents: [agent({ id: 'a1' }), agent({ id: 'a2', queues: ['other'] })],
  }), today, S, DEFAULT_THRESHOLDS, m1)), undefined, 'time passing alone changes nothing');
  const later: TodayCounts = { ...today, queues: { sales: { ...today.queues.sales!, abandoned: 2 } } };
  const m2 = buildModel(facts({ now: T0 + 2000, agents: [agent({ id: 'a1' }), agent({ id: 'a2', queues: ['other'] })] }), later, S, { ...DEFAULT_THRESHOLDS, waiting: { amber: 2, red: 4 } }, m1);
  const d = diffModels(m1, m2)!;
  assert.deepEqual(Object.keys(d).sort(), ['calls', 'queues', 'thresholds']);
  assert.deepEqual(d.calls, { c1: null });
  assert.deepEqual(Object.keys(d.queues!), ['sales']);
  assert.equal(d.queues!.sales!.waiting, 0);
  assert.equal(d.queues!.sales!.today.abandoned, 2);
  assert.deepEqual(applyDelta(m1, d), m2);
  const m3: WallboardModel = applyDelta(m2, { day: '2027-01-16', agents: { a2: null } });
  assert.deepEqual([m3.day, Object.keys(m3.agents)], ['2027-01-16', ['a1']]);
  assert.deepEqual(Object.keys(m2.agents), ['a1', 'a2'], 'applying does not change the input');
});

test('colours: waits and waiting callers turn amber and red at their limits, the service level below its limits', () => {
  const t = { longestWaitSec: { amber: 60, red: 120 }, waiting: { amber: 1, red: 5 }, serviceLevelPct: { amber: 90, red: 80 } };
  assert.deepEqual([59, 60, 119, 120].map((v) => colourOf('longestWaitSec', v, t)), ['ok', 'amber', 'amber', 'red']);
  assert.deepEqual([0, 1, 4, 5].map((v) => colourOf('waiting', v, t)), ['ok', 'amber', 'amber', 'red']);
  assert.deepEqual([4.41, 4, 3.99, 3.6, 3.59, 1].map(mosColour), ['ok', 'ok', 'amber', 'amber', 'red', 'red'], 'MOS bands');
  assert.deepEqual([100, 90, 89.9, 80, 79.9].map((v) => colourOf('serviceLevelPct', v, t)), ['ok', 'ok', 'amber', 'amber', 'red']);
  assert.equal(colourOf('serviceLevelPct', undefined, t), 'ok', 'no calls yet: no colour');
  assert.equal(thresholdProblem(t), '');
  assert.match(thresholdProblem({ ...t, longestWaitSec: { amber: 121, red: 120 } }), /longestWaitSec/);
  assert.match(thresholdProblem({ ...t, waiting: { amber: 6, red: 5 } }), /waiting/);
  assert.match(thresholdProblem({ ...t, serviceLevelPct: { amber: 70, red: 80 } }), /serviceLevelPct/);
});

test('a page catches up from its snapshot: older deltas are skipped, the next ones applied in turn, and a missing one is a gap', () => {
  const m0 = buildModel(facts({ agents: [agent({ id: 'a1' })] }), today, S, DEFAULT_THRESHOLDS);
  const d = (seq: number, state: AgentFacts['state']): WallboardDelta => ({ kind: 'wallboard', seq, agents: { a1: { ...m0.agents.a1!, state } } });
  const up = catchUp(m0, 3, [d(2, 'break'), d(3, 'break'), d(4, 'ringing'), d(5, 'on-call')]);
  assert.deepEqual([up.seq, up.gap, up.model.agents.a1!.state], [5, false, 'on-call']);
  assert.equal(catchUp(m0, 3, []).model, m0);
  const gap = catchUp(m0, 3, [d(4, 'ringing'), d(6, 'wrap-up'), d(7, 'available')]);
  assert.deepEqual([gap.seq, gap.gap, gap.model.agents.a1!.state], [4, true, 'ringing'], 'nothing after the gap is applied');
  assert.equal(m0.agents.a1!.state, 'available', 'the input is not changed');
});

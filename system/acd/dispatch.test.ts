import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentSnapshot, QueueMember, QueueSpec, StrategyName, WaitingEntry } from './acd-types.ts';
import { planOffers, type PlanInput } from './dispatch.ts';
import { WaitingList } from './waiting-list.ts';

const NOW = 10_000_000;

function agent(id: string, over: Partial<AgentSnapshot> = {}): AgentSnapshot {
  return { id, available: true, idleSinceMs: NOW - 1_000, callsTaken: 0, talkTimeMs: 0, skills: {}, ...over };
}

function queue(name: string, strategy: StrategyName, members: (string | QueueMember)[], over: Partial<QueueSpec> = {}): QueueSpec {
  return {
    name,
    strategy,
    members: members.map((m) => (typeof m === 'string' ? { agentId: m, penalty: 0 } : m)),
    requiredSkills: [],
    relaxation: [],
    weight: 0,
    ...over,
  };
}

function waitingOf(...entries: WaitingEntry[]): WaitingList {
  const list = new WaitingList();
  for (const e of entries) list.add(e);
  return list;
}

function caller(callId: string, queueName: string, waitedSec: number, over: Partial<WaitingEntry> = {}): WaitingEntry {
  return { callId, queue: queueName, priority: 0, enteredAt: NOW - waitedSec * 1000, ...over };
}

function plan(queues: QueueSpec[], agents: AgentSnapshot[], waiting: WaitingList, over: Partial<PlanInput> = {}) {
  return planOffers({
    queues: new Map(queues.map((q) => [q.name, q])),
    waiting,
    agents: new Map(agents.map((a) => [a.id, a])),
    memory: new Map(),
    busyCalls: new Set(),
    crossQueueFairness: true,
    now: NOW,
    random: () => 0,
    ...over,
  });
}

test('calls are offered in service order to distinct agents until the agents run out', () => {
  const q = queue('sales', 'longest-idle', ['a', 'b', 'c']);
  const agents = [agent('a', { idleSinceMs: NOW - 5_000 }), agent('b', { idleSinceMs: NOW - 9_000 }), agent('c', { available: false })];
  const waiting = waitingOf(caller('c1', 'sales', 30), caller('c2', 'sales', 20), caller('c3', 'sales', 10));
  assert.deepEqual(plan([q], agents, waiting), [
    { callId: 'c1', queue: 'sales', agentIds: ['b'] },
    { callId: 'c2', queue: 'sales', agentIds: ['a'] },
  ]);
});

test('no agent appears in two offers, across queues and with ring-all', () => {
  const queues = [queue('all', 'ring-all', ['a', 'b']), queue('one', 'linear', ['a', 'b', 'c']), queue('rr', 'round-robin', ['c', 'd'])];
  const agents = ['a', 'b', 'c', 'd'].map((id) => agent(id));
  const waiting = waitingOf(caller('x1', 'all', 50), caller('x2', 'all', 40), caller('y1', 'one', 30), caller('z1', 'rr', 20), caller('z2', 'rr', 10));
  const offers = plan(queues, agents, waiting);
  assert.deepEqual(offers, [
    { callId: 'x1', queue: 'all', agentIds: ['a', 'b'] },
    { callId: 'y1', queue: 'one', agentIds: ['c'] },
    { callId: 'z1', queue: 'rr', agentIds: ['d'] },
  ]);
  const offered = offers.flatMap((o) => o.agentIds);
  assert.equal(new Set(offered).size, offered.length);
});

test('a call nobody free can take does not block a skill-matching call behind it', () => {
  const q = queue('support', 'skills-based', ['a', 'b']);
  const agents = [agent('a', { skills: { en: 3 } }), agent('b', { skills: { en: 1 }, available: false })];
  const waiting = waitingOf(
    caller('needs-fr', 'support', 90, { requiredSkills: [{ skill: 'fr', minLevel: 1 }] }),
    caller('needs-fr-too', 'support', 80, { requiredSkills: [{ skill: 'fr', minLevel: 1 }] }),
    caller('needs-en', 'support', 10, { requiredSkills: [{ skill: 'en', minLevel: 2 }] }),
  );
  assert.deepEqual(plan([q], agents, waiting), [{ callId: 'needs-en', queue: 'support', agentIds: ['a'] }]);
});

test('hundreds of unservable calls ahead of a servable one are passed over cheaply', () => {
  const q = queue('support', 'linear', ['a']);
  const waiting = new WaitingList();
  for (let i = 0; i < 900; i++) waiting.add(caller(`de${i}`, 'support', 900 - i, { requiredSkills: [{ skill: 'de', minLevel: 1 }] }));
  waiting.add(caller('plain', 'support', 0));
  assert.deepEqual(plan([q], [agent('a')], waiting), [{ callId: 'plain', queue: 'support', agentIds: ['a'] }]);
});

test('the scan of one queue stops after scanLimitPerQueue calls', () => {
  const q = queue('support', 'linear', ['a']);
  const waiting = waitingOf(
    caller('de1', 'support', 30, { requiredSkills: [{ skill: 'de', minLevel: 1 }] }),
    caller('fr1', 'support', 20, { requiredSkills: [{ skill: 'fr', minLevel: 1 }] }),
    caller('plain', 'support', 10),
  );
  assert.deepEqual(plan([q], [agent('a')], waiting, { scanLimitPerQueue: 2 }), []);
  assert.deepEqual(plan([q], [agent('a')], waiting, { scanLimitPerQueue: 3 }).map((o) => o.callId), ['plain']);
});

test('calls already ringing someone are not planned again', () => {
  const q = queue('sales', 'linear', ['a', 'b']);
  const waiting = waitingOf(caller('ringing', 'sales', 60), caller('next', 'sales', 5));
  assert.deepEqual(plan([q], [agent('a'), agent('b')], waiting, { busyCalls: new Set(['ringing']) }), [
    { callId: 'next', queue: 'sales', agentIds: ['a'] },
  ]);
});

test('an agent who missed a call is offered the next caller instead', () => {
  const q = queue('sales', 'linear', ['a', 'b']);
  const waiting = waitingOf(caller('missed', 'sales', 60, { skip: new Set(['a']) }), caller('next', 'sales', 5));
  assert.deepEqual(plan([q], [agent('a'), agent('b', { available: false })], waiting), [{ callId: 'next', queue: 'sales', agentIds: ['a'] }]);
});

test('a VIP is offered first even though others waited longer', () => {
  const q = queue('sales', 'linear', ['a']);
  const waiting = waitingOf(caller('old', 'sales', 300), caller('vip', 'sales', 1, { priority: 5 }));
  assert.deepEqual(plan([q], [agent('a')], waiting).map((o) => o.callId), ['vip']);
});

test('with cross-queue fairness an agent in two queues gets the longest-waiting caller of both', () => {
  const queues = [queue('gold', 'linear', ['a'], { weight: 10 }), queue('basic', 'linear', ['a'], { weight: 1 })];
  const waiting = waitingOf(caller('gold-1', 'gold', 20), caller('basic-1', 'basic', 200));
  assert.deepEqual(plan(queues, [agent('a')], waiting, { crossQueueFairness: true }).map((o) => o.callId), ['basic-1']);
});

test('without cross-queue fairness the higher-weight queue is served first', () => {
  const queues = [queue('gold', 'linear', ['a'], { weight: 10 }), queue('basic', 'linear', ['a'], { weight: 1 })];
  const waiting = waitingOf(caller('gold-1', 'gold', 20), caller('basic-1', 'basic', 200));
  assert.deepEqual(plan(queues, [agent('a')], waiting, { crossQueueFairness: false }).map((o) => o.callId), ['gold-1']);
});

test('without fairness, queues of equal weight are taken by their head caller’s wait', () => {
  const queues = [queue('q1', 'linear', ['a']), queue('q2', 'linear', ['a'])];
  const waiting = waitingOf(caller('q1-new', 'q1', 5), caller('q2-old', 'q2', 50));
  assert.deepEqual(plan(queues, [agent('a')], waiting, { crossQueueFairness: false }).map((o) => o.callId), ['q2-old']);
});

test('cross-queue fairness puts a VIP in one queue before an older caller in another', () => {
  const queues = [queue('q1', 'linear', ['a']), queue('q2', 'linear', ['a'])];
  const waiting = waitingOf(caller('old', 'q1', 500), caller('vip', 'q2', 1, { priority: 3 }));
  assert.deepEqual(plan(queues, [agent('a')], waiting).map((o) => o.callId), ['vip']);
});

test('round-robin memory carries on within one round and from the previous one', () => {
  const q = queue('rr', 'round-robin', ['a', 'b', 'c']);
  const waiting = waitingOf(caller('c1', 'rr', 30), caller('c2', 'rr', 20), caller('c3', 'rr', 10));
  const agents = ['a', 'b', 'c'].map((id) => agent(id));
  const offers = plan([q], agents, waiting, { memory: new Map([['rr', 'a']]) });
  assert.deepEqual(offers.map((o) => o.agentIds[0]), ['b', 'c', 'a']);
});

test('round-robin continues after the agent actually offered, even when a call skipped someone', () => {
  const q = queue('rr', 'round-robin', ['a', 'b', 'c', 'd']);
  const waiting = waitingOf(caller('c1', 'rr', 30, { skip: new Set(['b']) }), caller('c2', 'rr', 20));
  const agents = ['a', 'b', 'c', 'd'].map((id) => agent(id));
  // c1 goes to c (b missed it before); c2 continues after c: d, not b.
  assert.deepEqual(plan([q], agents, waiting, { memory: new Map([['rr', 'a']]) }).map((o) => o.agentIds[0]), ['c', 'd']);
});

test('ring-progressively offers the ordered list of the best tier', () => {
  const q = queue('prog', 'ring-progressively', [{ agentId: 'c', penalty: 0 }, { agentId: 'a', penalty: 0 }, { agentId: 'b', penalty: 1 }]);
  const waiting = waitingOf(caller('c1', 'prog', 5), caller('c2', 'prog', 1));
  assert.deepEqual(plan([q], ['a', 'b', 'c'].map((id) => agent(id)), waiting), [
    { callId: 'c1', queue: 'prog', agentIds: ['c', 'a'] },
    { callId: 'c2', queue: 'prog', agentIds: ['b'] },
  ]);
});

test('relaxation lets a caller who has waited long enough reach a less skilled agent', () => {
  const q = queue('tech', 'skills-based', ['a'], { requiredSkills: [{ skill: 'tech', minLevel: 4 }], relaxation: [{ afterSec: 30, minLevelDrop: 1 }, { afterSec: 60, minLevelDrop: 3 }] });
  const agents = [agent('a', { skills: { tech: 2 } })];
  assert.deepEqual(plan([q], agents, waitingOf(caller('fresh', 'tech', 0), caller('mid', 'tech', 31))), []);
  assert.deepEqual(plan([q], agents, waitingOf(caller('fresh', 'tech', 0), caller('long', 'tech', 61))).map((o) => o.callId), ['long']);
});

test('empty input, unknown queues and unknown members plan nothing and do not throw', () => {
  assert.deepEqual(plan([], [], new WaitingList()), []);
  assert.deepEqual(plan([], [agent('a')], waitingOf(caller('c1', 'nowhere', 5))), []);
  assert.deepEqual(plan([queue('q', 'round-robin', ['ghost'])], [agent('a')], waitingOf(caller('c1', 'q', 5)), { memory: new Map([['q', 'ghost']]) }), []);
  assert.deepEqual(plan([queue('q', 'linear', [])], [agent('a')], waitingOf(caller('c1', 'q', 5))), []);
});

test('a call skipped by the only agent does not stop a later call with the same needs from reaching that agent', () => {
  const q = queue('sales', 'linear', ['a']);
  const waiting = waitingOf(caller('missed-by-a', 'sales', 60, { skip: new Set(['a']) }), caller('fresh', 'sales', 5));
  assert.deepEqual(plan([q], [agent('a')], waiting), [{ callId: 'fresh', queue: 'sales', agentIds: ['a'] }]);
});

test('an agent below the queue’s own requirements even at their most relaxed is offered none of its calls', () => {
  const q = queue('tech', 'linear', ['novice', 'expert'], { requiredSkills: [{ skill: 'tech', minLevel: 5 }], relaxation: [{ afterSec: 60, minLevelDrop: 2 }] });
  const agents = [agent('novice', { skills: { tech: 2 } }), agent('expert', { skills: { tech: 5 } })];
  const waiting = waitingOf(caller('c1', 'tech', 3600), caller('c2', 'tech', 3000, { requiredSkills: [{ skill: 'tech', minLevel: 1 }] }));
  assert.deepEqual(plan([q], agents, waiting), [{ callId: 'c1', queue: 'tech', agentIds: ['expert'] }]);
});

test('replacing a queue spec in the same map is seen by the next round', () => {
  const queues = new Map([['sales', queue('sales', 'linear', ['a'])]]);
  const agents = new Map([['a', agent('a')], ['b', agent('b')]]);
  const waiting = waitingOf(caller('c1', 'sales', 5));
  const input = { queues, waiting, agents, memory: new Map(), busyCalls: new Set<string>(), crossQueueFairness: true, now: NOW, random: () => 0 };
  assert.deepEqual(planOffers(input).map((o) => o.agentIds), [['a']]);
  queues.set('sales', queue('sales', 'linear', ['b', 'a']));
  assert.deepEqual(planOffers(input).map((o) => o.agentIds), [['b']]);
});

test('with fairness, agents shared by many queues take the oldest callers across all of them, oldest first', () => {
  const names = ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'];
  const queues = names.map((n) => queue(n, 'linear', ['a', 'b', 'c']));
  const waits = [[40, 7], [95, 3], [12], [60, 59], [1, 2, 3], [88]];
  const waiting = waitingOf(...names.flatMap((n, i) => waits[i].map((sec) => caller(`${n}-${sec}`, n, sec))));
  assert.deepEqual(plan(queues, ['a', 'b', 'c'].map((id) => agent(id)), waiting).map((o) => `${o.callId}>${o.agentIds[0]}`), ['q2-95>a', 'q6-88>b', 'q4-60>c']);
});

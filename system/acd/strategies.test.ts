import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentSnapshot, QueueMember, QueueSpec, StrategyContext, StrategyName, WaitingEntry } from './acd-types.ts';
import { rankAgents } from './strategies/index.ts';

const NOW = 1_000_000;

function agent(id: string, over: Partial<AgentSnapshot> = {}): AgentSnapshot {
  return { id, available: true, idleSinceMs: NOW - 60_000, callsTaken: 10, talkTimeMs: 600_000, skills: {}, ...over };
}

function agentsOf(...list: AgentSnapshot[]): Map<string, AgentSnapshot> {
  return new Map(list.map((a) => [a.id, a]));
}

function queue(strategy: StrategyName, members: (string | QueueMember)[], over: Partial<QueueSpec> = {}): QueueSpec {
  return {
    name: 'sales',
    strategy,
    members: members.map((m) => (typeof m === 'string' ? { agentId: m, penalty: 0 } : m)),
    requiredSkills: [],
    relaxation: [],
    weight: 0,
    ...over,
  };
}

const call: WaitingEntry = { callId: 'c1', queue: 'sales', priority: 0, enteredAt: NOW };

function ctx(over: Partial<StrategyContext> = {}): StrategyContext {
  return { now: NOW, random: () => 0, ...over };
}

const abcd = agentsOf(agent('a'), agent('b'), agent('c'), agent('d'));

test('ring-all returns every available member in member order and ignores the limit', () => {
  const agents = agentsOf(agent('a'), agent('b', { available: false }), agent('c'), agent('d'));
  assert.deepEqual(rankAgents(queue('ring-all', ['d', 'a', 'b', 'c']), call, agents, ctx(), 1), ['d', 'a', 'c']);
});

test('linear always starts from the top of the member list', () => {
  const agents = agentsOf(agent('a', { available: false }), agent('b'), agent('c'));
  assert.deepEqual(rankAgents(queue('linear', ['a', 'b', 'c']), call, agents, ctx(), 1), ['b']);
  assert.deepEqual(rankAgents(queue('linear', ['c', 'b', 'a']), call, agents, ctx()), ['c', 'b']);
});

test('ring-progressively ranks like linear, the whole list', () => {
  const agents = agentsOf(agent('a'), agent('b', { available: false }), agent('c'), agent('d', { idleSinceMs: 0 }));
  assert.deepEqual(rankAgents(queue('ring-progressively', ['c', 'a', 'b', 'd']), call, agents, ctx()), ['c', 'a', 'd']);
});

test('round-robin continues after the agent last offered a call in the queue', () => {
  const q = queue('round-robin', ['a', 'b', 'c', 'd']);
  assert.deepEqual(rankAgents(q, call, abcd, ctx({ lastOffered: 'b' }), 1), ['c']);
  assert.deepEqual(rankAgents(q, call, abcd, ctx({ lastOffered: 'b' })), ['c', 'd', 'a', 'b']);
});

test('round-robin wraps to the top after the last member', () => {
  assert.deepEqual(rankAgents(queue('round-robin', ['a', 'b', 'c', 'd']), call, abcd, ctx({ lastOffered: 'd' }), 1), ['a']);
});

test('round-robin skips busy members and wraps past the end', () => {
  const agents = agentsOf(agent('a', { available: false }), agent('b'), agent('c'), agent('d', { available: false }));
  assert.deepEqual(rankAgents(queue('round-robin', ['a', 'b', 'c', 'd']), call, agents, ctx({ lastOffered: 'c' })), ['b', 'c']);
});

test('round-robin without memory, or remembering a former member, starts at the top', () => {
  const q = queue('round-robin', ['a', 'b', 'c']);
  assert.deepEqual(rankAgents(q, call, abcd, ctx(), 1), ['a']);
  assert.deepEqual(rankAgents(q, call, abcd, ctx({ lastOffered: 'zed' }), 1), ['a']);
});

test('longest-idle picks the agent idle since the earliest time, ties in member order', () => {
  const agents = agentsOf(agent('a', { idleSinceMs: NOW - 5_000 }), agent('b', { idleSinceMs: NOW - 90_000 }), agent('c', { idleSinceMs: NOW - 90_000 }), agent('d', { idleSinceMs: NOW - 200_000, available: false }));
  assert.deepEqual(rankAgents(queue('longest-idle', ['a', 'c', 'b', 'd']), call, agents, ctx(), 1), ['c']);
  assert.deepEqual(rankAgents(queue('longest-idle', ['a', 'b', 'c', 'd']), call, agents, ctx()), ['b', 'c', 'a']);
});

test('fewest-calls picks the agent with the fewest calls, ties longest-idle', () => {
  const agents = agentsOf(
    agent('a', { callsTaken: 3, idleSinceMs: NOW - 1_000 }),
    agent('b', { callsTaken: 3, idleSinceMs: NOW - 9_000 }),
    agent('c', { callsTaken: 7, idleSinceMs: NOW - 99_000 }),
    agent('d', { callsTaken: 1, available: false }),
  );
  assert.deepEqual(rankAgents(queue('fewest-calls', ['a', 'b', 'c', 'd']), call, agents, ctx(), 1), ['b']);
  assert.deepEqual(rankAgents(queue('fewest-calls', ['a', 'b', 'c', 'd']), call, agents, ctx(), 3), ['b', 'a', 'c']);
});

test('least-talk-time picks the agent with the least talk time, ties longest-idle', () => {
  const agents = agentsOf(
    agent('a', { talkTimeMs: 50_000, idleSinceMs: NOW - 99_000 }),
    agent('b', { talkTimeMs: 20_000, idleSinceMs: NOW - 1_000 }),
    agent('c', { talkTimeMs: 20_000, idleSinceMs: NOW - 5_000 }),
  );
  assert.deepEqual(rankAgents(queue('least-talk-time', ['a', 'b', 'c']), call, agents, ctx()), ['c', 'b', 'a']);
});

test('random draws from the injected source', () => {
  const q = queue('random', ['a', 'b', 'c', 'd']);
  assert.deepEqual(rankAgents(q, call, abcd, ctx({ random: () => 0 }), 1), ['a']);
  assert.deepEqual(rankAgents(q, call, abcd, ctx({ random: () => 0.999 }), 1), ['d']);
  const draws = [0.5, 0.9, 0];
  // 0.5 of 4 → index 2 (c); then 0.9 of the 3 left [b, a, d] → d; then 0 of [a, b] → a.
  assert.deepEqual(rankAgents(q, call, abcd, ctx({ random: () => draws.shift() ?? 0 })), ['c', 'd', 'a', 'b']);
});

test('random never returns an unavailable agent, even with a source returning 1', () => {
  const agents = agentsOf(agent('a'), agent('b', { available: false }));
  assert.deepEqual(rankAgents(queue('random', ['a', 'b']), call, agents, ctx({ random: () => 1 }), 1), ['a']);
});

test('skills-based puts the best proficiency first, ties longest-idle', () => {
  const q = queue('skills-based', ['a', 'b', 'c', 'd'], { requiredSkills: [{ skill: 'fr', minLevel: 2 }, { skill: 'billing', minLevel: 1 }] });
  const agents = agentsOf(
    agent('a', { skills: { fr: 3, billing: 3 }, idleSinceMs: NOW - 1_000 }),
    agent('b', { skills: { fr: 4, billing: 2 }, idleSinceMs: NOW - 2_000 }),
    agent('c', { skills: { fr: 9, billing: 9 }, idleSinceMs: NOW - 3_000, available: false }),
    agent('d', { skills: { fr: 9 }, idleSinceMs: NOW - 99_000 }),
  );
  // a and b both sum 6 (d lacks billing): b has been idle longer.
  assert.deepEqual(rankAgents(q, call, agents, ctx()), ['b', 'a']);
});

test('a lower penalty tier wins whenever any agent in it is eligible', () => {
  const members = [{ agentId: 'a', penalty: 1 }, { agentId: 'b', penalty: 0 }, { agentId: 'c', penalty: 0 }, { agentId: 'd', penalty: 2 }];
  const agents = agentsOf(agent('a', { idleSinceMs: 0 }), agent('b', { available: false }), agent('c'), agent('d', { idleSinceMs: 0 }));
  assert.deepEqual(rankAgents(queue('longest-idle', members), call, agents, ctx()), ['c']);
  assert.deepEqual(rankAgents(queue('ring-all', members), call, agents, ctx()), ['c']);
});

test('the next tier is used when nobody in the lower tier is eligible (busy, unskilled or skipped)', () => {
  const members = [{ agentId: 'a', penalty: 0 }, { agentId: 'b', penalty: 0 }, { agentId: 'c', penalty: 1 }, { agentId: 'd', penalty: 1 }];
  const agents = agentsOf(agent('a', { available: false }), agent('b', { skills: { de: 1 } }), agent('c', { skills: { de: 1 } }), agent('d', { skills: { de: 2 } }));
  const q = queue('linear', members);
  assert.deepEqual(rankAgents(q, { ...call, skip: new Set(['b']) }, agents, ctx()), ['c', 'd']);
  assert.deepEqual(rankAgents(q, { ...call, requiredSkills: [{ skill: 'de', minLevel: 2 }] }, agents, ctx()), ['d']);
  assert.deepEqual(rankAgents(q, call, agents, ctx()), ['b']);
});

test('agents the call skips are never offered it', () => {
  assert.deepEqual(rankAgents(queue('linear', ['a', 'b', 'c']), { ...call, skip: new Set(['a', 'c']) }, abcd, ctx()), ['b']);
});

test('unknown member ids, empty queues and nobody available give no agent and no error', () => {
  assert.deepEqual(rankAgents(queue('longest-idle', ['ghost', 'b']), call, abcd, ctx()), ['b']);
  assert.deepEqual(rankAgents(queue('round-robin', []), call, abcd, ctx({ lastOffered: 'a' })), []);
  assert.deepEqual(rankAgents(queue('skills-based', ['a']), call, agentsOf(agent('a', { available: false })), ctx()), []);
  assert.deepEqual(rankAgents(queue('ring-all', ['a']), call, new Map(), ctx()), []);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { QueueSpec, StrategyName } from '../acd/acd-types.ts';
import { pickAgent, unavailableReason, type AgentLoad } from './routing.ts';

const NOW = 1_000_000;
const CAP = { calls: 1, chats: 3, emails: 3 };

function agent(id: string, over: Partial<AgentLoad> = {}): AgentLoad {
  return { id, state: 'available', open: { chat: 0, email: 0 }, capacity: CAP, idleSince: NOW - 60_000, skills: {}, ...over };
}
const loads = (...list: AgentLoad[]) => new Map(list.map((a) => [a.id, a]));
function queue(strategy: StrategyName, members: string[]): QueueSpec {
  return { name: 'sales', strategy, members: members.map((agentId) => ({ agentId, penalty: 0 })), requiredSkills: [], relaxation: [], weight: 0 };
}
const chat = { id: 'i1', channel: 'chat' as const, queuedAt: NOW, skipped: [] as string[] };
const ctx = { now: NOW, random: () => 0 };

test('an agent at chat capacity is skipped for the next in strategy order', () => {
  const agents = loads(agent('a1', { open: { chat: 3, email: 0 } }), agent('a2'));
  assert.equal(pickAgent(queue('linear', ['a1', 'a2']), chat, agents, { callsExclusive: true }, ctx), 'a2');
  assert.equal(unavailableReason(agents.get('a1')!, 'chat', true), 'at-capacity');
  // Emails have their own capacity: a1's three chats do not stop an email.
  assert.equal(pickAgent(queue('linear', ['a1', 'a2']), { ...chat, channel: 'email' }, agents, { callsExclusive: true }, ctx), 'a1');
});

test('nobody is picked when every member is at capacity, on break, logged out or on a call', () => {
  const agents = loads(
    agent('a1', { open: { chat: 3, email: 0 } }),
    agent('a2', { state: 'break' }),
    agent('a3', { state: 'logged-out' }),
    agent('a4', { state: 'on-call' }),
  );
  assert.equal(pickAgent(queue('ring-all', ['a1', 'a2', 'a3', 'a4']), chat, agents, { callsExclusive: true }, ctx), undefined);
});

test('an agent on a call takes chats only when calls are not exclusive', () => {
  const agents = loads(agent('a1', { state: 'on-call' }));
  assert.equal(pickAgent(queue('linear', ['a1']), chat, agents, { callsExclusive: true }, ctx), undefined);
  assert.equal(pickAgent(queue('linear', ['a1']), chat, agents, { callsExclusive: false }, ctx), 'a1');
  assert.equal(unavailableReason(agent('a1', { state: 'wrap-up' }), 'chat', true), 'on-call');
});

test('per-agent capacity: an agent with chats 0 never gets a chat', () => {
  const agents = loads(agent('a1', { capacity: { ...CAP, chats: 0 } }), agent('a2'));
  assert.equal(pickAgent(queue('linear', ['a1', 'a2']), chat, agents, { callsExclusive: true }, ctx), 'a2');
});

test('an agent who declined is not offered the same interaction again', () => {
  const agents = loads(agent('a1'), agent('a2'));
  assert.equal(pickAgent(queue('linear', ['a1', 'a2']), { ...chat, skipped: ['a1'] }, agents, { callsExclusive: true }, ctx), 'a2');
  assert.equal(pickAgent(queue('linear', ['a1', 'a2']), { ...chat, skipped: ['a1', 'a2'] }, agents, { callsExclusive: true }, ctx), undefined);
});

test('fewest-calls spreads interactions by current load across channels', () => {
  const agents = loads(agent('a1', { open: { chat: 2, email: 0 } }), agent('a2', { open: { chat: 0, email: 1 } }), agent('a3', { open: { chat: 1, email: 1 } }));
  assert.equal(pickAgent(queue('fewest-calls', ['a1', 'a2', 'a3']), chat, agents, { callsExclusive: true }, ctx), 'a2');
});

test('longest-idle picks the agent idle longest; non-members are never picked', () => {
  const agents = loads(agent('a1', { idleSince: NOW - 1000 }), agent('a2', { idleSince: NOW - 9000 }), agent('x', { idleSince: 0 }));
  assert.equal(pickAgent(queue('longest-idle', ['a1', 'a2']), chat, agents, { callsExclusive: true }, ctx), 'a2');
});

test('promised offers in the same round count against capacity', () => {
  const agents = loads(agent('a1', { open: { chat: 2, email: 0 } }), agent('a2'));
  assert.equal(pickAgent(queue('linear', ['a1', 'a2']), chat, agents, { callsExclusive: true, promised: new Map([['a1', 1]]) }, ctx), 'a2');
});

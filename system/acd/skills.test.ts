import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AgentSnapshot, QueueSpec, WaitingEntry } from './acd-types.ts';
import { meetsRequirements, mergeRequirements, proficiency, relaxationDrop, requirementsAt } from './skills.ts';
import { rankAgents } from './strategies/index.ts';

const NOW = 5_000_000;
const steps = [{ afterSec: 30, minLevelDrop: 1 }, { afterSec: 60, minLevelDrop: 3 }];

function agent(id: string, skills: Record<string, number>, idleSinceMs = NOW - 10_000): AgentSnapshot {
  return { id, available: true, idleSinceMs, callsTaken: 0, talkTimeMs: 0, skills };
}

const techQueue: QueueSpec = {
  name: 'support',
  strategy: 'skills-based',
  members: ['x', 'y', 'z'].map((agentId) => ({ agentId, penalty: 0 })),
  requiredSkills: [{ skill: 'tech', minLevel: 5 }],
  relaxation: steps,
  weight: 0,
};

const agents = new Map([
  ['x', agent('x', { tech: 4 })],
  ['y', agent('y', { tech: 2 }, NOW - 99_000)],
  ['z', agent('z', { sales: 9 }, NOW - 999_000)],
]);

const waitedSec = (sec: number): WaitingEntry => ({ callId: 'c', queue: 'support', priority: 0, enteredAt: NOW - sec * 1000 });

test('no relaxation applies before the first step; the largest reached drop applies after', () => {
  assert.equal(relaxationDrop(steps, 0), 0);
  assert.equal(relaxationDrop(steps, 29.9), 0);
  assert.equal(relaxationDrop(steps, 30), 1);
  assert.equal(relaxationDrop(steps, 31), 1);
  assert.equal(relaxationDrop(steps, 61), 3);
  assert.equal(relaxationDrop([{ afterSec: 60, minLevelDrop: 3 }, { afterSec: 30, minLevelDrop: 1 }], 61), 3);
  assert.equal(relaxationDrop([], 1e6), 0);
});

test('required levels drop as the caller waits: 5 at 0 s, 4 at 31 s, 2 at 61 s', () => {
  assert.deepEqual(requirementsAt(techQueue, waitedSec(0), NOW), [{ skill: 'tech', minLevel: 5 }]);
  assert.deepEqual(requirementsAt(techQueue, waitedSec(31), NOW), [{ skill: 'tech', minLevel: 4 }]);
  assert.deepEqual(requirementsAt(techQueue, waitedSec(61), NOW), [{ skill: 'tech', minLevel: 2 }]);
});

test('relaxation never drops a requirement below level 1: the skill itself stays required', () => {
  const q = { ...techQueue, requiredSkills: [{ skill: 'tech', minLevel: 2 }] };
  assert.deepEqual(requirementsAt(q, waitedSec(61), NOW), [{ skill: 'tech', minLevel: 1 }]);
});

test('nobody is eligible at 0 s, the level-4 agent at 31 s, both tech agents at 61 s, never the one without tech', () => {
  const ctx = { now: NOW, random: () => 0 };
  assert.deepEqual(rankAgents(techQueue, waitedSec(0), agents, ctx), []);
  assert.deepEqual(rankAgents(techQueue, waitedSec(31), agents, ctx), ['x']);
  assert.deepEqual(rankAgents(techQueue, waitedSec(61), agents, ctx), ['x', 'y']);
  assert.deepEqual(rankAgents(techQueue, waitedSec(3600), agents, ctx), ['x', 'y']);
});

test('relaxation also lowers a call-specific requirement', () => {
  const ctx = { now: NOW, random: () => 0 };
  const q = { ...techQueue, requiredSkills: [] };
  const call = { ...waitedSec(31), requiredSkills: [{ skill: 'tech', minLevel: 3 }] };
  assert.deepEqual(rankAgents(q, call, agents, ctx), ['x', 'y']);
  assert.deepEqual(rankAgents(q, { ...call, enteredAt: NOW }, agents, ctx), ['x']);
});

test("a call's own requirements are added to the queue's; for the same skill the higher level wins", () => {
  const queueReqs = [{ skill: 'tech', minLevel: 5 }, { skill: 'en', minLevel: 1 }];
  assert.equal(mergeRequirements(queueReqs, undefined), queueReqs);
  assert.deepEqual(mergeRequirements(queueReqs, [{ skill: 'tech', minLevel: 2 }, { skill: 'en', minLevel: 4 }, { skill: 'fr', minLevel: 3 }]), [
    { skill: 'tech', minLevel: 5 },
    { skill: 'en', minLevel: 4 },
    { skill: 'fr', minLevel: 3 },
  ]);
  assert.deepEqual(mergeRequirements([], [{ skill: 'fr', minLevel: 3 }]), [{ skill: 'fr', minLevel: 3 }]);
});

test('an absent skill counts as level 0; proficiency sums the required skills only', () => {
  const a = agent('a', { tech: 4, fr: 2, sales: 9 });
  assert.equal(meetsRequirements(a, [{ skill: 'tech', minLevel: 4 }, { skill: 'fr', minLevel: 2 }]), true);
  assert.equal(meetsRequirements(a, [{ skill: 'tech', minLevel: 4 }, { skill: 'de', minLevel: 1 }]), false);
  assert.equal(meetsRequirements(a, []), true);
  assert.equal(proficiency(a, [{ skill: 'tech', minLevel: 1 }, { skill: 'fr', minLevel: 1 }, { skill: 'de', minLevel: 1 }]), 6);
  assert.equal(proficiency(a, []), 0);
});

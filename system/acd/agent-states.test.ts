import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AGENT_STATES, AGENT_TRANSITIONS, canAgentTransition } from './agent-states.ts';

test('every state can reach available and logged-out again (nobody gets stuck)', () => {
  for (const start of AGENT_STATES) {
    const seen = new Set([start]);
    const todo = [start];
    while (todo.length) for (const next of AGENT_TRANSITIONS[todo.pop()!]) if (!seen.has(next)) seen.add(next), todo.push(next);
    assert.ok(seen.has('available'), `${start} cannot reach available`);
    assert.ok(seen.has('logged-out'), `${start} cannot reach logged-out`);
  }
});

test('calls only reach an agent who is available, and only through ringing', () => {
  assert.ok(canAgentTransition('available', 'ringing'));
  assert.ok(canAgentTransition('ringing', 'on-call'));
  for (const from of ['logged-out', 'break', 'wrap-up'] as const) {
    assert.equal(canAgentTransition(from, 'ringing'), false, from);
    assert.equal(canAgentTransition(from, 'on-call'), false, from);
  }
  assert.equal(canAgentTransition('available', 'on-call'), false);
});

test('no answer can send the ringing agent to a break', () => {
  assert.ok(canAgentTransition('ringing', 'break'));
  assert.equal(canAgentTransition('break', 'wrap-up'), false);
});

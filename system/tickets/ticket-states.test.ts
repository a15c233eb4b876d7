import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TICKET_STATES, checkTransition, clockRuns, nextStates } from './ticket-states.ts';

test('the work steps are open to agents; closing and reopening a closed ticket are not', () => {
  assert.equal(checkTransition('new', 'in-progress', 'agent'), 'ok');
  assert.equal(checkTransition('in-progress', 'waiting', 'agent'), 'ok');
  assert.equal(checkTransition('waiting', 'in-progress', 'agent'), 'ok');
  assert.equal(checkTransition('in-progress', 'resolved', 'agent'), 'ok');
  assert.equal(checkTransition('resolved', 'in-progress', 'agent'), 'ok');
  assert.equal(checkTransition('resolved', 'closed', 'agent'), 'forbidden');
  assert.equal(checkTransition('resolved', 'closed', 'supervisor'), 'ok');
  assert.equal(checkTransition('resolved', 'closed', 'api'), 'ok');
  assert.equal(checkTransition('closed', 'in-progress', 'agent'), 'forbidden');
  assert.equal(checkTransition('closed', 'in-progress', 'admin'), 'ok');
});

test('steps outside the table are not allowed for anyone, and staying put is "same"', () => {
  for (const actor of ['admin', 'supervisor', 'agent', 'api'] as const) {
    assert.equal(checkTransition('closed', 'resolved', actor), 'not-allowed');
    assert.equal(checkTransition('closed', 'new', actor), 'not-allowed');
    assert.equal(checkTransition('in-progress', 'new', actor), 'not-allowed');
    for (const s of TICKET_STATES) assert.equal(checkTransition(s, s, actor), 'same');
  }
});

test('nextStates lists exactly the allowed steps', () => {
  assert.deepEqual(nextStates('new', 'agent'), ['in-progress', 'waiting', 'resolved']);
  assert.deepEqual(nextStates('new', 'supervisor'), ['in-progress', 'waiting', 'resolved', 'closed']);
  assert.deepEqual(nextStates('closed', 'agent'), []);
  assert.deepEqual(nextStates('closed', 'api'), ['in-progress']);
});

test('the SLA clock runs only in new and in-progress', () => {
  assert.deepEqual(TICKET_STATES.filter(clockRuns), ['new', 'in-progress']);
});

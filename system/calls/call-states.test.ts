import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CALL_TRANSITIONS, canTransition, type CallState } from './call-states.ts';

const STATES = Object.keys(CALL_TRANSITIONS) as CallState[];

const ALLOWED: ReadonlySet<string> = new Set([
  'routing->ringing',
  'routing->answered',
  'routing->ending',
  'ringing->answered',
  'ringing->ending',
  'answered->ending',
  'ending->ended',
]);

test('the table covers exactly the five call states', () => {
  assert.deepEqual([...STATES].sort(), ['answered', 'ended', 'ending', 'ringing', 'routing']);
});

test('every (from, to) pair is allowed exactly when it is in the documented table', () => {
  for (const from of STATES) {
    for (const to of STATES) {
      assert.equal(canTransition(from, to), ALLOWED.has(`${from}->${to}`), `${from} -> ${to}`);
    }
  }
});

test('every listed target is a known state and none is listed twice', () => {
  for (const from of STATES) {
    const targets = CALL_TRANSITIONS[from];
    assert.equal(new Set(targets).size, targets.length, `duplicates under ${from}`);
    for (const to of targets) assert.ok(STATES.includes(to), `${from} -> ${to}`);
  }
});

test('ended is terminal', () => {
  assert.deepEqual(CALL_TRANSITIONS.ended, []);
  for (const to of STATES) assert.equal(canTransition('ended', to), false, `ended -> ${to}`);
});

test('no state lists a transition to itself', () => {
  for (const s of STATES) assert.equal(canTransition(s, s), false, s);
});

test('no transition leads back to routing', () => {
  for (const from of STATES) assert.equal(canTransition(from, 'routing'), false, `${from} -> routing`);
});

test('ended is reached only through ending', () => {
  for (const from of STATES) assert.equal(canTransition(from, 'ended'), from === 'ending', `${from} -> ended`);
});

test('every state reaches ended, so no call can get stuck', () => {
  for (const start of STATES) {
    const seen = new Set<CallState>([start]);
    const queue: CallState[] = [start];
    while (queue.length) for (const n of CALL_TRANSITIONS[queue.shift()!]) if (!seen.has(n)) (seen.add(n), queue.push(n));
    assert.ok(seen.has('ended'), `${start} cannot reach ended`);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterLeaving, hasSeat, whisperTarget, type MemberFacts } from './call-party-rules.ts';

const m = (id: string, role: MemberFacts['role'], isExtension = true, state: MemberFacts['state'] = 'talking'): MemberFacts => ({ id, role, state, isExtension });
const trunkCaller = m('caller', 'caller', false);
const agent = m('callee', 'callee');

test('a whisper goes to the agent: the callee extension, else the caller extension, else the callee', () => {
  assert.equal(whisperTarget([trunkCaller, agent, m('m1', 'monitor')]), 'callee');
  assert.equal(whisperTarget([m('caller', 'caller'), m('callee', 'callee', false)]), 'caller');
  assert.equal(whisperTarget([trunkCaller, m('callee', 'callee', false)]), 'callee');
  assert.equal(whisperTarget([trunkCaller, m('callee', 'callee', true, 'left'), m('p1', 'callee')]), 'p1', 'an added party who took the callee side');
  assert.equal(whisperTarget([trunkCaller]), undefined);
});

test('the agent leaving a 3-way call: the call goes on and the added party takes the callee side', () => {
  assert.deepEqual(afterLeaving([trunkCaller, agent, m('p1', 'party')], 'callee'), { outcome: 'goes-on', heir: 'p1' });
});

test('the caller leaving a 3-way call: the first added party still talking takes the caller side', () => {
  assert.deepEqual(afterLeaving([trunkCaller, agent, m('p1', 'party', true, 'left'), m('p2', 'party'), m('p3', 'party')], 'caller'), { outcome: 'goes-on', heir: 'p2' });
});

test('a side leaving with one talking party left ends the call, however many supervisors (even barging) are on it', () => {
  assert.deepEqual(afterLeaving([trunkCaller, agent, m('m1', 'monitor'), m('m2', 'monitor')], 'callee'), { outcome: 'ends' });
  assert.deepEqual(afterLeaving([trunkCaller, agent, m('p1', 'party', true, 'left')], 'caller'), { outcome: 'ends' });
  assert.deepEqual(afterLeaving([trunkCaller, agent, m('p1', 'party', true, 'ringing')], 'caller'), { outcome: 'ends' }, 'a party still ringing does not keep the call');
});

test('an added party or a supervisor leaving never ends the call', () => {
  assert.deepEqual(afterLeaving([trunkCaller, agent, m('p1', 'party')], 'p1'), { outcome: 'goes-on' });
  assert.deepEqual(afterLeaving([trunkCaller, agent, m('m1', 'monitor')], 'm1'), { outcome: 'goes-on' });
});

test('eight members at most, supervisors and ringing parties included; before mixing the two sides count', () => {
  assert.equal(hasSeat([], false), true);
  const seven = [trunkCaller, agent, ...['p1', 'p2', 'p3', 'p4'].map((id) => m(id, 'party')), m('m1', 'monitor', true, 'ringing')];
  assert.equal(hasSeat(seven, true), true);
  assert.equal(hasSeat([...seven, m('p5', 'party')], true), false);
  assert.equal(hasSeat([...seven, m('p5', 'party', true, 'left')], true), true, 'who left frees the seat');
});

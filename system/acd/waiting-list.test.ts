import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { WaitingEntry } from './acd-types.ts';
import { WaitingList } from './waiting-list.ts';

function entry(callId: string, enteredAt: number, over: Partial<WaitingEntry> = {}): WaitingEntry {
  return { callId, queue: 'sales', priority: 0, enteredAt, ...over };
}

const order = (list: WaitingList, queue = 'sales'): string[] => [...list.entries(queue)].map((e) => e.callId);

test('callers are served first come, first served; equal arrival times in insertion order', () => {
  const list = new WaitingList();
  list.add(entry('c3', 300));
  list.add(entry('c1', 100));
  list.add(entry('c2a', 200));
  list.add(entry('c2b', 200));
  assert.deepEqual(order(list), ['c1', 'c2a', 'c2b', 'c3']);
  assert.equal(list.head('sales')?.callId, 'c1');
});

test('a VIP (higher priority) overtakes callers who have waited longer', () => {
  const list = new WaitingList();
  list.add(entry('early', 100));
  list.add(entry('later', 200));
  list.add(entry('vip', 900, { priority: 5 }));
  list.add(entry('vvip', 950, { priority: 9 }));
  assert.deepEqual(order(list), ['vvip', 'vip', 'early', 'later']);
  assert.equal(list.position('early'), 3);
});

test('a call re-added after a no-answer with its original enteredAt goes back to its old place', () => {
  const list = new WaitingList();
  for (const [id, at] of [['c1', 100], ['c2', 200], ['c3', 300]] as const) list.add(entry(id, at));
  const offered = list.remove('c1')!;
  list.add(entry('c4', 400));
  list.add({ ...offered, skip: new Set(['agent-7']) });
  assert.deepEqual(order(list), ['c1', 'c2', 'c3', 'c4']);
  assert.equal(list.position('c1'), 1);
  assert.deepEqual([...list.get('c1')!.skip!], ['agent-7']);
});

test('update keeps the exact place, even against a caller who entered in the same millisecond', () => {
  const list = new WaitingList();
  list.add(entry('first', 100));
  list.add(entry('second', 100));
  const updated = list.update('first', { skip: new Set(['a1']) });
  assert.deepEqual(order(list), ['first', 'second']);
  assert.equal(updated?.skip?.has('a1'), true);
  list.update('second', { priority: 1 });
  assert.deepEqual(order(list), ['second', 'first']);
  assert.equal(list.update('gone', { priority: 3 }), undefined);
});

test('positions are 1-based within each queue and sizes count per queue and in total', () => {
  const list = new WaitingList();
  list.add(entry('s1', 100));
  list.add(entry('t1', 50, { queue: 'tech' }));
  list.add(entry('s2', 200));
  list.add(entry('t2', 60, { queue: 'tech' }));
  assert.deepEqual([list.position('s1'), list.position('s2'), list.position('t1'), list.position('t2')], [1, 2, 1, 2]);
  assert.equal(list.position('nobody'), 0);
  assert.deepEqual([list.size(), list.size('sales'), list.size('tech'), list.size('none')], [4, 2, 2, 0]);
  assert.deepEqual([...list.queues()].sort(), ['sales', 'tech']);
});

test('removing the last call of a queue forgets the queue; unknown ids and queues are harmless', () => {
  const list = new WaitingList();
  list.add(entry('only', 1, { queue: 'tech' }));
  assert.equal(list.remove('only')?.callId, 'only');
  assert.equal(list.remove('only'), undefined);
  assert.deepEqual([...list.queues()], []);
  assert.deepEqual(order(list, 'tech'), []);
  assert.equal(list.head('tech'), undefined);
  assert.equal(list.has('only'), false);
});

test('adding a call that is already waiting replaces it (also when it moves to another queue)', () => {
  const list = new WaitingList();
  list.add(entry('c1', 100));
  list.add(entry('c1', 100, { queue: 'tech' }));
  assert.equal(list.size(), 1);
  assert.deepEqual(order(list), []);
  assert.deepEqual(order(list, 'tech'), ['c1']);
});

test('compare orders calls of different queues by priority, then wait, then insertion', () => {
  const list = new WaitingList();
  const a = entry('a', 100);
  const b = entry('b', 100, { queue: 'tech' });
  const vip = entry('vip', 500, { queue: 'tech', priority: 2 });
  for (const e of [a, b, vip]) list.add(e);
  assert.ok(list.compare(a, b) < 0);
  assert.ok(list.compare(b, a) > 0);
  assert.ok(list.compare(vip, a) < 0);
  assert.equal(list.compare(a, a), 0);
});

test('10,000 random adds and removes keep service order and positions exactly as a sorted reference', () => {
  let seed = 42;
  const rand = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
  const list = new WaitingList();
  const reference: { e: WaitingEntry; seq: number }[] = [];
  let seq = 0;
  for (let i = 0; i < 10_000; i++) {
    if (reference.length > 0 && rand() < 0.3) {
      const [gone] = reference.splice(Math.floor(rand() * reference.length), 1);
      assert.equal(list.remove(gone.e.callId), gone.e);
    } else {
      const e = entry(`c${i}`, Math.floor(rand() * 500), { priority: rand() < 0.1 ? 1 : 0 });
      list.add(e);
      reference.push({ e, seq: ++seq });
    }
  }
  reference.sort((x, y) => y.e.priority - x.e.priority || x.e.enteredAt - y.e.enteredAt || x.seq - y.seq);
  assert.equal(list.size('sales'), reference.length);
  assert.deepEqual(order(list), reference.map((r) => r.e.callId));
  for (let i = 0; i < reference.length; i += 97) assert.equal(list.position(reference[i].e.callId), i + 1);
});

test('skillSets lists the distinct own-skill lists of a queue’s calls while any call has them', () => {
  const list = new WaitingList();
  const fr = [{ skill: 'fr', minLevel: 2 }];
  list.add(entry('plain', 1));
  list.add(entry('fr1', 2, { requiredSkills: fr }));
  list.add(entry('fr2', 3, { requiredSkills: [{ skill: 'fr', minLevel: 2 }] }));
  assert.deepEqual(list.skillSets('sales'), [[], fr]);
  list.remove('fr1');
  assert.equal(list.skillSets('sales').length, 2);
  list.remove('fr2');
  assert.deepEqual(list.skillSets('sales'), [[]]);
  assert.deepEqual(list.skillSets('none'), []);
});

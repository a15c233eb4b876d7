import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matches, queryProblems, searchRecordings, type RecordingEntry } from './search.ts';

const H = 3_600_000;
const T0 = Date.UTC(2026, 10, 20, 8);

function entry(callId: string, o: { at: number; durationS: number; caller: string; callee: string; agents?: string[]; queue?: string; disposition?: 'answered' | 'busy'; score?: number; hold?: boolean; parties?: string[] }): RecordingEntry {
  return {
    row: {
      callId, path: `/rec/${callId}.wav`, startedAt: o.at, endedAt: o.at + o.durationS * 1000, durationMs: o.durationS * 1000, caller: o.caller, callee: o.callee,
      parties: o.parties ?? [o.caller, o.callee], bytes: 100, sha256: 'x', gapMs: { caller: 0, callee: 0 }, ...(o.agents ? { agents: o.agents } : {}), ...(o.queue ? { queue: o.queue } : {}), ...(o.hold ? { legalHold: true } : {}),
    },
    cdr: { disposition: o.disposition ?? 'answered' },
    score: o.score,
  };
}

const ALL = [
  entry('c1', { at: T0, durationS: 30, caller: '13900000001', callee: '2001', agents: ['a1'], queue: 'sales', score: 85 }),
  entry('c2', { at: T0 + H, durationS: 300, caller: '13900000002', callee: '2002', agents: ['a2'], queue: 'support', score: 40 }),
  entry('c3', { at: T0 + 2 * H, durationS: 5, caller: '13900000001', callee: '2002', agents: ['a1', 'a2'], queue: 'sales' }),
  entry('c4', { at: T0 + 3 * H, durationS: 60, caller: '2001', callee: '01085551234', disposition: 'answered', hold: true, parties: ['2001', '01085551234', '2003'] }),
  entry('c5', { at: T0 + 3 * H, durationS: 1, caller: '13700000009', callee: '6001', disposition: 'busy' }),
];
const ids = (q: Parameters<typeof searchRecordings>[1], page = { offset: 0, limit: 50 }) => searchRecordings(ALL, q, page).items.map((i) => i.callId);

test('with no filter every recording comes back, newest call first (equal start times by call id)', () => {
  assert.deepEqual(ids({}), ['c4', 'c5', 'c3', 'c2', 'c1']);
});

test('a time range keeps calls that started in [from, to)', () => {
  assert.deepEqual(ids({ from: T0 + H, to: T0 + 3 * H }), ['c3', 'c2']);
  assert.deepEqual(ids({ from: T0 + 3 * H }), ['c4', 'c5']);
  assert.deepEqual(ids({ to: T0 + 1 }), ['c1']);
});

test('an agent finds every call they took, also as the second agent of a call', () => {
  assert.deepEqual(ids({ agent: 'a1' }), ['c3', 'c1']);
  assert.deepEqual(ids({ agent: 'a2' }), ['c3', 'c2']);
  assert.deepEqual(ids({ agent: 'nobody' }), []);
});

test('queue, disposition and duration bounds (inclusive) filter exactly', () => {
  assert.deepEqual(ids({ queue: 'sales' }), ['c3', 'c1']);
  assert.deepEqual(ids({ disposition: 'busy' }), ['c5']);
  assert.deepEqual(ids({ minDurationMs: 30_000, maxDurationMs: 60_000 }), ['c4', 'c1']);
  assert.deepEqual(ids({ maxDurationMs: 5000 }), ['c5', 'c3']);
});

test('a number substring matches caller, callee or anyone who was on the recording', () => {
  assert.deepEqual(ids({ number: '1390000000' }), ['c3', 'c2', 'c1']);
  assert.deepEqual(ids({ number: '0000000' }), ['c5', 'c3', 'c2', 'c1']);
  assert.deepEqual(ids({ number: '8555' }), ['c4']);
  assert.deepEqual(ids({ number: '2003' }), ['c4'], 'a transferred-in party');
  assert.deepEqual(ids({ caller: '2001' }), ['c4']);
  assert.deepEqual(ids({ callee: '2001' }), ['c1']);
  assert.deepEqual(ids({ caller: '139', callee: '2002' }), ['c3', 'c2']);
});

test('a score range keeps scored recordings within it; unscored ones never match a bound', () => {
  assert.deepEqual(ids({ minScore: 80 }), ['c1']);
  assert.deepEqual(ids({ maxScore: 40 }), ['c2']);
  assert.deepEqual(ids({ minScore: 0, maxScore: 100 }), ['c2', 'c1']);
  assert.deepEqual(ids({ scored: false }), ['c4', 'c5', 'c3']);
  assert.deepEqual(ids({ legalHold: true }), ['c4']);
});

test('filters combine with AND', () => {
  assert.deepEqual(ids({ agent: 'a1', queue: 'sales', minDurationMs: 10_000 }), ['c1']);
  assert.equal(matches(ALL[0], { agent: 'a1', disposition: 'busy' }), false);
});

test('pages are slices of the sorted result, and total counts every match', () => {
  const p1 = searchRecordings(ALL, {}, { offset: 0, limit: 2 });
  const p2 = searchRecordings(ALL, {}, { offset: 2, limit: 2 });
  const p3 = searchRecordings(ALL, {}, { offset: 4, limit: 2 });
  assert.equal(p1.total, 5);
  assert.deepEqual([...p1.items, ...p2.items, ...p3.items].map((i) => i.callId), ['c4', 'c5', 'c3', 'c2', 'c1']);
  assert.deepEqual(searchRecordings(ALL, {}, { offset: 10, limit: 2 }).items, []);
});

test('a summary carries agents, queue, disposition, score and hold from the row and CDR', () => {
  const [c2] = searchRecordings(ALL, { agent: 'a2', queue: 'support' }, { offset: 0, limit: 1 }).items;
  assert.deepEqual({ ...c2 }, {
    callId: 'c2', startedAt: T0 + H, endedAt: T0 + H + 300_000, durationMs: 300_000, caller: '13900000002', callee: '2002', parties: ['13900000002', '2002'],
    agents: ['a2'], queue: 'support', disposition: 'answered', score: 40, legalHold: false, bytes: 100, encrypted: false, stoppedBy: undefined,
  });
});

test('contradicting bounds are named', () => {
  assert.deepEqual(queryProblems({ from: 5, to: 5, minDurationMs: 2, maxDurationMs: 1, minScore: 90, maxScore: 10 }), ['from must be before to', 'minimum duration above maximum', 'minimum score above maximum']);
  assert.deepEqual(queryProblems({ from: 1, to: 2 }), []);
});

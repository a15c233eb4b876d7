// The conference late-packet policy: frames come out in arrival order, one per tick; an empty
// queue is silence; at most 60 ms wait; and a sender whose packets land around the tick
// instant loses nothing (where "latest packet per tick" would lose about a third of them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FRAME, PartyAudioQueue } from './conference-jitter.ts';

const frame = (v: number, n = FRAME) => new Int16Array(n).fill(v);

test('frames come out oldest first, one per tick; an empty queue gives silence and counts an underrun only after the first audio', () => {
  const q = new PartyAudioQueue();
  const out = new Int16Array(FRAME);
  assert.equal(q.take(out), false);
  assert.equal(q.silent, 0, 'silence before the party ever spoke is not an underrun');
  q.push(frame(1));
  q.push(frame(2));
  assert.equal(q.take(out), true);
  assert.deepEqual(out, frame(1));
  assert.equal(q.take(out), true);
  assert.deepEqual(out, frame(2));
  assert.equal(q.take(out), false);
  assert.equal(q.silent, 1);
  assert.equal(q.taken, 2);
});

test('30 ms packets are cut into 20 ms frames; a partial frame waits for the next packet', () => {
  const q = new PartyAudioQueue();
  const out = new Int16Array(FRAME);
  q.push(frame(7, 240));
  assert.equal(q.take(out), true);
  assert.equal(q.queued, 80);
  assert.equal(q.take(out), false, '80 samples are not a frame');
  q.push(frame(8, 240));
  assert.equal(q.take(out), true);
  assert.deepEqual([...out.subarray(0, 80)], Array(80).fill(7));
  assert.deepEqual([...out.subarray(80)], Array(80).fill(8));
});

test('no more than three frames (60 ms) wait: a burst drops its oldest audio', () => {
  const q = new PartyAudioQueue(3);
  for (let v = 1; v <= 5; v++) q.push(frame(v));
  assert.equal(q.queued, 3 * FRAME);
  assert.equal(q.droppedSamples, 2 * FRAME);
  const out = new Int16Array(FRAME);
  const got: number[] = [];
  while (q.take(out)) got.push(out[0]);
  assert.deepEqual(got, [3, 4, 5]);
});

test('a packet longer than the whole buffer keeps its newest samples', () => {
  const q = new PartyAudioQueue(3);
  const big = new Int16Array(20 * FRAME);
  for (let i = 0; i < big.length; i++) big[i] = i % 30000;
  q.push(big);
  assert.equal(q.queued, 3 * FRAME);
  const out = new Int16Array(FRAME);
  q.take(out);
  assert.equal(out[0], (17 * FRAME) % 30000);
});

test('packets arriving around the tick instant with ±2 ms jitter lose nothing after one underrun, unlike latest-packet-per-tick', () => {
  // Ticks at 20 ms·k; packet n arrives at 20 ms·n + jitter in [-2, +2] ms (deterministic pseudo-random).
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff) * 4 - 2;
  const N = 1000;
  const arrivals = Array.from({ length: N }, (_, n) => ({ at: 20 * n + rnd(), value: n + 1 }));
  const q = new PartyAudioQueue();
  let latest: number | undefined;
  const heardQueue: number[] = [];
  const heardLatest: number[] = [];
  const out = new Int16Array(FRAME);
  let next = 0;
  for (let tick = 0; tick <= N; tick++) {
    const now = 20 * tick;
    while (next < N && arrivals[next].at <= now) {
      q.push(frame(arrivals[next].value));
      latest = arrivals[next].value;
      next++;
    }
    if (q.take(out)) heardQueue.push(out[0]);
    if (latest !== undefined) heardLatest.push(latest);
    latest = undefined;
  }
  const lostQueue = N - new Set(heardQueue).size;
  const lostLatest = N - new Set(heardLatest).size;
  assert.ok(lostQueue <= 1, `queue lost ${lostQueue} frames`);
  assert.ok(q.silent <= 1, `queue underran ${q.silent} times`);
  assert.deepEqual(heardQueue, [...heardQueue].sort((a, b) => a - b), 'in order');
  assert.ok(lostLatest > N / 5, `latest-per-tick lost only ${lostLatest} frames; the comparison is meant to show its losses`);
});

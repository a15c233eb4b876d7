import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatestOnly } from './latest-only.ts';

test('overlapping requests run one at a time, and a request overtaken while waiting is skipped', async () => {
  const gate = new LatestOnly();
  const ran: string[] = [];
  let running = 0;
  const job = (name: string, ms: number) => async () => {
    running++;
    assert.equal(running, 1, 'never two at once');
    await new Promise((r) => setTimeout(r, ms));
    ran.push(name);
    running--;
  };
  const music = gate.run(job('music', 20));
  await new Promise((r) => setTimeout(r, 5)); // music is running now
  await Promise.all([music, gate.run(job('agent-early', 5)), gate.run(job('agent', 5))]);
  assert.deepEqual(ran, ['music', 'agent'], 'the first was already running; the middle one was overtaken');
  await Promise.all([gate.run(job('a', 5)), gate.run(job('b', 5))]);
  assert.deepEqual(ran.slice(2), ['b'], 'of two queued together only the latest runs');
});

test('a failed request does not block the next one', async () => {
  const gate = new LatestOnly();
  await assert.rejects(gate.run(async () => { throw new Error('boom'); }), /boom/);
  let ran = false;
  await gate.run(async () => { ran = true; });
  assert.equal(ran, true);
});

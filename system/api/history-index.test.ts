// The call history of a number: built from the CDRs on first use, kept current from
// call-ended rows (including one committed out of order), newest first, both directions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { CallHistoryIndex } from './history-index.ts';

function cdr(callId: string, caller: string, callee: string, startedAt: number, extra: Record<string, unknown> = {}) {
  return {
    callId, caller: { number: caller, uri: `sip:${caller}@x`, kind: 'trunk', id: 't' }, callee: { number: callee, uri: `sip:${callee}@x`, kind: 'extension', id: callee },
    dialled: callee, startedAt, answeredAt: startedAt + 1000, endedAt: startedAt + 61_000, durationMs: 61_000, billableMs: 60_000,
    disposition: 'answered', hangup: { cause: 'normal', side: 'caller' }, ...extra,
  };
}

async function write(store: Store, row: ReturnType<typeof cdr>) {
  await store.transaction(() => {
    store.tables.cdr.put(row.callId, row);
    store.appendEvent('call-ended', { callId: row.callId }, row.endedAt);
  });
}

test('previous calls of a number, newest first, with direction, queue, agents and IVR path, as new calls end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'history-test-'));
  const store = new Store(dir);
  try {
    const t = 1_700_000_000_000;
    await write(store, cdr('c1', '13900000001', '600', t, { queue: 'sales', agents: ['a1'], connectedAt: t + 31_000, ivr: { flow: 'main', version: 1, path: ['start', 'menu'], variables: { lang: 'zh' } } }));
    await write(store, cdr('c2', '2001', '13900000001', t + 100_000));
    await write(store, cdr('c3', '13900000002', '600', t + 200_000));
    const index = new CallHistoryIndex(store);
    const first = await index.calls('13900000001');
    assert.deepEqual(first.map((c) => [c.callId, c.direction, c.other]), [['c2', 'out', '2001'], ['c1', 'in', '600']]);
    assert.deepEqual([first[1].queue, first[1].agents, first[1].ivr?.path, first[1].talkMs, first[1].disposition], ['sales', ['a1'], ['start', 'menu'], 30_000, 'answered'], 'talk time counts from the agent\'s connect');
    assert.equal(first[0].talkMs, 60_000, 'a call outside queues talks from its answer');
    assert.equal(index.buildStats?.cdrs, 3);

    await write(store, cdr('c4', '13900000001', '600', t + 300_000, { queue: 'sales' }));
    // A call that ended a little earlier than the newest one seen but committed after it.
    await write(store, cdr('c5', '13900000001', '600', t + 299_000 - 61_000 + 30_000));
    assert.deepEqual((await index.calls('13900000001')).map((c) => c.callId), ['c4', 'c5', 'c2', 'c1']);
    assert.deepEqual((await index.calls('13900000001')).map((c) => c.callId), ['c4', 'c5', 'c2', 'c1'], 'nothing is indexed twice');
    assert.deepEqual((await index.calls('13900000001', 2)).map((c) => [c.callId, c.disposition, c.talkMs]), [['c4', 'abandoned', 0], ['c5', 'answered', 60_000]], 'a queue call no agent took is abandoned');
    assert.deepEqual(await index.calls('139'), []);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the index is built from 20,000 CDRs in chunks, without holding the event loop for long', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'history-test-'));
  const store = new Store(dir);
  try {
    const t = 1_700_000_000_000;
    await store.transaction(() => {
      for (let i = 0; i < 20_000; i++) store.tables.cdr.put(`id-${i}`, cdr(`id-${i}`, `1390000${String(i % 5000).padStart(4, '0')}`, '600', t + i * 1000));
    });
    const index = new CallHistoryIndex(store);
    let longest = 0;
    let ticks = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      ticks++;
      longest = Math.max(longest, performance.now() - last);
      last = performance.now();
    }, 1);
    const built = index.start();
    await built;
    clearInterval(probe);
    assert.equal((await index.calls('13900000042')).length, 4);
    // Built in chunks: timers run between them (a build in one piece would let the probe run
    // only after it). How long each wait was depends on the machine's load, so it is printed,
    // not asserted (speed is for benchmarks).
    assert.ok(ticks >= 5, `the event loop ran ${ticks} times during the build`);
    console.log(`# history index: ${index.buildStats!.cdrs} CDRs in ${index.buildStats!.ms.toFixed(0)} ms of CPU, ${index.numbers} numbers, longest event-loop wait ${longest.toFixed(0)} ms`);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

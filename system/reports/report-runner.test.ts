// The report runner against a real LMDB store: a report computed in the worker thread (which
// opens the same environment itself) equals the one computed on this thread, rows written
// after the worker started included; a closed runner computes on the calling thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { ReportRunner, type ReportQuery } from './report-runner.ts';
import { computeReport, DEFAULT_SETTINGS } from './figures.ts';
import { reportRows } from './queue-log-reader.ts';

test('the worker gives the same report as the calling thread, and sees rows written after it started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'report-runner-'));
  const store = new Store(dir);
  const runner = new ReportRunner(store);
  try {
    const t0 = Date.UTC(2026, 10, 26, 1);
    const write = (calls: number, base: number) => store.transaction(() => {
      for (let i = 0; i < calls; i++) {
        const at = base + i * 60_000;
        store.appendQueueEvent('enter', { callId: `c${base}-${i}`, queue: i % 2 ? 'a' : 'b' }, at);
        if (i % 3) store.appendQueueEvent('connect', { callId: `c${base}-${i}`, queue: i % 2 ? 'a' : 'b', agent: 'x', waitMs: 1000 * i }, at + 1000 * i);
        else store.appendQueueEvent('abandon', { callId: `c${base}-${i}`, queue: i % 2 ? 'a' : 'b', waitMs: 4000 }, at + 4000);
      }
    });
    await write(30, t0);
    const query: ReportQuery = { from: t0 - 3_600_000, to: t0 + 86_400_000, interval: 'hour', timeZone: 'Asia/Shanghai', now: t0 + 7_200_000, settings: DEFAULT_SETTINGS };
    const here = () => {
      const { rows, initialStates } = reportRows(store, query.from, query.to, query.now);
      return computeReport({ ...query, rows, initialStates });
    };
    const first = await runner.run(query);
    assert.deepEqual(first, here());
    assert.equal(first.queues.reduce((n, q) => n + q.offered, 0), 30);
    await write(10, t0 + 3_600_000);
    const second = await runner.run(query);
    assert.deepEqual(second, here());
    assert.equal(second.queues.reduce((n, q) => n + q.offered, 0), 40);
    assert.deepEqual(runner.counts, { worker: 2, inline: 0 });
    await runner.close();
    assert.deepEqual(await runner.run(query), here());
    assert.deepEqual(runner.counts, { worker: 2, inline: 1 });
  } finally {
    await runner.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

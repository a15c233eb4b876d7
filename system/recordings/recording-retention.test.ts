// The retention run against a real LMDB store and real files: the one past retention goes
// (file, index row; event and audit rows written), held and reviewed ones stay, a hold set
// after the decision still wins, and a second run at once is refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { listAudit } from '../audit/audit-log.ts';
import { RecordingsService } from './recordings-service.ts';
import { DAY_MS } from './retention-policy.ts';
import type { RecordingsConfig } from './recordings-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'rec-retention-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const NOW = Date.UTC(2026, 10, 26, 3, 30);
const quiet = { info: () => undefined, error: () => undefined };

async function seed(store: Store, callId: string, ageDays: number, extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, `${callId}.wav`);
  writeFileSync(path, 'RIFF');
  const endedAt = NOW - ageDays * DAY_MS;
  await store.transaction(() => store.tables.recordings.put(callId, { callId, path, startedAt: endedAt - 60_000, endedAt, durationMs: 60_000, caller: '1', callee: '2', parties: ['1', '2'], bytes: 4, sha256: 'x', gapMs: { caller: 0, callee: 0 }, ...extra }));
  return path;
}

test('retention deletes only what is past its queue\'s retention and free of hold and QA review', async () => {
  const store = new Store(join(dir, 'box1'));
  const policy: RecordingsConfig = { retentionDays: 90, queues: [{ queue: 'sales', retentionDays: 30 }], retentionSchedule: '30 3 * * *', downloadRoles: ['admin'] };
  const svc = new RecordingsService(store, () => policy, quiet);
  try {
    const old = await seed(store, 'old-sales', 31, { queue: 'sales' });
    const young = await seed(store, 'young-sales', 29, { queue: 'sales' });
    const direct = await seed(store, 'direct-60d', 60);
    const held = await seed(store, 'held', 400);
    const reviewed = await seed(store, 'reviewed', 400);
    const scoredDone = await seed(store, 'scored-closed', 400);
    // The QA area's tables, as that area would write them.
    const qaScores = store.root.openDB({ name: 'qa-scores' });
    const qaReviews = store.root.openDB({ name: 'qa-reviews' });
    await store.transaction(() => {
      qaReviews.put('reviewed', { status: 'disputed' });
      qaScores.put('scored-closed', { score: 70, status: 'closed' });
    });
    await svc.catalog.setHold('held', true, 'sup1', 'court order 42', '127.0.0.1', NOW - DAY_MS);
    const r = await svc.retention.run(NOW);
    assert.deepEqual(r.deleted.sort(), ['old-sales', 'scored-closed']);
    assert.deepEqual(r.held, [{ callId: 'held', why: 'legal-hold' }, { callId: 'reviewed', why: 'qa-review' }]);
    assert.deepEqual(r.failed, []);
    assert.equal(existsSync(old), false);
    assert.equal(existsSync(scoredDone), false);
    for (const kept of [young, direct, held, reviewed]) assert.ok(existsSync(kept), kept);
    assert.equal(store.tables.recordings.get('old-sales'), undefined);
    assert.ok(store.tables.recordings.get('held'));
    const events = [...store.tables.events.getRange()].map((e) => e.value as { type: string; callId?: string });
    assert.deepEqual(events.filter((e) => e.type === 'recording-deleted').map((e) => e.callId).sort(), ['old-sales', 'scored-closed']);
    assert.equal(events.filter((e) => e.type === 'recording-held').length, 1);
    assert.equal(events.filter((e) => e.type === 'recording-retention-run').length, 1);
    const audit = listAudit(store);
    assert.deepEqual(audit.filter((a) => a.action === 'recording-delete').map((a) => [a.actor, a.target, a.outcome]).sort(), [['system', 'old-sales', 'ok'], ['system', 'scored-closed', 'ok']]);
    assert.deepEqual(audit.filter((a) => a.action === 'recording-hold').map((a) => [a.actor, a.target, a.detail]), [['sup1', 'held', { reason: 'court order 42' }]]);
  } finally {
    await svc.close();
    await store.close();
  }
});

test('a hold set after the decision, before the row goes, keeps the recording and its file', async () => {
  const store = new Store(join(dir, 'box2'));
  const svc = new RecordingsService(store, () => ({ retentionDays: 1, queues: [], retentionSchedule: '30 3 * * *', downloadRoles: [] }), quiet);
  try {
    const path = await seed(store, 'late-hold', 10);
    await svc.catalog.setHold('late-hold', true, 'sup1', undefined);
    assert.equal(await svc.catalog.removeExpired('late-hold', { retentionDays: 1, endedAt: 0 }), undefined);
    assert.ok(existsSync(path));
    assert.ok(store.tables.recordings.get('late-hold'));
    await svc.catalog.setHold('late-hold', false, 'sup1', 'released');
    const r = await svc.retention.run(NOW);
    assert.deepEqual(r.deleted, ['late-hold']);
    assert.equal(existsSync(path), false);
  } finally {
    await svc.close();
    await store.close();
  }
});

test('one run at a time: a second run while one is going is refused with a code', async () => {
  const store = new Store(join(dir, 'box3'));
  const svc = new RecordingsService(store, () => ({ retentionDays: 1, queues: [], retentionSchedule: '30 3 * * *', downloadRoles: [] }), quiet);
  try {
    await seed(store, 'a', 10);
    const first = svc.retention.run(NOW);
    await assert.rejects(svc.retention.run(NOW), { code: 'CC_RECORDINGS_RETENTION_BUSY' });
    assert.deepEqual((await first).deleted, ['a']);
    assert.deepEqual((await svc.retention.run(NOW)).deleted, [], 'nothing left to delete');
  } finally {
    await svc.close();
    await store.close();
  }
});

test('a hold on a call without a recording is refused with a code', async () => {
  const store = new Store(join(dir, 'box4'));
  const svc = new RecordingsService(store, () => ({ retentionDays: 0, queues: [], retentionSchedule: '30 3 * * *', downloadRoles: [] }), quiet);
  try {
    await assert.rejects(svc.catalog.setHold('nope', true, 'sup1', undefined), { code: 'CC_RECORDINGS_NOT_FOUND' });
  } finally {
    await svc.close();
    await store.close();
  }
});

// The playback audit rule: one row per session and recording, however many range requests
// (also when they race), and a failed write is tried again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { RecordingsService } from './recordings-service.ts';

const dir = mkdtempSync(join(tmpdir(), 'rec-service-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('playback is written once per session and recording, racing requests included; a failed write is retried', async () => {
  const store = new Store(join(dir, 'box'));
  const svc = new RecordingsService(store, () => ({ retentionDays: 0, queues: [], retentionSchedule: '30 3 * * *', downloadRoles: [] }), { info: () => undefined, error: () => undefined });
  try {
    const writes: string[] = [];
    const write = (what: string) => async () => {
      await new Promise((r) => setTimeout(r, 5));
      writes.push(what);
    };
    await Promise.all([1, 2, 3].map(() => svc.auditFirstPlay('session-1', 'call-a', write('s1 a'))));
    await svc.auditFirstPlay('session-1', 'call-a', write('s1 a again'));
    await svc.auditFirstPlay('session-1', 'call-b', write('s1 b'));
    await svc.auditFirstPlay('session-2', 'call-a', write('s2 a'));
    assert.deepEqual(writes, ['s1 a', 's1 b', 's2 a']);
    await assert.rejects(svc.auditFirstPlay('session-3', 'call-a', async () => { throw new Error('disk full'); }), /disk full/);
    await svc.auditFirstPlay('session-3', 'call-a', write('s3 a after a failure'));
    assert.deepEqual(writes.at(-1), 's3 a after a failure');
  } finally {
    await svc.close();
    await store.close();
  }
});

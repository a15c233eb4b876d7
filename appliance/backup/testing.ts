// Test helpers for backup and restore (unit and whole-box tests): a real Store filled like a
// box that has taken calls — CDRs, recording files with their index rows, a config document,
// a user and audit rows. Not used by the box itself.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../../system/store/store.ts';
import type { RecordingRow } from '../../system/calls/cdr.ts';
import { recordAudit } from '../../system/audit/audit-log.ts';

/** Write `n` recordings of `bytes` each under `recordingDir` (dated folders like the box) with CDR and index rows. */
export async function addRecordings(store: Store, recordingDir: string, n: number, bytes = 32 * 1024, prefix = 'call'): Promise<RecordingRow[]> {
  const rows: RecordingRow[] = [];
  for (let i = 0; i < n; i++) {
    const callId = `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
    const dir = join(recordingDir, '2025', '01', String(1 + (i % 28)).padStart(2, '0'));
    mkdirSync(dir, { recursive: true });
    const path = join(dir, `${callId}.wav`);
    const data = randomBytes(bytes);
    writeFileSync(path, data);
    const now = Date.now();
    const row: RecordingRow = {
      callId, path, startedAt: now - 5000, endedAt: now, durationMs: 5000, caller: '1001', callee: '96001', parties: ['1001', '96001'],
      bytes, sha256: createHash('sha256').update(data).digest('hex'), gapMs: { caller: 0, callee: 0 },
    };
    rows.push(row);
    await store.transaction(() => {
      store.tables.cdr.put(callId, { callId, dialled: '96001', startedAt: now - 6000, endedAt: now, disposition: 'answered' });
      store.tables.recordings.put(callId, row);
      store.appendEvent('call-ended', { callId });
    });
  }
  return rows;
}

/** A stored config document, a user and a few audit rows. */
export async function seedBox(store: Store, config: Record<string, unknown> = { extensions: [{ number: '1001', password: 'secret-1001' }] }): Promise<void> {
  await store.transaction(() => {
    store.tables.config.put('box-config', config);
    store.tables.config.put('user:admin', { username: 'admin', role: 'admin', passwordHash: 'x', createdAt: 1, mustChangePassword: false });
  });
  await recordAudit(store, { actor: 'admin', action: 'sign-in', outcome: 'ok', source: '127.0.0.1' });
}

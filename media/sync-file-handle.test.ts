// The recording thread's synchronous file handle on real files: it writes where asked, never
// clobbers with 'wx', cuts back, and refuses to work once closed, each as a rejected promise
// carrying node's error code (what WavFileWriter maps to its coded errors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyncFileHandle } from './sync-file-handle.ts';

test('writes at positions, truncates, syncs and closes; wx never clobbers; a closed handle refuses', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sync-fh-'));
  try {
    const path = join(dir, 'a.bin');
    const fh = await SyncFileHandle.open(path, 'wx');
    await assert.rejects(SyncFileHandle.open(path, 'wx'), (e: { code?: string }) => e.code === 'EEXIST');
    assert.deepEqual(await fh.write(Buffer.from('xxhello'), 2, 5, 4), { bytesWritten: 5 });
    assert.deepEqual(await fh.write(Buffer.from('HEAD'), 0, 4, 0), { bytesWritten: 4 });
    await fh.datasync();
    assert.equal(readFileSync(path, 'latin1'), 'HEADhello');
    await fh.truncate(6);
    assert.equal(readFileSync(path, 'latin1'), 'HEADhe');
    await fh.close();
    await assert.rejects(fh.write(Buffer.from('x'), 0, 1, 0), (e: { code?: string }) => e.code === 'EBADF');
    await assert.rejects(fh.close(), (e: { code?: string }) => e.code === 'EBADF');
    await assert.rejects(SyncFileHandle.open(join(dir, 'missing', 'b.bin'), 'wx'), (e: { code?: string }) => e.code === 'ENOENT');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

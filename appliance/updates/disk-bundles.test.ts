import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { attachedDisks, diskBundlePath, findDiskBundles } from './disk-bundles.ts';
import { UpdateError } from './bundle.ts';
import { daemonHopeless } from './health-check.ts';

function media() {
  const dir = mkdtempSync(join(tmpdir(), 'cc-media-'));
  mkdirSync(join(dir, 'vdb'));
  mkdirSync(join(dir, 'sdc1'));
  writeFileSync(join(dir, 'vdb', 'v2.ccupdate'), Buffer.alloc(1234));
  writeFileSync(join(dir, 'vdb', 'notes.txt'), 'x');
  writeFileSync(join(dir, 'vdb', '.hidden.ccupdate'), 'x');
  mkdirSync(join(dir, 'vdb', 'dir.ccupdate'));
  writeFileSync(join(dir, 'sdc1', 'a.ccupdate'), 'abc');
  writeFileSync(join(dir, 'loose.ccupdate'), 'not on a disk');
  return dir;
}

test('bundles are the *.ccupdate files in the roots of the attached disks, nothing else', () => {
  const dir = media();
  try {
    assert.deepEqual(findDiskBundles({ mountDir: dir, allowSameDevice: true }), [
      { disk: 'sdc1', file: 'a.ccupdate', bytes: 3 },
      { disk: 'vdb', file: 'v2.ccupdate', bytes: 1234 },
    ]);
    assert.equal(diskBundlePath({ mountDir: dir, allowSameDevice: true }, 'vdb', 'v2.ccupdate'), join(dir, 'vdb', 'v2.ccupdate'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('directories on the mount directory’s own device are not disks (only mount points are)', () => {
  const dir = media();
  try {
    assert.deepEqual(attachedDisks({ mountDir: dir }), []);
    assert.deepEqual(findDiskBundles({ mountDir: dir }), []);
    assert.throws(() => diskBundlePath({ mountDir: dir }, 'vdb', 'v2.ccupdate'), (e: unknown) => e instanceof UpdateError && e.code === 'CC_UPDATE_NO_SUCH_BUNDLE');
    assert.deepEqual(findDiskBundles({ mountDir: join(dir, 'missing') }), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('names from a request never leave the listed bundles (traversal, other files, hidden files)', () => {
  const dir = media();
  try {
    const o = { mountDir: dir, allowSameDevice: true };
    for (const [disk, file] of [['vdb', '../sdc1/a.ccupdate'], ['..', 'loose.ccupdate'], ['vdb', 'notes.txt'], ['vdb', '.hidden.ccupdate'], ['vdb', 'dir.ccupdate'], ['', 'v2.ccupdate'], ['sdc1', 'v2.ccupdate']]) {
      assert.throws(() => diskBundlePath(o, disk!, file!), (e: unknown) => e instanceof UpdateError && e.code === 'CC_UPDATE_NO_SUCH_BUNDLE', `${disk}/${file}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the health check gives up on a daemon that keeps exiting at start or whose unit failed', () => {
  assert.equal(daemonHopeless('NRestarts=0\nActiveState=activating\nResult=success\n'), undefined);
  assert.equal(daemonHopeless('NRestarts=2\nActiveState=activating\nResult=exit-code\n'), undefined);
  assert.match(daemonHopeless('NRestarts=3\nActiveState=activating\nResult=exit-code\n') ?? '', /restarted 3 times/);
  assert.match(daemonHopeless('NRestarts=1\nActiveState=failed\nResult=start-limit-hit\n') ?? '', /failed \(start-limit-hit\)/);
});

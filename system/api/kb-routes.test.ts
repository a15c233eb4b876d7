import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importFolderPath } from './kb-routes.ts';
import { KbError } from '../kb/errors.ts';

test('an import folder must be a folder on a disk under the mount directory: no .., no link leaving the disk', () => {
  const mount = mkdtempSync(join(tmpdir(), 'kb-mount-'));
  try {
    mkdirSync(join(mount, 'usb1', 'docs', 'inner'), { recursive: true });
    mkdirSync(join(mount, 'usb2'), { recursive: true });
    writeFileSync(join(mount, 'usb1', 'file.md'), '# x');
    symlinkSync('/etc', join(mount, 'usb1', 'etc-link'));
    symlinkSync(join(mount, 'usb2'), join(mount, 'usb1', 'other-disk'));
    symlinkSync(join(mount, 'usb1', 'docs', 'inner'), join(mount, 'usb1', 'inside-link'));
    assert.equal(importFolderPath(mount, 'usb1', ''), join(mount, 'usb1'));
    assert.equal(importFolderPath(mount, 'usb1', 'docs/inner'), join(mount, 'usb1', 'docs', 'inner'));
    assert.equal(importFolderPath(mount, 'usb1', 'inside-link'), join(mount, 'usb1', 'docs', 'inner'), 'a link within the disk is fine');
    const refused = (disk: string, folder: string) => assert.throws(() => importFolderPath(mount, disk, folder), (e: unknown) => e instanceof KbError && e.code === 'CC_KB_IMPORT_SOURCE', `${disk}/${folder}`);
    refused('usb1', '../usb2');
    refused('usb1', 'docs/../../usb2');
    refused('..', '');
    refused('usb1', 'etc-link');
    refused('usb1', 'other-disk');
    refused('usb1', 'file.md');
    refused('usb1', 'missing');
    refused('no-disk', '');
  } finally {
    rmSync(mount, { recursive: true, force: true });
  }
});

// "Firmware update from USB disk" on the backup page, in Chromium, against a real box whose
// update target is files (the appliance paths are overridable by environment: a kernel command
// line naming slot A, an ESP directory, slot B as a file, the update key, bootctl as a script
// that records its arguments). A tmpfs mounted under the box's mount directory is the USB
// stick, holding a bundle signed by the box's key and one signed by a stranger. The good one
// installs (slot B holds its root image, its boot entry is written and tried once, the audit
// log has it); the stranger's is refused with the catalogue's text; the card reads in Chinese.
// The restart button is never pressed (it would reboot this machine).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import type { ApiClient } from './harness/api.ts';
import { firstAdmin, testWithShots } from './harness/web-session.ts';
import { mountTmpfsDisk, type TmpfsDisk } from './harness/tmpfs-disk.ts';
import { ensureWebBuilt, screenshot, type TestPage } from './harness/browser.ts';
import { launchSignedIn } from './harness/web-box.ts';
import { buildBundle } from '../appliance/updates/bundle-build.ts';

const dir = mkdtempSync(join(tmpdir(), 'cc-web-update-'));
const media = join(dir, 'media');
const disk = join(media, 'sdz1');
const esp = join(dir, 'esp');
const slotB = join(dir, 'slot-b');
const bootctlLog = join(dir, 'bootctl.log');
const vendor = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const rootImage = Buffer.concat([randomBytes(200_000), Buffer.alloc(300_000)]);
let usb: TmpfsDisk | undefined;
let box: BoxProcess;
let api: ApiClient;
let browser: Browser;
let admin: TestPage;

before(async () => {
  ensureWebBuilt();
  mkdirSync(join(esp, 'loader', 'entries'), { recursive: true });
  writeFileSync(join(esp, 'loader', 'loader.conf'), 'default cc-a.conf\n');
  writeFileSync(join(esp, 'loader', 'entries', 'cc-a.conf'), 'title a\nversion v1\n');
  writeFileSync(join(dir, 'cmdline'), 'root=PARTLABEL=root-a ro console=ttyS0\n');
  writeFileSync(join(dir, 'update.pub'), vendor.publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(slotB, Buffer.alloc(1024 * 1024, 0xaa));
  writeFileSync(join(dir, 'bootctl'), `#!/bin/sh\necho "$@" >> ${bootctlLog}\n`);
  chmodSync(join(dir, 'bootctl'), 0o755);
  for (const [name, b] of [['root.img', rootImage], ['vmlinuz', randomBytes(5000)], ['initrd.img', randomBytes(7000)]] as const) writeFileSync(join(dir, name), b);
  usb = mountTmpfsDisk(disk, { sizeMb: 16, source: 'cc-update-test', role: 'the USB disk' });
  const input = { rootImage: join(dir, 'root.img'), kernel: join(dir, 'vmlinuz'), initrd: join(dir, 'initrd.img'), cmdline: 'console=ttyS0' };
  await buildBundle({ ...input, version: 'v9', privateKey: vendor.privateKey }, join(disk, 'callcenter-v9.ccupdate'));
  await buildBundle({ ...input, version: 'evil', privateKey: stranger.privateKey }, join(disk, 'other.ccupdate'));
  Object.assign(process.env, { CC_CMDLINE_FILE: join(dir, 'cmdline'), CC_ESP_DIR: esp, CC_SLOT_B_DEVICE: slotB, CC_UPDATE_KEY: join(dir, 'update.pub'), CC_BOOTCTL: join(dir, 'bootctl') });
  box = await startBoxProcess({ recording: { enabled: false }, backup: { mountDir: media, pollIntervalMs: 300, schedule: '0 3 1 1 *' } });
  const first = await firstAdmin(box);
  api = first.api;
  ({ browser, page: admin } = await launchSignedIn(box, 'admin', first.password));
});

after(async () => {
  await browser?.close();
  await box?.stop();
  usb?.unmount();
  rmSync(dir, { recursive: true, force: true });
});

const test = testWithShots('update-from-disk', () => admin);

test('a bundle on the USB disk is listed, installed onto slot B from the page, tried at the next boot and audit-logged', async () => {
  const { page } = admin;
  page.on('dialog', (d) => void d.accept());
  await page.click('[data-test=nav-backup]');
  const card = page.locator('[data-test=update-from-disk]');
  await card.locator('[data-test=update-slot][data-slot=a]').waitFor();
  assert.match(await card.locator('[data-test=update-slot][data-slot=a]').innerText(), /v1.*running.*default/s);
  const row = card.locator('[data-test=bundle-row][data-file="callcenter-v9.ccupdate"]');
  await row.waitFor();
  assert.match(await row.innerText(), /sdz1/);
  await row.locator('[data-test=bundle-install]').click();
  await card.locator('[data-test=update-done]').waitFor({ timeout: 60_000 });
  assert.match(await card.locator('[data-test=update-done]').innerText(), /Version v9 is installed in slot B/);
  assert.ok(await card.locator('[data-test=update-reboot]').isVisible(), 'the restart that tries it is offered');
  assert.deepEqual(readFileSync(slotB).subarray(0, rootImage.length), rootImage, 'slot B holds the new root image');
  assert.match(readFileSync(join(esp, 'loader', 'entries', 'cc-b.conf'), 'utf8'), /^version v9$/m);
  assert.match(readFileSync(bootctlLog, 'utf8'), /set-oneshot cc-b\.conf/);
  assert.match(await card.locator('[data-test=update-slot][data-slot=b]').innerText(), /v9/);
  const audit = (await api.call('GET', '/api/audit')).body as any[];
  const row2 = audit.find((r) => r.action === 'update-from-disk');
  assert.ok(row2, 'the install is audit-logged');
  assert.equal(row2.outcome, 'ok');
  assert.equal(row2.actor, 'admin');
  await screenshot(page, 'update-from-disk-en');
});

test('a bundle not signed by the vendor is refused with its message, and the refusal is audit-logged', async () => {
  const { page } = admin;
  const card = page.locator('[data-test=update-from-disk]');
  await card.locator('[data-test=bundle-row][data-file="other.ccupdate"] [data-test=bundle-install]').click();
  await card.locator('[data-test=update-error]').waitFor({ timeout: 60_000 });
  assert.match(await card.locator('[data-test=update-error]').innerText(), /not signed by the vendor/);
  const audit = (await api.call('GET', '/api/audit')).body as any[];
  assert.ok(audit.some((r) => r.action === 'update-from-disk' && r.outcome === 'failed'), 'the refusal is audit-logged');
  // A path instead of a name is refused by the schema; a file that is not on the disk is 404.
  assert.equal((await api.call('POST', '/api/updates/disk', { disk: 'sdz1', file: '../../etc/passwd' })).status, 400);
  const missing = await api.call('POST', '/api/updates/disk', { disk: 'sdz1', file: 'gone.ccupdate' });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.code, 'CC_UPDATE_NO_SUCH_BUNDLE');
  await page.selectOption('[data-test=lang]', 'zh-CN');
  await page.waitForSelector('text=从 U 盘升级固件');
  await screenshot(page, 'update-from-disk-zh-CN');
  await page.selectOption('[data-test=lang]', 'en');
});

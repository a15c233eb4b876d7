// The backup page in Chromium: a disk (a small tmpfs mounted under the box's mount directory,
// with the marker file) shows up with its room; "Back up now" runs a backup whose row turns
// good; Verify re-reads it against its manifest; the restore help names that backup; the
// page reads in Chinese; a supervisor has no such page.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { firstAdmin, testWithShots } from './harness/web-session.ts';
import { ensureWebBuilt, screenshot, type TestPage } from './harness/browser.ts';
import { addUsers, launchSignedIn, openSignedInPage } from './harness/web-box.ts';
import { mountTmpfsDisk, type TmpfsDisk } from './harness/tmpfs-disk.ts';

const dir = mkdtempSync(join(tmpdir(), 'cc-web-backup-'));
const media = join(dir, 'media');
const disk = join(media, 'usb-test');
let usb: TmpfsDisk | undefined;
let box: BoxProcess;
let api: ApiClient;
let browser: Browser;
let admin: TestPage;

before(async () => {
  ensureWebBuilt();
  usb = mountTmpfsDisk(disk, { sizeMb: 64, source: 'cc-backup-test', role: 'the backup disk' });
  writeFileSync(join(disk, '.callcenter-backup'), JSON.stringify({ label: 'Test USB' }));
  box = await startBoxProcess({ recording: { enabled: false }, backup: { mountDir: media, pollIntervalMs: 300, schedule: '0 3 1 1 *' } });
  const first = await firstAdmin(box);
  api = first.api;
  const pw = first.password;
  await addUsers(api, [['sup1', 'supervisor']]);
  ({ browser, page: admin } = await launchSignedIn(box, 'admin', pw));
});

after(async () => {
  await browser?.close();
  await box?.stop();
  usb?.unmount();
  rmSync(dir, { recursive: true, force: true });
});

const test = testWithShots('backup', () => admin);

test('the attached disk is listed; a backup started in the page turns good, verifies, and the restore help names it', async () => {
  const { page } = admin;
  await page.click('[data-test=nav-backup]');
  const row = page.locator('[data-test=target-row][data-target=usb-test]');
  await row.waitFor();
  assert.match(await row.innerText(), /Test USB/);
  await row.locator('[data-test=backup-now]').click();
  await page.waitForSelector('[data-test=backup-notice]');
  const good = page.locator('[data-test=backup-list][data-target=usb-test] [data-test=backup-row][data-state=good]');
  await good.first().waitFor({ timeout: 60_000 });
  const id = await good.first().getAttribute('data-id');
  const listed = (await api.call('GET', '/api/backup/backups')).body[0].backups.map((b: any) => [b.id, b.state]);
  assert.deepEqual(listed, [[id, 'good']]);
  await page.waitForSelector('[data-test=backup-last][data-ok=true]');
  await good.first().locator('[data-test=backup-verify]').click();
  const notice = page.locator('[data-test=backup-notice]');
  await page.waitForFunction(() => /verified/.test(document.querySelector('[data-test=backup-notice]')?.textContent ?? ''));
  assert.match(await notice.innerText(), new RegExp(`${id} verified`));
  await good.first().locator('[data-test=backup-restore]').click();
  assert.match(await page.innerText('[data-test=restore-help] pre'), new RegExp(`restore --from ${media}/usb-test/callcenter-backups/${id} --data /var/lib/callcenter --dry-run`));
  const audit = (await api.call('GET', '/api/audit')).body as any[];
  assert.ok(audit.some((r) => r.action === 'backup' && r.outcome === 'ok'), 'the backup is audit-logged');
  await screenshot(page, 'backup-en');
  await page.selectOption('[data-test=lang]', 'zh-CN');
  assert.equal((await page.innerText('[data-test=nav-backup]')).trim(), '备份');
  await page.waitForSelector('text=立即备份');
  await screenshot(page, 'backup-zh-CN');
  await page.selectOption('[data-test=lang]', 'en');
});

test('a supervisor has no backup page and the backup routes refuse them', async () => {
  const sup = await signIn(box, 'sup1', 'sup1-password');
  assert.equal((await sup.call('GET', '/api/backup/targets')).status, 403);
  const page = await openSignedInPage(browser, box, 'sup1', 'sup1-password');
  try {
    assert.equal(await page.page.locator('[data-test=nav-backup]').count(), 0);
  } finally {
    await page.context.close();
  }
});

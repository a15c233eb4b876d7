// The administration page in Chromium: every configuration section as a form from the schema.
// A wrong value is refused by the box with its path and shown next to that field (nothing is
// saved); the corrected value is saved and in effect at once; a new extension says it needs
// a restart; a cross-check problem (a DID naming a missing trunk) is shown on its item; the
// page reads in Chinese; a supervisor has no such page; and a configuration file is imported
// through the page after its dry-run report.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { ensureWebBuilt, screenshot, type TestPage } from './harness/browser.ts';
import { firstAdmin, testWithShots } from './harness/web-session.ts';
import { addUsers, launchSignedIn, openSignedInPage } from './harness/web-box.ts';
import { openItem, openSection } from './harness/admin-form.ts';

let box: BoxProcess;
let api: ApiClient;
let browser: Browser;
let admin: TestPage;
let password: string;

before(async () => {
  ensureWebBuilt();
  box = await startBoxProcess({
    recording: { enabled: false },
    extensions: [{ number: '2001', password: 'pw-2001' }],
    trunks: [{ name: 'carrier', kind: 'static', host: '127.0.0.2' }],
    queues: [{ name: 'sales', strategy: 'linear', overflow: 'hangup', maxWaitSec: 300 }],
    dids: [{ number: '5550100', trunk: 'carrier', destination: 'queue:sales' }],
  });
  ({ api, password } = await firstAdmin(box));
  await addUsers(api, [['sup1', 'supervisor']]);
  ({ browser, page: admin } = await launchSignedIn(box, 'admin', password));
});

after(async () => {
  await browser?.close();
  await box?.stop();
});

const test = testWithShots('admin', () => admin);

const input = (path: string) => `[data-path="${path}"] input`;

test('a wrong value is refused with its path and shown next to the field; the fixed value is saved and in effect at once', async () => {
  const { page } = admin;
  await openSection(page, 'queues');
  assert.match(await page.innerText('[data-test=box-network]'), new RegExp(`UDP ${box.sipPort} · TCP ${box.sipPort}.*HTTP ${box.httpPort}`), 'the page shows where the box listens');
  await openItem(page, '/queues/0');
  await page.fill(input('/queues/0/maxWaitSec'), '-5');
  await page.locator(input('/queues/0/maxWaitSec')).blur();
  await page.click('[data-test=save]');
  const error = page.locator('[data-test=field-error][data-path="/queues/0/maxWaitSec"]');
  await error.waitFor();
  assert.match(await error.innerText(), /greater or equal|minimum|>=/i);
  await page.waitForSelector('[data-test=save-refused]');
  assert.equal((await api.call('GET', '/api/config')).body.effective.queues[0].maxWaitSec, 300, 'nothing saved');

  await page.fill(input('/queues/0/maxWaitSec'), '90');
  await page.locator(input('/queues/0/maxWaitSec')).blur();
  await page.click('[data-test=save]');
  await page.waitForSelector('[data-test=saved]');
  assert.equal(await page.locator('[data-test=field-error]').count(), 0);
  assert.equal((await api.call('GET', '/api/config')).body.effective.queues[0].maxWaitSec, 90);
  const queues = (await api.call('GET', '/api/acd/queues')).body as any[];
  assert.ok(queues.some((q) => q.name === 'sales'));
  const audit = (await api.call('GET', '/api/audit')).body as any[];
  const change = audit.filter((r) => r.action === 'config-change').at(-1);
  assert.ok(change.detail.changes.some((c: any) => c.path === '/queues/sales/maxWaitSec' && c.before === 300 && c.after === 90), JSON.stringify(change.detail));
});

test('a new extension is added from the list and the page says it takes effect at the next start', async () => {
  const { page } = admin;
  await openSection(page, 'extensions');
  await page.click('[data-test=section-form] [data-test=add-item]');
  await page.fill(input('/extensions/1/number'), '2002');
  await page.fill(input('/extensions/1/password'), 'pw-2002-long');
  await page.locator(input('/extensions/1/password')).blur();
  assert.equal(await page.getAttribute(input('/extensions/1/password'), 'type'), 'password', 'secrets are not shown');
  await page.click('[data-test=save]');
  const saved = page.locator('[data-test=saved]');
  await saved.waitFor();
  assert.match(await saved.innerText(), /restart/i);
  const exts = (await api.call('GET', '/api/config')).body.stored.extensions as any[];
  assert.deepEqual(exts.map((e) => e.number), ['2001', '2002']);
});

test('a problem the box reports by name (a DID naming a missing trunk) is shown on that item', async () => {
  const { page } = admin;
  await openSection(page, 'dids');
  await openItem(page, '/dids/0');
  await page.fill(input('/dids/0/trunk'), 'no-such-trunk');
  await page.locator(input('/dids/0/trunk')).blur();
  await page.click('[data-test=save]');
  const itemError = page.locator('[data-test=list-item][data-path="/dids/0"] [data-test=item-error]');
  await itemError.waitFor();
  assert.match(await itemError.innerText(), /unknown trunk no-such-trunk/);
  await page.click('[data-test=revert]');
  await openItem(page, '/dids/0');
  assert.equal(await page.inputValue(input('/dids/0/trunk')), 'carrier');
  await screenshot(page, 'admin-en');
});

test('the page reads in Simplified Chinese', async () => {
  const { page } = admin;
  await page.selectOption('[data-test=lang]', 'zh-CN');
  await openSection(page, 'queues');
  assert.equal((await page.innerText('[data-test=nav-admin]')).trim(), '系统设置');
  assert.equal((await page.innerText('[data-test=section-queues]')).trim(), '队列');
  await openItem(page, '/queues/0');
  assert.match(await page.innerText('[data-path="/queues/0/strategy"]'), /分配策略/);
  await screenshot(page, 'admin-zh-CN');
  await page.selectOption('[data-test=lang]', 'en');
});

test('a supervisor has no administration page and the configuration routes refuse them', async () => {
  const sup = await openSignedInPage(browser, box, 'sup1', 'sup1-password');
  try {
    assert.equal(await sup.page.locator('[data-test=nav-admin]').count(), 0);
    await sup.page.goto('/#/admin');
    await sup.page.waitForSelector('[data-test=supervisor]');
    assert.ok(!sup.page.url().endsWith('#/admin'), sup.page.url());
  } finally {
    await sup.context.close();
  }
  const supApi = await signIn(box, 'sup1', 'sup1-password');
  assert.equal((await supApi.call('GET', '/api/config/schema')).status, 403);
  assert.equal((await supApi.call('PUT', '/api/config/sections/queues', { value: [] })).status, 403);
});

test('a configuration file is imported through the page after its dry-run report', async () => {
  const { page } = admin;
  const bundle = (await api.call('GET', '/api/config/export')).body;
  bundle.config.queues[0].maxWaitSec = 45;
  const file = join(mkdtempSync(join(tmpdir(), 'cc-import-')), 'config.json');
  writeFileSync(file, JSON.stringify(bundle));
  await page.click('[data-test=nav-admin]');
  await page.setInputFiles('[data-test=import-file]', file);
  const plan = page.locator('[data-test=import-plan][data-ok=true]');
  await plan.waitFor();
  assert.match(await page.innerText('[data-test=import-changes]'), /\/queues\/sales\/maxWaitSec/);
  assert.equal((await api.call('GET', '/api/config')).body.effective.queues[0].maxWaitSec, 90, 'the dry run changed nothing');
  await page.click('[data-test=import-apply]');
  await page.waitForSelector('[data-test=import-applied]');
  assert.equal((await api.call('GET', '/api/config')).body.effective.queues[0].maxWaitSec, 45);
  // The refused saves above answered 422 (the browser logs those); nothing else went wrong.
  assert.deepEqual(admin.errors.filter((e) => !/status of 422/.test(e)), []);
});

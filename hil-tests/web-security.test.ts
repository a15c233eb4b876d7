// The SIP security page in Chromium: an admin sees a ban (made over the API) with its reason
// and end, lifts it with the page's button (the box forgets it, the audit log names the
// admin), bans an address from the page, edits the allow-list (a bad entry is refused with the
// box's code) and sees the trunk hosts that are always allowed; the page reads in Chinese too.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { adminPassword, signIn, type ApiClient } from './harness/api.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';

let box: BoxProcess;
let api: ApiClient;
let browser: Browser;
let admin: TestPage;
let password: string;

before(async () => {
  ensureWebBuilt();
  box = await startBoxProcess({ recording: { enabled: false }, trunks: [{ name: 'carrier', kind: 'static', host: '127.0.0.2' }] });
  password = adminPassword(box);
  api = await signIn(box, 'admin', password);
  const must = await api.call('GET', '/api/session/password');
  if (must.status === 200 && must.body.mustChangePassword) {
    const next = `${password}-new-1`;
    const changed = await api.call('POST', '/api/session/password', { current: password, next });
    assert.ok(changed.status < 300, JSON.stringify(changed.body));
    password = next;
    api = await signIn(box, 'admin', password);
  }
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await box?.stop();
});

async function signedInPage(locale: string): Promise<TestPage> {
  const p = await openPage(browser, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale });
  await p.page.goto('/');
  await p.page.fill('[data-test=username]', 'admin');
  await p.page.fill('[data-test=password]', password);
  await p.page.click('[data-test=sign-in-submit]');
  await p.page.waitForSelector('[data-test=live][data-up=true]');
  return p;
}

function test(name: string, fn: () => Promise<void>) {
  nodeTest(name, async () => {
    try {
      await fn();
    } catch (err) {
      if (admin) await screenshot(admin.page, `FAILED-security-${name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
      throw err;
    }
  });
}

const banRow = (id: string) => `[data-test=ban-row][data-kind=source][data-id="${id}"]`;

test('an admin sees a ban with its reason and end, and lifts it with the button; the audit log names them', async () => {
  const made = await api.call('POST', '/api/security/bans', { address: '192.0.2.50', minutes: 30, reason: 'seen scanning' });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  admin = await signedInPage('en-US');
  const { page } = admin;
  await page.click('[data-test=nav-security]');
  await page.waitForSelector(banRow('192.0.2.50'));
  const text = await page.innerText(banRow('192.0.2.50'));
  assert.match(text, /seen scanning/);
  assert.match(text, /admin/);
  assert.doesNotMatch(text, /until lifted/, 'a 30-minute ban shows when it ends');
  assert.match(await page.innerText('[data-test=trunk-addresses]'), /127\.0\.0\.2/);
  await screenshot(page, 'security-en');
  await page.click(`${banRow('192.0.2.50')} [data-test=ban-lift]`);
  await page.waitForSelector('[data-test=security-notice]');
  assert.equal(await page.locator(banRow('192.0.2.50')).count(), 0);
  const bans = (await api.call('GET', '/api/security/bans')).body.bans;
  assert.deepEqual(bans, []);
  const audit = (await api.call('GET', '/api/audit')).body as any[];
  assert.ok(audit.some((r) => r.action === 'sip-ban-lift' && r.target === '192.0.2.50' && r.actor === 'admin'), 'lift audited with the admin as actor');
});

test('an admin bans an address from the page until lifted, and cannot ban a trunk host', async () => {
  const { page } = admin;
  await page.fill('[data-test=ban-address]', '198.51.100.23');
  await page.click('[data-test=ban-submit]');
  await page.waitForSelector(banRow('198.51.100.23'));
  assert.match(await page.innerText(banRow('198.51.100.23')), /until lifted/);
  const bans = (await api.call('GET', '/api/security/bans')).body.bans;
  assert.deepEqual(bans.map((b: any) => [b.id, b.until, b.by]), [['198.51.100.23', null, 'admin']]);
  await page.fill('[data-test=ban-address]', '127.0.0.2');
  await page.click('[data-test=ban-submit]');
  await page.waitForSelector('[data-test=security-error]');
  assert.match(await page.innerText('[data-test=security-error]'), /CC_SIP_ALLOW_LISTED/);
});

test('the allow-list is edited in the page; a bad entry is refused and nothing changes', async () => {
  const { page } = admin;
  await page.fill('[data-test=allow-list-entries]', '192.168.10.0/24\n10.20.0.5');
  await page.click('[data-test=allow-list-save]');
  await page.waitForSelector('[data-test=security-notice]');
  assert.deepEqual((await api.call('GET', '/api/security/bans')).body.allowList, ['192.168.10.0/24', '10.20.0.5']);
  await page.fill('[data-test=allow-list-entries]', '192.168.10.0/24\n10.0.0.0/99');
  await page.click('[data-test=allow-list-save]');
  await page.waitForSelector('[data-test=security-error]');
  assert.match(await page.innerText('[data-test=security-error]'), /CC_SIP_ALLOW_LIST_ENTRY/);
  assert.deepEqual((await api.call('GET', '/api/security/bans')).body.allowList, ['192.168.10.0/24', '10.20.0.5']);
});

test('the page reads in Simplified Chinese', async () => {
  const zh = await signedInPage('zh-CN');
  try {
    await zh.page.click('[data-test=nav-security]');
    await zh.page.waitForSelector('[data-test=security-page]');
    assert.match(await zh.page.innerText('[data-test=security-page] h1'), /SIP 安全/);
    assert.match(await zh.page.innerText('[data-test=nav-security]'), /SIP 安全/);
    assert.match(await zh.page.innerText(banRow('198.51.100.23')), /直到解除/);
    await screenshot(zh.page, 'security-zh-CN');
  } finally {
    await zh.page.context().close();
  }
});

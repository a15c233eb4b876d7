// First sign-in in Debian's Chromium: a user an admin created (and the generated admin) must
// choose their own password before the app shows anything else; a wrong current password, a
// mismatch and a weak password are refused with messages in both languages; once changed,
// the workspace opens, the flag is gone in LMDB, and only the new password signs in.
// Screenshots in both languages go to the artifacts directory printed at the start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { freePort } from './harness/ports.ts';
import { adminPassword, boxCertificate, browserSignIn, httpsCall, type BrowserSession } from './harness/api.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';

let box: BoxProcess;
let tlsPort: number;
let admin: BrowserSession;
let browser: Browser;
let user: TestPage;
const shots: string[] = [];

before(async () => {
  ensureWebBuilt();
  tlsPort = await freePort();
  box = await startBoxProcess({ http: { tls: true, tlsPort }, recording: { enabled: false } });
  admin = await browserSignIn(tlsPort, boxCertificate(box), 'admin', adminPassword(box));
  assert.equal((await admin.call('POST', '/api/users', { username: 'new1', role: 'agent', password: 'set-by-admin' })).status, 201);
  browser = await launchBrowser({ trust: boxCertificate(box) });
  user = await openPage(browser, { baseURL: `https://127.0.0.1:${tlsPort}`, locale: 'zh-CN' });
});

after(async () => {
  if (shots.length) console.log(`# screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}`);
  await browser?.close();
  await box?.stop();
});

const storedUser = async (name: string) => (await box.read<{ mustChangePassword: boolean }>('config')).find((r) => r.key === `user:${name}`)?.value;

test('the generated admin is told to change the password too', async () => {
  assert.deepEqual((await admin.call('GET', '/api/session/password')).body, { mustChangePassword: true });
});

test('a user created by an admin must choose their own password at first sign-in, then reaches the workspace; only the new password works afterwards', async () => {
  const { page, errors } = user;
  await page.goto('/');
  await page.fill('[data-test=username]', 'new1');
  await page.fill('[data-test=password]', 'set-by-admin');
  await page.click('[data-test=sign-in-submit]');
  await page.waitForSelector('[data-test=password-change]');
  assert.equal(await page.locator('[data-test=workspace]').count(), 0, 'nothing else is shown');
  assert.match(await page.textContent('[data-test=password-change] h2') ?? '', /设置您自己的密码/);
  shots.push(await screenshot(page, '41-first-sign-in-password-zh'));

  await page.fill('[data-test=pw-current]', 'not-the-password');
  await page.fill('[data-test=pw-next]', 'my-own-password-1');
  await page.fill('[data-test=pw-repeat]', 'my-own-password-1');
  await page.click('[data-test=pw-submit]');
  assert.equal(await page.textContent('[data-test=pw-error]'), '当前密码错误。');
  await page.fill('[data-test=pw-current]', 'set-by-admin');
  await page.fill('[data-test=pw-repeat]', 'my-own-password-2');
  await page.click('[data-test=pw-submit]');
  assert.equal(await page.textContent('[data-test=pw-error]'), '两次输入的新密码不一致。');
  await page.selectOption('[data-test=lang]', 'en');
  assert.equal(await page.textContent('[data-test=pw-error]'), 'The two new passwords differ.', 'the message follows the language');
  // The box's own rule (the page's minlength is only a hint).
  const weak = await admin.call('POST', '/api/session/password', { current: adminPassword(box), next: 'short' });
  assert.deepEqual([weak.status, weak.body.code], [400, 'CC_USER_WEAK_PASSWORD']);
  assert.match(await page.textContent('[data-test=password-change] h2') ?? '', /Choose your own password/);
  shots.push(await screenshot(page, '42-first-sign-in-password-en'));
  await page.fill('[data-test=pw-next]', 'my-own-password-1');
  await page.fill('[data-test=pw-repeat]', 'my-own-password-1');
  await page.click('[data-test=pw-submit]');
  await page.waitForSelector('[data-test=workspace]');
  assert.equal((await storedUser('new1'))?.mustChangePassword, false);
  const events = (await box.read<{ type: string; username?: string; wasRequired?: boolean }>('events')).map((r) => r.value).filter((e) => e.type === 'password-changed');
  assert.deepEqual(events.map((e) => [e.username, e.wasRequired]), [['new1', true]]);

  await page.click('[data-test=sign-out]');
  await page.waitForSelector('[data-test=sign-in]');
  await page.fill('[data-test=username]', 'new1');
  await page.fill('[data-test=password]', 'set-by-admin');
  await page.click('[data-test=sign-in-submit]');
  await page.waitForSelector('[data-test=sign-in-error]');
  await page.fill('[data-test=password]', 'my-own-password-1');
  await page.click('[data-test=sign-in-submit]');
  await page.waitForSelector('[data-test=workspace]');
  assert.equal(await page.locator('[data-test=password-change]').count(), 0, 'no second request to change it');
  const ca = boxCertificate(box);
  assert.equal((await httpsCall(tlsPort, ca, 'POST', '/api/session', { body: { username: 'new1', password: 'set-by-admin' } })).status, 401);
  assert.deepEqual(errors.filter((e) => !/status of 40[0-9]/.test(e)), []);
});

// User management in Chromium and over the API: an admin adds an agent in the page, the agent
// must choose a password at first sign-in; the admin makes them a supervisor (their old
// session ends and the new role applies at the next sign-in), disables them (sign-in refused
// like a wrong password), sets a new password, and removes them. The box refuses to lose its
// last enabled administrator or let an admin lock themselves out. Every change is audited.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { firstAdmin, testWithShots } from './harness/web-session.ts';
import { ensureWebBuilt, screenshot, type TestPage } from './harness/browser.ts';
import { launchSignedIn } from './harness/web-box.ts';

let box: BoxProcess;
let api: ApiClient;
let browser: Browser;
let admin: TestPage;
let password: string;

before(async () => {
  ensureWebBuilt();
  box = await startBoxProcess({ recording: { enabled: false } });
  ({ api, password } = await firstAdmin(box));
  ({ browser, page: admin } = await launchSignedIn(box, 'admin', password));
});

after(async () => {
  await browser?.close();
  await box?.stop();
});

const test = testWithShots('users', () => admin);

const row = (user: string) => `[data-test=user-row][data-user="${user}"]`;
const trySignIn = async (username: string, pw: string) => (await fetch(`http://127.0.0.1:${box.httpPort}/api/session`, {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: pw }),
})).status;

test('an admin adds a user in the page; the user must choose a password at first sign-in', async () => {
  const { page } = admin;
  await page.click('[data-test=nav-users]');
  await page.waitForSelector('[data-test=users-page]');
  await page.fill('[data-test=new-username]', 'li.na');
  await page.selectOption('[data-test=new-role]', 'agent');
  await page.fill('[data-test=new-password]', 'first-password-1');
  await page.click('[data-test=new-user-submit]');
  await page.waitForSelector(`${row('li.na')}[data-role=agent]`);
  assert.match(await page.innerText(row('li.na')), /Must choose a new password/);
  const li = await signIn(box, 'li.na', 'first-password-1');
  const must = await li.call('GET', '/api/session/password');
  if (must.status === 200) assert.equal(must.body.mustChangePassword, true);
  await screenshot(page, 'users-en');
});

test('a role change ends the user\'s sessions and applies at the next sign-in; a disabled user cannot sign in', async () => {
  const { page } = admin;
  const before = await signIn(box, 'li.na', 'first-password-1');
  assert.equal((await before.call('GET', '/api/session')).body.role, 'agent');
  await page.selectOption(`${row('li.na')} [data-test=user-role]`, 'supervisor');
  await page.waitForSelector(`${row('li.na')}[data-role=supervisor]`);
  assert.equal((await before.call('GET', '/api/session')).status, 401, 'the old session ended');
  assert.equal((await (await signIn(box, 'li.na', 'first-password-1')).call('GET', '/api/session')).body.role, 'supervisor');

  await page.click(`${row('li.na')} [data-test=user-toggle]`);
  await page.waitForSelector(`${row('li.na')}[data-disabled=true]`);
  assert.equal(await trySignIn('li.na', 'first-password-1'), 401, 'refused like a wrong password');
  await page.click(`${row('li.na')} [data-test=user-toggle]`);
  await page.waitForSelector(`${row('li.na')}[data-disabled=false]`);
  assert.equal(await trySignIn('li.na', 'first-password-1'), 200);
});

test('an admin sets a new password, then removes the user; each change is audited', async () => {
  const { page } = admin;
  await page.click(`${row('li.na')} [data-test=user-password]`);
  await page.fill(`${row('li.na')} [data-test=user-new-password]`, 'second-password-2');
  await page.click(`${row('li.na')} [data-test=user-password-save]`);
  await page.waitForSelector('[data-test=users-notice]');
  assert.equal(await trySignIn('li.na', 'first-password-1'), 401);
  assert.equal(await trySignIn('li.na', 'second-password-2'), 200);
  page.once('dialog', (d) => void d.accept());
  await page.click(`${row('li.na')} [data-test=user-remove]`);
  await page.waitForSelector(row('li.na'), { state: 'detached' });
  assert.equal(await trySignIn('li.na', 'second-password-2'), 401);
  const audit = (await api.call('GET', '/api/audit')).body as any[];
  const mine = audit.filter((r) => r.target === 'li.na').map((r) => `${r.action}${r.detail?.role ? `:${r.detail.role}` : ''}${r.detail?.disabled !== undefined ? `:${r.detail.disabled}` : ''}`);
  assert.deepEqual(mine, ['user-create:agent', 'user-change:supervisor', 'user-change:true', 'user-change:false', 'user-password-reset', 'user-remove']);
});

test('the box keeps an enabled administrator and an admin cannot lock themselves out', async () => {
  const { page } = admin;
  await page.selectOption(`${row('admin')} [data-test=user-role]`, 'agent');
  const error = page.locator('[data-test=users-error]');
  await error.waitFor();
  assert.match(await error.innerText(), /own account/);
  await page.waitForSelector(`${row('admin')}[data-role=admin]`);
  assert.equal((await api.call('DELETE', '/api/users/admin')).body.code, 'CC_USER_SELF_LOCKOUT');
  const ops = await api.call('POST', '/api/users', { username: 'ops', role: 'admin', password: 'ops-password-1', mustChangePassword: false });
  assert.equal(ops.status, 201);
  const opsApi = await signIn(box, 'ops', 'ops-password-1');
  assert.equal((await opsApi.call('PATCH', '/api/users/admin', { disabled: true })).status, 200, 'another admin may disable admin while ops remains');
  const last = await opsApi.call('DELETE', '/api/users/ops');
  assert.equal(last.body.code, 'CC_USER_SELF_LOCKOUT');
  assert.equal((await opsApi.call('PATCH', '/api/users/admin', { disabled: false })).status, 200);
  assert.equal((await api.call('GET', '/api/users')).status, 401, 'disabling admin ended their sessions');
  api = await signIn(box, 'admin', password);
  const sup = await api.call('POST', '/api/users', { username: 'sup9', role: 'supervisor', password: 'sup9-password', mustChangePassword: false });
  assert.equal(sup.status, 201);
  const supApi = await signIn(box, 'sup9', 'sup9-password');
  assert.equal((await supApi.call('GET', '/api/users')).status, 403);
});

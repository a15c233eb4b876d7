// The monitoring page in Chromium, signed in as a technician: hardware figures from the box,
// an alert appearing when an injected reading crosses its limit and turning "cleared" when it
// comes back (pushed by the live events, no reload), the system log viewer's filters, and the
// technician console in the page's terminal (xterm.js over /api/console) showing the box's
// real status, then ending with an audit row. A supervisor has no monitoring page.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { ensureWebBuilt, screenshot, type TestPage } from './harness/browser.ts';
import { testWithShots } from './harness/web-session.ts';
import { addUsers, launchSignedIn, openSignedInPage } from './harness/web-box.ts';

let box: BoxProcess;
let admin: ApiClient;
let tech: ApiClient;
let browser: Browser;
let page: TestPage;

before(async () => {
  ensureWebBuilt();
  box = await startBoxProcess({ recording: { enabled: false }, monitoring: { intervalMs: 60_000 } });
  admin = await signIn(box);
  await addUsers(admin, [['tech1', 'technician'], ['sup1', 'supervisor']]);
  tech = await signIn(box, 'tech1', 'tech1-password');
  ({ browser, page } = await launchSignedIn(box, 'tech1', 'tech1-password'));
  await page.page.click('[data-test=nav-monitoring]');
  await page.page.waitForSelector('[data-test=monitoring]');
});

after(async () => {
  await browser?.close();
  await box?.stop();
});

const test = testWithShots('monitoring', () => page);

test('the page shows the machine\'s memory and disks as the box measured them', async () => {
  const snap = async () => (await tech.call('GET', '/api/monitoring')).body;
  for (let i = 0; i < 100 && !(await snap()).hardware; i++) await new Promise((r) => setTimeout(r, 200));
  await page.page.click('[data-test=alerts] button'); // re-read now rather than at the next interval
  const memory = await page.page.locator('[data-test=hw-memory]').innerText({ timeout: 20_000 });
  assert.match(memory, new RegExp(`/ ${(os.totalmem() / 1024 ** 3).toFixed(1)} GB`));
  assert.ok((await page.page.locator('[data-test=disk-row]').count()) >= 1);
});

test('an injected reading past its limit shows as an active alert, then as cleared, without a reload', async () => {
  const inject = (value: number | null) => tech.call('POST', '/api/monitoring/readings', { readings: [{ metric: 'cpuTempC', subject: '', value }] });
  assert.equal((await inject(97)).status, 200);
  await page.page.waitForSelector('[data-test=alert-row][data-alert="cpuTempC:"][data-state=active]');
  assert.match(await page.page.locator('[data-test=alert-row][data-alert="cpuTempC:"]').innerText(), /CC_MON_CPU_HOT[\s\S]*97[\s\S]*85/);
  await screenshot(page.page, 'monitoring-alert-active');
  assert.equal((await inject(60)).status, 200);
  await page.page.waitForSelector('[data-test=alert-row][data-alert="cpuTempC:"][data-state=cleared]');
  await inject(null);
});

test('the log viewer filters by level, text and module', async () => {
  const p = page.page;
  await p.selectOption('[data-test=log-level]', 'warn');
  await p.fill('[data-test=log-text]', 'CC_MON_CPU_HOT');
  await p.click('[data-test=log-search]');
  await p.waitForFunction(() => {
    const rows = [...document.querySelectorAll('[data-test=log-row]')];
    return rows.length > 0 && rows.every((r) => r.textContent!.includes('CC_MON_CPU_HOT'));
  });
  const levels = await p.locator('[data-test=log-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-level')));
  assert.deepEqual(levels, ['warn'], 'the raise is a warning; the clear (info) is below the level');
  await p.selectOption('[data-test=log-level]', 'info');
  await p.click('[data-test=log-search]');
  await p.waitForFunction(() => document.querySelectorAll('[data-test=log-row]').length === 2);
  await p.fill('[data-test=log-module]', 'no-such-module');
  await p.click('[data-test=log-search]');
  await p.waitForSelector('[data-test=log-empty]');
  await p.fill('[data-test=log-module]', '');
  await p.fill('[data-test=log-text]', '');
  await p.click('[data-test=log-search]');
  await p.waitForSelector('[data-test=log-row]');
});

test('the technician opens the console in the page: the terminal shows the box\'s status; leaving it ends the audited session', async () => {
  const p = page.page;
  await p.click('[data-test=console-open]');
  await p.waitForFunction(() => /Choose:/.test(document.querySelector('[data-test=console-terminal] .xterm-rows')?.textContent ?? ''), undefined, { timeout: 30_000 });
  const status = await box.status();
  const screen = await p.locator('[data-test=console-terminal] .xterm-rows').innerText();
  assert.match(screen, new RegExp(`SIP\\s+: up \\(UDP ${status.ports.sipUdp}`));
  assert.match(screen, new RegExp(`Calls now\\s+: ${status.calls}`));
  await screenshot(p, 'monitoring-console');
  await p.click('[data-test=console-terminal]');
  await p.keyboard.type('0');
  await p.keyboard.press('Enter');
  await p.waitForSelector('[data-test=console-note]');
  let rows: any[] = [];
  for (let i = 0; i < 100; i++) {
    rows = ((await admin.call('GET', '/api/audit')).body as any[]).filter((r) => r.action === 'console-session' && r.actor === 'tech1');
    if (rows.length === 2) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(rows.map((r) => r.detail.phase), ['start', 'end']);
  assert.deepEqual(page.errors, []);
});

test('a supervisor has no monitoring page', async () => {
  const sup = await openSignedInPage(browser, box, 'sup1', 'sup1-password');
  try {
    assert.equal(await sup.page.locator('[data-test=nav-monitoring]').count(), 0);
  } finally {
    await sup.context.close();
  }
});

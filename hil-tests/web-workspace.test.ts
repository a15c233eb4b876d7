// The web app end to end in Debian's Chromium over HTTPS: an agent signs in, goes available
// from the workspace (mouse and keyboard), a carrier caller (sipp) reaches the queue and the
// agent's desk phone (baresip) rings; the workspace pops the caller's VIP customer record and
// previous calls, the phone answers and the call timer runs, the agent saves a note, the
// phone hangs up and the agent is available again. A supervisor's page shows the waiting
// caller and the agents live, pushed by the WebSocket (no polling). Screenshots in Chinese
// and English go to the artifacts directory printed at the start.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { BoxProcess } from './harness/box-process.ts';
import type { BrowserSession } from './harness/api.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { runSipp } from './harness/sipp.ts';
import { launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { signInPage, testWithShotsOf } from './harness/web-session.ts';
import { addUsers, goAvailable, startWebBox } from './harness/web-box.ts';

const CARRIER = '127.0.0.2';
const DID = '5550100';
const VIP = '13800138000';
let box: BoxProcess;
let admin: BrowserSession;
let phone: Baresip;
let browser: Browser;
let agent: TestPage;
let sup: TestPage;
const shots: string[] = [];

before(async () => {
  const web = await startWebBox({
    recording: { enabled: false },
    extensions: [{ number: '2001', password: 'pw-2001' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'sales', displayName: 'Sales 销售', strategy: 'linear', overflow: 'hangup', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0 }],
    agents: [{ id: 'a1', name: 'Li Na', extension: '2001', queues: [{ queue: 'sales' }] }],
    dids: [{ number: DID, trunk: 'carrier', destination: 'queue:sales' }],
  });
  ({ box, admin } = web);
  await addUsers(admin, [['a1', 'agent'], ['sup1', 'supervisor']]);
  const vip = await admin.call('PUT', `/api/customers/${VIP}`, { name: '王芳', priority: 5, notes: 'Gold contract; prefers Mandarin.' });
  assert.equal(vip.status, 200, vip.text);
  phone = await startBaresip({ extension: '2001', password: 'pw-2001', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 700, answer: 'manual' });
  await phone.waitFor(/200 OK .*1 binding/);
  browser = await launchBrowser({ trust: web.ca });
  agent = await openPage(browser, { baseURL: web.baseURL, locale: 'zh-CN' });
  sup = await openPage(browser, { baseURL: web.baseURL, locale: 'en-US' });
});

after(async () => {
  await browser?.close();
  await phone?.stop();
  await box?.stop();
});

/** A test that leaves screenshots of both pages when it fails. */
const test = testWithShotsOf(() => ({ agent, supervisor: sup }));

const stateOf = (page: Page) => page.getAttribute('[data-test=agent-state]', 'data-state');

async function serverState(id: string): Promise<string> {
  const agents = (await admin.call('GET', '/api/acd/agents')).body as { id: string; state: string }[];
  return agents.find((a) => a.id === id)!.state;
}

function caller(number: string, scenario: 'uac-call.xml' | 'uac-wait-bye.xml', holdMs = 0) {
  return runSipp({
    scenario, localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: DID, caller: number, rtp_ip: CARRIER, rtp_port: 9 }, pauseMs: holdMs, timeoutSec: 90,
  });
}

test('the sign-in page in both languages, and a wrong password is refused with a message', async () => {
  const { page } = agent;
  await page.goto('/');
  await page.waitForSelector('[data-test=sign-in]');
  assert.match(await page.textContent('h2') ?? '', /登录/);
  shots.push(await screenshot(page, '01-sign-in-zh'));
  await page.selectOption('[data-test=lang]', 'en');
  assert.match(await page.textContent('h2') ?? '', /Sign in/);
  shots.push(await screenshot(page, '02-sign-in-en'));
  await page.fill('[data-test=username]', 'a1');
  await page.fill('[data-test=password]', 'not-the-password');
  await page.click('[data-test=sign-in-submit]');
  assert.equal(await page.textContent('[data-test=sign-in-error]'), 'Wrong user name or password.');
  await page.selectOption('[data-test=lang]', 'zh-CN');
  assert.equal(await page.textContent('[data-test=sign-in-error]'), '用户名或密码错误。', 'the message follows the language');
});

test('a caller who gave up earlier is in the number\'s history (set-up: a call while nobody is logged in)', async () => {
  const r = await caller(VIP, 'uac-call.xml', 1500).done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const until = Date.now() + 10_000;
  for (;;) {
    const h = await admin.call('GET', `/api/history/${VIP}`);
    if (h.body.length === 1) {
      assert.deepEqual([h.body[0].direction, h.body[0].queue, h.body[0].other, h.body[0].disposition, h.body[0].talkMs], ['in', 'sales', DID, 'abandoned', 0]);
      break;
    }
    assert.ok(Date.now() < until, `history: ${h.text}`);
    await new Promise((res) => setTimeout(res, 200));
  }
});

test('an agent signs in, switches status from the workspace by mouse and keyboard, and sees state and time in state live', async () => {
  const { page, errors } = agent;
  await signInPage(page, 'a1', 'a1-password');
  await page.waitForSelector('[data-test=workspace] [data-test=status-panel]');
  assert.equal(await stateOf(page), 'logged-out');
  assert.equal(await page.textContent('[data-test=agent-state]'), '未签入');
  await goAvailable(page);
  assert.equal(await serverState('a1'), 'available');
  await page.keyboard.press('F3');
  await page.waitForSelector('[data-test=agent-state][data-state=break]');
  assert.equal(await page.textContent('[data-test=break-shown]'), '午餐');
  assert.equal(await serverState('a1'), 'break');
  await page.keyboard.press('F2');
  await page.waitForSelector('[data-test=agent-state][data-state=available]');
  // A change made elsewhere (a supervisor, another tab) arrives over the WebSocket.
  assert.equal((await admin.call('POST', '/api/acd/agents/a1/break', { reason: 'training' })).status, 200);
  await page.waitForSelector('[data-test=agent-state][data-state=break]');
  assert.equal(await page.textContent('[data-test=break-shown]'), '培训');
  await goAvailable(page);
  const t1 = await page.textContent('[data-test=time-in-state]');
  await page.waitForFunction((before) => document.querySelector('[data-test=time-in-state]')?.textContent !== before, t1, { timeout: 3000 });
  assert.match(await page.textContent('[data-test=time-in-state]') ?? '', /已持续 0:0[1-3]/);
  await page.keyboard.press('?');
  await page.waitForSelector('[data-test=shortcuts]');
  assert.match(await page.textContent('[data-test=shortcuts]') ?? '', /F2.*置闲.*F3.*小休/s);
  shots.push(await screenshot(page, '03-workspace-shortcuts-zh'));
  await page.click('[data-test=shortcuts] button');
  shots.push(await screenshot(page, '04-workspace-available-zh'));
  assert.deepEqual(errors, []);
});

test('a queue caller rings the desk phone: the workspace pops the VIP record and history, the timer runs once answered, a note is saved, and hang-up makes the agent available; the supervisor sees it live', async () => {
  const { page, errors } = agent;
  await signInPage(sup.page, 'sup1', 'sup1-password');
  await sup.page.waitForSelector('[data-test=supervisor] [data-test=agent-row][data-agent=a1][data-state=available]');
  const queueReads: number[] = [];
  sup.page.on('request', (r) => r.url().endsWith('/api/acd/queues') && queueReads.push(Date.now()));
  await new Promise((res) => setTimeout(res, 2000));
  assert.equal(queueReads.length, 0, 'the supervisor page does not poll');

  const run = caller(VIP, 'uac-wait-bye.xml');
  // Ringing: the screen pop comes up before anyone answers.
  await page.waitForSelector('[data-test=call-panel][data-call-state=ringing]', { timeout: 20_000 });
  assert.equal(await page.textContent('[data-test=caller-number]'), VIP);
  assert.equal(await page.textContent('[data-test=call-queue]'), 'Sales 销售');
  await page.waitForSelector(`[data-test=customer-card][data-number="${VIP}"] [data-test=vip-badge]`);
  assert.equal(await page.inputValue('[data-test=customer-name]'), '王芳');
  assert.equal(await page.inputValue('[data-test=customer-notes]'), 'Gold contract; prefers Mandarin.');
  assert.equal(await page.locator('[data-test=history-row]').count(), 1, 'the earlier call is listed');
  assert.match(await page.textContent('[data-test=history-row]') ?? '', /呼入.*5550100.*Sales 销售.*0:00.*排队放弃/s);
  assert.equal(await stateOf(page), 'ringing');
  await phone.waitFor(/Incoming call from/i, 10_000);
  // The supervisor sees the caller waiting, with a1 being rung.
  await sup.page.waitForSelector(`[data-test=caller-row][data-caller="${VIP}"]`);
  assert.equal(await sup.page.textContent('[data-test=queue-row][data-queue=sales] [data-test=queue-waiting]'), '1');
  await sup.page.waitForSelector('[data-test=agent-row][data-agent=a1][data-state=ringing]');
  assert.ok(queueReads.length >= 1, 'the queue event made the page read the queues');
  shots.push(await screenshot(page, '05-workspace-ringing-screen-pop-zh'));
  shots.push(await screenshot(sup.page, '06-supervisor-caller-waiting-en'));

  await phone.command('accept');
  await page.waitForSelector('[data-test=call-panel][data-call-state=connected]', { timeout: 10_000 });
  assert.equal(await stateOf(page), 'on-call');
  const first = await page.textContent('[data-test=call-timer]');
  await page.waitForFunction((before) => {
    const now = document.querySelector('[data-test=call-timer]')?.textContent ?? '';
    return now !== before && /^0:0[2-9]$/.test(now);
  }, first, { timeout: 6000 });
  await sup.page.waitForSelector(`[data-test=caller-row][data-caller="${VIP}"]`, { state: 'detached' });
  await sup.page.waitForSelector('[data-test=agent-row][data-agent=a1][data-state=on-call]');
  shots.push(await screenshot(page, '07-workspace-connected-zh'));
  await page.selectOption('[data-test=lang]', 'en');
  assert.match(await page.textContent('[data-test=call-panel] h2') ?? '', /Current call\s*Connected/);
  shots.push(await screenshot(page, '08-workspace-connected-en'));
  shots.push(await screenshot(sup.page, '09-supervisor-on-call-en'));
  await sup.page.selectOption('[data-test=lang]', 'zh-CN');
  shots.push(await screenshot(sup.page, '10-supervisor-on-call-zh'));

  // A note during the call, saved with Ctrl+S (priority is not the agent's to change).
  await page.fill('[data-test=customer-notes]', 'Gold contract; prefers Mandarin. Asked about the invoice of May.');
  await page.keyboard.press('Control+s');
  await page.waitForSelector('[data-test=customer-saved]');
  const saved = (await admin.call('GET', `/api/customers/${VIP}`)).body;
  assert.deepEqual([saved.notes, saved.priority, saved.updatedBy], ['Gold contract; prefers Mandarin. Asked about the invoice of May.', 5, 'a1']);

  await phone.command('hangup');
  const r = await run.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  await page.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
  await page.waitForSelector('[data-test=call-panel][data-call-state=none]');
  assert.equal(await page.textContent('[data-test=last-call]'), `Last call: ${VIP}`);
  await page.waitForFunction(() => document.querySelectorAll('[data-test=history-row]').length === 2, undefined, { timeout: 5000 });
  assert.match(await page.locator('[data-test=history-row]').first().textContent() ?? '', /In.*2001.*Sales 销售.*a1.*0:0[2-9].*Answered/s, 'the call just ended heads the history');
  await sup.page.waitForSelector('[data-test=agent-row][data-agent=a1][data-state=available]');
  assert.equal(await serverState('a1'), 'available');
  shots.push(await screenshot(page, '11-workspace-after-call-en'));
  const cdr = await box.cdr(DID, (c) => c.caller.number === VIP && c.agents?.includes('a1'));
  assert.ok(cdr?.connectedAt, 'the CDR shows the agent connected');
  assert.deepEqual(errors, []);
  assert.deepEqual(sup.errors, []);
});

test('a caller waiting with nobody free shows on the supervisor page with a growing wait, and leaves it when they hang up', async () => {
  assert.equal((await admin.call('POST', '/api/acd/agents/a1/break', { reason: 'meeting' })).status, 200);
  const run = caller('13900000077', 'uac-call.xml', 5000);
  const row = `[data-test=caller-row][data-caller="13900000077"]`;
  await sup.page.waitForSelector(row, { timeout: 10_000 });
  const w1 = await sup.page.textContent(`${row} [data-test=caller-wait]`);
  await sup.page.waitForFunction(([sel, before]) => document.querySelector(`${sel} [data-test=caller-wait]`)?.textContent !== before, [row, w1] as const, { timeout: 3000 });
  assert.match(await sup.page.textContent('[data-test=queue-row][data-queue=sales] [data-test=queue-agents-break]') ?? '', /^1$/);
  shots.push(await screenshot(sup.page, '12-supervisor-waiting-zh'));
  assert.equal((await run.done).code, 0);
  await sup.page.waitForSelector(row, { state: 'detached', timeout: 10_000 });
  assert.equal(await sup.page.textContent('[data-test=queue-row][data-queue=sales] [data-test=queue-waiting]'), '0');
  console.log(`# screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}`);
});

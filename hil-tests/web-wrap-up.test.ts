// Wrap-up (话后处理) end to end in Debian's Chromium: a browser agent answers a queue call (sipp
// caller) in the workspace's softphone, picks a disposition from the queue's own list and
// writes notes during the call, hangs up, finds the wrap-up again after reloading the page
// in wrap-up, corrects it and presses "Save and ready" (wrap-up ends early, the agent is
// available); the disposition and notes are in LMDB with their event rows and show in the
// customer's history in the screen pop, in both languages. The API refuses a disposition from
// another list and another agent's call. A reload during the call is asked about first (the
// page's WebRTC media cannot move to a new page), and staying keeps the call. Screenshots in both languages go to the artifacts
// directory printed at the start.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { BoxProcess } from './harness/box-process.ts';
import { browserSignIn, type BrowserSession } from './harness/api.ts';
import { queueCaller } from './harness/queue-caller.ts';
import { launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { addUsers, goAvailable, NO_LAG_GUARD, signInSoftphoneAgent, startWebBox, type WebBox } from './harness/web-box.ts';

const CARRIER = '127.0.0.2';
const DID = '5550300';
const CUSTOMER = '13600136000';
let web: WebBox;
let box: BoxProcess;
let admin: BrowserSession;
let browser: Browser;
let agent: TestPage;
const shots: string[] = [];

before(async () => {
  web = await startWebBox({
    recording: { enabled: false },
    security: NO_LAG_GUARD,
    extensions: [{ number: '2301', password: 'pw-2301' }, { number: '2302', password: 'pw-2302' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'care', displayName: 'Care 客服', strategy: 'linear', overflow: 'hangup', ringTimeoutSec: 30, wrapUpSec: 300, announceEverySec: 0 }],
    agents: [
      { id: 'w1', name: 'Chen Jing', extension: '2301', device: 'browser', queues: [{ queue: 'care' }] },
      { id: 'w2', name: 'Liu Yang', extension: '2302', device: 'browser', queues: [] },
    ],
    dids: [{ number: DID, trunk: 'carrier', destination: 'queue:care' }],
    workspace: {
      dispositions: [{ code: 'other', en: 'Other', zh: '其他' }],
      queueDispositions: { care: [{ code: 'fixed', en: 'Fixed on the call', zh: '当场解决' }, { code: 'escalated', en: 'Escalated', zh: '已升级' }] },
    },
  });
  ({ box, admin } = web);
  await addUsers(admin, [['w1', 'agent'], ['w2', 'agent']]);
  assert.equal((await admin.call('PUT', `/api/customers/${CUSTOMER}`, { name: '赵磊', priority: 0, notes: 'Home broadband.' })).status, 200);
  browser = await launchBrowser({ trust: web.ca });
  agent = await openPage(browser, { baseURL: web.baseURL, locale: 'zh-CN' });
});

after(async () => {
  if (shots.length) console.log(`# screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}`);
  await browser?.close();
  await box?.stop();
});

const sp = '[data-test=softphone]';
const options = (page: Page) => page.$$eval('[data-test=wrapup-disposition] option', (os) => os.map((o) => `${(o as HTMLOptionElement).value}=${o.textContent}`));

test('a browser agent wraps up a queue call with a disposition and notes, during and after it; "Save and ready" ends wrap-up; the customer\'s history shows it', async () => {
  const { page, errors } = agent;
  await signInSoftphoneAgent(page, 'w1');
  await goAvailable(page);
  assert.equal(await page.locator('[data-test=wrapup]').count(), 0, 'no wrap-up before any call');

  const run = await queueCaller(box, { dialled: DID, caller: CUSTOMER, timeoutSec: 120 });
  await page.waitForSelector(`${sp}[data-call=ringing]`, { timeout: 20_000 });
  await page.click('[data-test=sp-answer]');
  await page.waitForSelector(`${sp}[data-call=connected]`, { timeout: 15_000 });
  await page.waitForSelector('[data-test=call-panel][data-call-state=connected]');
  const callId = await page.getAttribute('[data-test=wrapup]', 'data-call', { timeout: 10_000 });
  assert.ok(callId);

  // During the call: the queue's own list (not the box-wide one), in Chinese.
  await page.waitForFunction(() => document.querySelectorAll('[data-test=wrapup-disposition] option').length === 3);
  assert.deepEqual(await options(page), ['=— 请选择 —', 'fixed=当场解决', 'escalated=已升级']);
  await page.selectOption('[data-test=wrapup-disposition]', 'escalated');
  await page.fill('[data-test=wrapup-notes]', 'Router keeps rebooting; 路由器反复重启。');
  await page.click('[data-test=wrapup-save]');
  await page.waitForSelector('[data-test=wrapup-saved]');
  const during = (await admin.call('GET', `/api/workspace/calls/${callId}`)).body;
  assert.deepEqual([during.caller, during.queue, during.agent], [CUSTOMER, 'care', 'w1']);
  assert.deepEqual([during.wrapUp.agent, during.wrapUp.disposition.code, during.wrapUp.notes, during.wrapUp.savedBy], ['w1', 'escalated', 'Router keeps rebooting; 路由器反复重启。', 'w1']);
  shots.push(await screenshot(page, '31-wrap-up-during-call-zh'));

  // The API: a code from another list is refused; another agent cannot touch this call.
  const w1 = await browserSignIn(web.tlsPort, web.ca, 'w1', 'w1-password');
  const bad = await w1.call('PUT', `/api/workspace/calls/${callId}/wrap-up`, { disposition: 'other', notes: '' });
  assert.deepEqual([bad.status, bad.body.code], [400, 'CC_WRAPUP_BAD_DISPOSITION']);
  const w2 = await browserSignIn(web.tlsPort, web.ca, 'w2', 'w2-password');
  const foreign = await w2.call('PUT', `/api/workspace/calls/${callId}/wrap-up`, { disposition: 'fixed', notes: 'not mine' });
  assert.deepEqual([foreign.status, foreign.body.code], [404, 'CC_WRAPUP_NO_SUCH_CALL']);
  assert.equal((await w2.call('GET', `/api/workspace/calls/${callId}`)).status, 404);

  // A reload during the call would end it: the browser asks first, and staying keeps the call.
  const dialogs: string[] = [];
  const onDialog = (d: import('playwright-core').Dialog) => {
    dialogs.push(d.type());
    void d.dismiss();
  };
  page.on('dialog', onDialog);
  await page.evaluate(() => setTimeout(() => location.reload(), 0));
  for (let i = 0; dialogs.length === 0 && i < 50; i++) await new Promise((res) => setTimeout(res, 100));
  page.off('dialog', onDialog);
  assert.deepEqual(dialogs, ['beforeunload']);
  assert.equal(await page.getAttribute(sp, 'data-call'), 'connected', 'the call goes on');

  // The agent hangs up: wrap-up time (300 s) begins; a reload still shows this call's wrap-up.
  await page.keyboard.press('F9');
  await page.waitForSelector('[data-test=sp-ended][data-reason=hangup]', { timeout: 10_000 });
  assert.equal((await run.done).code, 0);
  await page.waitForSelector('[data-test=agent-state][data-state=wrap-up]', { timeout: 10_000 });
  await page.reload();
  await page.waitForSelector(`[data-test=wrapup][data-call="${callId}"]`, { timeout: 15_000 });
  await page.waitForFunction(() => document.querySelector<HTMLSelectElement>('[data-test=wrapup-disposition]')?.value === 'escalated');
  assert.equal(await page.inputValue('[data-test=wrapup-notes]'), 'Router keeps rebooting; 路由器反复重启。');
  assert.equal(await page.getAttribute('[data-test=agent-state]', 'data-state'), 'wrap-up');
  await page.waitForSelector(`[data-test=customer-card][data-number="${CUSTOMER}"]`, { timeout: 10_000 });
  assert.equal(await page.inputValue('[data-test=customer-name]'), '赵磊', 'the screen pop of the call being wrapped up is back');

  await page.selectOption('[data-test=lang]', 'en');
  assert.deepEqual(await options(page), ['=— choose —', 'fixed=Fixed on the call', 'escalated=Escalated']);
  await page.selectOption('[data-test=wrapup-disposition]', 'fixed');
  await page.fill('[data-test=wrapup-notes]', 'Router keeps rebooting; fixed by a firmware update.');
  shots.push(await screenshot(page, '32-wrap-up-after-call-en'));
  await page.click('[data-test=wrapup-save-ready]');
  await page.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
  const agents = (await admin.call('GET', '/api/acd/agents')).body as { id: string; state: string }[];
  assert.equal(agents.find((a) => a.id === 'w1')?.state, 'available', 'wrap-up ended long before its 300 s');

  // The screen pop's history: this call heads it with its disposition and notes.
  await page.waitForFunction((id) => /Fixed on the call/.test(document.querySelector(`[data-test=history-row][data-call="${id}"] [data-test=history-wrapup]`)?.textContent ?? ''), callId, { timeout: 10_000 });
  assert.match(await page.textContent(`[data-test=history-row][data-call="${callId}"]`) ?? '', /In.*Care 客服.*w1.*Answered.*Fixed on the call.*firmware update/s);
  shots.push(await screenshot(page, '33-history-with-wrap-up-en'));
  await page.selectOption('[data-test=lang]', 'zh-CN');
  assert.match(await page.textContent(`[data-test=history-row][data-call="${callId}"] [data-test=history-wrapup]`) ?? '', /当场解决/);
  shots.push(await screenshot(page, '34-history-with-wrap-up-zh'));
  const history = (await admin.call('GET', `/api/history/${CUSTOMER}`)).body as { callId: string; wrapUp?: { disposition: { code: string }; notes: string; agent: string } }[];
  const row = history.find((h) => h.callId === callId);
  assert.deepEqual([row?.wrapUp?.disposition.code, row?.wrapUp?.notes, row?.wrapUp?.agent], ['fixed', 'Router keeps rebooting; fixed by a firmware update.', 'w1']);

  // In LMDB: the record and one event row per save (the second an edit).
  const stored = (await box.read<{ disposition: { code: string }; createdAt: number; savedAt: number }>('wrap-ups' as 'cdr')).find((r) => r.key === callId)?.value;
  assert.equal(stored?.disposition.code, 'fixed');
  assert.ok(stored && stored.savedAt > stored.createdAt, 'an edit keeps the first save time');
  const events = (await box.read<{ type: string; callId?: string; disposition?: string; edit?: boolean }>('events')).map((r) => r.value).filter((e) => e.type === 'call-wrapped-up' && e.callId === callId);
  assert.deepEqual(events.map((e) => [e.disposition, e.edit]), [['escalated', false], ['fixed', true]]);
  assert.deepEqual(errors, []);
});

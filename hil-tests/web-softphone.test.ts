// The workspace with the browser softphone mounted (an agent whose calls ring in the browser,
// `device: 'browser'`): the softphone connects with the page's cookie session, a sipp caller
// reaches the queue and rings in the page, the agent answers with the button (Chromium's fake
// microphone), holds and resumes, mutes, the call timer runs in both panels, hangs up with F9
// and is available again; the caller's side sees the box's BYE. Audio quality itself is the
// softphone's own test (softphone.test.ts). Screenshots in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { BoxProcess } from './harness/box-process.ts';
import { queueCaller } from './harness/queue-caller.ts';
import { launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { addUsers, goAvailable, signInSoftphoneAgent, startWebBox } from './harness/web-box.ts';

const CARRIER = '127.0.0.2';
const DID = '5550200';
let box: BoxProcess;
let browser: Browser;
let agent: TestPage;

before(async () => {
  const web = await startWebBox({
    recording: { enabled: false },
    extensions: [{ number: '2101', password: 'pw-2101' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'web', displayName: 'Web 网页', strategy: 'linear', overflow: 'hangup', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0 }],
    agents: [{ id: 'b1', name: 'Zhang Wei', extension: '2101', device: 'browser', queues: [{ queue: 'web' }] }],
    dids: [{ number: DID, trunk: 'carrier', destination: 'queue:web' }],
  });
  box = web.box;
  await addUsers(web.admin, [['b1', 'agent']]);
  browser = await launchBrowser({ trust: web.ca });
  agent = await openPage(browser, { baseURL: web.baseURL, locale: 'zh-CN' });
});

after(async () => {
  await browser?.close();
  await box?.stop();
});

const sp = '[data-test=softphone]';
const callState = (page: Page) => page.getAttribute(sp, 'data-call');

test('a browser agent answers, holds, mutes and hangs up a queue call from the workspace\'s softphone', async () => {
  const { page, errors } = agent;
  await signInSoftphoneAgent(page, 'b1');
  await page.waitForSelector('[data-test=softphone-ready]');
  await goAvailable(page);

  const run = await queueCaller(box, { dialled: DID, caller: '13700137000', timeoutSec: 90 });
  await page.waitForSelector(`${sp}[data-call=ringing]`, { timeout: 20_000 });
  assert.equal(await page.textContent('[data-test=softphone-incoming]'), '来电：13700137000');
  await page.waitForSelector('[data-test=call-panel][data-call-state=ringing]');
  assert.equal(await page.textContent('[data-test=caller-number]'), '13700137000', 'the call panel shows the same call');
  shots.push(await screenshot(page, '21-softphone-ringing-zh'));

  await page.click('[data-test=sp-answer]');
  await page.waitForSelector(`${sp}[data-call=connected]`, { timeout: 15_000 });
  await page.waitForSelector('[data-test=call-panel][data-call-state=connected]');
  await page.waitForFunction(() => /^0:0[2-9]$/.test(document.querySelector('[data-test=sp-timer]')?.textContent ?? ''), undefined, { timeout: 6000 });

  await page.click('[data-test=sp-hold]');
  await page.waitForSelector(`${sp}[data-held=true]`, { timeout: 10_000 });
  assert.equal(await page.textContent('[data-test=sp-hold]'), '恢复');
  shots.push(await screenshot(page, '22-softphone-held-zh'));
  await page.click('[data-test=sp-hold]');
  await page.waitForSelector(`${sp}[data-held=false]`, { timeout: 10_000 });
  await page.keyboard.press('Alt+M');
  await page.waitForSelector(`${sp}[data-muted=true]`);
  await page.selectOption('[data-test=lang]', 'en');
  assert.equal(await page.textContent('[data-test=sp-mute]'), 'Unmute');
  shots.push(await screenshot(page, '23-softphone-talking-muted-en'));
  await page.click('[data-test=sp-mute]');
  await page.waitForSelector(`${sp}[data-muted=false]`);

  await page.keyboard.press('F9');
  await page.waitForSelector('[data-test=sp-ended][data-reason=hangup]', { timeout: 10_000 });
  assert.equal(await callState(page), 'none');
  const r = await run.done;
  assert.equal(r.code, 0, `the caller got the box's BYE: ${r.errors || r.stderr}`);
  await page.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
  const cdr = await box.cdr(DID, (c) => c.caller.number === '13700137000');
  assert.equal(cdr?.hangup.side, 'callee', 'the agent hung up');
  assert.ok(cdr?.agents?.includes('b1'));
  shots.push(await screenshot(page, '24-softphone-after-call-en'));
  assert.deepEqual(errors, []);
  console.log(`# screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}`);
});

const shots: string[] = [];

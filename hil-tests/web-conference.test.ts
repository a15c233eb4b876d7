// A 3-way call from the workspace in Debian's Chromium: a browser agent answers a queue call
// (sipp caller), adds extension 2402 (baresip, auto-answer) from the quick-dial list, sees it
// join, drops it, adds it again by typing the number, then completes the transfer (leaves the
// call; the ACD frees the agent as after a transfer): the caller and 2402 stay
// connected (the hand-over), until 2402 hangs up and the caller gets the box's BYE. Uses the
// call-control area's POST/DELETE /api/calls/:id/parties. Screenshots in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { BoxProcess } from './harness/box-process.ts';
import type { BrowserSession } from './harness/api.ts';
import { queueCaller } from './harness/queue-caller.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { submitSignIn } from './harness/web-session.ts';
import { addUsers, goAvailable, NO_LAG_GUARD, passwordOf, signInSoftphoneAgent, startWebBox, type WebBox } from './harness/web-box.ts';

const CARRIER = '127.0.0.2';
const DID = '5550400';
const CALLER = '13500135000';
const DESK_DID = '5550401';
let web: WebBox;
let box: BoxProcess;
let admin: BrowserSession;
let phone: Baresip;
let deskPhone: Baresip;
let browser: Browser;
let agent: TestPage;
const shots: string[] = [];

before(async () => {
  web = await startWebBox({
    recording: { enabled: false },
    security: NO_LAG_GUARD,
    extensions: [{ number: '2401', password: 'pw-2401' }, { number: '2402', password: 'pw-2402' }, { number: '2403', password: 'pw-2403' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [
      { name: 'conf', displayName: 'Conf 会议', strategy: 'linear', overflow: 'hangup', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0 },
      { name: 'desk', displayName: 'Desk 座机', strategy: 'linear', overflow: 'hangup', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0 },
    ],
    agents: [
      { id: 'c1', name: 'Sun Li', extension: '2401', device: 'browser', queues: [{ queue: 'conf' }] },
      { id: 'd1', name: 'Zhou Min', extension: '2403', queues: [{ queue: 'desk' }] },
    ],
    dids: [{ number: DID, trunk: 'carrier', destination: 'queue:conf' }, { number: DESK_DID, trunk: 'carrier', destination: 'queue:desk' }],
    workspace: { quickDial: [{ number: '2402', label: 'Billing 账务' }] },
  });
  ({ box, admin } = web);
  await addUsers(admin, [['c1', 'agent'], ['d1', 'agent']]);
  phone = await startBaresip({ extension: '2402', password: 'pw-2402', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 900 });
  await phone.waitFor(/200 OK .*1 binding/);
  deskPhone = await startBaresip({ extension: '2403', password: 'pw-2403', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 600 });
  await deskPhone.waitFor(/200 OK .*1 binding/);
  browser = await launchBrowser({ trust: web.ca });
  agent = await openPage(browser, { baseURL: web.baseURL, locale: 'zh-CN' });
});

after(async () => {
  if (process.env.CC_DUMP_LOGS) console.log(box?.logs.filter((l) => /warn|error|call|softphone|queue/i.test(l)).slice(-60).join('\n'));
  if (shots.length) console.log(`# screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}`);
  await browser?.close();
  await phone?.stop();
  await deskPhone?.stop();
  await box?.stop();
});

const sp = '[data-test=softphone]';

async function liveCall(id: string): Promise<{ parties: { id: string; role: string; state: string; party: { number: string } }[] } | undefined> {
  const calls = (await admin.call('GET', '/api/calls')).body as { id: string; parties: { id: string; role: string; state: string; party: { number: string } }[] }[];
  return calls.find((c) => c.id === id);
}

test('a browser agent adds a party from the quick-dial list, drops it, adds it again by number, and completes the transfer leaving the caller with the party', async () => {
  const { page, errors } = agent;
  await signInSoftphoneAgent(page, 'c1');
  await goAvailable(page);

  const run = await queueCaller(box, { dialled: DID, caller: CALLER, timeoutSec: 120 });
  await page.waitForSelector(`${sp}[data-call=ringing]`, { timeout: 20_000 });
  assert.equal(await page.locator('[data-test=conference]').count(), 0, 'nothing to add to while ringing');
  await page.click('[data-test=sp-answer]');
  await page.waitForSelector('[data-test=call-panel][data-call-state=connected]', { timeout: 15_000 });
  await page.waitForSelector('[data-test=conference] [data-test=quick-dial-entry][data-number="2402"]');
  assert.match(await page.textContent('[data-test=quick-dial-entry]') ?? '', /Billing 账务 · 2402/);

  await page.click('[data-test=quick-dial-entry][data-number="2402"]');
  await page.waitForSelector('[data-test=conf-member][data-state=talking]', { timeout: 20_000 });
  await phone.waitFor(/Call established|established/i, 10_000);
  const callId = (await page.getAttribute('[data-test=wrapup]', 'data-call'))!;
  const three = await liveCall(callId);
  assert.deepEqual(three?.parties.filter((p) => p.state === 'talking').map((p) => p.party.number).sort(), [CALLER, '2401', '2402'].sort(), 'three talking parties');
  shots.push(await screenshot(page, '51-conference-three-zh'));

  await page.click('[data-test=conf-drop]');
  await page.waitForSelector('[data-test=conf-member][data-state=left]', { timeout: 10_000 });
  assert.deepEqual((await liveCall(callId))?.parties.filter((p) => p.state === 'talking').map((p) => p.party.number).sort(), [CALLER, '2401'].sort());

  await page.selectOption('[data-test=lang]', 'en');
  await page.fill('[data-test=conf-number]', '2402');
  await page.click('[data-test=conf-add]');
  await page.waitForSelector('[data-test=conf-member][data-state=talking]', { timeout: 20_000 });
  assert.match(await page.textContent('[data-test=conference]') ?? '', /2402 · in the call/);
  shots.push(await screenshot(page, '52-conference-again-en'));

  // The agent completes the hand-over: the caller and 2402 go on talking.
  await page.click('[data-test=conf-leave]');
  await page.waitForSelector('[data-test=sp-ended][data-reason=hangup]', { timeout: 10_000 });
  await page.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
  const after = await liveCall(callId);
  assert.deepEqual(after?.parties.filter((p) => p.state === 'talking').map((p) => p.party.number).sort(), [CALLER, '2402'].sort(), 'the caller stays with the added party');
  await phone.command('hangup');
  const r = await run.done;
  assert.equal(r.code, 0, `the caller got the box's BYE: ${r.errors || r.stderr}`);
  const cdr = await box.cdr(DID, (c) => c.caller.number === CALLER);
  assert.ok(cdr?.agents?.includes('c1'));
  assert.deepEqual(errors, []);
});

test('a desk-phone agent uses the page as the call-control panel: adds a party to the call their phone answered and completes the transfer; the phone gets BYE', async () => {
  const desk = await openPage(browser, { baseURL: web.baseURL, locale: 'zh-CN' });
  const { page, errors } = desk;
  await submitSignIn(page, 'd1', passwordOf('d1'));
  await page.waitForSelector('[data-test=softphone-desk]');
  await goAvailable(page);
  const caller = '13500135011';
  const run = await queueCaller(box, { dialled: DESK_DID, caller, timeoutSec: 120 });
  await page.waitForSelector('[data-test=call-panel][data-call-state=connected]', { timeout: 20_000 });
  await page.fill('[data-test=conf-number]', '2402');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-test=conf-member][data-state=talking]', { timeout: 20_000 });
  shots.push(await screenshot(page, '53-conference-desk-phone-zh'));
  await page.click('[data-test=conf-leave]');
  await deskPhone.waitFor(/terminated|closed|BYE/i, 10_000);
  await page.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
  await page.waitForSelector('[data-test=call-panel][data-call-state=none]');
  const calls = (await admin.call('GET', '/api/calls')).body as { parties: { state: string; party: { number: string } }[] }[];
  const talking = calls.map((c) => c.parties.filter((p) => p.state === 'talking').map((p) => p.party.number).sort());
  assert.deepEqual(talking, [[caller, '2402'].sort()], 'the caller stays with the added party');
  await phone.command('hangup');
  assert.equal((await run.done).code, 0);
  const rows = (await box.read<{ type: string; agent?: string; kind?: string; to?: string }>('queue-log')).map((r) => r.value).filter((e) => e.type === 'transfer' && e.agent === 'd1');
  assert.deepEqual(rows.map((e) => [e.kind, e.to]), [['conference', '2402']], 'the queue log has the hand-over');
  assert.deepEqual(errors, []);
});

test('a browser agent transfers a caller to an extension: a number nobody answers is refused and the call goes on; 2402 answers and the agent is out of the call', async () => {
  const { page, errors } = agent;
  await page.waitForSelector('[data-test=agent-state][data-state=available]');
  const caller = '13500135022';
  const run = await queueCaller(box, { dialled: DID, caller, timeoutSec: 120 });
  await page.waitForSelector(`${sp}[data-call=ringing]`, { timeout: 20_000 });
  await page.click('[data-test=sp-answer]');
  await page.waitForSelector('[data-test=call-panel][data-call-state=connected]', { timeout: 15_000 });
  await page.fill('[data-test=conf-number]', '2499');
  await page.click('[data-test=conf-transfer]');
  await page.waitForSelector('[data-test=conference] .error');
  assert.match(await page.textContent('[data-test=conference] .error') ?? '', /not reached|未能接通|CC_CALL/);
  assert.equal(await page.getAttribute(sp, 'data-call'), 'connected', 'the agent still has the caller');
  await page.fill('[data-test=conf-number]', '2402');
  await page.click('[data-test=conf-transfer]');
  await page.waitForSelector('[data-test=sp-ended]', { timeout: 20_000 });
  await page.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
  const calls = (await admin.call('GET', '/api/calls')).body as { parties: { state: string; party: { number: string } }[] }[];
  assert.deepEqual(calls.map((c) => c.parties.filter((p) => p.state === 'talking').map((p) => p.party.number).sort()), [[caller, '2402'].sort()]);
  await phone.command('hangup');
  assert.equal((await run.done).code, 0);
  const audit = (await admin.call('GET', '/api/audit')).body as { action: string; outcome: string; detail?: { to?: string } }[];
  assert.deepEqual(audit.filter((a) => a.action === 'call-transfer').map((a) => [a.outcome, a.detail?.to]), [['failed', '2499'], ['ok', '2402']]);
  assert.deepEqual(errors.filter((e) => !/status of 409/.test(e)), []);
});

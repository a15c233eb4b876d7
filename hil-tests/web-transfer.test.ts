// Blind transfer from the workspace between two browser agents (Debian's Chromium, each with a
// fake microphone playing its own tone: w1 700 Hz, w2 1300 Hz) and a sipp caller (test socket,
// 1000 Hz) through a queue. w1 answers and holds, then transfers to agent w2 over the
// workspace API: w1's page is told the call ended at once, w2's page rings, answers, and the
// caller hears w2 (and not w1) on the SIP side; w2 hears the caller in the page. The CDR lists
// the blind transfer, the queue log its `transfer` row, and w2 wraps up like a queue call.
// A consultation from w1 to extension 1005 (a sipp phone, test socket, 1700 Hz): the caller
// waits apart (hears neither), the two talk privately, then Complete hands the caller over;
// a second consultation is cancelled and the caller is back with w1.
// Second test: w2 declines the transferred call, and the caller is not lost: it re-enters its
// queue and an agent's page rings for it again. Third test, the web app over HTTPS on its own
// box: a desk-phone agent (baresip) uses the workspace's transfer panel (screenshots in Chinese
// and English) to blind-transfer a queue caller to another desk-phone agent (baresip, auto
// answer, 1300 Hz): the caller hears the second phone after the transfer.
// Consultation to a browser agent (w1 consults w2's page; the tone share of each party's
// audio, the caller's over RTP, the pages' by Goertzel on what they play): Complete, Conference
// (each hears the other two, not itself; w2 leaves and the other two go on), Cancel and a
// decline. Then the web app (both languages, screenshots): a desk-phone agent consults a
// browser agent from the transfer panel, the consulted page pops up the consultation, a reload
// of the consulting page shows its controls again. Last, kill -9 during a consultation: the
// restart clears it and leaves no agent stuck.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { runSipp, type SippRun } from './harness/sipp.ts';
import { carrierCall, type CarrierCall } from './harness/carrier-caller.ts';
import { cutPower } from './harness/power-cut.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer } from './harness/rtp-peer.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { startPageServer, toneWav, type PageServer } from './harness/chromium-softphone.ts';
import { openBrowserAgent } from './harness/browser-agent.ts';
import { adminPassword, browserSignIn } from './harness/api.ts';
import { makeToneWav, startBaresip, type Baresip } from './harness/baresip.ts';
import { launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { signInPage } from './harness/web-session.ts';
import { addUsers, goAvailable, NO_LAG_GUARD, passwordOf, startWebBox, type WebBox } from './harness/web-box.ts';

const CARRIER = '127.0.0.2';
const W1 = { id: 'w1', extension: '2101', password: 'softphone-pw-1', hz: 700 };
const W2 = { id: 'w2', extension: '2102', password: 'softphone-pw-2', hz: 1300 };
const CALLER_HZ = 1000;

let box: BoxProcess;
let admin: ApiClient;
const api: Record<string, ApiClient> = {};
const pages: Record<string, Page> = {};
const browsers: Browser[] = [];
let server: PageServer;
let tmp: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'web-transfer-'));
  box = await startBoxProcess({
    extensions: [{ number: W1.extension, password: 'unused-sip-pw-1' }, { number: W2.extension, password: 'unused-sip-pw-2' }, { number: '1005', password: 'secret1005' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'web', strategy: 'linear', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0, overflow: 'hangup' }],
    agents: [
      { id: W1.id, extension: W1.extension, device: 'browser', queues: [{ queue: 'web' }] },
      { id: W2.id, extension: W2.extension, device: 'browser', queues: [] },
    ],
    dids: [{ number: '5550300', trunk: 'carrier', destination: 'queue:web' }],
    security: NO_LAG_GUARD,
  });
  admin = await signIn(box);
  server = await startPageServer(box.httpPort);
  for (const a of [W1, W2]) {
    const agent = await openBrowserAgent(box, admin, server, a, tmp);
    browsers.push(agent.browser);
    api[a.id] = agent.api;
    pages[a.id] = agent.page;
    const login = await api[a.id].call('POST', `/api/acd/agents/${a.id}/login`);
    assert.equal(login.status, 200, JSON.stringify(login.body));
  }
});

after(async () => {
  if (process.env.TRANSFER_LOGS) console.log(box?.logs.filter((l) => /transfer|queue|offer|agent|softphone|error|warn/i.test(l)).slice(-60).join('\n'));
  for (const b of browsers) await b.close();
  await server?.close();
  await box?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How many times `event` was logged by the page. */
const count = (page: Page, event: string) => page.evaluate((e) => window.softphoneTest.events.filter((x) => x.event === e).length, event);
const waitCount = (page: Page, event: string, n: number, timeout = 20_000) =>
  page.waitForFunction(([e, k]) => window.softphoneTest.events.filter((x) => x.event === e).length >= k, [event, n] as const, { timeout });

async function liveCall(): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const calls = (await admin.call('GET', '/api/calls')).body as { id: string; queue?: string; state: string }[];
    const live = calls.find((c) => c.queue === 'web' && c.state === 'answered')?.id;
    if (live) return live;
    await sleep(200);
  }
  throw new Error('no live queue call listed');
}

/** A carrier caller to the queue's DID, talking its tone once the box answered; it hangs up
 *  after `pauseMs`, or with `scenario` 'uac-wait-bye.xml' stays until the box's BYE. */
async function callIn(pauseMs = 25_000, scenario?: string): Promise<CarrierCall> {
  const call = await carrierCall(box, { dialled: '5550300', caller: '13900002222', pauseMs, timeoutSec: Math.ceil(pauseMs / 1000) + 55, scenario });
  call.talk(CALLER_HZ);
  return call;
}

/**
 * A queue call that w1's page rings for and answers: callIn, the page's incoming and connected
 * events, the call listed as answered. A failed step closes the caller; `incoming` and
 * `connected` are the page's counts of those events with this call.
 */
async function w1Answers(pauseMs = 25_000, scenario?: string): Promise<{ caller: CarrierCall; callId: string; incoming: number; connected: number }> {
  const p1 = pages[W1.id];
  const incoming = await count(p1, 'incoming');
  const connected = await count(p1, 'connected');
  const caller = await callIn(pauseMs, scenario);
  try {
    await waitCount(p1, 'incoming', incoming + 1);
    await p1.click('#answer');
    await waitCount(p1, 'connected', connected + 1);
    return { caller, callId: await liveCall(), incoming: incoming + 1, connected: connected + 1 };
  } catch (err) {
    caller.close();
    throw err;
  }
}

async function queueLog(callId: string): Promise<{ type: string; [k: string]: unknown }[]> {
  const rows = (await admin.call('GET', '/api/acd/log?limit=1000')).body as { type: string; callId?: string }[];
  return rows.filter((r) => r.callId === callId) as { type: string }[];
}

test('blind transfer from one browser agent to another: the first leaves at once, the caller hears the second', async () => {
  let caller: CarrierCall | undefined;
  try {
    // The caller stays until w2 hangs up: the test doesn't wait out a fixed call length.
    const answered = await w1Answers(25_000, 'uac-wait-bye.xml');
    caller = answered.caller;
    const { callId } = answered;
    const callerPeer = caller.peer;
    const p1 = pages[W1.id];
    const p2 = pages[W2.id];
    const before1 = await callerPeer.heard(1200);
    assert.ok(before1(W1.hz) > 0.05, `the caller hears w1 before the transfer (${before1(W1.hz).toFixed(3)})`);
    await p1.click('#hold');
    await sleep(500);

    // A target that cannot take it is refused before w1 leaves.
    const refused = await api[W1.id].call('POST', `/api/workspace/calls/${callId}/blind-transfer`, { kind: 'agent', target: 'nobody' });
    assert.equal(refused.status, 404, JSON.stringify(refused.body));
    assert.equal(refused.body.code, 'CC_TRANSFER_UNKNOWN_TARGET');
    const notMine = await api[W2.id].call('POST', `/api/workspace/calls/${callId}/blind-transfer`, { kind: 'agent', target: W1.id });
    assert.equal(notMine.status, 409, `w2 cannot transfer w1's call: ${JSON.stringify(notMine.body)}`);

    const endedBefore = await count(p1, 'ended');
    const res = await api[W1.id].call('POST', `/api/workspace/calls/${callId}/blind-transfer`, { kind: 'agent', target: W2.id });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.deepEqual(res.body, { kind: 'agent', to: W2.extension });
    await waitCount(p1, 'ended', endedBefore + 1, 10_000);
    await waitCount(p2, 'incoming', 1);
    const ringing = (await admin.call('GET', '/api/acd/agents')).body.find((a: any) => a.id === W2.id);
    assert.equal(ringing?.state, 'ringing', `w2 rings for the transferred call: ${JSON.stringify(ringing)}`);
    await p2.click('#answer');
    await waitCount(p2, 'connected', 1);
    await sleep(800);
    const after1 = await callerPeer.heard(1500);
    const report = `caller hears ${W1.hz} Hz ${after1(W1.hz).toFixed(3)}, ${W2.hz} Hz ${after1(W2.hz).toFixed(3)}`;
    assert.ok(after1(W2.hz) > 0.05 && after1(W1.hz) < 0.01, `after the transfer the caller hears w2, not w1 (${report})`);
    const inPage = await p2.evaluate((hz) => window.softphoneTest.measure(hz, 1000), CALLER_HZ);
    assert.ok(inPage.ratio > 0.1, `w2's page plays the caller: ${JSON.stringify(inPage)}`);
    console.log(`${report}; w2's page: ${CALLER_HZ} Hz ${inPage.ratio.toFixed(2)}`);
    const agents = (await admin.call('GET', '/api/acd/agents')).body as { id: string; state: string; callId?: string }[];
    assert.equal(agents.find((a) => a.id === W2.id)?.state, 'on-call');
    assert.notEqual(agents.find((a) => a.id === W1.id)?.state, 'on-call', 'w1 is done with the call');

    await p2.click('#hangup');
    await waitCount(p2, 'ended', 1);
    const r = await caller.uac.done;
    assert.equal(r.code, 0, `the caller talked until w2 hung up (the box's BYE): ${r.errors || r.stderr}`);
    const cdr = await box.cdr('5550300', (row) => row.callId === callId);
    assert.equal(cdr.transfers?.length, 1, JSON.stringify(cdr.transfers));
    assert.equal(cdr.transfers[0].kind, 'blind');
    assert.equal(cdr.transfers[0].from.id, W1.extension);
    assert.equal(cdr.transfers[0].to.id, W2.extension);
    assert.equal(cdr.callee.id, W2.extension, 'the CDR names w2 as the callee at the end');
    assert.deepEqual(cdr.agents, [W1.id, W2.id]);
    const log = await queueLog(callId);
    const transfer = log.find((x) => x.type === 'transfer');
    assert.ok(transfer && transfer.agent === W1.id && transfer.kind === 'blind' && transfer.to === W2.extension, `queue log transfer row: ${JSON.stringify(log)}`);
    for (let i = 0; i < 50 && (await admin.call('GET', '/api/acd/agents')).body.find((a: any) => a.id === W2.id)?.state !== 'available'; i++) await sleep(100);
    assert.equal((await admin.call('GET', '/api/acd/agents')).body.find((a: any) => a.id === W2.id)?.state, 'available', 'w2 is free again after the call (wrap-up 0 s)');
  } finally {
    caller?.close();
  }
});

test('a transferred call the target declines goes back to its queue and rings an agent again', async () => {
  let caller: CarrierCall | undefined;
  const p1 = pages[W1.id];
  const p2 = pages[W2.id];
  try {
    const incoming2 = await count(p2, 'incoming');
    const answered = await w1Answers();
    caller = answered.caller;
    const { callId } = answered;
    const res = await api[W1.id].call('POST', `/api/workspace/calls/${callId}/blind-transfer`, { kind: 'agent', target: W2.id });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await waitCount(p2, 'incoming', incoming2 + 1);
    await p2.click('#hangup'); // declines while it rings
    // The caller is back in the queue: w1 (linear, first in line, wrap-up 0 s) rings again.
    await waitCount(p1, 'incoming', answered.incoming + 1);
    const log = await queueLog(callId);
    assert.equal(log.filter((x) => x.type === 'enter').length, 2, `the caller entered the queue twice: ${JSON.stringify(log.map((x) => x.type))}`);
    const agents = (await admin.call('GET', '/api/acd/agents')).body as { id: string; state: string }[];
    assert.equal(agents.find((a) => a.id === W2.id)?.state, 'available', 'w2 is available after declining');
    await p1.click('#answer');
    await waitCount(p1, 'connected', answered.connected + 1);
    const back = await caller.peer.heard(1200);
    assert.ok(back(W1.hz) > 0.05, `the caller talks to w1 again (${back(W1.hz).toFixed(3)})`);
    await p1.click('#hangup');
    const cdr = await box.cdr('5550300', (row) => row.callId === callId);
    assert.equal(cdr.disposition, 'answered');
    const s = await box.idle();
    assert.equal(s.calls, 0);
    assert.equal(s.media.routers, 0);
  } finally {
    caller?.close();
  }
});

/**
 * The web app's box of the workspace tests (startWebBox: HTTPS on its own port, the admin
 * signed in): a 'desk' queue behind `did`, two agents (the first in the queue), each with a web
 * user (addUsers: role agent, password `<id>-password`). The box is stopped if a user fails.
 */
async function startDeskBox(did: string, first: { id: string; extension: string; password: string; device?: string }, second: { id: string; extension: string; password: string; device?: string }): Promise<WebBox> {
  const web = await startWebBox({
    recording: { enabled: false },
    extensions: [{ number: first.extension, password: first.password }, { number: second.extension, password: second.password }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'desk', displayName: 'Desk 前台', strategy: 'linear', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0, overflow: 'hangup' }],
    agents: [
      { id: first.id, name: 'Zhang Wei', extension: first.extension, ...(first.device ? { device: first.device } : {}), queues: [{ queue: 'desk' }] },
      { id: second.id, name: 'Chen Jing', extension: second.extension, ...(second.device ? { device: second.device } : {}), queues: [] },
    ],
    dids: [{ number: did, trunk: 'carrier', destination: 'queue:desk' }],
    security: NO_LAG_GUARD,
  });
  try {
    await addUsers(web.admin, [[first.id, 'agent'], [second.id, 'agent']]);
  } catch (err) {
    await web.box.stop();
    throw err;
  }
  return web;
}

test('the workspace transfer panel (both languages): a desk-phone agent blind-transfers a queue caller to another agent\'s phone', async () => {
  const { box: ui, tlsPort, ca, admin: adm, baseURL } = await startDeskBox('5550301', { id: 'a3', extension: '2103', password: 'pw-2103' }, { id: 'a4', extension: '2104', password: 'pw-2104' });
  const phones: Baresip[] = [];
  let uiBrowser: Browser | undefined;
  let agent: TestPage | undefined;
  let caller: CarrierCall | undefined;
  const shots: string[] = [];
  try {
    phones.push(await startBaresip({ extension: '2103', password: 'pw-2103', box: { host: '127.0.0.1', port: ui.sipPort }, listenIp: '127.0.0.1', toneHz: 700, answer: 'manual' }));
    // The phone's microphone outlasts the call (baresip hangs up when its file ends).
    const wav = join(tmp, 'a4-1300.wav');
    makeToneWav(wav, 1300, 90);
    phones.push(await startBaresip({ extension: '2104', password: 'pw-2104', box: { host: '127.0.0.1', port: ui.sipPort }, listenIp: '127.0.0.1', wav, answer: 'auto' }));
    for (const ph of phones) await ph.waitFor(/200 OK .*1 binding/);
    const a4 = await browserSignIn(tlsPort, ca, 'a4', passwordOf('a4'));
    assert.equal((await a4.call('POST', '/api/acd/agents/a4/login')).status, 200);
    uiBrowser = await launchBrowser({ trust: ca });
    agent = await openPage(uiBrowser, { baseURL, locale: 'zh-CN' });
    const { page, errors } = agent;
    await signInPage(page, 'a3', passwordOf('a3'));
    await goAvailable(page);

    // The caller stays until a4's phone hangs up (the box's BYE ends sipp's scenario).
    caller = await carrierCall(ui, { dialled: '5550301', caller: '13900003333', pauseMs: 30_000, timeoutSec: 80, scenario: 'uac-wait-bye.xml' });
    caller.talk(CALLER_HZ);
    const callerPeer = caller.peer;
    await phones[0].waitFor(/Incoming call from/i, 20_000);
    await phones[0].command('accept');
    await page.waitForSelector('[data-test=call-panel][data-call-state=connected]', { timeout: 10_000 });
    await page.waitForSelector('[data-test=transfer] [data-test=transfer-target] option[value=a4]:not([disabled])', { state: 'attached' });
    const before = await callerPeer.heard(1200);
    assert.ok(before(700) > 0.05, `the caller hears a3's phone first (${before(700).toFixed(3)})`);
    assert.match(await page.textContent('[data-test=transfer] h2') ?? '', /转接/);
    shots.push(await screenshot(page, 'transfer-01-panel-zh'));
    await page.selectOption('[data-test=lang]', 'en');
    assert.match(await page.textContent('[data-test=transfer] h2') ?? '', /Transfer/);
    shots.push(await screenshot(page, 'transfer-02-panel-en'));

    // Keyboard: choose the agent, Tab to the button, Enter.
    await page.focus('[data-test=transfer-target]');
    await page.selectOption('[data-test=transfer-target]', 'a4');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.test), 'transfer-blind', 'Tab reaches the transfer button');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-test=transfer-done]', { timeout: 10_000 });
    assert.match(await page.textContent('[data-test=transfer-done]') ?? '', /2104/);
    shots.push(await screenshot(page, 'transfer-03-done-en'));
    await page.selectOption('[data-test=lang]', 'zh-CN');
    shots.push(await screenshot(page, 'transfer-04-done-zh'));
    await phones[1].waitFor(/Call established|call established|ESTABLISHED/i, 20_000).catch(() => undefined);
    let after: ((hz: number) => number) | undefined;
    for (let i = 0; i < 20; i++) {
      after = await callerPeer.heard(1000);
      if (after(1300) > 0.05) break;
    }
    assert.ok(after && after(1300) > 0.05 && after(700) < 0.01, `after the transfer the caller hears a4's phone (1300 Hz ${after?.(1300).toFixed(3)}, 700 Hz ${after?.(700).toFixed(3)})`);
    const agents = (await adm.call('GET', '/api/acd/agents')).body as { id: string; state: string }[];
    assert.equal(agents.find((a) => a.id === 'a4')?.state, 'on-call');
    await page.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
    await phones[1].command('hangup');
    const r = await caller.uac.done;
    assert.equal(r.code, 0, `the caller talked until a4 hung up (the box's BYE): ${r.errors || r.stderr}`);
    const cdr = await ui.cdr('5550301', (row) => row.transfers?.length === 1);
    assert.deepEqual([cdr.transfers[0].kind, cdr.transfers[0].from.id, cdr.transfers[0].to.id, cdr.callee.id], ['blind', '2103', '2104', '2104']);
    assert.deepEqual(errors, []);
    console.log(`# screenshots:\n${shots.map((x) => `#   ${x}`).join('\n')}`);
  } catch (err) {
    if (agent) await screenshot(agent.page, 'FAILED-transfer-panel').catch(() => undefined);
    if (process.env.TRANSFER_LOGS) console.log(ui.logs.filter((l) => /transfer|ended|dead|hangup|error|warn/i.test(l)).slice(-60).join('\n'));
    throw err;
  } finally {
    caller?.close();
    await uiBrowser?.close();
    for (const ph of phones) await ph.stop();
    await ui.stop();
  }
});

test('consultative transfer: the caller waits apart while w1 consults 1005, Complete hands it over; a cancelled consultation brings the caller back', async () => {
  const THIRD_HZ = 1700;
  const thirdPort = await freePort('127.0.0.4');
  const reg = await runSipp({ scenario: 'transfer-agent-register.xml', localIp: '127.0.0.4', localPort: thirdPort, target: `127.0.0.1:${box.sipPort}`, keys: { ext: '1005' }, extra: ['-au', '1005', '-ap', 'secret1005'] }).done;
  assert.equal(reg.code, 0, `sipp phone registered 1005: ${reg.errors || reg.stderr}`);
  const p1 = pages[W1.id];
  const thirdPeer = await RtpPeer.open('127.0.0.4');
  const stops: (() => void)[] = [];
  const runs: SippRun[] = [];
  const callers: CarrierCall[] = [];
  const phone = () => {
    const run = runSipp({ scenario: 'multiparty-phone.xml', localIp: '127.0.0.4', localPort: thirdPort, keys: { agent: '1005', agent_rtp_ip: '127.0.0.4', agent_rtp_port: thirdPeer.port }, timeoutSec: 90 });
    runs.push(run);
    void run.waitForLog(/AGENTBOXPORT (\d+)/, 80_000).then(([, port]) => stops.push(thirdPeer.talk(THIRD_HZ, Number(port))), () => undefined);
    return run;
  };
  try {
    for (const a of [W1, W2]) {
      const st = (await admin.call('GET', '/api/acd/agents')).body.find((x: any) => x.id === a.id)?.state;
      if (st !== 'available') assert.equal((await api[a.id].call('POST', `/api/acd/agents/${a.id}/ready`)).status, 200);
    }
    // 1: consult, then complete.
    let third = phone();
    const ended = await count(p1, 'ended');
    const { caller, callId } = await w1Answers();
    callers.push(caller);
    const callerPeer = caller.peer;
    const consult = await api[W1.id].call('POST', `/api/workspace/calls/${callId}/consult`, { kind: 'number', target: '1005' });
    assert.equal(consult.status, 200, JSON.stringify(consult.body));
    await sleep(800);
    const [c1, t1] = await Promise.all([callerPeer.heard(1500), thirdPeer.heard(1500)]);
    const r1 = `caller: 700=${c1(W1.hz).toFixed(3)} 1700=${c1(THIRD_HZ).toFixed(3)}; 1005: 700=${t1(W1.hz).toFixed(3)} 1000=${t1(CALLER_HZ).toFixed(3)}`;
    assert.ok(c1(W1.hz) < 0.01 && c1(THIRD_HZ) < 0.01, `the waiting caller hears neither the agent nor the target (${r1})`);
    assert.ok(t1(W1.hz) > 0.05 && t1(CALLER_HZ) < 0.01, `the target hears the agent, not the caller (${r1})`);
    const done = await api[W1.id].call('POST', `/api/workspace/calls/${callId}/consult/complete`, {});
    assert.equal(done.status, 200, JSON.stringify(done.body));
    await waitCount(p1, 'ended', ended + 1, 10_000);
    await sleep(500);
    const [c2, t2] = await Promise.all([callerPeer.heard(1500), thirdPeer.heard(1500)]);
    const r2 = `caller: 700=${c2(W1.hz).toFixed(3)} 1700=${c2(THIRD_HZ).toFixed(3)}; 1005: 700=${t2(W1.hz).toFixed(3)} 1000=${t2(CALLER_HZ).toFixed(3)}`;
    assert.ok(c2(THIRD_HZ) > 0.1 && c2(W1.hz) < 0.01, `after Complete the caller hears the target only (${r2})`);
    assert.ok(t2(CALLER_HZ) > 0.1 && t2(W1.hz) < 0.01, `after Complete the target hears the caller only (${r2})`);
    console.log(`consult: ${r1}; complete: ${r2}`);
    const ur = await caller.uac.done;
    assert.equal(ur.code, 0, `the caller talked until it hung up: ${ur.errors || ur.stderr}`);
    assert.equal((await third.done).code, 0, 'the target got a BYE at the end');
    const cdr = await box.cdr('5550300', (row) => row.callId === callId);
    assert.deepEqual(cdr.transfers?.map((x: any) => [x.kind, x.from.id, x.to.id]), [['consultative', W1.extension, '1005']]);
    const row = (await queueLog(callId)).find((x) => x.type === 'transfer');
    assert.equal(row?.kind, 'consultative', 'the queue log says consultative');

    // 2: consult, then cancel: the caller is back with w1.
    for (let i = 0; i < 50 && (await admin.call('GET', '/api/acd/agents')).body.find((x: any) => x.id === W1.id)?.state !== 'available'; i++) await sleep(100);
    third = phone();
    const { caller: caller2, callId: callId2 } = await w1Answers();
    callers.push(caller2);
    assert.equal((await api[W1.id].call('POST', `/api/workspace/calls/${callId2}/consult`, { kind: 'number', target: '1005' })).status, 200);
    const cancel = await api[W1.id].call('POST', `/api/workspace/calls/${callId2}/consult/cancel`, {});
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    assert.equal((await third.done).code, 0, 'the target got a BYE on Cancel');
    await sleep(500);
    const c3 = await caller2.peer.heard(1500);
    assert.ok(c3(W1.hz) > 0.05 && c3(THIRD_HZ) < 0.01, `after Cancel the caller hears w1 again (700=${c3(W1.hz).toFixed(3)})`);
    await p1.click('#hangup');
    const cdr2 = await box.cdr('5550300', (r) => r.callId === callId2);
    assert.equal(cdr2.transfers, undefined, 'a cancelled consultation is no transfer');
  } finally {
    for (const x of stops) x();
    for (const r of runs) r.kill();
    for (const c of callers) c.close();
    thirdPeer.close();
  }
});

// ---- consultation to a browser agent (w1 consults w2's softphone page about a sipp caller) ----

/** Both agents available (after wrap-up 0 s), and the counters of their pages' events now. */
async function bothReady(): Promise<void> {
  for (const a of [W1, W2]) {
    for (let i = 0; i < 50; i++) {
      const st = (await admin.call('GET', '/api/acd/agents')).body.find((x: any) => x.id === a.id)?.state;
      if (st === 'available') break;
      if (st === 'wrap-up' || st === 'break') await api[a.id].call('POST', `/api/acd/agents/${a.id}/ready`);
      await sleep(100);
    }
    assert.equal((await admin.call('GET', '/api/acd/agents')).body.find((x: any) => x.id === a.id)?.state, 'available', `${a.id} is available`);
  }
}

const agentState = async (id: string) => (await admin.call('GET', '/api/acd/agents')).body.find((x: any) => x.id === id)?.state as string | undefined;
async function waitState(id: string, state: string): Promise<void> {
  for (let i = 0; i < 100 && (await agentState(id)) !== state; i++) await sleep(100);
  assert.equal(await agentState(id), state, `${id} is ${state}`);
}

/** After a failed consultation test: both pages hang up whatever they still have, so the next test starts clean. */
async function hangUpPages(): Promise<void> {
  for (const a of [W1, W2]) {
    const page = pages[a.id];
    if (await page.isEnabled('#hangup').catch(() => false)) await page.click('#hangup').catch(() => undefined);
  }
}

/** What the page of `page` plays: the share of each tone over one second. */
/** The box's ringback tone (calls.ringback 'cn', the default: media/ringback-tone.ts). */
const RINGBACK_HZ = 450;

async function pageHears(page: Page, tones: number[]): Promise<Record<number, number>> {
  const r = await page.evaluate((hz) => Promise.all(hz.map((h) => window.softphoneTest.measure(h, 1000))), tones);
  return Object.fromEntries(tones.map((h, i) => [h, r[i].ratio]));
}
const fmt = (o: Record<number, number>) => Object.entries(o).map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ');

/**
 * Runs `then` on a queue call answered by w1, then a consultation to w2's page that w2 answers:
 * checks the screen pop (a consultation from w1 about the caller), w2 ringing then on the call,
 * the stored consultation both agents see, and that the two talk while the caller hears
 * neither. Afterwards (passed or failed) both pages hang up what they still have and the caller
 * is stopped, so the next test starts clean.
 */
async function withConsultedCall(shot: string | undefined, then: (call: { callId: string; caller: CarrierCall }) => Promise<void>): Promise<void> {
  let caller: CarrierCall | undefined;
  try {
    const p1 = pages[W1.id];
    const p2 = pages[W2.id];
    await bothReady();
    const incoming2 = await count(p2, 'incoming');
    const connected2 = await count(p2, 'connected');
    const answered = await w1Answers(90_000);
    caller = answered.caller;
    const { callId } = answered;
    const callerPeer = caller.peer;
    const consult = api[W1.id].call('POST', `/api/workspace/calls/${callId}/consult`, { kind: 'agent', target: W2.id });
    await waitCount(p2, 'incoming', incoming2 + 1);
    const pop = await p2.evaluate(() => window.softphoneTest.events.filter((e) => e.event === 'incoming').at(-1)?.data as { caller: string; consult?: { agent: string } });
    assert.deepEqual([pop.caller, pop.consult?.agent], ['13900002222', W1.id], `w2's page rings for a consultation from w1 about the caller: ${JSON.stringify(pop)}`);
    assert.equal(await agentState(W2.id), 'ringing', 'w2 rings (ACD)');
    const stored = (await api[W1.id].call('GET', '/api/workspace/consultations')).body.consultations;
    assert.deepEqual(stored.map((c: any) => [c.callId, c.role, c.phase, c.to, c.toAgent]), [[callId, 'consulting', 'ringing', W2.extension, W2.id]], JSON.stringify(stored));
    if (shot) console.log(`# screenshot: ${await screenshot(p2, shot)}`);
    // While w2 rings, w1 hears the box's ringback (450 Hz, 1 s on / 4 s off), not the held caller.
    const ring: Record<number, number>[] = [];
    for (let s = 0; s < 5; s++) ring.push(await pageHears(p1, [RINGBACK_HZ, CALLER_HZ]));
    const ringReport = ring.map(fmt).join(' | ');
    console.log(`w1 while w2 rings, per second: ${ringReport}`);
    assert.ok(Math.max(...ring.map((r) => r[RINGBACK_HZ])) > 0.5, `w1 hears ringback while w2 rings (${ringReport})`);
    assert.ok(ring.filter((r) => r[RINGBACK_HZ] > 0.3).length <= 3, `the ringback has its cadence, not a steady tone (${ringReport})`);
    assert.ok(ring.every((r) => r[CALLER_HZ] < 0.02), `w1 does not hear the held caller meanwhile (${ringReport})`);
    await p2.click('#answer');
    const res = await consult;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.to, W2.extension);
    await waitCount(p2, 'connected', connected2 + 1);
    assert.equal(await agentState(W2.id), 'on-call', 'w2 is on the call (ACD)');
    const seen = (await api[W2.id].call('GET', '/api/workspace/consultations')).body.consultations;
    assert.deepEqual(seen.map((c: any) => [c.callId, c.role, c.phase, c.agent, c.caller]), [[callId, 'consulted', 'talking', W1.id, '13900002222']], JSON.stringify(seen));
    await sleep(800);
    const [c, h1, h2] = await Promise.all([callerPeer.heard(1500), pageHears(p1, [W2.hz, CALLER_HZ, RINGBACK_HZ]), pageHears(p2, [W1.hz, CALLER_HZ])]);
    const report = `caller: 700=${c(W1.hz).toFixed(3)} 1300=${c(W2.hz).toFixed(3)}; w1's page: ${fmt(h1)}; w2's page: ${fmt(h2)}`;
    console.log(`consulting: ${report}`);
    assert.ok(c(W1.hz) < 0.01 && c(W2.hz) < 0.01, `the waiting caller hears neither agent (${report})`);
    assert.ok(h1[W2.hz] > 0.1 && h1[CALLER_HZ] < 0.02, `w1 hears w2, not the caller (${report})`);
    assert.ok(h1[RINGBACK_HZ] < 0.02, `w1's ringback stopped when w2 answered (${report})`);
    assert.ok(h2[W1.hz] > 0.1 && h2[CALLER_HZ] < 0.02, `w2 hears w1, not the caller (${report})`);
    await then({ callId, caller });
  } finally {
    await hangUpPages();
    caller?.close();
  }
}

test('consultation to a browser agent, then Complete: w2 rings with a consultation screen pop, the two talk apart from the caller, then the caller talks to w2 and w1 wraps up', async () => {
  const p1 = pages[W1.id];
  const p2 = pages[W2.id];
  await withConsultedCall('consult-browser-01-ringing-en', async (call) => {
    const callerPeer = call.caller.peer;
    const ended1 = await count(p1, 'ended');
    const ended2 = await count(p2, 'ended');
    const done = await api[W1.id].call('POST', `/api/workspace/calls/${call.callId}/consult/complete`, {});
    assert.equal(done.status, 200, JSON.stringify(done.body));
    await waitCount(p1, 'ended', ended1 + 1, 10_000);
    await sleep(500);
    const [c, h2] = await Promise.all([callerPeer.heard(1500), pageHears(p2, [W1.hz, CALLER_HZ])]);
    const report = `caller: 700=${c(W1.hz).toFixed(3)} 1300=${c(W2.hz).toFixed(3)}; w2's page: ${fmt(h2)}`;
    console.log(`complete: ${report}`);
    assert.ok(c(W2.hz) > 0.05 && c(W1.hz) < 0.01, `after Complete the caller hears w2, not w1 (${report})`);
    assert.ok(h2[CALLER_HZ] > 0.1 && h2[W1.hz] < 0.02, `after Complete w2 hears the caller, not w1 (${report})`);
    await waitState(W1.id, 'available'); // wrap-up 0 s
    assert.equal(await agentState(W2.id), 'on-call');
    assert.deepEqual((await api[W1.id].call('GET', '/api/workspace/consultations')).body.consultations, [], 'the consultation is over');
    await p2.click('#hangup');
    await waitCount(p2, 'ended', ended2 + 1, 10_000);
    const cdr = await box.cdr('5550300', (row) => row.callId === call.callId);
    assert.deepEqual(cdr.transfers?.map((x: any) => [x.kind, x.from.id, x.to.id]), [['consultative', W1.extension, W2.extension]]);
    assert.deepEqual(cdr.agents, [W1.id, W2.id]);
    const row = (await queueLog(call.callId)).find((x) => x.type === 'transfer');
    assert.ok(row?.kind === 'consultative' && row.agent === W1.id, `queue log transfer row: ${JSON.stringify(row)}`);
    await waitState(W2.id, 'available');
  });
});

test('consultation to a browser agent, then Conference: each of the three hears the other two and not itself; w2 leaves and w1 and the caller go on', async () => {
  const p1 = pages[W1.id];
  const p2 = pages[W2.id];
  await withConsultedCall(undefined, async (call) => {
    const callerPeer = call.caller.peer;
    const conf = await api[W1.id].call('POST', `/api/workspace/calls/${call.callId}/consult/conference`, {});
    assert.equal(conf.status, 200, JSON.stringify(conf.body));
    assert.deepEqual([...conf.body.talking].sort(), [W1.extension, W2.extension, '13900002222'].sort(), JSON.stringify(conf.body));
    await sleep(800);
    const tones = [W1.hz, W2.hz, CALLER_HZ];
    const [c, h1, h2] = await Promise.all([callerPeer.heard(1500), pageHears(p1, tones), pageHears(p2, tones)]);
    const report = `caller: ${tones.map((hz) => `${hz}=${c(hz).toFixed(3)}`).join(' ')}; w1's page: ${fmt(h1)}; w2's page: ${fmt(h2)}`;
    console.log(`conference: ${report}`);
    // The fake microphones are quieter than the test socket: their share of a two-voice mix is lower.
    assert.ok(c(W1.hz) > 0.03 && c(W2.hz) > 0.03 && c(CALLER_HZ) < 0.01, `the caller hears w1 and w2, not itself (${report})`);
    assert.ok(h1[W2.hz] > 0.03 && h1[CALLER_HZ] > 0.03 && h1[W1.hz] < 0.02, `w1 hears w2 and the caller, not itself (${report})`);
    assert.ok(h2[W1.hz] > 0.03 && h2[CALLER_HZ] > 0.03 && h2[W2.hz] < 0.02, `w2 hears w1 and the caller, not itself (${report})`);
    assert.deepEqual((await api[W1.id].call('GET', '/api/workspace/consultations')).body.consultations, [], 'a conference is no consultation any more');

    // w2 leaves: w1 and the caller go on; w2 is done with the call.
    const ended2 = await count(p2, 'ended');
    await p2.click('#hangup');
    await waitCount(p2, 'ended', ended2 + 1, 10_000);
    await waitState(W2.id, 'available');
    await sleep(500);
    const [c2, h1b] = await Promise.all([callerPeer.heard(1500), pageHears(p1, [W2.hz, CALLER_HZ])]);
    const report2 = `caller: 700=${c2(W1.hz).toFixed(3)} 1300=${c2(W2.hz).toFixed(3)}; w1's page: ${fmt(h1b)}`;
    console.log(`after w2 left: ${report2}`);
    assert.ok(c2(W1.hz) > 0.05 && c2(W2.hz) < 0.01, `the caller hears w1 only (${report2})`);
    assert.ok(h1b[CALLER_HZ] > 0.1 && h1b[W2.hz] < 0.02, `w1 hears the caller only (${report2})`);
    assert.equal(await agentState(W1.id), 'on-call', 'w1 is still on the call');
    const ended1 = await count(p1, 'ended');
    await p1.click('#hangup');
    await waitCount(p1, 'ended', ended1 + 1, 10_000);
    const cdr = await box.cdr('5550300', (row) => row.callId === call.callId);
    assert.equal(cdr.transfers, undefined, 'a conference is no transfer');
    assert.deepEqual(cdr.conference.members.map((m: any) => [m.id, m.party.id]).sort(), [['callee', W1.extension], ['caller', 'carrier'], ['p1', W2.extension]]);
  });
});

test('consultation to a browser agent, then Cancel: w2 is dropped and available again, the caller is back with w1; a declined consultation brings the caller back with a coded reason', async () => {
  const p1 = pages[W1.id];
  const p2 = pages[W2.id];
  await withConsultedCall(undefined, async (call) => {
    const callerPeer = call.caller.peer;
    const ended2 = await count(p2, 'ended');
    const cancel = await api[W1.id].call('POST', `/api/workspace/calls/${call.callId}/consult/cancel`, {});
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    await waitCount(p2, 'ended', ended2 + 1, 10_000);
    assert.equal(await agentState(W2.id), 'available', 'w2 is available at once (no wrap-up for a cancelled consultation)');
    await sleep(500);
    const [c, h1] = await Promise.all([callerPeer.heard(1500), pageHears(p1, [W2.hz, CALLER_HZ])]);
    const report = `caller: 700=${c(W1.hz).toFixed(3)} 1300=${c(W2.hz).toFixed(3)}; w1's page: ${fmt(h1)}`;
    console.log(`cancel: ${report}`);
    assert.ok(c(W1.hz) > 0.05 && c(W2.hz) < 0.01, `after Cancel the caller hears w1 again (${report})`);
    assert.ok(h1[CALLER_HZ] > 0.1 && h1[W2.hz] < 0.02, `after Cancel w1 hears the caller again (${report})`);

    // A second consultation that w2 declines while it rings.
    const incoming2 = await count(p2, 'incoming');
    const consult = api[W1.id].call('POST', `/api/workspace/calls/${call.callId}/consult`, { kind: 'agent', target: W2.id });
    await waitCount(p2, 'incoming', incoming2 + 1);
    await p2.click('#hangup');
    const declined = await consult;
    assert.equal(declined.status, 409, JSON.stringify(declined.body));
    assert.equal(declined.body.code, 'CC_TRANSFER_TARGET_DECLINED');
    await waitState(W2.id, 'available');
    await sleep(500);
    const c2 = await callerPeer.heard(1500);
    assert.ok(c2(W1.hz) > 0.05 && c2(W2.hz) < 0.01, `after the decline the caller hears w1 again (700=${c2(W1.hz).toFixed(3)})`);
    assert.deepEqual((await api[W1.id].call('GET', '/api/workspace/consultations')).body.consultations, []);
    const ended1 = await count(p1, 'ended');
    await p1.click('#hangup');
    await waitCount(p1, 'ended', ended1 + 1, 10_000);
    const cdr = await box.cdr('5550300', (row) => row.callId === call.callId);
    assert.equal(cdr.transfers, undefined, 'a cancelled consultation is no transfer');
    const s = await box.idle();
    assert.equal(s.calls, 0);
    assert.equal(s.media.routers, 0);
  });
});

test('the workspace (both languages): a desk-phone agent consults a browser agent from the transfer panel; the consulted page pops up the consultation, a reload of the consulting page shows its controls again, then Conference', async () => {
  const { box: ui, ca, admin: adm, baseURL } = await startDeskBox('5550302', { id: 'a5', extension: '2105', password: 'pw-2105' }, { id: 'b6', extension: '2106', password: 'unused-2106', device: 'browser' });
  let phone: Baresip | undefined;
  const browsersHere: Browser[] = [];
  let caller: CarrierCall | undefined;
  const shots: string[] = [];
  let a: TestPage | undefined;
  let b: TestPage | undefined;
  try {
    // The phone's microphone outlasts the call (baresip hangs up when its file ends).
    const wav = join(tmp, 'a5-700.wav');
    makeToneWav(wav, 700, 180);
    phone = await startBaresip({ extension: '2105', password: 'pw-2105', box: { host: '127.0.0.1', port: ui.sipPort }, listenIp: '127.0.0.1', wav, answer: 'manual' });
    await phone.waitFor(/200 OK .*1 binding/);
    const deskBrowser = await launchBrowser({ trust: ca });
    browsersHere.push(deskBrowser);
    const softBrowser = await launchBrowser({
      trust: ca,
      flags: [`--use-file-for-fake-audio-capture=${toneWav(join(tmp, 'b6-1300.wav'), 1300, 90)}`, '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
    });
    browsersHere.push(softBrowser);
    a = await openPage(deskBrowser, { baseURL, locale: 'zh-CN' });
    b = await openPage(softBrowser, { baseURL, locale: 'zh-CN' });
    await signInPage(b.page, 'b6', passwordOf('b6'));
    await b.page.waitForSelector('[data-test=softphone][data-status=ready]', { timeout: 20_000 });
    await goAvailable(b.page);
    await signInPage(a.page, 'a5', passwordOf('a5'));
    await goAvailable(a.page);

    caller = await carrierCall(ui, { dialled: '5550302', caller: '13900004444', pauseMs: 90_000, timeoutSec: 150 });
    caller.talk(CALLER_HZ);
    const callerPeer = caller.peer;
    await phone.waitFor(/Incoming call from/i, 20_000);
    await phone.command('accept');
    const pa = a.page;
    const pb = b.page;
    await pa.waitForSelector('[data-test=call-panel][data-call-state=connected]', { timeout: 10_000 });
    await pa.waitForSelector('[data-test=transfer] [data-test=transfer-target] option[value=b6]:not([disabled])', { state: 'attached' });
    await pa.selectOption('[data-test=transfer-target]', 'b6');
    await pa.click('[data-test=transfer-consult]');
    await pa.waitForSelector('[data-test=consult-ringing]', { timeout: 10_000 });
    assert.match(await pa.textContent('[data-test=consult-ringing]') ?? '', /正在呼叫 b6 进行咨询/);
    shots.push(await screenshot(pa, 'consult-10-a-ringing-zh'));

    // The consulted page rings with a consultation pop-up (softphone) and banner (transfer panel).
    await pb.waitForSelector('[data-test=softphone-incoming][data-consult=a5]', { timeout: 20_000 });
    assert.match(await pb.textContent('[data-test=softphone-incoming]') ?? '', /坐席 Zhang Wei 就来电 13900004444 向您咨询/);
    await pb.waitForSelector('[data-test=consulted]', { timeout: 10_000 });
    assert.match(await pb.textContent('[data-test=consulted]') ?? '', /坐席 Zhang Wei 就来电 13900004444 向您咨询/);
    shots.push(await screenshot(pb, 'consult-11-b-ringing-zh'));
    await pb.selectOption('[data-test=lang]', 'en');
    assert.match(await pb.textContent('[data-test=softphone-incoming]') ?? '', /Consultation from agent Zhang Wei about caller 13900004444/);
    assert.match(await pb.textContent('[data-test=consulted]') ?? '', /Consultation from agent Zhang Wei about caller 13900004444/);
    shots.push(await screenshot(pb, 'consult-12-b-ringing-en'));
    await pb.click('[data-test=sp-answer]');
    await pb.waitForSelector('[data-test=softphone][data-call=connected]', { timeout: 20_000 });
    await pa.waitForSelector('[data-test=consulting]', { timeout: 20_000 });
    assert.match(await pa.textContent('[data-test=consulting]') ?? '', /正在与 2106 私下通话/);
    shots.push(await screenshot(pa, 'consult-13-a-consulting-zh'));
    const apart = await callerPeer.heard(1500);
    assert.ok(apart(700) < 0.01 && apart(1300) < 0.01, `the caller hears neither agent while they consult (700=${apart(700).toFixed(3)} 1300=${apart(1300).toFixed(3)})`);

    // A reload of the consulting agent's page (a desk phone: the call goes on) shows the controls again.
    await pa.reload();
    await pa.waitForSelector('[data-test=consulting] [data-test=consult-conference]', { timeout: 20_000 });
    await pa.selectOption('[data-test=lang]', 'en');
    assert.match(await pa.textContent('[data-test=consulting]') ?? '', /Talking privately with 2106/);
    shots.push(await screenshot(pa, 'consult-14-a-after-reload-en'));
    await pa.click('[data-test=consult-conference]');
    await pa.waitForSelector('[data-test=consulting]', { state: 'detached', timeout: 10_000 });
    await sleep(800);
    const all = await callerPeer.heard(1500);
    const report = `caller: 700=${all(700).toFixed(3)} 1300=${all(1300).toFixed(3)} 1000=${all(CALLER_HZ).toFixed(3)}`;
    console.log(`ui conference: ${report}`);
    // The desk phone's tone is far louder than the page's fake microphone, so the page's share is
    // small here; the per-party audio of a conference is measured in the tests above.
    assert.ok(all(700) > 0.05 && all(CALLER_HZ) < 0.01, `in the conference the caller hears the desk phone, not itself (${report})`);
    const calls = (await adm.call('GET', '/api/calls')).body as { parties: { state: string; party: { number: string } }[] }[];
    const talking = calls[0]?.parties.filter((x) => x.state === 'talking').map((x) => x.party.number).sort();
    assert.deepEqual(talking, ['13900004444', '2105', '2106'], `three talking parties: ${JSON.stringify(calls)}`);
    shots.push(await screenshot(pa, 'consult-15-a-conference-en'));
    // Both agents are on the call: each may wrap it up (no "not your call" on either page).
    assert.equal(await pa.locator('[data-test=wrapup] .error').count(), 0, await pa.textContent('[data-test=wrapup]') ?? '');
    assert.equal(await pb.locator('[data-test=wrapup] .error').count(), 0, await pb.textContent('[data-test=wrapup]') ?? '');
    await pb.click('[data-test=sp-hangup]');
    await pb.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
    console.log(`# screenshots:\n${shots.map((x) => `#   ${x}`).join('\n')}`);
  } catch (err) {
    if (a) await screenshot(a.page, 'FAILED-consult-a').catch(() => undefined);
    if (b) await screenshot(b.page, 'FAILED-consult-b').catch(() => undefined);
    if (process.env.TRANSFER_LOGS) console.log(ui.logs.filter((l) => /consult|party|softphone|error|warn/i.test(l)).slice(-60).join('\n'));
    throw err;
  } finally {
    caller?.close();
    for (const br of browsersHere) await br.close();
    await phone?.stop();
    await ui.stop();
  }
});

test('kill -9 during a consultation to a browser agent: the restart ends the call, clears the stored consultation with an event, and neither agent is left ringing or on a call', async () => {
  const config = {
    extensions: [{ number: '2107', password: 'unused-2107' }, { number: '2108', password: 'unused-2108' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'crash', strategy: 'linear', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0, overflow: 'hangup' }],
    agents: [
      { id: 'w7', extension: '2107', device: 'browser', queues: [{ queue: 'crash' }] },
      { id: 'w8', extension: '2108', device: 'browser', queues: [] },
    ],
    dids: [{ number: '5550303', trunk: 'carrier', destination: 'queue:crash' }],
    security: NO_LAG_GUARD,
  };
  const first = await startBoxProcess(config, { keepData: true });
  const dataDir = first.dataDir;
  let again: BoxProcess | undefined;
  let pageServer: PageServer | undefined;
  const agents: Awaited<ReturnType<typeof openBrowserAgent>>[] = [];
  let caller: CarrierCall | undefined;
  try {
    const adm = await signIn(first);
    const password = adminPassword(first);
    pageServer = await startPageServer(first.httpPort);
    for (const a of [{ id: 'w7', password: 'softphone-pw-7', hz: 700 }, { id: 'w8', password: 'softphone-pw-8', hz: 1300 }]) {
      const agent = await openBrowserAgent(first, adm, pageServer, a, tmp);
      agents.push(agent);
      assert.equal((await agent.api.call('POST', `/api/acd/agents/${a.id}/login`)).status, 200);
    }
    const [w7, w8] = agents;
    caller = await carrierCall(first, { dialled: '5550303', caller: '13900005555', pauseMs: 60_000, timeoutSec: 90 });
    caller.talk(CALLER_HZ);
    await waitCount(w7.page, 'incoming', 1);
    await w7.page.click('#answer');
    await waitCount(w7.page, 'connected', 1);
    let callId: string | undefined;
    for (let i = 0; i < 50 && !callId; i++) {
      callId = ((await adm.call('GET', '/api/calls')).body as { id: string; state: string }[]).find((c) => c.state === 'answered')?.id;
      if (!callId) await sleep(200);
    }
    assert.ok(callId, 'the queue call is listed');
    const consult = w7.api.call('POST', `/api/workspace/calls/${callId}/consult`, { kind: 'agent', target: 'w8' });
    await waitCount(w8.page, 'incoming', 1);
    await w8.page.click('#answer');
    assert.equal((await consult).status, 200);
    const stored = (await w8.api.call('GET', '/api/workspace/consultations')).body.consultations;
    assert.deepEqual(stored.map((c: any) => [c.callId, c.role, c.phase]), [[callId, 'consulted', 'talking']]);
    const states = async (api: ApiClient) => Object.fromEntries(((await api.call('GET', '/api/acd/agents')).body as { id: string; state: string }[]).map((a) => [a.id, a.state]));
    assert.deepEqual(await states(adm), { w7: 'on-call', w8: 'on-call' });

    await cutPower(first);
    again = await startBoxProcess(config, { dataDir, keepData: true });
    const adm2 = await signIn(again, 'admin', password);
    assert.deepEqual(await states(adm2), { w7: 'available', w8: 'available' }, 'no agent is left on the consultation');
    const events = (await again.read<{ type: string; callId?: string }>('events')).map((r) => r.value).filter((e) => e.callId === callId);
    const kinds = events.map((e) => e.type).filter((t) => t.startsWith('workspace-consult-'));
    assert.deepEqual(kinds, ['workspace-consult-started', 'workspace-consult-answered', 'workspace-consult-box-restart'], 'the stored consultation was cleared at the start, with its event');
    const cdr = (await again.read<{ callId: string; hangup: { cause: string } }>('cdr')).map((r) => r.value).find((c) => c.callId === callId);
    assert.equal(cdr?.hangup.cause, 'box-restart', 'the call itself was ended by the restart cleanup');
    const w8api = await signIn(again, 'w8', 'softphone-pw-8');
    assert.deepEqual((await w8api.call('GET', '/api/workspace/consultations')).body.consultations, []);
  } finally {
    caller?.close();
    for (const a of agents) await a.browser.close();
    await pageServer?.close();
    if (first.child.exitCode === null) await first.stop();
    await again?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
});

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
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { runSipp, type SippRun } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer, toneRatio } from './harness/rtp-peer.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { launchChromium, startPageServer, toneWav, type PageServer } from './harness/chromium-softphone.ts';
import { adminPassword, boxCertificate, browserSignIn } from './harness/api.ts';
import { makeToneWav, startBaresip, type Baresip } from './harness/baresip.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { signInPage } from './harness/web-session.ts';
import { encodeUlaw } from '../media/g711.ts';

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
    security: { maxEventLoopLagMs: 0 },
  });
  admin = await signIn(box);
  server = await startPageServer(box.httpPort);
  for (const a of [W1, W2]) {
    const created = await admin.call('POST', '/api/users', { username: a.id, role: 'agent', password: a.password });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    api[a.id] = await signIn(box, a.id, a.password);
    const browser = await launchChromium({ fakeAudioFile: toneWav(join(tmp, `${a.id}.wav`), a.hz, 90) });
    browsers.push(browser);
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.error(`${a.id} page error:`, err));
    await page.goto(server.url);
    await page.fill('#username', a.id);
    await page.fill('#password', a.password);
    await page.click('#signin-button');
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('ready'), undefined, { timeout: 15_000 });
    pages[a.id] = page;
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

function talk(peer: RtpPeer, hz: number, port: number): () => void {
  let n = 0;
  const t = setInterval(() => {
    const pcm = new Int16Array(160);
    for (let i = 0; i < 160; i++, n++) pcm[i] = Math.round(6000 * Math.sin((2 * Math.PI * hz * n) / 8000));
    peer.socket.send(peer.packet(0, encodeUlaw(pcm)), port, '127.0.0.1');
  }, 20);
  return () => clearInterval(t);
}

async function heard(peer: RtpPeer, ms: number): Promise<(hz: number) => number> {
  const from = peer.received.length;
  await sleep(ms);
  const got = peer.received.slice(from).filter((p) => p.payloadType === 0).map((p) => p.payload);
  assert.ok(got.length >= 25, `audio keeps coming (${got.length} packets)`);
  return (hz) => toneRatio(got, hz);
}

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

async function callIn(callerPeer: RtpPeer, stops: (() => void)[]): Promise<SippRun> {
  const uac = runSipp({
    scenario: 'uac-call.xml', localIp: CARRIER, localPort: await freePort(CARRIER), target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: '5550300', caller: '13900002222', rtp_ip: CARRIER, rtp_port: callerPeer.port }, pauseMs: 25_000, timeoutSec: 80,
  });
  const [, boxPort] = await uac.waitForLog(/BOXPORT (\d+)/);
  stops.push(talk(callerPeer, CALLER_HZ, Number(boxPort)));
  return uac;
}

async function queueLog(callId: string): Promise<{ type: string; [k: string]: unknown }[]> {
  const rows = (await admin.call('GET', '/api/acd/log?limit=1000')).body as { type: string; callId?: string }[];
  return rows.filter((r) => r.callId === callId) as { type: string }[];
}

test('blind transfer from one browser agent to another: the first leaves at once, the caller hears the second', async () => {
  const callerPeer = await RtpPeer.open(CARRIER);
  const stops: (() => void)[] = [];
  let uac: SippRun | undefined;
  try {
    uac = await callIn(callerPeer, stops);
    const p1 = pages[W1.id];
    const p2 = pages[W2.id];
    await waitCount(p1, 'incoming', 1);
    await p1.click('#answer');
    await waitCount(p1, 'connected', 1);
    const callId = await liveCall();
    const before1 = await heard(callerPeer, 1200);
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
    const after1 = await heard(callerPeer, 1500);
    const report = `caller hears ${W1.hz} Hz ${after1(W1.hz).toFixed(3)}, ${W2.hz} Hz ${after1(W2.hz).toFixed(3)}`;
    assert.ok(after1(W2.hz) > 0.05 && after1(W1.hz) < 0.01, `after the transfer the caller hears w2, not w1 (${report})`);
    const inPage = await p2.evaluate((hz) => window.softphoneTest.measure(hz, 1000), CALLER_HZ);
    assert.ok(inPage.ratio > 0.1, `w2's page plays the caller: ${JSON.stringify(inPage)}`);
    console.log(`${report}; w2's page: ${CALLER_HZ} Hz ${inPage.ratio.toFixed(2)}`);
    const agents = (await admin.call('GET', '/api/acd/agents')).body as { id: string; state: string; callId?: string }[];
    assert.equal(agents.find((a) => a.id === W2.id)?.state, 'on-call');
    assert.notEqual(agents.find((a) => a.id === W1.id)?.state, 'on-call', 'w1 is done with the call');

    const r = await uac.done;
    assert.equal(r.code, 0, `the caller talked until it hung up: ${r.errors || r.stderr}`);
    await waitCount(p2, 'ended', 1);
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
    for (const s of stops) s();
    uac?.kill();
    callerPeer.close();
  }
});

test('a transferred call the target declines goes back to its queue and rings an agent again', async () => {
  const callerPeer = await RtpPeer.open(CARRIER);
  const stops: (() => void)[] = [];
  let uac: SippRun | undefined;
  const p1 = pages[W1.id];
  const p2 = pages[W2.id];
  try {
    const incoming1 = await count(p1, 'incoming');
    const incoming2 = await count(p2, 'incoming');
    const connected1 = await count(p1, 'connected');
    uac = await callIn(callerPeer, stops);
    await waitCount(p1, 'incoming', incoming1 + 1);
    await p1.click('#answer');
    await waitCount(p1, 'connected', connected1 + 1);
    const callId = await liveCall();
    const res = await api[W1.id].call('POST', `/api/workspace/calls/${callId}/blind-transfer`, { kind: 'agent', target: W2.id });
    assert.equal(res.status, 202, JSON.stringify(res.body));
    await waitCount(p2, 'incoming', incoming2 + 1);
    await p2.click('#hangup'); // declines while it rings
    // The caller is back in the queue: w1 (linear, first in line, wrap-up 0 s) rings again.
    await waitCount(p1, 'incoming', incoming1 + 2);
    const log = await queueLog(callId);
    assert.equal(log.filter((x) => x.type === 'enter').length, 2, `the caller entered the queue twice: ${JSON.stringify(log.map((x) => x.type))}`);
    const agents = (await admin.call('GET', '/api/acd/agents')).body as { id: string; state: string }[];
    assert.equal(agents.find((a) => a.id === W2.id)?.state, 'available', 'w2 is available after declining');
    await p1.click('#answer');
    await waitCount(p1, 'connected', connected1 + 2);
    const back = await heard(callerPeer, 1200);
    assert.ok(back(W1.hz) > 0.05, `the caller talks to w1 again (${back(W1.hz).toFixed(3)})`);
    await p1.click('#hangup');
    const cdr = await box.cdr('5550300', (row) => row.callId === callId);
    assert.equal(cdr.disposition, 'answered');
    const s = await box.idle();
    assert.equal(s.calls, 0);
    assert.equal(s.media.routers, 0);
  } finally {
    for (const s of stops) s();
    uac?.kill();
    callerPeer.close();
  }
});

test('the workspace transfer panel (both languages): a desk-phone agent blind-transfers a queue caller to another agent\'s phone', async () => {
  ensureWebBuilt();
  const tlsPort = await freePort();
  const ui = await startBoxProcess({
    http: { tls: true, tlsPort },
    recording: { enabled: false },
    extensions: [{ number: '2103', password: 'pw-2103' }, { number: '2104', password: 'pw-2104' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'desk', displayName: 'Desk 前台', strategy: 'linear', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0, overflow: 'hangup' }],
    agents: [
      { id: 'a3', name: 'Zhang Wei', extension: '2103', queues: [{ queue: 'desk' }] },
      { id: 'a4', name: 'Chen Jing', extension: '2104', queues: [] },
    ],
    dids: [{ number: '5550301', trunk: 'carrier', destination: 'queue:desk' }],
    security: { maxEventLoopLagMs: 0 },
  });
  const phones: Baresip[] = [];
  let uiBrowser: Browser | undefined;
  let agent: TestPage | undefined;
  const callerPeer = await RtpPeer.open(CARRIER);
  const stops: (() => void)[] = [];
  let uac: SippRun | undefined;
  const shots: string[] = [];
  try {
    const ca = boxCertificate(ui);
    const adm = await browserSignIn(tlsPort, ca, 'admin', adminPassword(ui));
    for (const u of ['a3', 'a4']) {
      const r = await adm.call('POST', '/api/users', { username: u, role: 'agent', password: `${u}-password`, mustChangePassword: false });
      assert.equal(r.status, 201, r.text);
    }
    phones.push(await startBaresip({ extension: '2103', password: 'pw-2103', box: { host: '127.0.0.1', port: ui.sipPort }, listenIp: '127.0.0.1', toneHz: 700, answer: 'manual' }));
    // The phone's microphone outlasts the call (baresip hangs up when its file ends).
    const wav = join(tmp, 'a4-1300.wav');
    makeToneWav(wav, 1300, 90);
    phones.push(await startBaresip({ extension: '2104', password: 'pw-2104', box: { host: '127.0.0.1', port: ui.sipPort }, listenIp: '127.0.0.1', wav, answer: 'auto' }));
    for (const ph of phones) await ph.waitFor(/200 OK .*1 binding/);
    const a4 = await browserSignIn(tlsPort, ca, 'a4', 'a4-password');
    assert.equal((await a4.call('POST', '/api/acd/agents/a4/login')).status, 200);
    uiBrowser = await launchBrowser({ trust: ca });
    agent = await openPage(uiBrowser, { baseURL: `https://127.0.0.1:${tlsPort}`, locale: 'zh-CN' });
    const { page, errors } = agent;
    await signInPage(page, 'a3', 'a3-password');
    await page.click('[data-test=go-available]');
    await page.waitForSelector('[data-test=agent-state][data-state=available]');

    uac = runSipp({
      scenario: 'uac-call.xml', localIp: CARRIER, localPort: await freePort(CARRIER), target: `127.0.0.1:${ui.sipPort}`,
      keys: { dialled: '5550301', caller: '13900003333', rtp_ip: CARRIER, rtp_port: callerPeer.port }, pauseMs: 30_000, timeoutSec: 80,
    });
    const [, boxPort] = await uac.waitForLog(/BOXPORT (\d+)/);
    stops.push(talk(callerPeer, CALLER_HZ, Number(boxPort)));
    await phones[0].waitFor(/Incoming call from/i, 20_000);
    await phones[0].command('accept');
    await page.waitForSelector('[data-test=call-panel][data-call-state=connected]', { timeout: 10_000 });
    await page.waitForSelector('[data-test=transfer] [data-test=transfer-target] option[value=a4]:not([disabled])', { state: 'attached' });
    const before = await heard(callerPeer, 1200);
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
      after = await heard(callerPeer, 1000);
      if (after(1300) > 0.05) break;
    }
    assert.ok(after && after(1300) > 0.05 && after(700) < 0.01, `after the transfer the caller hears a4's phone (1300 Hz ${after?.(1300).toFixed(3)}, 700 Hz ${after?.(700).toFixed(3)})`);
    const agents = (await adm.call('GET', '/api/acd/agents')).body as { id: string; state: string }[];
    assert.equal(agents.find((a) => a.id === 'a4')?.state, 'on-call');
    await page.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
    const r = await uac.done;
    assert.equal(r.code, 0, r.errors || r.stderr);
    const cdr = await ui.cdr('5550301', (row) => row.transfers?.length === 1);
    assert.deepEqual([cdr.transfers[0].kind, cdr.transfers[0].from.id, cdr.transfers[0].to.id, cdr.callee.id], ['blind', '2103', '2104', '2104']);
    assert.deepEqual(errors, []);
    console.log(`# screenshots:\n${shots.map((x) => `#   ${x}`).join('\n')}`);
  } catch (err) {
    if (agent) await screenshot(agent.page, 'FAILED-transfer-panel').catch(() => undefined);
    if (process.env.TRANSFER_LOGS) console.log(ui.logs.filter((l) => /transfer|ended|dead|hangup|error|warn/i.test(l)).slice(-60).join('\n'));
    throw err;
  } finally {
    for (const x of stops) x();
    uac?.kill();
    callerPeer.close();
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
  const callerPeer = await RtpPeer.open(CARRIER);
  const thirdPeer = await RtpPeer.open('127.0.0.4');
  const stops: (() => void)[] = [];
  const runs: SippRun[] = [];
  const phone = () => {
    const run = runSipp({ scenario: 'multiparty-phone.xml', localIp: '127.0.0.4', localPort: thirdPort, keys: { agent: '1005', agent_rtp_ip: '127.0.0.4', agent_rtp_port: thirdPeer.port }, timeoutSec: 90 });
    runs.push(run);
    void run.waitForLog(/AGENTBOXPORT (\d+)/, 80_000).then(([, port]) => stops.push(talk(thirdPeer, THIRD_HZ, Number(port))), () => undefined);
    return run;
  };
  try {
    for (const a of [W1, W2]) {
      const st = (await admin.call('GET', '/api/acd/agents')).body.find((x: any) => x.id === a.id)?.state;
      if (st !== 'available') assert.equal((await api[a.id].call('POST', `/api/acd/agents/${a.id}/ready`)).status, 200);
    }
    // 1: consult, then complete.
    let third = phone();
    const incoming = await count(p1, 'incoming');
    const connected = await count(p1, 'connected');
    const ended = await count(p1, 'ended');
    const uac = await callIn(callerPeer, stops);
    runs.push(uac);
    await waitCount(p1, 'incoming', incoming + 1);
    await p1.click('#answer');
    await waitCount(p1, 'connected', connected + 1);
    const callId = await liveCall();
    const consult = await api[W1.id].call('POST', `/api/workspace/calls/${callId}/consult`, { kind: 'number', target: '1005' });
    assert.equal(consult.status, 200, JSON.stringify(consult.body));
    await sleep(800);
    const [c1, t1] = await Promise.all([heard(callerPeer, 1500), heard(thirdPeer, 1500)]);
    const r1 = `caller: 700=${c1(W1.hz).toFixed(3)} 1700=${c1(THIRD_HZ).toFixed(3)}; 1005: 700=${t1(W1.hz).toFixed(3)} 1000=${t1(CALLER_HZ).toFixed(3)}`;
    assert.ok(c1(W1.hz) < 0.01 && c1(THIRD_HZ) < 0.01, `the waiting caller hears neither the agent nor the target (${r1})`);
    assert.ok(t1(W1.hz) > 0.05 && t1(CALLER_HZ) < 0.01, `the target hears the agent, not the caller (${r1})`);
    const done = await api[W1.id].call('POST', `/api/workspace/calls/${callId}/consult/complete`, {});
    assert.equal(done.status, 200, JSON.stringify(done.body));
    await waitCount(p1, 'ended', ended + 1, 10_000);
    await sleep(500);
    const [c2, t2] = await Promise.all([heard(callerPeer, 1500), heard(thirdPeer, 1500)]);
    const r2 = `caller: 700=${c2(W1.hz).toFixed(3)} 1700=${c2(THIRD_HZ).toFixed(3)}; 1005: 700=${t2(W1.hz).toFixed(3)} 1000=${t2(CALLER_HZ).toFixed(3)}`;
    assert.ok(c2(THIRD_HZ) > 0.1 && c2(W1.hz) < 0.01, `after Complete the caller hears the target only (${r2})`);
    assert.ok(t2(CALLER_HZ) > 0.1 && t2(W1.hz) < 0.01, `after Complete the target hears the caller only (${r2})`);
    console.log(`consult: ${r1}; complete: ${r2}`);
    const ur = await uac.done;
    assert.equal(ur.code, 0, `the caller talked until it hung up: ${ur.errors || ur.stderr}`);
    assert.equal((await third.done).code, 0, 'the target got a BYE at the end');
    const cdr = await box.cdr('5550300', (row) => row.callId === callId);
    assert.deepEqual(cdr.transfers?.map((x: any) => [x.kind, x.from.id, x.to.id]), [['consultative', W1.extension, '1005']]);
    const row = (await queueLog(callId)).find((x) => x.type === 'transfer');
    assert.equal(row?.kind, 'consultative', 'the queue log says consultative');

    // 2: consult, then cancel: the caller is back with w1.
    for (let i = 0; i < 50 && (await admin.call('GET', '/api/acd/agents')).body.find((x: any) => x.id === W1.id)?.state !== 'available'; i++) await sleep(100);
    third = phone();
    const incoming2 = await count(p1, 'incoming');
    const connected2 = await count(p1, 'connected');
    const uac2 = await callIn(callerPeer, stops);
    runs.push(uac2);
    await waitCount(p1, 'incoming', incoming2 + 1);
    await p1.click('#answer');
    await waitCount(p1, 'connected', connected2 + 1);
    const callId2 = await liveCall();
    assert.equal((await api[W1.id].call('POST', `/api/workspace/calls/${callId2}/consult`, { kind: 'number', target: '1005' })).status, 200);
    const cancel = await api[W1.id].call('POST', `/api/workspace/calls/${callId2}/consult/cancel`, {});
    assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
    assert.equal((await third.done).code, 0, 'the target got a BYE on Cancel');
    await sleep(500);
    const c3 = await heard(callerPeer, 1500);
    assert.ok(c3(W1.hz) > 0.05 && c3(THIRD_HZ) < 0.01, `after Cancel the caller hears w1 again (700=${c3(W1.hz).toFixed(3)})`);
    await p1.click('#hangup');
    const cdr2 = await box.cdr('5550300', (r) => r.callId === callId2);
    assert.equal(cdr2.transfers, undefined, 'a cancelled consultation is no transfer');
  } finally {
    for (const x of stops) x();
    for (const r of runs) r.kill();
    callerPeer.close();
    thirdPeer.close();
  }
});

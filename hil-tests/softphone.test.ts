// The browser softphone through the whole box: a browser agent (device 'browser') signs in in a
// real Chromium page (fake microphone playing 700 Hz), goes available over the API, and a sipp
// caller from the carrier trunk, whose test-owned RTP socket sends 1000 Hz, reaches the queue.
// The page rings, the agent answers; audio crosses both ways through mediasoup in G.711 (the
// SIP side hears 700 Hz, the page's inbound stats and a Goertzel on what it plays show 1000
// Hz); mute sends silence, the keypad sends RFC 4733 to the caller, hold plays the caller music
// and resume brings the agent back; hanging up in the page ends the call with the agent as the
// side that hung up (CDR). A page that lets the call ring out is a RONA like a desk phone's:
// the agent goes on a missed-call break and the caller keeps waiting.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { runSipp, type SippRun } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer, toneRatio, ulawRms } from './harness/rtp-peer.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { launchChromium, startPageServer, toneWav, type PageServer } from './harness/chromium-softphone.ts';
import { encodeUlaw } from '../media/g711.ts';

const CARRIER = '127.0.0.2';
const AGENT = { id: 'w1', extension: '2101', password: 'softphone-pw-1' };
const MIC_HZ = 700;
const CALLER_HZ = 1000;

let box: BoxProcess;
let admin: ApiClient;
let agentApi: ApiClient;
let pages: PageServer;
let browser: Browser;
let page: Page;
let tmp: string;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'softphone-'));
  box = await startBoxProcess({
    extensions: [{ number: AGENT.extension, password: 'unused-sip-pw' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    recording: { enabled: false },
    queues: [
      { name: 'web', strategy: 'linear', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0, overflow: 'hangup' },
      { name: 'rona', strategy: 'linear', ringTimeoutSec: 5, wrapUpSec: 0, announceEverySec: 0, overflow: 'hangup' },
    ],
    agents: [{ id: AGENT.id, extension: AGENT.extension, device: 'browser', queues: [{ queue: 'web' }, { queue: 'rona' }] }],
    dids: [
      { number: '5550200', trunk: 'carrier', destination: 'queue:web' },
      { number: '5550201', trunk: 'carrier', destination: 'queue:rona' },
    ],
  });
  admin = await signIn(box);
  const created = await admin.call('POST', '/api/users', { username: AGENT.id, role: 'agent', password: AGENT.password });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  agentApi = await signIn(box, AGENT.id, AGENT.password);
  pages = await startPageServer(box.httpPort);
  browser = await launchChromium({ fakeAudioFile: toneWav(join(tmp, 'mic.wav'), MIC_HZ) });
  page = await browser.newPage();
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(pages.url);
  // The agent signs in as a person would: the form, then the softphone says it is ready.
  await page.fill('#username', AGENT.id);
  await page.fill('#password', AGENT.password);
  await page.click('#signin-button');
  await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('ready'), undefined, { timeout: 15_000 });
});

after(async () => {
  await browser?.close();
  await pages?.close();
  await box?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The page's event log (what the softphone told it, and the results of its buttons). */
const events = () => page.evaluate(() => window.softphoneTest.events);
async function waitForEvent(name: string, after = 0, timeoutMs = 20_000): Promise<{ event: string; at: number; data?: any }> {
  await page.waitForFunction(([n, a]) => window.softphoneTest.events.some((e) => e.event === n && e.at >= a), [name, after] as const, { timeout: timeoutMs });
  return (await events()).filter((e) => e.event === name && e.at >= after).at(-1)!;
}

function tone(hz: number, frames: number, offset: number): Buffer[] {
  const out: Buffer[] = [];
  for (let f = 0; f < frames; f++) {
    const s = new Int16Array(160);
    for (let i = 0; i < 160; i++) s[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * ((offset + f) * 160 + i)) / 8000));
    out.push(encodeUlaw(s));
  }
  return out;
}

/** The caller's voice: a 1000 Hz tone, 20 ms packets to the box until stopped. */
function talk(peer: RtpPeer, boxPort: number): () => void {
  let stopped = false;
  let frame = 0;
  const timer = setInterval(() => {
    if (stopped) return;
    for (const p of tone(CALLER_HZ, 1, frame++)) peer.socket.send(peer.packet(0, p), boxPort, '127.0.0.1');
  }, 20);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}

/** G.711 audio the caller received in the last `ms` (payload type 0 only). */
function heardSince(peer: RtpPeer, from: number): Buffer[] {
  return peer.received.slice(from).filter((p) => p.payloadType === 0).map((p) => p.payload);
}

async function queueLog(where: (row: any) => boolean): Promise<any[]> {
  return (await box.read<any>('queue-log')).map((r) => r.value).filter(where);
}

/** Queue-log rows matching `where`, once there is at least one (the box writes them as calls end). */
async function waitForRows(where: (row: any) => boolean, timeoutMs = 5000): Promise<any[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const rows = await queueLog(where);
    if (rows.length || Date.now() > until) return rows;
    await sleep(100);
  }
}

async function caller(did: string, number: string, peer: RtpPeer, scenario = 'uac-wait-bye.xml', pauseMs?: number): Promise<{ sipp: SippRun; boxPort: number }> {
  const sipp = runSipp({
    scenario, localIp: CARRIER, localPort: await freePort(CARRIER), target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: did, caller: number, rtp_ip: CARRIER, rtp_port: peer.port }, pauseMs, timeoutSec: 90,
  });
  const [, port] = await sipp.waitForLog(/BOXPORT (\d+)/);
  return { sipp, boxPort: Number(port) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a queue call rings the agent\'s browser; answered in the page, audio flows both ways in G.711, mute, keypad and hold work, and hanging up in the page ends the call', async () => {
  const login = await agentApi.call('POST', `/api/acd/agents/${AGENT.id}/login`);
  assert.equal(login.status, 200, JSON.stringify(login.body));
  const peer = await RtpPeer.open(CARRIER);
  let stopTalking = () => {};
  try {
    const t0 = Date.now();
    const { sipp, boxPort } = await caller('5550200', '13900001111', peer);
    stopTalking = talk(peer, boxPort);

    const ring = await waitForEvent('incoming', t0);
    assert.equal(ring.data.caller, '13900001111');
    assert.equal(ring.data.queue, 'web');
    assert.equal(await page.textContent('#call'), '13900001111 (queue web)');
    await page.click('#answer');
    await waitForEvent('connected', t0);
    assert.ok((await events()).some((e) => e.event === 'answer-ok'), 'the answer request succeeded');
    await sleep(2500);

    // Caller -> agent: the page receives PCMU and plays the caller's 1000 Hz.
    const stats = await page.evaluate(() => window.softphoneTest.phone!.stats());
    assert.equal(stats.inbound?.codec, 'audio/PCMU', JSON.stringify(stats));
    assert.equal(stats.outbound?.codec, 'audio/PCMU', JSON.stringify(stats));
    assert.ok(stats.inbound!.packetsReceived > 75, `page received ${stats.inbound!.packetsReceived} packets`);
    assert.ok((stats.inbound!.totalAudioEnergy ?? 0) > 0 || (stats.inbound!.audioLevel ?? 0) > 0, `the page's inbound audio has energy: ${JSON.stringify(stats.inbound)}`);
    const heardByAgent = await page.evaluate(([hz]) => window.softphoneTest.measure(hz, 1000), [CALLER_HZ] as const);
    assert.ok(heardByAgent.ratio > 0.3 && heardByAgent.rms > 0.01, `the agent hears the caller's ${CALLER_HZ} Hz: ${JSON.stringify(heardByAgent)}`);
    console.log(`page inbound: ${JSON.stringify(stats.inbound)}; agent hears ${CALLER_HZ} Hz ratio ${heardByAgent.ratio.toFixed(2)} rms ${heardByAgent.rms.toFixed(3)}`);

    // Agent -> caller: the caller's socket receives the browser's 700 Hz microphone.
    const fromAgent = heardSince(peer, 0).slice(-50);
    assert.ok(fromAgent.length >= 50, `caller received ${fromAgent.length} packets`);
    const micRatio = toneRatio(fromAgent, MIC_HZ);
    assert.ok(micRatio > 0.5, `the caller hears the agent's ${MIC_HZ} Hz (ratio ${micRatio.toFixed(2)})`);
    console.log(`caller hears ${MIC_HZ} Hz ratio ${micRatio.toFixed(2)}, rms ${ulawRms(fromAgent).toFixed(0)}`);

    // Mute: the browser keeps sending, but silence.
    const loudRms = ulawRms(fromAgent);
    await page.click('#mute');
    await sleep(800);
    let mark = peer.received.length;
    await sleep(600);
    const muted = heardSince(peer, mark);
    assert.ok(muted.length >= 20, `packets keep coming while muted (${muted.length})`);
    assert.ok(ulawRms(muted) < loudRms / 20, `muted audio is silent (rms ${ulawRms(muted).toFixed(0)} vs ${loudRms.toFixed(0)})`);
    await page.click('#mute');
    await sleep(800);

    // Keypad: '5' then '#' reach the caller as RFC 4733 events (payload type 101), then the agent again.
    mark = peer.received.length;
    await page.click('#keypad button[data-digit="5"]');
    await page.click('#keypad button[data-digit="#"]');
    await sleep(1500);
    const digits = peer.received.slice(mark).filter((p) => p.payloadType === 101 && (p.payload[1] & 0x80)).map((p) => p.payload[0]);
    assert.deepEqual([...new Set(digits)], [5, 11], `RFC 4733 events the caller received: ${digits.join(',')}`);
    assert.ok(!(await events()).some((e) => e.event === 'dtmf-failed'), JSON.stringify(await events()));
    await sleep(500);
    const afterDigits = heardSince(peer, peer.received.length - 25);
    assert.ok(toneRatio(afterDigits, MIC_HZ) > 0.5, 'the caller hears the agent again after the digits');

    // Hold: the caller hears music (not the agent); resume brings the agent back.
    await page.click('#hold');
    await waitForEvent('held', t0);
    await sleep(1500);
    const held = heardSince(peer, peer.received.length - 40);
    assert.ok(toneRatio(held, MIC_HZ) < 0.2, `on hold the caller does not hear the agent (ratio ${toneRatio(held, MIC_HZ).toFixed(2)})`);
    assert.ok(ulawRms(held) > 50, `on hold the caller hears music (rms ${ulawRms(held).toFixed(0)})`);
    await page.click('#hold');
    await page.waitForFunction(() => document.getElementById('status')!.textContent === 'connected');
    await sleep(1200);
    assert.ok(toneRatio(heardSince(peer, peer.received.length - 25), MIC_HZ) > 0.5, 'after resume the caller hears the agent');

    // The agent hangs up in the page: the caller gets a BYE, the CDR says the callee hung up.
    await page.click('#hangup');
    const ended = await waitForEvent('ended', t0);
    assert.equal(ended.data.reason, 'hangup');
    const r = await sipp.done;
    assert.equal(r.code, 0, r.errors || r.stderr);
    const cdr = await box.cdr('5550200');
    assert.ok(cdr, 'CDR written');
    assert.equal(cdr.disposition, 'answered');
    assert.equal(cdr.hangup.side, 'callee');
    assert.equal(cdr.hangup.cause, 'bye');
    assert.equal(cdr.codec, 'PCMU');
    assert.equal(cdr.callee.uri, `webrtc:${AGENT.id}`);
    assert.deepEqual(cdr.agents, [AGENT.id]);
    assert.ok(cdr.quality.callee.packetsReceived > 200, `the box received the browser's audio: ${JSON.stringify(cdr.quality.callee)}`);
    console.log(`CDR callee quality: ${JSON.stringify(cdr.quality.callee)}`);
    const rows = await waitForRows((row) => row.queue === 'web' && row.agent === AGENT.id && row.type === 'connect');
    assert.ok(rows.some((row) => row.type === 'connect'), 'queue log has the connect');
    // Every transport, producer and consumer of the call is gone.
    await sleep(500);
    const media = (await box.status()).media;
    assert.equal(media.transports, 0, JSON.stringify(media));
  } finally {
    stopTalking();
    peer.close();
  }
});

test('a browser agent who lets the call ring out is a RONA: the page stops ringing, the agent goes on a missed-call break, the caller stays queued', async () => {
  const state = (await agentApi.call('GET', '/api/acd/agents')).body.find((a: any) => a.id === AGENT.id);
  assert.equal(state?.state, 'available', JSON.stringify(state));
  const peer = await RtpPeer.open(CARRIER);
  try {
    const t0 = Date.now();
    const { sipp } = await caller('5550201', '13900002222', peer, 'uac-call.xml', 9000);
    await waitForEvent('incoming', t0);
    const ended = await waitForEvent('ended', t0, 15_000);
    assert.equal(ended.data.reason, 'cancelled');
    const noAnswer = await waitForRows((row) => row.type === 'no-answer' && row.queue === 'rona' && row.agent === AGENT.id);
    assert.equal(noAnswer.length, 1, 'one no-answer row');
    const after = (await agentApi.call('GET', '/api/acd/agents')).body.find((a: any) => a.id === AGENT.id);
    assert.equal(after.state, 'break', JSON.stringify(after));
    const r = await sipp.done;
    assert.equal(r.code, 0, r.errors || r.stderr);
    const abandon = await waitForRows((row) => row.type === 'abandon' && row.queue === 'rona');
    assert.equal(abandon.length, 1, 'the caller was still queued when they hung up');
  } finally {
    peer.close();
  }
});

// Dial out from the workspace in Debian's Chromium. A desk-phone agent (a sipp phone that
// honours click-to-dial; Debian's baresip 1.0 ignores an out-of-dialog REFER) picks a number
// from the quick-dial list; the box asks the phone to call it (out-of-dialog REFER), the phone
// calls through the box, the dial plan sends it to the upstream trunk where a sipp UAS
// answers; the phone hangs up and the CDR shows the call from the agent's extension to the
// number. A browser-softphone agent (its fake microphone plays 700 Hz) picks a colleague's
// extension (a sipp phone whose media is a test socket sending 1700 Hz) from the quick-dial
// list: the box places the call with the page's WebRTC leg as the calling side, the page
// shows ringback and hears the box's ringback tone (450 Hz, measured on the audio the page
// plays, through Web Audio) while the phone rings, then the call timer; the tone stops at the
// answer (the page then hears the phone's 1700 Hz), the phone hears 700 Hz and the page's
// inbound RTP carries the phone's audio (WebRTC stats); hold/resume and mute; the agent hangs up, goes to
// wrap-up and saves a disposition; the CDR says outbound with the agent, and the call is
// recorded. Then the phone hangs up first, and a busy phone is reported in the page (the agent
// is available again). A mobile number goes out through the trunk (the carrier echoes). A
// reload of the agent's page mid-call ends the call (the phone gets its BYE). An
// international number is refused by the agent's toll class with a coded error
// the page shows. Screenshots in both languages. Hold plays music from the prompt set (npm run
// setup): without it the box relays the hold as a re-INVITE, which the sipp phone does not take.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { BoxProcess } from './harness/box-process.ts';
import { freePort } from './harness/ports.ts';
import { browserSignIn, type BrowserSession } from './harness/api.ts';
import { runSipp } from './harness/sipp.ts';
import { launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { submitSignIn } from './harness/web-session.ts';
import { addUsers, goAvailable, NO_LAG_GUARD, passwordOf, startWebBox, type WebBox } from './harness/web-box.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toneWav } from './harness/chromium-softphone.ts';
import { RtpPeer, toneRatio } from './harness/rtp-peer.ts';
import { toneShare } from '../media/tone-share.ts';

const UPSTREAM = '127.0.0.3';
const PHONE = '127.0.0.4';
const COLLEAGUE = '127.0.0.5';
const AGENT_HZ = 700;
const COLLEAGUE_HZ = 1700;
const NUMBER = '13900139000';
let web: WebBox;
let box: BoxProcess;
let tlsPort: number;
let upstreamPort: number;
let admin: BrowserSession;
let phonePort: number;
let browser: Browser;
let agent: TestPage;
let tmp: string;
let softBrowser: Browser | undefined;
const shots: string[] = [];

before(async () => {
  upstreamPort = await freePort(UPSTREAM);
  web = await startWebBox({
    recording: { enabled: true },
    security: NO_LAG_GUARD,
    extensions: [{ number: '2501', password: 'pw-2501' }, { number: '2502', password: 'pw-2502' }, { number: '2503', password: 'pw-2503' }],
    trunks: [{ name: 'upstream', kind: 'static', host: UPSTREAM, port: upstreamPort }],
    dialPlan: [{ prefix: '9', trunk: 'upstream', strip: 1 }],
    agents: [
      { id: 'e1', name: 'Wu Hao', extension: '2501', queues: [] },
      { id: 'e2', name: 'He Ying', extension: '2502', device: 'browser', queues: [{ queue: 'callback' }] },
    ],
    // The browser agent's queue: its wrap-up time (120 s) is the wrap-up after a dialled call.
    queues: [{ name: 'callback', strategy: 'linear', overflow: 'hangup', wrapUpSec: 120, announceEverySec: 0 }],
    workspace: {
      quickDial: [{ number: `9${NUMBER}`, label: 'Supplier 供应商' }, { number: '2503', label: 'Colleague 同事' }],
      dispositions: [{ code: 'callback-done', en: 'Called back', zh: '已回电' }],
    },
  });
  ({ box, tlsPort, admin } = web);
  await addUsers(admin, [['e1', 'agent'], ['e2', 'agent']]);
  phonePort = await freePort(PHONE);
  const reg = await runSipp({ scenario: 'transfer-agent-register.xml', localIp: PHONE, localPort: phonePort, target: `127.0.0.1:${box.sipPort}`, keys: { ext: '2501' }, extra: ['-au', '2501', '-ap', 'pw-2501'] }).done;
  assert.equal(reg.code, 0, `the desk phone registered 2501: ${reg.errors || reg.stderr}`);
  browser = await launchBrowser({ trust: web.ca });
  agent = await openPage(browser, { baseURL: web.baseURL, locale: 'zh-CN' });
});

after(async () => {
  if (process.env.CC_DUMP_LOGS) console.log(box?.logs.slice(-60).join('\n'));
  if (shots.length) console.log(`# screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}`);
  await browser?.close();
  await softBrowser?.close();
  await box?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('a desk-phone agent dials a quick-dial number from the page: the phone calls it through the box and the dial plan takes it to the upstream trunk', async () => {
  const { page, errors } = agent;
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: UPSTREAM, localPort: upstreamPort, mediaPort: await freePort(UPSTREAM), rtpEcho: true, timeoutSec: 60 });
  const deskPhone = runSipp({ scenario: 'click-to-dial-phone.xml', localIp: PHONE, localPort: phonePort, target: `127.0.0.1:${box.sipPort}`, keys: { ext: '2501', rtp_port: 9, number: `9${NUMBER}` }, extra: ['-au', '2501', '-ap', 'pw-2501', '-auth_uri', `9${NUMBER}@127.0.0.1:${box.sipPort}`], pauseMs: 1500, timeoutSec: 60 });
  await submitSignIn(page, 'e1', passwordOf('e1'));
  await page.waitForSelector('[data-test=dial] [data-test=dial-quick]');
  assert.match(await page.textContent('[data-test=dial-quick]') ?? '', /Supplier 供应商 · 913900139000/);
  shots.push(await screenshot(page, '61-dial-out-zh'));
  await page.click(`[data-test=dial-quick][data-number="9${NUMBER}"]`);
  await page.waitForSelector('[data-test=dial-sent]');
  assert.equal(await page.textContent('[data-test=dial-sent]'), `您的话机（分机 2501）正在呼叫 9${NUMBER}。`);
  await deskPhone.waitForLog(/REFER TO 913900139000/, 15_000);
  await deskPhone.waitForLog(/CONNECTED/, 15_000);
  await page.selectOption('[data-test=lang]', 'en');
  shots.push(await screenshot(page, '62-dial-out-en'));
  const p = await deskPhone.done;
  assert.equal(p.code, 0, p.errors || p.stderr);
  const r = await uas.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const cdr = await box.cdr(`9${NUMBER}`, () => true, 10_000);
  assert.deepEqual([cdr?.caller.number, cdr?.callee?.number, cdr?.disposition], ['2501', NUMBER, 'answered']);
  const audit = (await admin.call('GET', '/api/audit')).body as { action: string; actor: string; outcome: string; target?: string }[];
  assert.deepEqual(audit.filter((a) => a.action === 'click-to-dial').map((a) => [a.actor, a.outcome, a.target]), [['e1', 'ok', `9${NUMBER}`]]);
  assert.deepEqual(errors, []);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The page's inbound audio (every RTCPeerConnection the app made; collected by an init script). */
const inbound = (page: TestPage['page']) => page.evaluate(async () => {
  let packets = 0;
  let energy = 0;
  for (const pc of (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs ?? []) {
    (await pc.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'audio') {
        packets += s.packetsReceived ?? 0;
        energy += s.totalAudioEnergy ?? 0;
      }
    });
  }
  return { packets, energy };
});

// In-page source as text: tsx would wrap the named helpers of a compiled function in __name(),
// which the page does not have.
const START_HEARING = `(async () => {
  const ctx = new AudioContext({ sampleRate: 8000 });
  await ctx.resume();
  const samples = [];
  const marks = {};
  const proc = ctx.createScriptProcessor(1024, 1, 1);
  proc.onaudioprocess = (e) => {
    const d = e.inputBuffer.getChannelData(0);
    if (marks.connected === undefined && document.querySelector('[data-test=softphone]')?.getAttribute('data-call') === 'connected') marks.connected = samples.length;
    for (let i = 0; i < d.length; i++) samples.push(d[i]);
  };
  proc.connect(ctx.destination);
  const seen = new Set();
  const timer = setInterval(() => {
    for (const pc of window.__pcs ?? []) {
      for (const r of pc.getReceivers()) {
        const t = r.track;
        if (t.kind !== 'audio' || t.readyState !== 'live' || seen.has(t.id)) continue;
        seen.add(t.id);
        ctx.createMediaStreamSource(new MediaStream([t])).connect(proc);
      }
    }
  }, 20);
  window.__hear = { samples, marks, stop: async () => { clearInterval(timer); proc.disconnect(); await ctx.close(); } };
})()`;
const STOP_HEARING = `(async () => {
  const h = window.__hear;
  window.__hear = undefined;
  await h.stop();
  return { samples: h.samples, connected: h.marks.connected };
})()`;

/**
 * Start recording what the page hears: every live remote audio track of its peer connections
 * (new ones joining as the box switches what the leg hears) mixed into one 8 kHz Web Audio
 * capture, kept in the page until heardSince() takes it, with the sample at which the
 * softphone first showed the call connected (checked per 128 ms buffer: no wall-clock race).
 */
const startHearing = (page: TestPage['page']) => page.evaluate(START_HEARING);

/**
 * What 8 kHz samples carry, per 100 ms block (the page's jitter buffer stretches and conceals,
 * so one Goertzel over seconds would smear a steady tone): `share(hz)` the energy-weighted
 * tone share, `seconds(hz)` how long `hz` was clearly heard (blocks with sound, share > 0.9).
 */
function shares(samples: number[]): { length: number; share: (hz: number) => number; seconds: (hz: number) => number } {
  const blocks: { x: number[]; energy: number }[] = [];
  for (let i = 0; i + 800 <= samples.length; i += 800) {
    const x = samples.slice(i, i + 800);
    blocks.push({ x, energy: x.reduce((e, v) => e + v * v, 0) });
  }
  const total = blocks.reduce((e, b) => e + b.energy, 0);
  return {
    length: samples.length / 8000,
    share: (hz) => (total ? blocks.reduce((e, b) => e + toneShare(b.x, hz) * b.energy, 0) / total : 0),
    seconds: (hz) => blocks.filter((b) => b.energy > 800 * 1e-4 && toneShare(b.x, hz) > 0.9).length / 10,
  };
}

/** Stop startHearing's capture: what the page heard, and the sample at which its call showed connected. */
async function heardSince(page: TestPage['page']): Promise<{ samples: number[]; connected?: number }> {
  return await page.evaluate(STOP_HEARING) as { samples: number[]; connected?: number };
}

/** A browser agent's page with a fake microphone playing AGENT_HZ; its peer connections are kept for stats. */
async function softphonePage(): Promise<TestPage> {
  tmp ??= mkdtempSync(join(tmpdir(), 'web-dial-out-'));
  softBrowser ??= await launchBrowser({
    trust: web.ca,
    flags: [`--use-file-for-fake-audio-capture=${toneWav(join(tmp, 'agent.wav'), AGENT_HZ, 120)}`, '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
  });
  const p = await openPage(softBrowser, { baseURL: web.baseURL, locale: 'zh-CN' });
  await p.context.addInitScript(() => {
    const pcs: RTCPeerConnection[] = [];
    (window as unknown as { __pcs: RTCPeerConnection[] }).__pcs = pcs;
    const Native = window.RTCPeerConnection;
    window.RTCPeerConnection = class extends Native {
      constructor(config?: RTCConfiguration) {
        super(config);
        pcs.push(this);
      }
    };
  });
  return p;
}

let e2: TestPage | undefined;
const sp = '[data-test=softphone]';

test('a browser-softphone agent dials a colleague\'s extension from the quick-dial list: ringback shown and heard (450 Hz, stopped at the answer), both ways audio, hold and mute, hang-up, wrap-up with a disposition, an outbound CDR and a recording', async () => {
  e2 = await softphonePage();
  const { page, errors } = e2;
  const colleaguePort = await freePort(COLLEAGUE);
  const reg = await runSipp({ scenario: 'transfer-agent-register.xml', localIp: COLLEAGUE, localPort: colleaguePort, target: `127.0.0.1:${box.sipPort}`, keys: { ext: '2503' }, extra: ['-au', '2503', '-ap', 'pw-2503'] }).done;
  assert.equal(reg.code, 0, `the colleague's phone registered 2503: ${reg.errors || reg.stderr}`);
  const peer = await RtpPeer.open(COLLEAGUE);
  const stops: (() => void)[] = [];
  try {
    const phone = runSipp({ scenario: 'dial-out-phone.xml', localIp: COLLEAGUE, localPort: colleaguePort, keys: { agent: '2503', agent_rtp_ip: COLLEAGUE, agent_rtp_port: peer.port }, timeoutSec: 150 });
    void phone.waitForLog(/AGENTBOXPORT (\d+)/, 60_000).then(([, port]) => stops.push(peer.talk(COLLEAGUE_HZ, Number(port))), () => undefined);
    await submitSignIn(page, 'e2', passwordOf('e2'));
    await page.waitForSelector(`${sp}[data-status=ready]`, { timeout: 20_000 });
    await goAvailable(page);
    await page.waitForSelector('[data-test=dial][data-device=browser] [data-test=dial-quick][data-number="2503"]');

    // What the page hears from the click on: the phone rings 4 s after its 180 (dial-out-phone.xml).
    await startHearing(page);
    await page.click('[data-test=dial-quick][data-number="2503"]');
    await page.waitForSelector('[data-test=dial-sent]');
    assert.equal(await page.textContent('[data-test=dial-sent]'), '正在通过软电话呼叫 2503。');
    await page.waitForSelector('[data-test=customer-card][data-number="2503"]', { timeout: 10_000 });
    await page.waitForSelector('[data-test=sp-ringback]', { timeout: 20_000 });
    assert.equal((await page.textContent('[data-test=sp-ringback]'))?.trim(), '2503 振铃中…');
    await page.waitForSelector('[data-test=agent-state][data-state=ringing]');
    shots.push(await screenshot(page, '63-dial-out-browser-ringback-zh'));

    await page.waitForSelector(`${sp}[data-call=connected]`, { timeout: 20_000 });
    await page.waitForSelector('[data-test=agent-state][data-state=on-call]');
    await page.waitForSelector('[data-test=sp-timer]');
    // Audio both ways: the phone hears the agent's 700 Hz; the page receives the phone's audio.
    const inFrom = await inbound(page);
    const from = peer.received.length;
    await sleep(3000);
    // The ringback the page showed was also heard: the box's 450 Hz (1 s on from the 180, then
    // 4 s off), not the phone (its 1700 Hz already reaches the box: it sends from the INVITE on),
    // up to 0.5 s before the page showed the call connected. From 0.5 s after it: the phone's
    // 1700 Hz and no 450 Hz (the tone's next burst, 1 s after the answer, would show).
    const heard = await heardSince(page);
    assert.ok(heard.connected !== undefined, `the capture saw the call connected (${heard.samples.length} samples)`);
    const ringing = shares(heard.samples.slice(0, Math.max(0, heard.connected - 4000)));
    const talking = shares(heard.samples.slice(heard.connected + 4000));
    console.log(`# page while the phone rang: ${ringing.length.toFixed(1)} s captured, 450 Hz for ${ringing.seconds(450).toFixed(1)} s (share ${ringing.share(450).toFixed(3)}), 1700 Hz share ${ringing.share(COLLEAGUE_HZ).toFixed(3)}`);
    assert.ok(ringing.share(450) > 0.8, `the page hears the box's 450 Hz ringback while the phone rings (share ${ringing.share(450).toFixed(3)})`);
    assert.ok(ringing.seconds(450) >= 0.6 && ringing.seconds(450) <= 1.5, `one 1 s burst of it in the 4 s ring (${ringing.seconds(450).toFixed(1)} s)`);
    assert.ok(ringing.share(COLLEAGUE_HZ) < 0.05, `and not the phone before it answers (1700 Hz share ${ringing.share(COLLEAGUE_HZ).toFixed(3)})`);
    assert.ok(talking.length >= 1.5, `the page was heard for ${talking.length.toFixed(1)} s after the answer`);
    const got = peer.received.slice(from).filter((p) => p.payloadType === 0).map((p) => p.payload);
    const inTo = await inbound(page);
    const ratio = toneRatio(got, AGENT_HZ);
    console.log(`# phone side: ${got.length} packets in 3 s, 700 Hz share ${ratio.toFixed(3)}; page inbound: ${inTo.packets - inFrom.packets} packets, energy +${(inTo.energy - inFrom.energy).toFixed(4)}`);
    assert.ok(got.length >= 50, `the phone receives the agent's audio (${got.length} packets)`);
    assert.ok(ratio > 0.05, `the phone hears the agent's 700 Hz (${ratio.toFixed(3)})`);
    assert.ok(inTo.packets - inFrom.packets >= 50, `the page receives the phone's RTP (${inTo.packets - inFrom.packets} packets)`);
    assert.ok(inTo.energy > inFrom.energy, `the page's inbound audio carries energy (${inFrom.energy} -> ${inTo.energy})`);
    console.log(`# page once answered: ${talking.length.toFixed(1)} s captured, 1700 Hz share ${talking.share(COLLEAGUE_HZ).toFixed(3)}, 450 Hz share ${talking.share(450).toFixed(3)}`);
    assert.ok(talking.share(COLLEAGUE_HZ) > 0.8, `the page hears the phone's 1700 Hz once it answered (share ${talking.share(COLLEAGUE_HZ).toFixed(3)})`);
    assert.ok(talking.share(450) < 0.02 && talking.seconds(450) === 0, `the ringback stopped at the answer (450 Hz share ${talking.share(450).toFixed(3)})`);
    await page.selectOption('[data-test=lang]', 'en');
    assert.match(await page.textContent(sp) ?? '', /Talking to 2503/);
    shots.push(await screenshot(page, '64-dial-out-browser-connected-en'));

    // Hold and resume, mute and unmute, from the page.
    await page.click('[data-test=sp-hold]');
    await page.waitForSelector(`${sp}[data-held=true]`);
    await page.click('[data-test=sp-hold]');
    await page.waitForSelector(`${sp}[data-held=false]`);
    await page.click('[data-test=sp-mute]');
    await page.waitForSelector(`${sp}[data-muted=true]`);
    await page.click('[data-test=sp-mute]');
    await page.waitForSelector(`${sp}[data-muted=false]`);

    // The agent hangs up: the phone gets the BYE; the agent wraps up with a disposition.
    await page.click('[data-test=sp-hangup]');
    await page.waitForSelector('[data-test=sp-ended][data-reason=hangup]', { timeout: 10_000 });
    const ph = await phone.done;
    assert.equal(ph.code, 0, ph.errors || ph.stderr);
    await page.waitForSelector('[data-test=agent-state][data-state=wrap-up]', { timeout: 10_000 });
    const callId = await page.getAttribute('[data-test=wrapup]', 'data-call', { timeout: 10_000 });
    assert.ok(callId);
    await page.selectOption('[data-test=wrapup-disposition]', 'callback-done');
    await page.fill('[data-test=wrapup-notes]', 'Called back about the order; 已回电。');
    await page.click('[data-test=wrapup-save]');
    await page.waitForSelector('[data-test=wrapup-saved], [data-test=wrapup] [role=alert]');
    assert.equal(await page.locator('[data-test=wrapup] [role=alert]').count(), 0, `the wrap-up is saved: ${await page.locator('[data-test=wrapup] [role=alert]').allTextContents()}`);
    await page.selectOption('[data-test=lang]', 'zh-CN');
    shots.push(await screenshot(page, '65-dial-out-browser-wrap-up-zh'));

    const cdr = await box.cdr('2503', (r) => r.callId === callId, 10_000);
    assert.deepEqual([cdr?.direction, cdr?.agents, cdr?.caller.number, cdr?.caller.uri, cdr?.callee?.number, cdr?.disposition, cdr?.holds], ['outbound', ['e2'], '2502', 'webrtc:e2', '2503', 'answered', 1]);
    const saved = (await admin.call('GET', `/api/workspace/calls/${callId}`)).body;
    assert.deepEqual([saved.agent, saved.caller, saved.wrapUp?.disposition.code], ['e2', '2503', 'callback-done'], 'the customer of a dialled call is its callee');
    const rec = await admin.call('GET', `/api/recordings/${callId}`);
    assert.equal(rec.status, 200, `the call is recorded: ${JSON.stringify(rec.body)}`);
    const audit = (await admin.call('GET', '/api/audit')).body as { action: string; actor: string; outcome: string; target?: string }[];
    assert.deepEqual(audit.filter((a) => a.action === 'dial-out').map((a) => [a.actor, a.outcome, a.target]), [['e2', 'ok', '2503']]);
    assert.deepEqual(errors, []);
  } finally {
    for (const stop of stops) stop();
    peer.close();
  }
});

test('the phone hangs up first: the page is told and the agent wraps up; a busy phone: the page says so and the agent is available again', async () => {
  const { page, errors } = e2!;
  const colleaguePort = await freePort(COLLEAGUE);
  const reg = await runSipp({ scenario: 'transfer-agent-register.xml', localIp: COLLEAGUE, localPort: colleaguePort, target: `127.0.0.1:${box.sipPort}`, keys: { ext: '2503' }, extra: ['-au', '2503', '-ap', 'pw-2503'] }).done;
  assert.equal(reg.code, 0, reg.errors || reg.stderr);
  const peer = await RtpPeer.open(COLLEAGUE);
  try {
    // Dialling from wrap-up ends it (the agent is still in the last call's wrap-up here).
    assert.equal(await page.getAttribute('[data-test=agent-state]', 'data-state'), 'wrap-up');
    const leaving = runSipp({ scenario: 'multiparty-phone-leave.xml', localIp: COLLEAGUE, localPort: colleaguePort, keys: { agent: '2503', agent_rtp_ip: COLLEAGUE, agent_rtp_port: peer.port }, pauseMs: 3000, timeoutSec: 60 });
    await page.fill('[data-test=dial-number]', '2503');
    await page.click('[data-test=dial-call]');
    await page.waitForSelector(`${sp}[data-call=connected]`, { timeout: 20_000 });
    await page.waitForSelector('[data-test=sp-ended][data-reason=hangup]', { timeout: 20_000 });
    const l = await leaving.done;
    assert.equal(l.code, 0, l.errors || l.stderr);
    await page.waitForSelector('[data-test=agent-state][data-state=wrap-up]', { timeout: 10_000 });
    const first = await box.cdr('2503', (r) => r.hangup?.side === 'callee', 10_000);
    assert.deepEqual([first?.direction, first?.agents, first?.disposition, first?.hangup.cause], ['outbound', ['e2'], 'answered', 'bye']);

    const busy = runSipp({ scenario: 'uas-busy.xml', localIp: COLLEAGUE, localPort: colleaguePort, timeoutSec: 60 });
    await page.fill('[data-test=dial-number]', '2503');
    await page.click('[data-test=dial-call]');
    await page.waitForSelector('[data-test=sp-ended][data-reason=failed][data-status="486"]', { timeout: 20_000 });
    assert.equal(await page.textContent('[data-test=sp-ended]'), '未接通：2503 忙。');
    const b = await busy.done;
    assert.equal(b.code, 0, b.errors || b.stderr);
    await page.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
    const third = await box.cdr('2503', (r) => r.disposition === 'busy', 10_000);
    assert.deepEqual([third?.direction, third?.agents, third?.answeredAt], ['outbound', ['e2'], undefined]);
    assert.deepEqual(errors, []);
  } finally {
    peer.close();
  }
});

test('a mobile number goes out through the dial plan to the upstream trunk (national: in the agent\'s class of service): the carrier answers and echoes the agent; hang-up; the CDR names the trunk', async () => {
  const { page, errors } = e2!;
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: UPSTREAM, localPort: upstreamPort, mediaPort: await freePort(UPSTREAM), rtpEcho: true, timeoutSec: 60 });
  await page.fill('[data-test=dial-number]', `9${NUMBER}`);
  await page.click('[data-test=dial-call]');
  await page.waitForSelector(`${sp}[data-call=connected]`, { timeout: 20_000 });
  const a = await inbound(page);
  await sleep(2000);
  const b = await inbound(page);
  assert.ok(b.packets - a.packets >= 40, `the page receives the carrier's echo (${b.packets - a.packets} packets in 2 s)`);
  await page.click('[data-test=sp-hangup]');
  await page.waitForSelector('[data-test=sp-ended][data-reason=hangup]', { timeout: 10_000 });
  const r = await uas.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const cdr = await box.cdr(`9${NUMBER}`, (x) => x.direction === 'outbound', 10_000);
  assert.deepEqual([cdr?.caller.number, cdr?.callee?.kind, cdr?.callee?.id, cdr?.callee?.number, cdr?.disposition, cdr?.agents], ['2502', 'trunk', 'upstream', NUMBER, 'answered', ['e2']]);
  await page.waitForSelector('[data-test=agent-state][data-state=wrap-up]', { timeout: 10_000 });
  assert.deepEqual(errors, []);
});

test('the agent\'s page goes away mid-call (a reload, confirmed): the call ends, the phone gets its BYE, the agent wraps up and the reloaded page shows the wrap-up', async () => {
  const { page } = e2!;
  const colleaguePort = await freePort(COLLEAGUE);
  const reg = await runSipp({ scenario: 'transfer-agent-register.xml', localIp: COLLEAGUE, localPort: colleaguePort, target: `127.0.0.1:${box.sipPort}`, keys: { ext: '2503' }, extra: ['-au', '2503', '-ap', 'pw-2503'] }).done;
  assert.equal(reg.code, 0, reg.errors || reg.stderr);
  const peer = await RtpPeer.open(COLLEAGUE);
  const onDialog = (d: import('playwright-core').Dialog) => void d.accept();
  try {
    const phone = runSipp({ scenario: 'multiparty-phone.xml', localIp: COLLEAGUE, localPort: colleaguePort, keys: { agent: '2503', agent_rtp_ip: COLLEAGUE, agent_rtp_port: peer.port }, timeoutSec: 60 });
    await page.fill('[data-test=dial-number]', '2503');
    await page.click('[data-test=dial-call]');
    await page.waitForSelector(`${sp}[data-call=connected]`, { timeout: 20_000 });
    await phone.waitForLog(/DIALOG/, 10_000);
    page.on('dialog', onDialog);
    await page.reload();
    const ph = await phone.done;
    assert.equal(ph.code, 0, `the phone got the box's BYE: ${ph.errors || ph.stderr}`);
    const cdr = await box.cdr('2503', (r) => r.hangup?.cause === 'failed', 10_000);
    assert.deepEqual([cdr?.direction, cdr?.agents, cdr?.disposition, cdr?.hangup.side], ['outbound', ['e2'], 'answered', 'system']);
    await page.waitForSelector('[data-test=agent-state][data-state=wrap-up]', { timeout: 15_000 });
    await page.waitForSelector(`[data-test=wrapup][data-call="${cdr.callId}"]`, { timeout: 15_000 });
    await page.waitForSelector(`${sp}[data-status=ready]`, { timeout: 20_000 });
  } finally {
    page.off('dialog', onDialog);
    peer.close();
  }
});

test('a browser agent\'s international number is refused by its toll class: the page shows the coded error in both languages; bad numbers are refused by the schema', async () => {
  const { page } = e2!;
  if (await page.getAttribute('[data-test=agent-state]', 'data-state') !== 'available') await page.click('[data-test=go-available]');
  await page.waitForSelector('[data-test=agent-state][data-state=available]');
  await page.fill('[data-test=dial-number]', '90044201234567');
  await page.click('[data-test=dial-call]');
  await page.waitForSelector('[data-test=dial] [role=alert]');
  assert.equal(await page.textContent('[data-test=dial] [role=alert]'), '您无权拨打此类号码（如国际或声讯号码）：不在您的呼叫权限内。');
  shots.push(await screenshot(page, '66-dial-out-toll-refused-zh'));
  await page.selectOption('[data-test=lang]', 'en');
  assert.equal(await page.textContent('[data-test=dial] [role=alert]'), 'You may not call this kind of number (e.g. international or premium): not in your class of service.');
  shots.push(await screenshot(page, '67-dial-out-toll-refused-en'));
  assert.equal(await page.getAttribute('[data-test=agent-state]', 'data-state'), 'available', 'a refused dial leaves the agent as it was');
  const api = await browserSignIn(tlsPort, web.ca, 'e2', passwordOf('e2'));
  const r = await api.call('POST', '/api/workspace/dial', { number: '90044201234567' });
  assert.deepEqual([r.status, r.body.code], [403, 'CC_CALL_CLASS_FORBIDDEN']);
  const self = await api.call('POST', '/api/workspace/dial', { number: '2502' });
  assert.deepEqual([self.status, self.body.code], [409, 'CC_WORKSPACE_DIAL_SELF']);
  const bad = await api.call('POST', '/api/workspace/dial', { number: 'x1' });
  assert.equal(bad.status, 400);
});

// A branch office in network namespaces (harness/netns.ts): the box alone in its namespace
// with a LAN port (10.77.0.2) and a carrier port (10.78.0.1); baresip desk phones in the
// "lan" namespace with a supervisor's wallboard in Chromium; sipp as the SIP trunk in the
// "carrier" namespace. The test process sits on
// the LAN as a technician's PC and reaches the box only over its LAN address. Scenarios: a
// carrier call through an IVR (RFC 4733 digit) and a queue to an agent's phone, with audio
// both ways, a recording and the wallboard; an agent's outbound call through the dial plan;
// the carrier path cut with nftables and restored; a power cut (kill -9) with calls up and a
// restart on the same data. About 90 s in all, every scenario under 60 s.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { runSipp, type SippRun } from './harness/sipp.ts';
import { adminPassword, signIn, type ApiClient } from './harness/api.ts';
import { bandRms } from './harness/audio.ts';
import { createBranchOffice, OFFICE, type BranchOffice } from './harness/netns.ts';
import { openNetnsRtpPeer, type NetnsRtpPeer } from './harness/netns-rtp-peer.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { signInPageChangingPassword } from './harness/first-sign-in.ts';
import { until } from './harness/until.ts';
import { cutPower } from './harness/power-cut.ts';
import type { Browser } from 'playwright-core';
import { readWav } from '../media/wav.ts';

const CARRIER_SIP = 5060;
const DID = '4000';
const AGENT_TONE = { a1: 900, a2: 1300 };
const CALLER_TONE = 500;

// The box as a technician would configure it: standard ports, its LAN address in SIP and SDP.
const config = {
  sip: { bindAddress: '0.0.0.0', publicAddress: OFFICE.boxLan, udpPort: 5060, tcpPort: 5060 },
  http: { host: '0.0.0.0', port: 8080, tls: false },
  media: { listenIp: '0.0.0.0', announcedAddress: OFFICE.boxLan },
  extensions: ['2001', '2002'].map((n) => ({ number: n, password: `pw-${n}` })),
  trunks: [{ name: 'carrier', kind: 'static', host: OFFICE.carrier, port: CARRIER_SIP }],
  dids: [{ number: DID, trunk: 'carrier', destination: 'ivr:main' }],
  dialPlan: [{ prefix: '9', trunk: 'carrier', strip: 1 }],
  queues: [{ name: 'sales', strategy: 'linear', overflow: 'hangup', announceEverySec: 0, ringTimeoutSec: 20, wrapUpSec: 0 }],
  agents: [
    { id: 'a1', extension: '2001', queues: [{ queue: 'sales' }] },
    { id: 'a2', extension: '2002', queues: [] },
  ],
};

const FLOW = {
  name: 'main',
  start: 'menu',
  nodes: {
    menu: { type: 'menu', prompts: ['hello'], choices: { '1': 'sales' }, timeoutSec: 8, retries: 0, fallback: 'bye' },
    sales: { type: 'queue', queue: 'sales' },
    bye: { type: 'hangup', prompts: ['goodbye'] },
  },
};

let office: BranchOffice;
let box: BoxProcess;
let api: ApiClient;
let password = '';
const phones: Record<'a1' | 'a2', Baresip> = {} as any;
const running: SippRun[] = [];
const peers: NetnsRtpPeer[] = [];
let uacPort = 5100;
let browser: Browser | undefined;
/** A supervisor's wallboard in Chromium on the LAN (lan namespace), reaching the box at 10.77.0.2:8080. */
let wallboard: TestPage;

before(async () => {
  ensureWebBuilt();
  office = createBranchOffice('ccbo');
  box = await startBoxProcess(config, { netns: { name: office.ns.box, host: OFFICE.boxLan }, keepData: true });
  password = adminPassword(box);
  api = await signIn(box);
  const r = await api.call('POST', '/api/ivr/flows', FLOW);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  for (const [i, id] of (['a1', 'a2'] as const).entries()) {
    const ext = config.agents[i].extension;
    phones[id] = await startBaresip({
      extension: ext, password: `pw-${ext}`, box: { host: OFFICE.boxLan, port: box.sipPort },
      listenIp: OFFICE.phone(i), netns: office.ns.lan, toneHz: AGENT_TONE[id],
    });
    await phones[id].waitFor(/200 OK .*1 binding/);
  }
  assert.equal((await api.call('POST', '/api/acd/agents/a1/login')).status, 200);
  const sup = await api.call('POST', '/api/users', { username: 'sup1', role: 'supervisor', password: 'sup1-password' });
  assert.equal(sup.status, 201, JSON.stringify(sup.body));
  browser = await launchBrowser({ netns: office.ns.lan });
  wallboard = await openPage(browser, { baseURL: `http://${OFFICE.boxLan}:${box.httpPort}`, locale: 'en-US' });
  const p = wallboard.page;
  await signInPageChangingPassword(p, 'sup1', 'sup1-password', 'sup1-own-password');
  await p.click('[data-test=nav-wallboard]');
  await p.waitForSelector('[data-test=wallboard] [data-test=wb-agent][data-agent=a1][data-state=available]');
});

after(async () => {
  for (const r of running) r.kill();
  for (const p of peers) await p.close();
  if (wallboard) await screenshot(wallboard.page, 'branch-office-wallboard').catch(() => undefined);
  await browser?.close();
  for (const p of Object.values(phones)) await p.stop();
  const dataDir = box?.dataDir;
  if (box && box.child.exitCode === null) await box.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  office?.destroy();
});

const agents = async () => Object.fromEntries(((await api.call('GET', '/api/acd/agents')).body as any[]).map((a) => [a.id, a]));
const queueLog = async () => (await box.read<any>('queue-log')).map((r) => r.value);

/** Wait for baresip output after `from` characters (its output accumulates over the run). */
async function phoneSays(phone: Baresip, from: number, re: RegExp, timeoutMs = 15_000): Promise<string> {
  return until(`phone output ${re}`, async () => re.exec(phone.output().slice(from))?.[0], timeoutMs);
}

/** A carrier caller (sipp in the carrier namespace) with its RTP from a peer in the same namespace. */
async function carrierCaller(number: string, holdMs: number) {
  const rtp = await openNetnsRtpPeer(office, office.ns.carrier, OFFICE.carrier);
  peers.push(rtp);
  const run = runSipp({
    netns: office.ns.carrier, scenario: 'uac-call.xml', localIp: OFFICE.carrier, localPort: uacPort++,
    target: `${OFFICE.boxLan}:${box.sipPort}`, keys: { dialled: DID, caller: number, rtp_ip: OFFICE.carrier, rtp_port: rtp.port }, pauseMs: holdMs, timeoutSec: 50,
  });
  running.push(run);
  const [, port] = await run.waitForLog(/BOXPORT (\d+)/);
  return { rtp, run, boxPort: Number(port) };
}

/** The carrier's far end for outbound calls: sipp answers on 10.78.0.2:5060 and echoes RTP. */
function carrierAnswers(): SippRun {
  const run = runSipp({ netns: office.ns.carrier, scenario: 'uas-answer.xml', localIp: OFFICE.carrier, localPort: CARRIER_SIP, mediaPort: 16000, rtpEcho: true, timeoutSec: 50 });
  running.push(run);
  return run;
}

const recordingOf = async (callId: string) => until(`the recording of ${callId}`, async () => (await box.read<any>('recordings')).find((r) => r.key === callId)?.value, 10_000);

test('a carrier call goes through the IVR (RFC 4733 digit) and the queue to the agent\'s phone on the LAN; both hear each other; recorded; on the wallboard', async () => {
  const started = Date.now();
  const { rtp, run, boxPort } = await carrierCaller('13900000001', 12_000);
  await rtp.silence(25, OFFICE.boxLan, boxPort); // media latches on the caller's audio first
  await rtp.digit('1', OFFICE.boxLan, boxPort);
  const onCall = await until('a1 on the call', async () => ((await agents()).a1.state === 'on-call' ? true : undefined));
  assert.ok(onCall);
  // The supervisor's wallboard on the LAN shows it live (WebSocket deltas, no reload).
  await wallboard.page.waitForSelector('[data-test=wb-agent][data-agent=a1][data-state=on-call]', { timeout: 10_000 });
  await rtp.tone(CALLER_TONE, 150, OFFICE.boxLan, boxPort);
  const heard = await rtp.heard(AGENT_TONE.a1, 50);
  assert.ok(heard.ratio > 0.5, `the caller hears the agent's ${AGENT_TONE.a1} Hz (ratio ${heard.ratio.toFixed(2)} over ${heard.packets} packets)`);
  const r = await run.done;
  assert.equal(r.code, 0, r.errors || r.stderr);

  const log = await until('the complete row', async () => {
    const rows = await queueLog();
    return rows.some((x) => x.type === 'complete') ? rows : undefined;
  });
  const enter = log.find((x) => x.type === 'enter' && x.caller === '13900000001');
  assert.deepEqual(enter?.ivr?.path, ['menu', 'sales'], 'the digit 1 took the caller from the menu to the queue');
  const connect = log.find((x) => x.type === 'connect' && x.callId === enter.callId);
  assert.equal(connect?.agent, 'a1');
  const cdr = await box.cdr(DID, (c) => c.callId === enter.callId, 10_000);
  assert.equal(cdr.disposition, 'answered');
  assert.equal(cdr.dtmf.caller, '1');
  assert.deepEqual(cdr.agents, ['a1']);

  const rec = await recordingOf(enter.callId);
  assert.ok(existsSync(rec.path), rec.path);
  const wav = readWav(readFileSync(rec.path));
  assert.deepEqual([wav.channels, wav.sampleRate], [2, 8000]);
  assert.ok(bandRms(rec.path, 1, CALLER_TONE) > 0.05, 'the caller\'s tone is on the left channel: the box heard the caller');
  assert.ok(bandRms(rec.path, 2, AGENT_TONE.a1) > 0.05, 'the agent\'s tone is on the right channel');

  const wall = (await api.call('GET', '/api/wallboard')).body.model;
  assert.equal(wall.queues.sales.today.answered, 1, JSON.stringify(wall.queues.sales));
  assert.equal(wall.agents.a1.callsTaken, 1);
  const answeredCell = '[data-test=wb-queue][data-queue=sales] [data-test=wb-answered]';
  await until('the LAN wallboard counting the answered call', async () => ((await wallboard.page.textContent(answeredCell))?.trim() === '1' ? true : undefined), 10_000);
  await wallboard.page.waitForSelector('[data-test=wb-agent][data-agent=a1][data-state=available]', { timeout: 10_000 });
  assert.deepEqual(wallboard.errors, [], 'no page errors on the LAN wallboard');
  console.log(`branch-office: inbound IVR→queue→agent scenario took ${Date.now() - started} ms`);
});

/** a2's phone dials `number` out through the carrier (which answers and echoes), holds the call `holdMs`, hangs up; the carrier's sipp must end well. */
async function a2CallsOut(number: string, holdMs: number): Promise<void> {
  const uas = carrierAnswers();
  const from = phones.a2.output().length;
  await phones.a2.command('dial', number);
  await phoneSays(phones.a2, from, /established/i);
  await new Promise((r) => setTimeout(r, holdMs));
  await phones.a2.command('hangup');
  const r = await uas.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
}

test('an agent\'s phone calls out through the dial plan (9 + number) to the carrier, with media through the box', async () => {
  const started = Date.now();
  await a2CallsOut('95550100', 2500);
  const cdr = await until('the outbound CDR', async () => (await box.read<any>('cdr')).map((x) => x.value).find((c) => c.caller?.number === '2002'));
  assert.equal(cdr.disposition, 'answered', JSON.stringify(cdr));
  assert.match(JSON.stringify(cdr), /5550100/);
  const rec = await recordingOf(cdr.callId);
  // The carrier echoes: the agent's tone comes back over the carrier link, so it is on both channels.
  assert.ok(bandRms(rec.path, 1, AGENT_TONE.a2) > 0.05, 'the agent\'s tone reached the box');
  assert.ok(bandRms(rec.path, 2, AGENT_TONE.a2) > 0.05, 'and came back from the carrier');
  console.log(`branch-office: outbound scenario took ${Date.now() - started} ms`);
});

test('with the carrier path dropped (nftables) an outbound call fails cleanly with an error to the phone; once restored a call goes through', async () => {
  const started = Date.now();
  office.cutCarrier();
  let cut = true;
  try {
    const from = phones.a2.output().length;
    await phones.a2.command('dial', '95550101');
    const said = await phoneSays(phones.a2, from, /\b(408|480|500|502|503|504)\b[^\n]*/, 45_000);
    const failed = await box.cdr('95550101', () => true, 10_000);
    assert.ok(failed, 'the failed attempt has a CDR');
    assert.notEqual(failed.disposition, 'answered', JSON.stringify(failed));
    // From the LAN /api/status needs a signed-in user (only loopback reads it without).
    const status = await until('no call left in the box', async () => {
      const s = (await api.call('GET', '/api/status')).body;
      return s.calls === 0 && s.media.routers === 0 ? s : undefined;
    }, 5000);
    assert.ok(status, 'nothing is left hanging in the box');
    assert.equal((await agents()).a2.state === 'on-call', false);
    console.log(`branch-office: with the trunk dropped the phone got "${said.trim()}" after ${Date.now() - started} ms; CDR ${failed.disposition} ${JSON.stringify(failed.hangup)}`);
    office.restoreCarrier();
    cut = false;
    await a2CallsOut('95550102', 1000);
  } finally {
    if (cut) office.restoreCarrier();
  }
  console.log(`branch-office: trunk loss and recovery scenario took ${Date.now() - started} ms`);
});

test('power cut: kill -9 with calls up, restart on the same data: no agent stuck, recordings readable, lost callers logged, new calls work', async () => {
  const started = Date.now();
  // Up at the cut: a carrier caller talking to a1 (recorded), a2 on an outbound call
  // (recorded), and a second carrier caller waiting in the queue (a1 is busy).
  const talking = await carrierCaller('13900000002', 45_000);
  await talking.rtp.silence(25, OFFICE.boxLan, talking.boxPort);
  await talking.rtp.digit('1', OFFICE.boxLan, talking.boxPort);
  await until('a1 on the call', async () => ((await agents()).a1.state === 'on-call' ? true : undefined));
  const uas = carrierAnswers();
  const from = phones.a2.output().length;
  await phones.a2.command('dial', '95550103');
  await phoneSays(phones.a2, from, /established/i);
  const waiting = await carrierCaller('13900000003', 45_000);
  await waiting.rtp.silence(25, OFFICE.boxLan, waiting.boxPort);
  await waiting.rtp.digit('1', OFFICE.boxLan, waiting.boxPort);
  await until('the second caller queued', async () => ((await box.read('queue-calls')).length === 1 ? true : undefined));
  const talkStream = talking.rtp.tone(CALLER_TONE, 150, OFFICE.boxLan, talking.boxPort);
  await new Promise((r) => setTimeout(r, 1500));
  const logBefore = await queueLog();
  const cdrsBefore = (await box.read('cdr')).length;

  await cutPower(box);
  await talkStream;
  const dataDir = box.dataDir;
  const recDir = join(dataDir, 'data', 'recordings');
  const wavs = (function walk(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
  })(recDir).filter((f) => f.endsWith('.wav'));
  const indexed = new Set((await box.read<any>('recordings')).map((r) => r.value.path));
  const cut = wavs.filter((f) => !indexed.has(f));
  assert.equal(cut.length, 2, `the two calls up at the cut were being recorded: ${cut.join(', ')}`);
  for (const f of cut) {
    const wav = readWav(readFileSync(f)); // throws CC_MEDIA_WAV_INVALID on a broken file
    assert.deepEqual([wav.channels, wav.sampleRate], [2, 8000], f);
    assert.ok(wav.samples[0].length > 8000, `${f}: ${wav.samples[0].length} frames (at least a second of the call survived)`);
  }

  const restartAt = Date.now();
  box = await startBoxProcess(config, { netns: { name: office.ns.box, host: OFFICE.boxLan }, dataDir, keepData: true });
  const ready = Date.now() - restartAt;
  api = await signIn(box, 'admin', password);
  const states = await agents();
  assert.deepEqual([states.a1.state, states.a1.callId ?? null], ['available', null], 'a1 is not left on a call that no longer exists');
  assert.notEqual(states.a2.state, 'on-call');
  const added = (await queueLog()).slice(logBefore.length);
  assert.deepEqual((await queueLog()).slice(0, logBefore.length), logBefore, 'the queue log before the cut is intact');
  assert.deepEqual(added.filter((r) => r.type === 'agent-reconciled').map((r) => `${r.agent}:${r.from}->${r.to}`), ['a1:on-call->available']);
  assert.deepEqual(added.filter((r) => r.type === 'lost').map((r) => r.queue), ['sales'], 'the queued caller is logged as lost');
  assert.equal((await box.read('queue-calls')).length, 0);

  // Issue 11: the legs that were up get a BYE from the restarted box (dialog journal), the cut
  // calls get CDRs and their recordings are indexed.
  const byeWithin = 5000;
  const carrierGotBye = await Promise.race([uas.done.then((x) => x.code === 0), new Promise<boolean>((r) => setTimeout(() => r(false), byeWithin))]);
  const phoneGotBye = await until('a2\'s phone sees its call end', async () => (/terminated|closed/i.test(phones.a2.output().slice(from)) ? true : undefined), byeWithin).catch(() => false);
  const indexedAfter = new Set((await box.read<any>('recordings')).map((r) => r.value.path));
  const cutCdrs = (await box.read<any>('cdr')).map((r) => r.value).filter((c) => c.hangup.cause === 'box-restart');
  console.log(`branch-office: recordings cut by the power loss indexed after the restart: ${cut.filter((f) => indexedAfter.has(f)).length} of ${cut.length}`);
  console.log(`branch-office: after the restart (ready in ${ready} ms) within ${byeWithin} ms the carrier's far end of the outbound call got a BYE: ${carrierGotBye}; a2's phone saw its call end: ${phoneGotBye}; CDRs written for the cut calls: ${(await box.read('cdr')).length - cdrsBefore}`);
  assert.ok(carrierGotBye, 'the carrier\'s far end of a2\'s outbound call got a BYE from the restarted box');
  assert.ok(phoneGotBye, 'a2\'s phone got a BYE from the restarted box');
  assert.equal((await box.read('cdr')).length - cdrsBefore, 3, 'the three calls up at the cut (talking, outbound, queued) have CDRs');
  assert.equal(cutCdrs.length, 3, JSON.stringify(cutCdrs.map((c) => c.hangup)));
  assert.deepEqual(cut.filter((f) => !indexedAfter.has(f)), [], 'the recordings cut by the power loss are indexed');
  for (const r of [talking.run, waiting.run, uas]) r.kill();
  await phones.a2.command('hangup').catch(() => undefined);
  await phones.a1.command('hangup').catch(() => undefined);

  // The box takes a new call: through the IVR and the queue to a1 again.
  const next = await carrierCaller('13900000004', 3000);
  await next.rtp.silence(25, OFFICE.boxLan, next.boxPort);
  await next.rtp.digit('1', OFFICE.boxLan, next.boxPort);
  const r = await next.run.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const connect = await until('a connect after the restart', async () => (await queueLog()).slice(logBefore.length).find((x) => x.type === 'connect'));
  assert.equal(connect.agent, 'a1');
  console.log(`branch-office: power-cut scenario took ${Date.now() - started} ms`);
});

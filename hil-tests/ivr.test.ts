// IVR flows end to end with real peers: flows are published over the API, carrier callers (sipp)
// and a registered phone (baresip) reach them by DID, by a DID's business-hours rule and by an
// internal number. A caller goes five menu levels deep with Debian's dtmf_2833_*.pcap digits
// replayed by sipp, keys an account number that the flow looks up in a CRM (a small HTTP server
// in this test), and lands in the right queue with the collected variables on the queue log's
// `enter` row and on the CDR; baresip does the same with `sndcode`; silence and a wrong key
// follow the retry/fallback path; a caller records a message; a call keeps its flow version
// while a new one is published; speech keywords with DTMF alongside.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { runSipp } from './harness/sipp.ts';
import { RtpPeer, toneRatio, ulawRms } from './harness/rtp-peer.ts';
import { freePort } from './harness/ports.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { encodeUlaw } from '../media/g711.ts';
import { readWav, toTelephony } from '../media/wav.ts';

const CARRIER = '127.0.0.2';
const PCAPS = '/usr/share/sip-tester';
const ALLISON = '/usr/share/asterisk/sounds/en_US_f_Allison';
let box: BoxProcess;
let api: ApiClient;
let phone: Baresip | undefined;
let crm: http.Server;
let crmUrl = '';
const work = mkdtempSync(join(tmpdir(), 'ivr-test-'));

const QUEUES = ['ivrq', 'fallbackq', 'salesq', 'v1q', 'v2q'];
const DID = { deep: '4000', closedRule: '4002', unknown: '4003', speech: '4004', versions: '4005', transfer: '4006' };

/** The flow of the menu tests: five menu levels, an account number, a CRM lookup, a VIP branch, a queue. */
function deepFlow() {
  const level = (n: number, next: string) => ({ type: 'menu', prompts: ['press', `digit-${n}`], choices: { [String(n)]: next }, timeoutSec: 5, retries: 1, fallback: 'operator' });
  return {
    name: 'deep',
    description: 'five levels, account, CRM, queue',
    start: 'l1',
    nodes: {
      l1: { type: 'menu', prompts: ['hello'], choices: { '1': 'l2' }, timeoutSec: 2, retries: 1, fallback: 'operator' },
      l2: level(2, 'l3'),
      l3: level(3, 'l4'),
      l4: level(4, 'l5'),
      l5: level(5, 'acct'),
      acct: { type: 'collect', prompts: ['you-entered'], variable: 'account', minLength: 3, maxLength: 6, terminator: '#', firstDigitTimeoutSec: 5, interDigitTimeoutSec: 4, next: 'crm', fallback: 'operator' },
      crm: { type: 'http', url: `${crmUrl}/crm?account={account}`, timeoutMs: 2000, assign: { tier: 'customer.tier', name: 'customer.name' }, next: 'vip', failure: 'agents' },
      vip: { type: 'condition', rules: [{ variable: 'tier', op: 'eq', value: 'gold', next: 'gold' }], else: 'agents' },
      gold: { type: 'set', values: { prio: '7' }, next: 'agents' },
      agents: { type: 'queue', queue: 'ivrq', priority: '{prio}', prompts: ['one-moment-please'] },
      operator: { type: 'queue', queue: 'fallbackq' },
    },
  };
}

before(async () => {
  crm = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ customer: { tier: url.searchParams.get('account') === '678' ? 'gold' : 'basic', name: `caller ${url.searchParams.get('caller')}` } }));
  });
  crm.listen(0, '127.0.0.1');
  await once(crm, 'listening');
  crmUrl = `http://127.0.0.1:${(crm.address() as { port: number }).port}`;
  box = await startBoxProcess({
    extensions: [{ number: '1001', password: 'pw-1001' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    recording: { enabled: false },
    timeZone: 'Asia/Shanghai',
    schedules: [{ name: 'never', weekly: {} }],
    queues: QUEUES.map((name) => ({ name, overflow: 'hangup', announceEverySec: 0 })),
    dids: [
      { number: DID.deep, trunk: 'carrier', destination: 'ivr:deep' },
      { number: DID.closedRule, trunk: 'carrier', destination: 'ivr:deep', hours: { schedule: 'never', closed: 'ivr:vm' } },
      { number: DID.unknown, trunk: 'carrier', destination: 'ivr:nosuch' },
      { number: DID.speech, trunk: 'carrier', destination: 'ivr:speech' },
      { number: DID.versions, trunk: 'carrier', destination: 'ivr:ver' },
      { number: DID.transfer, trunk: 'carrier', destination: 'ivr:xfer' },
    ],
    ivr: { numbers: [{ number: '800', flow: 'deep' }] },
  });
  api = await signIn(box);
  for (const flow of [
    deepFlow(),
    { name: 'vm', start: 'rec', nodes: {
      rec: { type: 'record', prompts: ['sorry'], mailbox: 'general', maxSeconds: 8, silenceSec: 0, next: 'bye' },
      bye: { type: 'hangup', prompts: ['thank-you', 'goodbye'] },
    } },
    { name: 'speech', start: 's', nodes: {
      s: { type: 'speech', prompts: ['hello'], keywords: [{ phrases: ['seven'], next: 'sales' }, { phrases: ['two'], next: 'other' }], digits: { '2': 'other' }, timeoutSec: 4, retries: 0, fallback: 'operator' },
      sales: { type: 'queue', queue: 'salesq' },
      other: { type: 'queue', queue: 'ivrq' },
      operator: { type: 'queue', queue: 'fallbackq' },
    } },
    { name: 'xfer', start: 'c', nodes: {
      c: { type: 'collect', prompts: ['press'], variable: 'ext', minLength: 4, maxLength: 4, next: 't', fallback: 'bye' },
      t: { type: 'transfer', to: 'ext:{ext}', prompts: ['one-moment-please'], failure: 'bye' },
      bye: { type: 'hangup', prompts: ['sorry', 'goodbye'] },
    } },
    { name: 'ver', start: 'm', nodes: { m: { type: 'menu', prompts: ['hello'], choices: { '1': 'q' }, timeoutSec: 8, fallback: 'q' }, q: { type: 'queue', queue: 'v1q' } } },
  ]) {
    const r = await api.call('POST', '/api/ivr/flows', flow);
    assert.equal(r.status, 201, `publish ${flow.name}: ${JSON.stringify(r.body)}`);
  }
});

after(async () => {
  if (process.env.IVR_TEST_LOGS) writeFileSync(process.env.IVR_TEST_LOGS, box?.logs.join('\n') ?? '');
  await phone?.stop();
  await box?.stop();
  crm?.close();
  rmSync(work, { recursive: true, force: true });
});

async function queueLog(where: (row: any) => boolean): Promise<any[]> {
  return (await box.read<any>('queue-log')).map((r) => r.value).filter(where);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const enterRow = (caller: string) => waitFor(`queue enter of ${caller}`, async () => (await queueLog((r) => r.type === 'enter' && r.caller === caller))[0]);
const events = async (type: string) => (await box.read<any>('events' as any)).map((r) => r.value).filter((e) => e.type === type);

/** A pcap of PCMU silence with the SSRC of Debian's dtmf_2833 pcaps and sequence numbers and
 *  timestamps just before theirs: a caller's audio must come first (mediasoup latches the
 *  caller's stream on audio), then the digits continue the same RTP stream. */
function preamblePcap(path: string): void {
  const records: Buffer[] = [];
  for (let i = 0; i < 50; i++) {
    const rtp = Buffer.alloc(12 + 160, 0xff);
    rtp[0] = 0x80;
    rtp[1] = 0; // PCMU
    rtp.writeUInt16BE(7920 + i, 2);
    rtp.writeUInt32BE(4000 + i * 160, 4);
    rtp.writeUInt32BE(0x0e05384e, 8);
    const udp = Buffer.alloc(8);
    udp.writeUInt16BE(49176, 0);
    udp.writeUInt16BE(10000, 2);
    udp.writeUInt16BE(8 + rtp.length, 4);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(28 + rtp.length, 2);
    ip[8] = 64;
    ip[9] = 17;
    ip.set([192, 168, 0, 3], 12);
    ip.set([192, 168, 0, 1], 16);
    let sum = 0;
    for (let k = 0; k < 20; k += 2) sum += ip.readUInt16BE(k);
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
    ip.writeUInt16BE(~sum & 0xffff, 10);
    const eth = Buffer.alloc(14);
    eth.writeUInt16BE(0x0800, 12);
    const frame = Buffer.concat([eth, ip, udp, rtp]);
    const h = Buffer.alloc(16);
    h.writeUInt32LE(Math.floor(i / 50), 0);
    h.writeUInt32LE((i % 50) * 20000, 4);
    h.writeUInt32LE(frame.length, 8);
    h.writeUInt32LE(frame.length, 12);
    records.push(h, frame);
  }
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(65535, 16);
  global.writeUInt32LE(1, 20);
  writeFileSync(path, Buffer.concat([global, ...records]));
}

const PCAP_NAME: Record<string, string> = { '*': 'star', '#': 'pound' };

/**
 * A sipp caller that sends the preamble, then each step: [ms to wait, key] replayed from
 * Debian's dtmf_2833_<key>.pcap, then holds `holdMs` and hangs up. The pcaps share one RTP
 * stream in the order 1..9, *, #, 0, so keys must follow that order.
 */
function pcapCaller(name: string, dialled: string, caller: string, steps: [number, string][], holdMs: number) {
  const preamble = join(work, 'preamble.pcap');
  if (!existsSync(preamble)) preamblePcap(preamble);
  const plays = steps.map(([wait, key]) => `  <pause milliseconds="${wait}"/>\n  <nop><action><exec play_pcap_audio="${PCAPS}/dtmf_2833_${PCAP_NAME[key] ?? key}.pcap"/></action></nop>`).join('\n');
  const scenario = readFileSync(join(import.meta.dirname, 'peers/sipp/uac-call.xml'), 'utf8')
    .replace(/c=IN IP4 \[rtp_ip\]/, 'c=IN IP4 [media_ip]').replace(/o=- (\d+) (\d+) IN IP4 \[rtp_ip\]/, 'o=- $1 $2 IN IP4 [media_ip]').replace('m=audio [rtp_port]', 'm=audio [media_port]')
    .replace('<pause/>', `<nop><action><exec play_pcap_audio="${preamble}"/></action></nop>\n${plays}\n  <pause milliseconds="${holdMs}"/>`);
  const file = join(work, `${name}.xml`);
  writeFileSync(file, scenario);
  return freePort(CARRIER).then((mediaPort) => runSipp({
    scenario: '', extra: ['-sf', file], localIp: CARRIER, mediaPort, target: `127.0.0.1:${box.sipPort}`, keys: { dialled, caller }, timeoutSec: 60,
  }));
}

test('a carrier caller goes five menu levels deep with sipp dtmf_2833 pcap digits, keys an account looked up over HTTP, and is queued with the collected variables', async () => {
  const run = await pcapCaller('deep', DID.deep, '13900000001', [[1300, '1'], [1500, '2'], [1500, '3'], [1500, '4'], [1500, '5'], [1500, '6'], [400, '7'], [400, '8'], [400, '#']], 2500);
  const r = await run.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const enter = await enterRow('13900000001');
  assert.equal(enter.queue, 'ivrq', JSON.stringify(enter.ivr));
  assert.deepEqual(enter.ivr.path, ['l1', 'l2', 'l3', 'l4', 'l5', 'acct', 'crm', 'vip', 'gold', 'agents']);
  assert.deepEqual(enter.ivr.variables, { account: '678', tier: 'gold', name: 'caller 13900000001', prio: '7' });
  assert.deepEqual([enter.ivr.flow, enter.ivr.version, enter.priority], ['deep', 1, 7], 'priority from the flow variable');
  const cdr = await box.cdr(DID.deep, (c) => c.caller.number === '13900000001', 10_000);
  assert.equal(cdr.queue, 'ivrq');
  assert.deepEqual(cdr.ivr.path, enter.ivr.path);
  assert.equal(cdr.ivr.variables.account, '678');
  assert.equal(cdr.dtmf.caller, '12345678#', 'every pcap digit was seen once');
  const end = (await events('ivr-end')).find((e) => e.callId === enter.callId);
  assert.deepEqual(end.outcome, { kind: 'queue', queue: 'ivrq' });
});

test('silence and then a wrong key follow the retry and fallback path into the fallback queue', async () => {
  const run = await pcapCaller('fallback', DID.deep, '13900000002', [[3400, '9']], 3000);
  const r = await run.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const enter = await enterRow('13900000002');
  assert.equal(enter.queue, 'fallbackq');
  assert.deepEqual(enter.ivr.path, ['l1', 'operator'], 'a timeout, a retry, then an invalid key on the last attempt');
  const cdr = await box.cdr(DID.deep, (c) => c.caller.number === '13900000002', 30_000);
  assert.ok(cdr, `a CDR for the call; the box logged: ${box.logs.filter((l) => l.includes(enter.callId) || /"level":(40|50)/.test(l)).slice(-15).join('\n')}`);
  assert.equal(cdr.dtmf.caller, '9');
});

test('a registered phone (baresip) dials the flow by its internal number and keys the menus with sndcode', async () => {
  phone = await startBaresip({ extension: '1001', password: 'pw-1001', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1' });
  await phone.waitFor(/200 OK .*1 binding/);
  await phone.command('dial', '800');
  await phone.waitFor(/Call established|established/i, 15_000);
  for (const key of ['1', '2', '3', '4', '5', '6', '7', '8', '#']) {
    await new Promise((r) => setTimeout(r, key >= '6' || key === '#' ? 500 : 1500));
    await phone.command('sndcode', key);
  }
  const enter = await enterRow('1001');
  await phone.command('hangup');
  assert.equal(enter.queue, 'ivrq');
  assert.deepEqual(enter.ivr.path, ['l1', 'l2', 'l3', 'l4', 'l5', 'acct', 'crm', 'vip', 'gold', 'agents']);
  assert.equal(enter.ivr.variables.account, '678');
  assert.equal(enter.ivr.variables.tier, 'gold');
});

test('a caller keys an extension number and is transferred to that phone (baresip), hearing it; the CDR has the callee and the IVR path', async () => {
  assert.ok(phone, 'the baresip phone of the previous test is registered');
  const peer = await RtpPeer.open(CARRIER);
  const run = runSipp({ scenario: 'uac-call.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`, keys: { dialled: DID.transfer, caller: '13900000008', rtp_ip: CARRIER, rtp_port: peer.port }, pauseMs: 7000, timeoutSec: 30 });
  try {
    const [, port] = await run.waitForLog(/BOXPORT (\d+)/);
    const silence = (n: number) => Array.from({ length: n }, () => Buffer.alloc(160, 0xff));
    await peer.sendStream(silence(25), '127.0.0.1', Number(port));
    for (const key of '1001') {
      await peer.sendDigit(key, '127.0.0.1', Number(port));
      await peer.sendStream(silence(5), '127.0.0.1', Number(port));
    }
    await peer.sendStream(silence(150), '127.0.0.1', Number(port));
    const r = await run.done;
    assert.equal(r.code, 0, r.errors);
    const heard = peer.received.filter((p) => p.payloadType === 0).map((p) => p.payload);
    const last = heard.slice(-40);
    assert.ok(toneRatio(last, 440) > 0.5, `the caller hears the phone's 440 Hz tone (ratio ${toneRatio(last, 440).toFixed(2)})`);
  } finally {
    peer.close();
    run.kill();
  }
  const cdr = await box.cdr(DID.transfer, (c) => c.caller.number === '13900000008', 10_000);
  assert.deepEqual([cdr.callee?.kind, cdr.callee?.id], ['extension', '1001']);
  assert.deepEqual(cdr.ivr.path, ['c', 't']);
  assert.equal(cdr.ivr.variables.ext, '1001');
  const end = (await events('ivr-end')).find((e) => e.callId === cdr.callId);
  assert.deepEqual(end.outcome, { kind: 'transfer', to: 'ext:1001' });
});

test('outside business hours the DID rule sends the caller to a flow where they record a message, ended with #', async () => {
  const peer = await RtpPeer.open(CARRIER);
  const run = runSipp({
    scenario: 'uac-wait-bye.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: DID.closedRule, caller: '13900000003', rtp_ip: CARRIER, rtp_port: peer.port }, timeoutSec: 30,
  });
  try {
    const [, boxPort] = await run.waitForLog(/BOXPORT (\d+)/);
    const tone = (ms: number) => {
      const samples = Int16Array.from({ length: (ms / 1000) * 8000 }, (_, i) => Math.round(6000 * Math.sin((2 * Math.PI * 600 * i) / 8000)));
      const bytes = encodeUlaw(samples);
      return Array.from({ length: bytes.length / 160 }, (_, k) => bytes.subarray(k * 160, (k + 1) * 160));
    };
    await peer.sendStream(tone(4000), '127.0.0.1', Number(boxPort));
    await peer.sendDigit('#', '127.0.0.1', Number(boxPort));
    await peer.sendStream(tone(200).map(() => Buffer.alloc(160, 0xff)), '127.0.0.1', Number(boxPort));
    const r = await run.done;
    assert.equal(r.code, 0, `the box hung up after the message: ${r.errors || r.stderr}`);
    const heard = peer.received.filter((p) => p.payloadType === 0).map((p) => p.payload);
    assert.ok(heard.filter((p) => ulawRms([p]) > 300).length > 50, 'the caller heard the prompts and the beep');
  } finally {
    peer.close();
    run.kill();
  }
  const row = await waitFor('the message index row', async () => (await box.read<any>('ivr-messages' as any)).map((m) => m.value).find((m) => m.caller === '13900000003'));
  assert.equal(row.mailbox, 'general');
  assert.equal(row.endedBy, 'key');
  assert.equal(row.heardSpeech, true);
  assert.deepEqual([row.flow, row.node, row.path], ['vm', 'rec', ['rec']]);
  assert.ok(row.durationMs > 1500 && row.durationMs < 4500, `recorded ${row.durationMs} ms (4 s of tone minus the prompt and beep)`);
  const wav = readWav(readFileSync(row.file));
  const middle = wav.samples[0].subarray(4000, 8000);
  const rms = Math.sqrt(middle.reduce((s, v) => s + v * v, 0) / middle.length);
  assert.ok(rms > 2000, `the file holds the caller's tone (RMS ${rms.toFixed(0)})`);
  const list = await api.call('GET', '/api/ivr/messages?mailbox=general');
  assert.ok(list.body.some((m: any) => m.id === row.id));
  const audio = await fetch(`http://127.0.0.1:${box.httpPort}/api/ivr/messages/${row.id}/audio`, { headers: { authorization: `Bearer ${api.token}` } });
  assert.equal(audio.status, 200);
  assert.equal((await audio.arrayBuffer()).byteLength, row.bytes);
});

test('a call keeps the flow version it started in while a new version is published', async () => {
  const start = async (caller: string) => {
    const peer = await RtpPeer.open(CARRIER);
    const run = runSipp({ scenario: 'uac-call.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`, keys: { dialled: DID.versions, caller, rtp_ip: CARRIER, rtp_port: peer.port }, pauseMs: 6000, timeoutSec: 30 });
    const [, port] = await run.waitForLog(/BOXPORT (\d+)/);
    await peer.sendStream(Array.from({ length: 25 }, () => Buffer.alloc(160, 0xff)), '127.0.0.1', Number(port));
    return { peer, run, port: Number(port) };
  };
  const first = await start('13900000004');
  const v2 = await api.call('POST', '/api/ivr/flows', { name: 'ver', start: 'm', nodes: { m: { type: 'menu', prompts: ['hello'], choices: { '1': 'q' }, timeoutSec: 8, fallback: 'q' }, q: { type: 'queue', queue: 'v2q' } } });
  assert.deepEqual([v2.status, v2.body.version], [201, 2]);
  const second = await start('13900000005');
  for (const c of [first, second]) await c.peer.sendDigit('1', '127.0.0.1', c.port);
  // The agent's screen pop while the caller waits: the flow, its path and the collected data.
  const waiting = await enterRow('13900000004');
  const screenPop = await api.call('GET', `/api/ivr/calls/${waiting.callId}`);
  assert.equal(screenPop.status, 200, JSON.stringify(screenPop.body));
  assert.deepEqual([screenPop.body.caller, screenPop.body.queue, screenPop.body.ivr.flow, screenPop.body.ivr.path], ['13900000004', 'v1q', 'ver', ['m', 'q']]);
  for (const c of [first, second]) {
    const r = await c.run.done;
    c.peer.close();
    assert.equal(r.code, 0, r.errors);
  }
  const a = await enterRow('13900000004');
  const b = await enterRow('13900000005');
  assert.deepEqual([a.queue, a.ivr.version], ['v1q', 1], 'the first caller stays in version 1');
  assert.deepEqual([b.queue, b.ivr.version], ['v2q', 2]);
});

test('a call for a flow that was never published is refused with 404 before the answer', async () => {
  // uac-rejected.xml with a 404 branch.
  const file = join(work, 'uac-rejected-404.xml');
  writeFileSync(file, readFileSync(join(import.meta.dirname, 'peers/sipp/uac-rejected.xml'), 'utf8').replace(
    '<recv response="480" optional="true" next="final">',
    '<recv response="404" optional="true" next="final">\n    <action><log message="FINAL 404"/></action>\n  </recv>\n  <recv response="480" optional="true" next="final">',
  ));
  const r = await runSipp({ scenario: '', extra: ['-sf', file], localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`, keys: { dialled: DID.unknown, caller: '1', rtp_ip: CARRIER, rtp_port: 4000 } }).done;
  assert.equal(r.code, 0, r.errors);
  assert.match(r.logs, /FINAL 404/);
});

test('speech keywords: a spoken word (real 8 kHz voice) picks its branch, and DTMF works alongside', { skip: !existsSync('/usr/bin/pocketsphinx_batch') && 'pocketsphinx is not installed' }, async () => {
  const say = async (caller: string, send: (peer: RtpPeer, port: number) => Promise<void>) => {
    const peer = await RtpPeer.open(CARRIER);
    const run = runSipp({ scenario: 'uac-call.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`, keys: { dialled: DID.speech, caller, rtp_ip: CARRIER, rtp_port: peer.port }, pauseMs: 7000, timeoutSec: 30 });
    const [, port] = await run.waitForLog(/BOXPORT (\d+)/);
    await send(peer, Number(port));
    const r = await run.done;
    peer.close();
    assert.equal(r.code, 0, r.errors);
    return enterRow(caller);
  };
  const silence = (n: number) => Array.from({ length: n }, () => Buffer.alloc(160, 0xff));
  const word = encodeUlaw(toTelephony(readWav(readFileSync(join(ALLISON, 'digits/7.wav')))));
  const spoken = Array.from({ length: Math.ceil(word.length / 160) }, (_, k) => Buffer.concat([word.subarray(k * 160, (k + 1) * 160), Buffer.alloc(160, 0xff)]).subarray(0, 160));
  // Silence while "hello" plays, then the word, then silence for the endpointer to end the utterance.
  const bySpeech = await say('13900000006', async (peer, port) => peer.sendStream([...silence(60), ...spoken, ...silence(75)], '127.0.0.1', port));
  assert.equal(bySpeech.queue, 'salesq', `"seven" recognised: ${JSON.stringify(bySpeech.ivr)}`);
  assert.equal(bySpeech.ivr.variables.speech_heard, 'seven');
  const byKey = await say('13900000007', async (peer, port) => {
    await peer.sendStream(silence(50), '127.0.0.1', port);
    await peer.sendDigit('2', '127.0.0.1', port);
    await peer.sendStream(silence(25), '127.0.0.1', port);
  });
  assert.equal(byKey.queue, 'ivrq', 'the key works while the recogniser listens');
});

test('the API refuses an invalid flow with the path of each offending field, reports unreachable nodes on publish, and lists versions', async () => {
  const bad = await api.call('POST', '/api/ivr/flows', { name: 'broken', start: 'm', nodes: { m: { type: 'menu', choices: { '1': 'nowhere' }, timeoutSec: 'x', fallback: 'm' }, q: { type: 'queue', queue: 'no-such-queue' } } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'CC_IVR_FLOW_INVALID');
  assert.deepEqual(bad.body.errors.map((e: any) => e.path), ['/nodes/m/timeoutSec']);
  const bad2 = await api.call('POST', '/api/ivr/flows/validate', { name: 'broken', start: 'm', nodes: { m: { type: 'menu', choices: { '1': 'nowhere' }, fallback: 'm' }, q: { type: 'queue', queue: 'no-such-queue' } } });
  assert.deepEqual(bad2.body.errors.map((e: any) => e.path).sort(), ['/nodes/m/choices/1', '/nodes/q/queue']);
  const orphan = await api.call('POST', '/api/ivr/flows', { name: 'orphan', start: 'm', nodes: { m: { type: 'hangup' }, lost: { type: 'hangup' } } });
  assert.equal(orphan.status, 201);
  assert.deepEqual(orphan.body.warnings.map((w: any) => w.path), ['/nodes/lost']);
  const versions = await api.call('GET', '/api/ivr/flows/ver/versions');
  assert.deepEqual(versions.body.map((v: any) => v.version), [1, 2]);
  const latest = await api.call('GET', '/api/ivr/flows/deep');
  assert.deepEqual([latest.body.version, latest.body.flow.nodes.l2.timeoutSec], [1, 5]);
  const schema = await api.call('GET', '/api/ivr/schema');
  assert.equal(schema.body.nodeTypes.speech.experimental, true);
  assert.match(schema.body.speech.note, /Experimental/);
  const state = await api.call('GET', '/api/ivr/schedules/never/state?at=2026-03-02T10:00:00%2B08:00');
  assert.deepEqual([state.body.state, state.body.local.weekday], ['closed', 'mon']);
});

test('schedules are edited over the API as part of the validated configuration, and read back per instant in the box time zone', async () => {
  const put = await api.call('PUT', '/api/ivr/schedules/office', {
    weekly: { mon: [{ from: '09:00', to: '12:00' }, { from: '13:00', to: '18:00' }] },
    holidays: [{ name: 'Labour Day', date: '2026-05-01', to: '2026-05-05', yearly: true }],
  });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  const at = async (iso: string) => (await api.call('GET', `/api/ivr/schedules/office/state?at=${encodeURIComponent(iso)}`)).body;
  assert.equal((await at('2026-03-02T01:30:00Z')).state, 'open', 'Monday 09:30 in Shanghai');
  assert.equal((await at('2026-03-02T04:30:00Z')).state, 'closed', 'Monday 12:30, the lunch gap');
  assert.equal((await at('2027-05-03T02:00:00Z')).state, 'holiday', 'a yearly holiday the following year');
  const bad = await api.call('PUT', '/api/ivr/schedules/office', { weekly: { tue: [{ from: '18:00', to: '09:00' }] } });
  assert.equal(bad.status, 400);
  assert.ok(bad.body.problems.some((p: string) => p.startsWith('/schedules/office/weekly/tue/0')), JSON.stringify(bad.body));
  assert.equal((await at('2026-03-02T01:30:00Z')).state, 'open', 'the refused change left the schedule as it was');
  const tz = await api.call('PUT', '/api/ivr/time-zone', { timeZone: 'Europe/Berlin' });
  assert.equal(tz.status, 200);
  assert.equal((await at('2026-03-02T01:30:00Z')).state, 'closed', '02:30 in Berlin');
  assert.equal((await api.call('PUT', '/api/ivr/time-zone', { timeZone: 'Nowhere/Land' })).status, 400);
});

// The SIP edge under attack, with Debian's sipvicious (svmap, svwar, svcrack) against the real
// box on loopback: scanners are dropped and banned, enumeration learns no extension (an unknown
// user is answered exactly like a wrong password), password guessing is banned after
// security.maxAuthFailures, and a legitimate baresip phone keeps registering and calling
// throughout. Then toll fraud: an extension with the default class of service dialling 00 is
// refused 403, and a burst of outbound calls blocks the extension until an admin lifts it.
// sipvicious's tools send from 127.0.0.1 (svwar and svcrack ignore -b); the phones are on
// 127.0.0.4, the guessers on 127.0.0.8/9, the carrier on 127.0.0.3.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { SipClient, digestAuthorization, parseChallenge, registerMessage, type RawResponse } from './harness/sip-client.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { freePort } from './harness/ports.ts';
import { runSipp } from './harness/sipp.ts';

const MAX_AUTH_FAILURES = 5;
const BURST = 3;
let box: BoxProcess;
let admin: ApiClient;
let phone: Baresip;
let phone2: Baresip;
let upstreamPort: number;
const work = mkdtempSync(join(tmpdir(), 'sip-security-'));

before(async () => {
  upstreamPort = await freePort('127.0.0.3');
  box = await startBoxProcess({
    recording: { enabled: false },
    extensions: [
      { number: '1001', password: 'secret1001' },
      { number: '1002', password: 'secret1002' },
      { number: '1003', password: 'secret1003' },
    ],
    trunks: [{ name: 'upstream', kind: 'static', host: '127.0.0.3', port: upstreamPort }],
    dialPlan: [{ prefix: '', trunk: 'upstream' }],
    security: { maxAuthFailures: MAX_AUTH_FAILURES, tollFraud: { burstCalls: BURST, burstWindowSec: 600 } },
  });
  admin = await signIn(box);
  phone = await startBaresip({ extension: '1001', password: 'secret1001', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.4', toneHz: 440 });
  phone2 = await startBaresip({ extension: '1002', password: 'secret1002', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.4', toneHz: 1000 });
  await phone.waitFor(/200 OK .*1 binding/);
  await phone2.waitFor(/200 OK .*1 binding/);
});

after(async () => {
  await phone?.stop();
  await phone2?.stop();
  if (box) assert.equal(await box.stop(), 0);
  rmSync(work, { recursive: true, force: true });
});

/** Run a sipvicious tool to its end; its report is on stdout, its complaints on stderr. */
function sipvicious(tool: 'svmap' | 'svwar' | 'svcrack', args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(tool, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Extensions in an svwar result table (rows "| 1001 | reqauth |"). */
function svwarFound(out: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of out.matchAll(/^\|\s*(\d+)\s*\|\s*([^|]+?)\s*\|$/gm)) found.set(m[1], m[2]);
  return found;
}

async function bans(): Promise<any[]> {
  const r = await admin.call('GET', '/api/security/bans');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.bans;
}

async function phoneCallWorks(label: string): Promise<void> {
  const reply = await phone.command('dial', '1002');
  assert.match(reply, /"response":true/, reply);
  await phone.waitFor(/established/i, 15_000);
  await new Promise((r) => setTimeout(r, 500));
  await phone.command('hangup');
  const cdr = await box.cdr('1002', (c) => c.answeredAt !== undefined && !seenCdrs.has(c.callId));
  assert.ok(cdr, `${label}: the phone's call was answered`);
  seenCdrs.add(cdr.callId);
  assert.deepEqual([cdr.caller.id, cdr.callee.id, cdr.disposition], ['1001', '1002', 'answered'], label);
  await box.idle();
}
const seenCdrs = new Set<string>();

/** REGISTER for `ext` with `password` from `c`: the statuses of the attempt (challenge, answer). */
async function registerAttempt(c: SipClient, ext: string, password: string, timeoutMs = 3000): Promise<number[]> {
  const callId = randomBytes(8).toString('hex');
  const target = { host: '127.0.0.1', port: box.sipPort };
  c.sendRaw(registerMessage({ ext, box: target, local: c.local, callId, cseq: 1, expires: 60 }));
  const first = await c.response((r) => r.headers.get('call-id')?.[0] === callId && r.status >= 200, timeoutMs);
  if (first.status !== 401) return [first.status];
  const ch = parseChallenge(first.headers.get('www-authenticate')![0]);
  const authorization = digestAuthorization(ch, { username: ext, password, method: 'REGISTER', uri: `sip:127.0.0.1:${box.sipPort}` });
  c.sendRaw(registerMessage({ ext, box: target, local: c.local, callId, cseq: 2, expires: 60, authorization }));
  const second = await c.response((r) => r.headers.get('call-id')?.[0] === callId && r.headers.get('cseq')?.[0] === '2 REGISTER' && r.status >= 200, timeoutMs);
  return [first.status, second.status];
}

test('svmap and svwar from an unlisted address get no answer at all: the scanner is dropped and its address banned, with an audit row', async () => {
  const map = await sipvicious('svmap', ['-p', String(box.sipPort), '127.0.0.1']);
  assert.doesNotMatch(map.out, /CallCenterBox/, map.out);
  assert.match(map.out, /found nothing/, map.out);
  for (const method of ['REGISTER', 'INVITE', 'OPTIONS']) {
    const war = await sipvicious('svwar', ['-m', method, '--force', '-e', '1000-1010', '-p', String(box.sipPort), '127.0.0.1']);
    assert.equal(svwarFound(war.out).size, 0, `${method}: ${war.out}`);
  }
  const ban = (await bans()).find((b) => b.kind === 'source' && b.id === '127.0.0.1');
  assert.ok(ban, 'the scanner address is banned');
  assert.match(ban.reason, /scanner user agent/);
  assert.ok(ban.until > ban.since);
  const audit = await admin.call('GET', '/api/audit');
  assert.ok(audit.body.some((row: any) => row.action === 'sip-ban' && row.target === '127.0.0.1'), 'the ban is in the audit log');
  assert.ok(box.logs.some((l) => l.includes('CC_SIP_SOURCE_BANNED')), 'and logged with its code');
  await phoneCallWorks('after the scan');
});

test('answered scans learn no extension: svwar over REGISTER, INVITE and OPTIONS cannot tell 1001-1003 from numbers that do not exist', async () => {
  // The scanner's address is lifted from the ban list and allow-listed: now it gets every answer a phone would.
  assert.equal((await admin.call('DELETE', '/api/security/bans/source/127.0.0.1')).status, 200);
  assert.equal((await admin.call('PUT', '/api/security/allow-list', { entries: ['127.0.0.1'] })).status, 200);
  try {
    const map = await sipvicious('svmap', ['-p', String(box.sipPort), '127.0.0.1']);
    assert.match(map.out, /CallCenterBox/, `answered now: ${map.out}`);
    for (const method of ['REGISTER', 'INVITE', 'OPTIONS']) {
      const war = await sipvicious('svwar', ['-m', method, '--force', '-e', '1000-1010', '-p', String(box.sipPort), '127.0.0.1']);
      const found = svwarFound(war.out);
      // Whatever svwar reports, an existing extension never stands out: each one it lists is
      // matched by a number that does not exist with the same verdict.
      for (const ext of ['1001', '1002', '1003']) {
        if (!found.has(ext)) continue;
        const twin = [...found].find(([n, v]) => !['1001', '1002', '1003'].includes(n) && v === found.get(ext));
        assert.ok(twin, `${method}: svwar singled out ${ext}: ${war.out}`);
      }
    }
    // The same, exactly, by hand: wrong passwords for a known and an unknown user get the same
    // answers in the same order (challenge, challenge again, then 403 after registrar.maxAuthFailures).
    const c = await SipClient.open('127.0.0.1', { host: '127.0.0.1', port: box.sipPort });
    try {
      const known: number[][] = [];
      const unknown: number[][] = [];
      for (let i = 0; i < 3; i++) known.push(await registerAttempt(c, '1003', `wrong-${i}`));
      for (let i = 0; i < 3; i++) unknown.push(await registerAttempt(c, '1009', `wrong-${i}`));
      assert.deepEqual(unknown, known);
      assert.deepEqual(known, [[401, 401], [401, 401], [401, 403]]);
    } finally {
      c.close();
    }
  } finally {
    assert.equal((await admin.call('PUT', '/api/security/allow-list', { entries: [] })).status, 200);
  }
});

test('svcrack, and a cracker with an ordinary user agent, are banned before they find the password; the phone keeps registering and calling', async () => {
  // svcrack's dictionary ends with the right password.
  const dict = join(work, 'passwords.txt');
  writeFileSync(dict, [...Array.from({ length: 30 }, (_, i) => `guess${i}`), 'secret1003', ''].join('\n'));
  const [crack] = await Promise.all([
    sipvicious('svcrack', ['-u', '1003', '-d', dict, '-p', String(box.sipPort), '127.0.0.1']),
    phoneCallWorks('during svcrack'),
  ]);
  assert.doesNotMatch(crack.out, /secret1003/, crack.out);
  assert.ok((await bans()).some((b) => b.id === '127.0.0.1'), 'svcrack was banned at its first request');

  // A guesser that looks like a phone: each wrong answer is an authentication failure; the
  // address is banned at the MAX_AUTH_FAILURES-th, and then even the right password gets no answer.
  const cracker = await SipClient.open('127.0.0.8', { host: '127.0.0.1', port: box.sipPort });
  try {
    const statuses: number[][] = [];
    for (let i = 0; i < MAX_AUTH_FAILURES; i++) statuses.push(await registerAttempt(cracker, `100${1 + (i % 3)}`, `guess-${i}`));
    assert.ok(statuses.every((s) => s[0] === 401), JSON.stringify(statuses));
    await assert.rejects(registerAttempt(cracker, '1003', 'secret1003', 1500), /no matching response/, 'banned: silence, even for the right password');
    assert.deepEqual(await cracker.quietFor(500), [], 'nothing at all comes back');
  } finally {
    cracker.close();
  }
  const ban = (await bans()).find((b) => b.id === '127.0.0.8');
  assert.ok(ban, 'the guesser is on the ban list');
  assert.match(ban.reason, new RegExp(`${MAX_AUTH_FAILURES} failed authentications`));

  // The legitimate phone: still registered (LMDB), registers again, and calls.
  const regs = await box.read<any[]>('registrations');
  assert.ok(regs.find((r) => r.key === '1001')?.value.some((b: any) => b.remote.address === '127.0.0.4'), 'phone 1001 is still registered');
  const lanPhone = await SipClient.open('127.0.0.4', { host: '127.0.0.1', port: box.sipPort });
  try {
    assert.deepEqual(await registerAttempt(lanPhone, '1003', 'secret1003'), [401, 200], 'a phone on the LAN registers');
  } finally {
    lanPhone.close();
  }
  await phoneCallWorks('after the attacks');

  // The bans survive on the ban list; lifting one through the API lets the address in again.
  assert.equal((await admin.call('DELETE', '/api/security/bans/source/127.0.0.8')).status, 200);
  const again = await SipClient.open('127.0.0.8', { host: '127.0.0.1', port: box.sipPort });
  try {
    assert.deepEqual(await registerAttempt(again, '1003', 'secret1003'), [401, 200]);
  } finally {
    again.close();
  }
});

test('a banned address cannot use TCP either: its connections are closed at once, unanswered', async () => {
  assert.ok((await bans()).some((b) => b.kind === 'source' && b.id === '127.0.0.1'), 'svcrack\'s address is still banned');
  const socket = net.connect({ host: '127.0.0.1', port: box.sipPort, localAddress: '127.0.0.1' });
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (d) => (received += d));
  socket.write(`OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKtcp1\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: tcp1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`);
  await new Promise((resolve) => socket.on('close', resolve)); // (a reset, which is the point)
  assert.equal(received, '');
});

const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.9', 's=-', 'c=IN IP4 127.0.0.9', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

/** An authenticated INVITE from extension `ext` to `number`: its final answer (or 100 Trying when it goes out). */
async function dialOut(c: SipClient, ext: string, password: string, number: string): Promise<RawResponse> {
  const callId = randomBytes(8).toString('hex');
  const tag = randomBytes(4).toString('hex');
  const uri = `sip:${number}@127.0.0.1:${box.sipPort}`;
  const invite = (cseq: number, auth?: string) => [
    `INVITE ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${c.local.address}:${c.local.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    `From: <sip:${ext}@127.0.0.1>;tag=${tag}`,
    `To: <sip:${number}@127.0.0.1>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} INVITE`,
    `Contact: <sip:${ext}@${c.local.address}:${c.local.port}>`,
    'Max-Forwards: 70',
    ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
  const ack = (cseq: number, r: RawResponse) => c.sendRaw([
    `ACK ${uri} SIP/2.0`, r.headers.get('via')![0], `From: <sip:${ext}@127.0.0.1>;tag=${tag}`, `To: ${r.headers.get('to')![0]}`,
    `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`, 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n'));
  c.sendRaw(invite(1));
  const challenge = await c.response((r) => r.headers.get('call-id')?.[0] === callId && r.status === 407);
  ack(1, challenge);
  const ch = parseChallenge(challenge.headers.get('proxy-authenticate')![0]);
  c.sendRaw(invite(2, digestAuthorization(ch, { username: ext, password, method: 'INVITE', uri })));
  const answer = await c.response((r) => r.headers.get('call-id')?.[0] === callId && r.headers.get('cseq')?.[0] === '2 INVITE' && (r.status === 100 || r.status >= 200));
  if (answer.status >= 300) ack(2, answer);
  if (answer.status === 100) {
    // Gone out to the carrier: wait for its answer (the busy carrier says 486).
    const final = await c.response((r) => r.headers.get('call-id')?.[0] === callId && r.headers.get('cseq')?.[0] === '2 INVITE' && r.status >= 200, 10_000);
    if (final.status >= 300) ack(2, final);
    return final;
  }
  return answer;
}

test('toll fraud: 00 from an extension with the default class of service is refused 403; a burst of outbound calls blocks the extension until an admin lifts it', async () => {
  const carrier = runSipp({ scenario: 'uas-busy.xml', localIp: '127.0.0.3', localPort: upstreamPort, calls: 2, timeoutSec: 60 });
  const c = await SipClient.open('127.0.0.9', { host: '127.0.0.1', port: box.sipPort });
  try {
    const intl = await dialOut(c, '1003', 'secret1003', '0044207946000');
    assert.equal(intl.status, 403, intl.text);
    assert.match(intl.reason, /international calls not allowed/);
    const premium = await dialOut(c, '1003', 'secret1003', '16812345');
    assert.equal(premium.status, 403, premium.text);
    // Local calls go out (the carrier is busy: 486) until the burst: more than BURST outbound
    // attempts in the window (the two refused above count) blocks 1003.
    const local = await dialOut(c, '1003', 'secret1003', '65529988');
    assert.equal(local.status, 486, `a local call went out to the carrier: ${local.text}`);
    const blocked = await dialOut(c, '1003', 'secret1003', '65529988');
    assert.equal(blocked.status, 403, blocked.text);
    assert.match(blocked.reason, /unusual burst/);
    const still = await dialOut(c, '1003', 'secret1003', '13800138000');
    assert.match(still.reason, /blocked/);
    const ban = (await bans()).find((b) => b.kind === 'extension' && b.id === '1003');
    assert.ok(ban, 'the block is on the ban list');
    assert.equal(ban.until, null, 'until an admin lifts it');
    assert.ok(box.logs.some((l) => l.includes('CC_CALL_TOLL_BURST') && l.includes('ALERT')), 'an alert was logged');
    const audit = await admin.call('GET', '/api/audit');
    assert.ok(audit.body.some((row: any) => row.action === 'toll-fraud-block' && row.target === '1003'));
    // Lifted by an admin, the extension dials out again (the burst count starts afresh).
    assert.equal((await admin.call('DELETE', '/api/security/bans/extension/1003')).status, 200);
    assert.equal((await admin.call('DELETE', '/api/security/bans/extension/1003')).status, 404);
    const after = await dialOut(c, '1003', 'secret1003', '65529988');
    assert.equal(after.status, 486, `out to the carrier again: ${after.text}`);
  } finally {
    c.close();
    carrier.kill();
  }
  await box.idle();
});

/** A request from `c` with `lines` in place of the usual Via, and `extra` headers. */
function rawRequest(c: SipClient, o: { method?: string; via?: string[]; extra?: string[] }): string {
  const callId = randomBytes(8).toString('hex');
  const method = o.method ?? 'INVITE';
  c.sendRaw([
    `${method} sip:1001@127.0.0.1:${box.sipPort} SIP/2.0`,
    ...(o.via ?? [`Via: SIP/2.0/UDP ${c.local.address}:${c.local.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`]),
    `From: <sip:probe@${c.local.address}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:1001@127.0.0.1>`,
    `Call-ID: ${callId}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:probe@${c.local.address}:${c.local.port}>`,
    'Max-Forwards: 70',
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n'));
  return callId;
}

test('message limits over the wire: a deep Via stack is refused 483, a request that already passed through the box 482, too many header lines get no answer', async () => {
  const c = await SipClient.open('127.0.0.10', { host: '127.0.0.1', port: box.sipPort });
  try {
    const own = `SIP/2.0/UDP ${c.local.address}:${c.local.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`;
    const deep = rawRequest(c, { via: [`Via: ${own}`, ...Array.from({ length: 20 }, (_, i) => `Via: SIP/2.0/UDP 10.1.${i}.1;branch=z9hG4bKhop${i}`)] });
    const r1 = await c.response((r) => r.headers.get('call-id')?.[0] === deep);
    assert.deepEqual([r1.status, r1.reason], [483, 'Too Many Hops (Via)']);
    const loop = rawRequest(c, { via: [`Via: ${own}`, `Via: SIP/2.0/UDP 127.0.0.1:${box.sipPort};branch=z9hG4bKboxsent`] });
    const r2 = await c.response((r) => r.headers.get('call-id')?.[0] === loop);
    assert.deepEqual([r2.status, r2.reason], [482, 'Loop Detected']);
    rawRequest(c, { method: 'OPTIONS', extra: Array.from({ length: 150 }, (_, i) => `X-Padding-${i}: x`) });
    assert.deepEqual(await c.quietFor(1000), [], 'no answer to 150 header lines');
    const fine = rawRequest(c, { method: 'OPTIONS' });
    assert.equal((await c.response((r) => r.headers.get('call-id')?.[0] === fine)).status, 200, 'the sender is not banned for it');
  } finally {
    c.close();
  }
  const counters = (await admin.call('GET', '/api/security/bans')).body.counters;
  assert.ok(counters.answeredLimits >= 2 && counters.droppedHeaders >= 1, JSON.stringify(counters));
});

test('overload: above security.overloadCalls a new INVITE gets 503 with Retry-After while the call in progress keeps its media', async () => {
  const stored = (await admin.call('GET', '/api/config')).body.stored.security;
  const set = (value: unknown) => admin.call('PUT', '/api/config/sections/security', { value });
  const reply = await phone.command('dial', '1002');
  assert.match(reply, /"response":true/, reply);
  await phone.waitFor(/established/i, 15_000);
  const probe = await SipClient.open('127.0.0.10', { host: '127.0.0.1', port: box.sipPort });
  try {
    assert.equal((await set({ ...stored, overloadCalls: 1, overloadRetryAfterSec: 7 })).status, 200);
    const callId = rawRequest(probe, {});
    const refused = await probe.response((r) => r.headers.get('call-id')?.[0] === callId && r.status >= 200);
    assert.equal(refused.status, 503, refused.text);
    assert.equal(refused.headers.get('retry-after')?.[0], '7');
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    probe.close();
    await phone.command('hangup');
    assert.equal((await set(stored)).status, 200);
  }
  const cdr = await box.cdr('1002', (c) => c.answeredAt !== undefined && !seenCdrs.has(c.callId));
  assert.ok(cdr, 'the call in progress was answered and ended normally');
  seenCdrs.add(cdr.callId);
  assert.equal(cdr.hangup.side, 'caller');
  assert.ok(cdr.quality.caller.packetsReceived > 60 && cdr.quality.callee.packetsReceived > 60, `media flowed on through the refusal: ${JSON.stringify(cdr.quality)}`);
  await box.idle();
});

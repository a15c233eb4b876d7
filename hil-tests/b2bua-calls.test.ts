// Whole box, real peers: sipp as carrier and callee, the daemon as a separate process, its
// LMDB files read back. Calls go trunk -> box -> trunk with media anchored in mediasoup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { carrierToUpstream } from './harness/topology.ts';
import { runSipp } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer } from './harness/rtp-peer.ts';
import { carrierCall, type CarrierCall } from './harness/carrier-caller.ts';
import { SipClient } from './harness/sip-client.ts';
import { randomBytes } from 'node:crypto';

let box: BoxProcess;
let upstreamPort: number;

before(async () => {
  upstreamPort = await freePort('127.0.0.3');
  box = await startBoxProcess(carrierToUpstream(upstreamPort, { calls: { noAnswerTimeoutSec: 10 } }));
});

after(async () => {
  assert.equal(await box.stop(), 0, 'the box exits 0 on SIGTERM');
});

async function settled(): Promise<any> {
  for (let i = 0; i < 50; i++) {
    const s = await box.status();
    if (s.calls === 0 && s.media.routers === 0 && s.media.transports === 0 && s.dialogs === 0) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return box.status();
}

test('RTP from the caller reaches an echoing callee through the box and comes back unchanged', async () => {
  const echoMedia = await freePort('127.0.0.3');
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: echoMedia, rtpEcho: true });
  let call: CarrierCall | undefined;
  try {
    call = await carrierCall(box, { dialled: '912345', caller: '+861065529988', pauseMs: 2500 });
    const { peer, uac, boxPort } = call;
    const sent = Array.from({ length: 50 }, (_, i) => Buffer.alloc(160, (i * 7 + 1) & 0xff));
    await peer.sendStream(sent.slice(0, 25), '127.0.0.1', boxPort);
    await peer.sendDigit('5', '127.0.0.1', boxPort);
    await peer.sendStream(sent.slice(25), '127.0.0.1', boxPort);
    await new Promise((r) => setTimeout(r, 300));
    const events = peer.received.filter((p) => p.payloadType === 101);
    assert.ok(events.length >= 3, `telephone-event packets relayed to the callee and echoed back: ${events.length}`);
    assert.ok(events.every((e) => e.payload[0] === 5), 'the event is digit 5');
    const back = peer.received.filter((p) => p.payloadType === 0).map((p) => p.payload);
    assert.ok(back.length >= 48, `echoed packets: ${back.length} of 50`);
    const sentHex = sent.map((b) => b.toString('hex'));
    const backHex = back.map((b) => b.toString('hex'));
    assert.deepEqual(backHex, sentHex.slice(sentHex.indexOf(backHex[0]), sentHex.indexOf(backHex[0]) + backHex.length), 'payloads come back in order, unchanged');
    assert.ok(peer.received.every((p) => p.from.port === boxPort), 'symmetric RTP: the box sends from the port it announced');
    const [a, b] = await Promise.all([uac.done, uas.done]);
    assert.equal(a.code, 0, `caller sipp: ${a.errors || a.stderr}`);
    assert.equal(b.code, 0, `callee sipp: ${b.errors || b.stderr}`);
  } finally {
    call?.close();
    uas.kill();
  }
  const s = await settled();
  assert.deepEqual({ calls: s.calls, routers: s.media.routers, transports: s.media.transports, dialogs: s.dialogs }, { calls: 0, routers: 0, transports: 0, dialogs: 0 });
  const cdr = await box.cdr('912345');
  assert.ok(cdr, 'a CDR row exists');
  assert.equal(cdr.disposition, 'answered');
  assert.equal(cdr.hangup.side, 'caller');
  assert.equal(cdr.hangup.cause, 'bye');
  assert.equal(cdr.caller.kind, 'trunk');
  assert.equal(cdr.caller.id, 'carrier');
  assert.equal(cdr.callee.id, 'upstream');
  assert.equal(cdr.callee.number, '12345', 'the dial plan stripped the 9');
  assert.ok(cdr.answeredAt >= cdr.startedAt && cdr.endedAt >= cdr.answeredAt);
  assert.ok(cdr.quality.caller.packetsReceived >= 48, `caller leg received ${cdr.quality.caller.packetsReceived}`);
  assert.ok(cdr.quality.callee.packetsReceived >= 48, `callee leg received ${cdr.quality.callee.packetsReceived}`);
  assert.deepEqual(cdr.dtmf, { caller: '5', callee: '5' }, 'the digit is surfaced once per side (the callee echoed it)');
  assert.ok(cdr.quality.caller.mos > 4 && cdr.quality.caller.mos <= 4.5, `loss-free loopback call scores MOS ${cdr.quality.caller.mos}`);
});

test('a callee that hangs up ends both legs and the CDR says the callee hung up', async () => {
  const peer = await RtpPeer.open('127.0.0.2');
  const uas = runSipp({ scenario: 'uas-hangup.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true, pauseMs: 800 });
  const uac = runSipp({
    scenario: 'uac-wait-bye.xml',
    localIp: '127.0.0.2',
    target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: '977777', caller: '1000', rtp_ip: '127.0.0.2', rtp_port: peer.port },
  });
  const [a, b] = await Promise.all([uac.done, uas.done]);
  peer.close();
  assert.equal(b.code, 0, `callee sipp: ${b.errors || b.stderr}`);
  assert.equal(a.code, 0, `caller sipp got the BYE: ${a.errors || a.stderr}`);
  await settled();
  const cdr = await box.cdr('977777');
  assert.equal(cdr.disposition, 'answered');
  assert.equal(cdr.hangup.side, 'callee');
  assert.equal(cdr.hangup.cause, 'bye');
});

test('a caller who cancels while it rings gets 487, the callee gets CANCEL, and the CDR says cancelled', async () => {
  const uas = runSipp({ scenario: 'uas-ring.xml', localIp: '127.0.0.3', localPort: upstreamPort });
  const uac = runSipp({ scenario: 'uac-cancel.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '966666', caller: '1000', rtp_port: 4000 } });
  const [a, b] = await Promise.all([uac.done, uas.done]);
  assert.equal(a.code, 0, `caller sipp: ${a.errors || a.stderr}`);
  assert.equal(b.code, 0, `callee sipp saw CANCEL: ${b.errors || b.stderr}`);
  const s = await settled();
  assert.equal(s.media.routers, 0);
  const cdr = await box.cdr('966666');
  assert.equal(cdr.disposition, 'cancelled');
  assert.equal(cdr.hangup.side, 'caller');
  assert.equal(cdr.answeredAt, undefined);
  assert.ok(cdr.ringingAt >= cdr.startedAt);
});

test('200 calls in a row leave no router, transport, call or dialog behind', async () => {
  const uas = runSipp({ scenario: '', localIp: '127.0.0.3', localPort: upstreamPort, extra: ['-sn', 'uas'], calls: 200, timeoutSec: 60 });
  const uac = runSipp({
    scenario: '',
    localIp: '127.0.0.2',
    target: `127.0.0.1:${box.sipPort}`,
    calls: 200,
    rate: 50,
    rateLimit: 50,
    timeoutSec: 60,
    extra: ['-sn', 'uac', '-s', '9100'],
  });
  const [a] = await Promise.all([uac.done, uas.done]);
  assert.equal(a.code, 0, `all 200 calls succeeded: ${a.errors.slice(-800)}`);
  const s = await settled();
  assert.deepEqual(
    { calls: s.calls, dialogs: s.dialogs, routers: s.media.routers, transports: s.media.transports, producers: s.media.producers, consumers: s.media.consumers },
    { calls: 0, dialogs: 0, routers: 0, transports: 0, producers: 0, consumers: 0 },
  );
  const to9100 = (values: any[]) => values.filter((c) => c.dialled === '9100');
  const rows = to9100(await box.rowsWhen('cdr', (values) => to9100(values).length >= 200));
  assert.equal(rows.length, 200, 'one CDR per call');
});

test('a callee whose 200 OK crosses the CANCEL is ACKed and then sent BYE', async () => {
  const uas = runSipp({ scenario: 'uas-answer-after-cancel.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3') });
  const uac = runSipp({ scenario: 'uac-cancel.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '988888', caller: '1000', rtp_port: 4000 } });
  const [a, b] = await Promise.all([uac.done, uas.done]);
  assert.equal(a.code, 0, `caller got 487: ${a.errors}`);
  assert.equal(b.code, 0, `callee got ACK then BYE: ${b.errors || b.stderr}`);
  const s = await settled();
  assert.equal(s.dialogs, 0);
  const cdr = await box.cdr('988888');
  assert.equal(cdr.disposition, 'cancelled');
});

test('a PCMA-only caller gets a PCMA call end to end', async () => {
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
  let call: CarrierCall | undefined;
  try {
    call = await carrierCall(box, { dialled: '9808', caller: '1', pauseMs: 1500, scenario: 'uac-pcma.xml' });
    const { peer, uac, boxPort } = call;
    await peer.sendStream(Array.from({ length: 20 }, (_, i) => Buffer.alloc(160, 0x55 + i)), '127.0.0.1', boxPort, 8);
    await new Promise((r) => setTimeout(r, 200));
    const back = peer.received.filter((p) => p.payloadType === 8);
    assert.ok(back.length >= 18, `PCMA packets echoed back: ${back.length}`);
    const [a] = await Promise.all([uac.done, uas.done]);
    assert.equal(a.code, 0, a.errors);
  } finally {
    call?.close();
    uas.kill();
  }
  const cdr = await box.cdr('9808');
  assert.equal(cdr.codec, 'PCMA');
});

test('the 200 OK is retransmitted to a caller until it ACKs', async () => {
  // sipp absorbs retransmissions by design, so the caller here is a bare UDP client.
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
  const c = await SipClient.open('127.0.0.2', { host: '127.0.0.1', port: box.sipPort });
  const callId = randomBytes(8).toString('hex');
  const sdp = ['v=0', 'o=- 1 1 IN IP4 127.0.0.2', 's=-', 'c=IN IP4 127.0.0.2', 't=0 0', 'm=audio 40002 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');
  const head = (method: string, cseq: number, toTag = '') => [
    `${method} sip:9909@127.0.0.1:${box.sipPort} SIP/2.0`,
    `Via: SIP/2.0/UDP ${c.local.address}:${c.local.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    `From: <sip:caller@127.0.0.2>;tag=late1`,
    `To: <sip:9909@127.0.0.1>${toTag}`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} ${method}`,
    `Contact: <sip:caller@${c.local.address}:${c.local.port}>`,
    'Max-Forwards: 70',
  ];
  c.sendRaw([...head('INVITE', 1), 'Content-Type: application/sdp', `Content-Length: ${sdp.length}`, '', sdp].join('\r\n'));
  const first = await c.response((r) => r.status === 200, 5000);
  const firstAt = Date.now();
  const again = await c.response((r) => r.status === 200, 3000);
  const gap = Date.now() - firstAt;
  assert.equal(again.headers.get('to')?.[0], first.headers.get('to')?.[0], 'the same 200 (same To tag) again');
  assert.ok(gap >= 300 && gap < 2000, `retransmitted after ~T1 (${gap} ms)`);
  const toTag = /;tag=([^;\s]+)/.exec(first.headers.get('to')![0])![0];
  c.sendRaw([...head('ACK', 1, toTag), 'Content-Length: 0', '', ''].join('\r\n'));
  const quiet = await c.quietFor(1200);
  assert.equal(quiet.filter((t) => t.startsWith('SIP/2.0 200')).length, 0, 'no more retransmissions after the ACK');
  c.sendRaw([...head('BYE', 2, toTag), 'Content-Length: 0', '', ''].join('\r\n'));
  assert.equal((await c.response((r) => r.text.includes('CSeq: 2 BYE'))).status, 200);
  c.close();
  const b = await uas.done;
  assert.equal(b.code, 0, b.errors);
  const cdr = await box.cdr('9909');
  assert.equal(cdr.disposition, 'answered', 'the late ACK still confirmed the call');
});

test('early media: the callee\'s 183 with SDP reaches the caller as a 183 with the box\'s SDP', async () => {
  const peer = await RtpPeer.open('127.0.0.2');
  const uas = runSipp({ scenario: 'uas-early.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
  const uac = runSipp({ scenario: 'uac-early.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '9707', caller: '1', rtp_ip: '127.0.0.2', rtp_port: peer.port }, pauseMs: 300 });
  try {
    const [, earlyPort] = await uac.waitForLog(/EARLY (\d+)/);
    // Early media flows before the answer: the echo comes back through the box.
    await peer.sendStream(Array.from({ length: 15 }, () => Buffer.alloc(160, 0x33)), '127.0.0.1', Number(earlyPort));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(peer.received.length >= 12, `early media echoed: ${peer.received.length}`);
    const [a, b] = await Promise.all([uac.done, uas.done]);
    assert.equal(a.code, 0, a.errors);
    assert.equal(b.code, 0, b.errors);
    const [, answerPort] = a.logs.match(/BOXPORT (\d+)/)!;
    assert.equal(answerPort, earlyPort, 'the same media port before and after the answer');
  } finally {
    peer.close();
  }
});

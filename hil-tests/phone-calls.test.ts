// A real phone: baresip registers as extension 1001 with digest auth, a carrier call to a
// DID rings it, it answers and plays a 440 Hz tone; the caller's side hears the tone, and
// RFC 4733 digits from the caller are surfaced on the call (CDR).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { runSipp } from './harness/sipp.ts';
import { RtpPeer, toneRatio, ulawRms } from './harness/rtp-peer.ts';
import { freePort } from './harness/ports.ts';
import { carrierCall } from './harness/carrier-caller.ts';

let box: BoxProcess;
let phone: Baresip;
let phone2: Baresip;
let upstreamPort: number;

before(async () => {
  upstreamPort = await freePort('127.0.0.3');
  box = await startBoxProcess({
    extensions: [
      { number: '1001', password: 'secret1001' },
      { number: '1002', password: 'secret1002' },
    ],
    trunks: [
      { name: 'carrier', kind: 'static', host: '127.0.0.2' },
      { name: 'upstream', kind: 'static', host: '127.0.0.3', port: upstreamPort },
    ],
    dids: [{ number: '5550100', trunk: 'carrier', destination: 'ext:1001' }],
    dialPlan: [{ prefix: '9', trunk: 'upstream', strip: 1 }],
  });
  phone = await startBaresip({ extension: '1001', password: 'secret1001', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 440 });
  phone2 = await startBaresip({ extension: '1002', password: 'secret1002', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 1000 });
  await phone.waitFor(/200 OK .*1 binding/);
  await phone2.waitFor(/200 OK .*1 binding/);
});

after(async () => {
  await phone?.stop();
  await phone2?.stop();
  await box?.stop();
});

test('a carrier call to a DID rings the registered phone, which answers, and the caller hears its tone', async () => {
  const call = await carrierCall(box, { dialled: '5550100', caller: '13800138000', pauseMs: 3000 });
  const { peer, uac, boxPort } = call;
  try {
    // The caller talks (silence) and presses 7 half-way.
    const silence = Array.from({ length: 40 }, () => Buffer.alloc(160, 0xff));
    await peer.sendStream(silence.slice(0, 20), '127.0.0.1', boxPort);
    await peer.sendDigit('7', '127.0.0.1', boxPort);
    await peer.sendStream(silence.slice(20), '127.0.0.1', boxPort);
    const heard = peer.received.filter((p) => p.payloadType === 0).map((p) => p.payload);
    assert.ok(heard.length >= 40, `caller received ${heard.length} audio packets`);
    const rms = ulawRms(heard.slice(5));
    const ratio = toneRatio(heard.slice(5), 440);
    assert.ok(rms > 1000, `caller hears audio energy (rms ${rms.toFixed(0)})`);
    assert.ok(ratio > 0.5, `and it is the phone's 440 Hz tone (Goertzel ratio ${ratio.toFixed(2)})`);
    assert.ok(toneRatio(heard.slice(5), 1000) < 0.1, 'not some other tone');
    const r = await uac.done;
    assert.equal(r.code, 0, `caller sipp: ${r.errors || r.stderr}`);
  } finally {
    call.close();
  }
  const cdr = await box.cdr('5550100', (c) => c.answeredAt !== undefined);
  assert.ok(cdr, 'CDR written');
  assert.equal(cdr.disposition, 'answered');
  assert.deepEqual({ kind: cdr.callee.kind, id: cdr.callee.id }, { kind: 'extension', id: '1001' });
  assert.deepEqual(cdr.dtmf, { caller: '7', callee: '' }, 'the RFC 4733 digit was surfaced exactly once, on the caller side');
  const s = await box.idle();
  assert.equal(s.media.routers, 0);
});

test('a phone dials out: its INVITE is challenged (407), then routed by the dial plan to the carrier', async () => {
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
  const reply = await phone2.command('dial', '912345');
  assert.match(reply, /"response":true/, reply);
  await phone2.waitFor(/Call established|established/i, 10_000);
  await new Promise((r) => setTimeout(r, 1000));
  await phone2.command('hangup');
  const r = await uas.done;
  assert.equal(r.code, 0, `carrier saw the call and the BYE: ${r.errors || r.stderr}`);
  const cdr = await box.cdr('912345', (c) => c.answeredAt !== undefined);
  assert.ok(cdr, 'CDR written');
  assert.deepEqual({ kind: cdr.caller.kind, id: cdr.caller.id }, { kind: 'extension', id: '1002' });
  assert.equal(cdr.callee.number, '12345');
  assert.equal(cdr.hangup.side, 'caller');
  assert.ok(cdr.quality.caller.packetsReceived > 20, "the phone's RTP reached the box");
  assert.ok(cdr.quality.callee.packetsReceived > 20, 'the echo came back from the carrier');
});

test('one extension calls another: 1002 rings 1001, which answers, and each hears the other', async () => {
  const reply = await phone2.command('dial', '1001');
  assert.match(reply, /"response":true/, reply);
  await phone2.waitFor(/established/i, 10_000);
  await new Promise((r) => setTimeout(r, 1500));
  await phone2.command('hangup');
  const cdr = await box.cdr('1001', (c) => c.answeredAt !== undefined);
  assert.ok(cdr, 'CDR written');
  assert.deepEqual([cdr.caller.id, cdr.callee.id], ['1002', '1001']);
  assert.equal(cdr.disposition, 'answered');
  assert.ok(cdr.quality.caller.packetsReceived > 30 && cdr.quality.callee.packetsReceived > 30, JSON.stringify(cdr.quality));
  assert.ok(cdr.quality.caller.packetsSent > 30 && cdr.quality.callee.packetsSent > 30, `the box sent each phone the other's audio: ${JSON.stringify(cdr.quality)}`);
  const s = await box.idle();
  assert.equal(s.calls, 0);
});

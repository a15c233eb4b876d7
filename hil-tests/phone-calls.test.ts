// A real phone: baresip registers as extension 1001 with digest auth, a carrier call to a
// DID rings it, it answers and plays a 440 Hz tone; the caller's side hears the tone, and
// RFC 4733 digits from the caller are surfaced on the call (CDR).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { runSipp } from './harness/sipp.ts';
import { RtpPeer, toneRatio, ulawRms } from './harness/rtp-peer.ts';

let box: BoxProcess;
let phone: Baresip;

before(async () => {
  box = await startBoxProcess({
    extensions: [{ number: '1001', password: 'secret1001' }],
    trunks: [{ name: 'carrier', kind: 'static', host: '127.0.0.2' }],
    dids: [{ number: '5550100', trunk: 'carrier', destination: 'ext:1001' }],
  });
  phone = await startBaresip({ extension: '1001', password: 'secret1001', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 440 });
  await phone.waitFor(/200 OK .*1 binding/);
});

after(async () => {
  await phone?.stop();
  await box?.stop();
});

test('a carrier call to a DID rings the registered phone, which answers, and the caller hears its tone', async () => {
  const peer = await RtpPeer.open('127.0.0.2');
  const uac = runSipp({
    scenario: 'uac-call.xml',
    localIp: '127.0.0.2',
    target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: '5550100', caller: '13800138000', rtp_ip: '127.0.0.2', rtp_port: peer.port },
    pauseMs: 3000,
  });
  try {
    const [, boxPort] = await uac.waitForLog(/BOXPORT (\d+)/);
    // The caller talks (silence) and presses 7 half-way.
    const silence = Array.from({ length: 40 }, () => Buffer.alloc(160, 0xff));
    await peer.sendStream(silence.slice(0, 20), '127.0.0.1', Number(boxPort));
    await peer.sendDigit('7', '127.0.0.1', Number(boxPort));
    await peer.sendStream(silence.slice(20), '127.0.0.1', Number(boxPort));
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
    peer.close();
    uac.kill();
  }
  let cdr: any;
  for (let i = 0; i < 30 && !cdr; i++) {
    cdr = (await box.read<any>('cdr')).map((x) => x.value).find((c) => c.dialled === '5550100');
    if (!cdr) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(cdr, 'CDR written');
  assert.equal(cdr.disposition, 'answered');
  assert.deepEqual({ kind: cdr.callee.kind, id: cdr.callee.id }, { kind: 'extension', id: '1001' });
  assert.deepEqual(cdr.dtmf, { caller: '7', callee: '' }, 'the RFC 4733 digit was surfaced exactly once, on the caller side');
  const s = await box.status();
  assert.equal(s.media.routers, 0);
});

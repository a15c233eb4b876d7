// Call control through the box with real sipp peers: hold/resume relayed across legs,
// busy mapped to the caller, the no-answer timeout, the dead-media timeout, and SIGTERM
// ending answered calls with BYE on both sides.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { carrierToUpstream } from './harness/topology.ts';
import { runSipp } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer, ulawRms } from './harness/rtp-peer.ts';

let box: BoxProcess;
let upstreamPort: number;

function boxConfig(port: number, calls: Record<string, unknown>) {
  return carrierToUpstream(port, { calls });
}

before(async () => {
  upstreamPort = await freePort('127.0.0.3');
  box = await startBoxProcess(boxConfig(upstreamPort, { noAnswerTimeoutSec: 5, deadMediaTimeoutSec: 3, onHold: 'relay' }));
});

after(async () => {
  await box.stop();
});

/** Keep RTP flowing from a caller socket so dead-media detection stays quiet. */
function keepTalking(peer: RtpPeer, port: () => number | undefined): () => void {
  const t = setInterval(() => {
    const p = port();
    if (p) peer.socket.send(peer.packet(0, Buffer.alloc(160, 0xff)), p, '127.0.0.1');
  }, 20);
  return () => clearInterval(t);
}

test('hold and resume from the caller are relayed to the callee as sendonly/sendrecv re-INVITEs', async () => {
  const peer = await RtpPeer.open('127.0.0.2');
  const uas = runSipp({ scenario: 'uas-hold.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
  const uac = runSipp({ scenario: 'uac-hold.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '91111', caller: '1', rtp_ip: '127.0.0.2', rtp_port: peer.port }, pauseMs: 300 });
  let boxPort: number | undefined;
  void uac.waitForLog(/BOXPORT (\d+)/).then((m) => (boxPort = Number(m[1])), () => undefined);
  const stop = keepTalking(peer, () => boxPort);
  const [a, b] = await Promise.all([uac.done, uas.done]);
  stop();
  peer.close();
  assert.equal(b.code, 0, `callee saw sendonly then sendrecv offers: ${b.errors || b.stderr}`);
  assert.equal(a.code, 0, `caller got recvonly then sendrecv answers: ${a.errors || a.stderr}`);
  assert.match(b.logs, /OFFER1 a=sendonly/);
  assert.match(a.logs, /ANSWER2 a=recvonly/);
  assert.equal((await box.cdr('91111')).disposition, 'answered');
});

test('a busy callee makes the caller hear 486 and the CDR says busy', async () => {
  const uas = runSipp({ scenario: 'uas-busy.xml', localIp: '127.0.0.3', localPort: upstreamPort });
  const uac = runSipp({ scenario: 'uac-rejected.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '92222', caller: '1', rtp_ip: '127.0.0.2', rtp_port: 4000 } });
  const [a, b] = await Promise.all([uac.done, uas.done]);
  assert.equal(b.code, 0, b.errors);
  assert.equal(a.code, 0, a.errors);
  assert.match(a.logs, /FINAL 486/);
  const row = await box.cdr('92222');
  assert.equal(row.disposition, 'busy');
  assert.equal(row.hangup.status, 486);
});

test('a callee that never answers is cancelled after the no-answer timeout and the caller gets 480', async () => {
  const uas = runSipp({ scenario: 'uas-ring.xml', localIp: '127.0.0.3', localPort: upstreamPort });
  const uac = runSipp({ scenario: 'uac-rejected.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '93333', caller: '1', rtp_ip: '127.0.0.2', rtp_port: 4000 } });
  const [a, b] = await Promise.all([uac.done, uas.done]);
  assert.equal(b.code, 0, `callee got CANCEL: ${b.errors}`);
  assert.equal(a.code, 0, a.errors);
  assert.match(a.logs, /FINAL 480/);
  const row = await box.cdr('93333');
  assert.equal(row.disposition, 'no-answer');
  assert.equal(row.hangup.cause, 'no-answer-timeout');
  assert.ok(row.endedAt - row.startedAt >= 4500, 'not before the timeout');
});

test('a call whose RTP stops is hung up on both sides by the dead-media timeout', async () => {
  const peer = await RtpPeer.open('127.0.0.2');
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), timeoutSec: 25 });
  const uac = runSipp({ scenario: 'uac-wait-bye.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '94444', caller: '1', rtp_ip: '127.0.0.2', rtp_port: peer.port }, timeoutSec: 25 });
  const [a, b] = await Promise.all([uac.done, uas.done]);
  peer.close();
  assert.equal(a.code, 0, `caller got BYE: ${a.errors}`);
  assert.equal(b.code, 0, `callee got BYE: ${b.errors}`);
  const row = await box.cdr('94444');
  assert.equal(row.hangup.cause, 'dead-media');
  assert.equal(row.hangup.side, 'system');
  assert.ok(row.billableMs >= 2500 && row.billableMs < 15000, `hung up after ${row.billableMs} ms`);
});

test('SIGTERM ends an answered call with BYE to both sides and writes its CDR before exiting', async () => {
  const port = await freePort('127.0.0.3');
  const own = await startBoxProcess(boxConfig(port, { deadMediaTimeoutSec: 0 }), { keepData: true });
  const peer = await RtpPeer.open('127.0.0.2');
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: port, mediaPort: await freePort('127.0.0.3') });
  const uac = runSipp({ scenario: 'uac-wait-bye.xml', localIp: '127.0.0.2', target: `127.0.0.1:${own.sipPort}`, keys: { dialled: '95555', caller: '1', rtp_ip: '127.0.0.2', rtp_port: peer.port } });
  await uac.waitForLog(/BOXPORT/);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await own.status()).calls, 1);
  const code = await own.stop();
  const [a, b] = await Promise.all([uac.done, uas.done]);
  peer.close();
  assert.equal(code, 0);
  assert.equal(a.code, 0, `caller got BYE: ${a.errors}`);
  assert.equal(b.code, 0, `callee got BYE: ${b.errors}`);
  const { open } = await import('lmdb');
  const env = open({ path: `${own.dataDir}/data/box.lmdb`, readOnly: true, maxDbs: 32 });
  const rows = [...env.openDB({ name: 'cdr' }).getRange()].map((r) => r.value as any);
  await env.close();
  (await import('node:fs')).rmSync(own.dataDir, { recursive: true, force: true });
  const row = rows.find((c) => c.dialled === '95555');
  assert.equal(row?.hangup.cause, 'shutdown');
  assert.ok(own.logs.some((l) => l.includes('"msg":"stopped"')));
});

test('with onHold music, the box answers the hold itself and the held party hears music, then the caller again', async () => {
  const port = await freePort('127.0.0.3');
  const own = await startBoxProcess(boxConfig(port, { onHold: 'music' }));
  const caller = await RtpPeer.open('127.0.0.2');
  const callee = await RtpPeer.open('127.0.0.3');
  try {
    const uas = runSipp({ scenario: 'uas-answer-to.xml', localIp: '127.0.0.3', localPort: port, keys: { rtp_ip: '127.0.0.3', rtp_port: callee.port } });
    const uac = runSipp({ scenario: 'uac-hold.xml', localIp: '127.0.0.2', target: `127.0.0.1:${own.sipPort}`, keys: { dialled: '96161', caller: '1', rtp_ip: '127.0.0.2', rtp_port: caller.port }, pauseMs: 2000 });
    let boxPort: number | undefined;
    void uac.waitForLog(/BOXPORT (\d+)/).then((m) => (boxPort = Number(m[1])), () => undefined);
    const stop = keepTalking(caller, () => boxPort); // the caller "talks" digital silence
    const [a, b] = await Promise.all([uac.done, uas.done]);
    stop();
    assert.equal(b.code, 0, `the callee got no re-INVITE: ${b.errors}`);
    assert.equal(a.code, 0, `the box answered recvonly then sendrecv itself: ${a.errors}`);
    const heard = callee.received.filter((p) => p.payloadType === 0).map((p) => p.payload);
    const loud = heard.filter((p) => ulawRms([p]) > 300).length;
    assert.ok(loud >= 50, `about 2 s of music reached the held party: ${loud} loud packets of ${heard.length}`);
    const cdr = await own.cdr('96161');
    assert.equal(cdr.disposition, 'answered');
  } finally {
    caller.close();
    callee.close();
    await own.stop();
  }
});

// Issue 11: SIP over TLS with trunks. Two baresip instances act as carriers: `carrier` calls
// into the box over TLS (the box's TLS listener), `upstream` takes the box's outbound calls
// over TLS (the box connects to it) with SRTP mandatory; its certificate is signed by a test
// CA. The box checks the upstream's certificate as the trunk's `tls` config says:
//  - no `tls` (the system's CAs): the test CA is unknown, the handshake's check fails;
//  - a pinned fingerprint that is not the upstream's: refused;
// each time the upstream gets nothing, the call fails with a SIP 503 at once (never a crash,
// never a 32 s timeout), a coded warning is logged and a `sip-connection-failed` event
// written. With `tls.ca` set to the test CA (changed live through the config API) the same
// call goes through: carrier -> box over TLS, box -> upstream over TLS with SRTP, answered,
// media flowing, hung up by the carrier.
// Changed live again: a wrong pin refuses the next call (the open connection is checked
// again), the upstream's own fingerprint (any spelling) lets the one after through.
// Last, kill -9 with a call up between the carriers: after the restart each gets its BYE over
// a new TLS connection where it listens (the carrier that called in: at its Contact or the
// address its trunk is configured with, checked against its pinned certificate).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { freePort } from './harness/ports.ts';
import { makeCaAndLeaf, makeSelfSigned } from './harness/test-ca.ts';
import { firstAdmin } from './harness/web-session.ts';

// Both carriers on 127.0.0.1 (baresip's TLS connections come from there whatever it listens
// on); each offers 127.0.0.1 in its SDP (net_interface), where the box's RTP reaches it.
const CARRIER_IP = '127.0.0.1';
const UPSTREAM_IP = '127.0.0.1';
const NUMBER = '95550000';
const pki = makeCaAndLeaf([UPSTREAM_IP]);
const carrierCert = makeSelfSigned([CARRIER_IP]);
let box: BoxProcess;
let carrier: Baresip;
let upstream: Baresip;
let upstreamPort: number;
let carrierPort: number;
/** The data directory of the box restarted after its kill -9 (kept by the harness: removed here). */
let restartedDataDir: string | undefined;
let tlsPort: number;
let admin: Awaited<ReturnType<typeof firstAdmin>>;

/** The TLS port a baresip listens on at `ip`: its SIP port + 1 (of the ports it listens on, the one whose predecessor it also listens on). */
function tlsPortOf(phone: Baresip, ip: string): number {
  const ports = execFileSync('ss', ['-H', '-tlnp'], { encoding: 'utf8' }).split('\n')
    .filter((l) => l.includes(`pid=${phone.child.pid},`) && l.includes(`${ip}:`))
    .map((l) => Number(new RegExp(`${ip.replace(/\./g, '\\.')}:(\\d+)`).exec(l)?.[1]));
  const tls = ports.find((p) => ports.includes(p - 1));
  assert.ok(tls, `baresip listens at ${ip}: ${ports}`);
  return tls;
}

const trunks = (upstreamTls: Record<string, unknown> | undefined) => [
  // The carrier's TLS connections come from 127.0.0.1 (baresip does not bind them to its listening address); first, so calls from there are its.
  { name: 'carrier', kind: 'static', host: CARRIER_IP, port: carrierPort, transport: 'tls', sourceAddresses: ['127.0.0.1'], tls: { fingerprints: [carrierCert.fingerprint] } },
  { name: 'upstream', kind: 'static', host: UPSTREAM_IP, port: upstreamPort, transport: 'tls', srtp: 'mandatory', ...(upstreamTls ? { tls: upstreamTls } : {}) },
];

before(async () => {
  tlsPort = await freePort();
  upstream = await startBaresip({ extension: NUMBER, password: 'unused', box: { host: '127.0.0.1', port: tlsPort }, listenIp: UPSTREAM_IP, tls: { certFile: pki.leaf.bundleFile }, register: false, netInterface: UPSTREAM_IP, mediaenc: 'srtp-mand', toneHz: 1000 });
  carrier = await startBaresip({ extension: 'carrier', password: 'unused', box: { host: '127.0.0.1', port: tlsPort }, listenIp: CARRIER_IP, tls: { certFile: carrierCert.bundleFile }, register: false, netInterface: CARRIER_IP, toneHz: 440 });
  await upstream.waitFor(/baresip is ready/);
  await carrier.waitFor(/baresip is ready/);
  upstreamPort = tlsPortOf(upstream, UPSTREAM_IP);
  carrierPort = tlsPortOf(carrier, CARRIER_IP);
  box = await startBoxProcess({
    sip: { tls: true, tlsPort },
    trunks: trunks(undefined),
    dids: [{ number: '*', trunk: 'carrier', destination: 'dial:' }],
    dialPlan: [{ prefix: '9', trunk: 'upstream', strip: 1 }],
  });
  admin = await firstAdmin(box);
});

after(async () => {
  await carrier?.stop();
  await upstream?.stop();
  await box?.stop();
  for (const d of [pki.dir, carrierCert.dir, restartedDataDir]) if (d) rmSync(d, { recursive: true, force: true });
});

async function setUpstreamTls(tls: Record<string, unknown> | undefined): Promise<void> {
  const r = await admin.api.call('PUT', '/api/config/sections/trunks', { value: trunks(tls) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
}

/** The carrier dials 9 + NUMBER over TLS; resolves with the call's CDR once written. */
async function carrierCall(hangUpAfterMs?: number): Promise<any> {
  const n = (await box.read('cdr')).length;
  const t0 = Date.now();
  assert.match(await carrier.command('dial', `sip:9${NUMBER}@127.0.0.1:${tlsPort};transport=tls`), /"response":true/);
  if (hangUpAfterMs !== undefined) {
    await carrier.waitFor(/established/i, 20_000);
    await new Promise((r) => setTimeout(r, hangUpAfterMs));
    await carrier.command('hangup');
  }
  for (;;) {
    const rows = (await box.read<any>('cdr')).map((r) => r.value);
    if (rows.length > n) return { ...rows.sort((a, b) => a.startedAt - b.startedAt).at(-1), waitedMs: Date.now() - t0 };
    if (Date.now() - t0 > 40_000) throw new Error('no CDR for the carrier call');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Calls that reached the upstream (baresip logs each established call's start). */
const upstreamCalls = () => (upstream.output().match(/Call established/gi) ?? []).length;

for (const [what, tls, code] of [
  ['without tls settings (the system CAs): the test CA is unknown', undefined, 'CC_SIP_TLS_PEER_UNTRUSTED'],
  ['with a pinned fingerprint that is not the upstream\'s', { fingerprints: [carrierCert.fingerprint] }, 'CC_SIP_TLS_PEER_PIN_MISMATCH'],
] as const) {
  test(`an outbound call to a TLS trunk ${what}: the trunk gets nothing, the call fails with 503 at once, a coded warning and an event`, async () => {
    if (tls) await setUpstreamTls(tls);
    const before = upstreamCalls();
    const logsBefore = box.logs.length;
    const cdr = await carrierCall();
    assert.equal(cdr.dialled, `9${NUMBER}`);
    assert.equal(cdr.caller.id, 'carrier', 'the call came in over TLS from the carrier trunk');
    assert.notEqual(cdr.disposition, 'answered');
    assert.equal(cdr.hangup.status, 503, JSON.stringify(cdr.hangup));
    assert.ok(cdr.waitedMs < 20_000, `failed after ${cdr.waitedMs} ms, not the 32 s INVITE timeout`);
    assert.equal(upstreamCalls(), before, 'the untrusted trunk never saw the INVITE');
    const warn = box.logs.slice(logsBefore).find((l) => l.includes(code));
    assert.ok(warn, `a ${code} warning: ${box.logs.slice(logsBefore).filter((l) => l.includes('"level":40')).join('\n')}`);
    assert.equal(JSON.parse(warn).trunk, 'upstream');
    const events = (await box.read<any>('events')).map((r) => r.value).filter((e) => e.type === 'sip-connection-failed' && e.code === code);
    assert.equal(events.length, 1, 'one event for the technician');
    assert.equal(events[0].remote, `TLS:${UPSTREAM_IP}:${upstreamPort}`);
    const s = await box.idle(5000);
    assert.equal(s.calls, 0, 'the box is up and has no call left');
  });
}

test('with tls.ca set to the trunk\'s CA the call goes through both TLS trunks, the upstream leg with SRTP', async () => {
  await setUpstreamTls({ ca: pki.ca.certPem });
  const before = upstreamCalls();
  const cdr = await carrierCall(3000);
  assert.equal(upstreamCalls(), before + 1, upstream.output().slice(-1500));
  // The upstream runs mediaenc=srtp-mand: it answers only an RTP/SAVP offer with a key, so answered means SRTP.
  assert.equal(cdr.disposition, 'answered', JSON.stringify(cdr.hangup));
  assert.deepEqual([cdr.caller.id, cdr.callee?.id], ['carrier', 'upstream']);
  assert.ok(cdr.quality.callee.packetsReceived > 50, `the box decrypted the upstream's SRTP: ${JSON.stringify(cdr.quality)}`);
  assert.ok(cdr.quality.caller.packetsReceived > 50, `plain RTP from the carrier: ${JSON.stringify(cdr.quality)}`);
});

test('a policy changed live applies to the open connection: a wrong pin now refuses the call the CA-checked connection would carry; the right pin lets the next one through', async () => {
  await setUpstreamTls({ fingerprints: [carrierCert.fingerprint] });
  const refused = await carrierCall();
  assert.equal(refused.hangup.status, 503, JSON.stringify(refused.hangup));
  await setUpstreamTls({ fingerprints: [pki.leaf.fingerprint.replace(/:/g, '').toLowerCase()] });
  const before = upstreamCalls();
  const cdr = await carrierCall(1500);
  assert.equal(upstreamCalls(), before + 1);
  assert.equal(cdr.disposition, 'answered', JSON.stringify(cdr.hangup));
  assert.deepEqual([cdr.caller.id, cdr.callee?.id], ['carrier', 'upstream']);
});

test('kill -9 with a call up between the two TLS trunks: after the restart both carriers get their BYE over new TLS connections where they listen', { timeout: 240_000 }, async () => {
  const marks = [carrier.output().length, upstream.output().length];
  assert.match(await carrier.command('dial', `sip:9${NUMBER}@127.0.0.1:${tlsPort};transport=tls`), /"response":true/);
  await carrier.waitFor(/established/i, 20_000);
  await upstream.waitFor(/Call established[\s\S]*Call established[\s\S]*Call established/, 20_000);
  const dataDir = box.dataDir;
  const [sipPort, httpPort] = [box.sipPort, box.httpPort];
  const cdrsBefore = (await box.read('cdr')).length;
  // Journaled (both legs) shortly after the answer: give the write its moment.
  await new Promise((r) => setTimeout(r, 1500));
  box.child.kill('SIGKILL');
  await new Promise((r) => box.child.once('exit', r));
  const restartAt = Date.now();
  box = await startBoxProcess({
    sip: { tls: true, tlsPort, udpPort: sipPort, tcpPort: sipPort },
    http: { port: httpPort },
    trunks: trunks({ fingerprints: [pki.leaf.fingerprint] }),
    dids: [{ number: '*', trunk: 'carrier', destination: 'dial:' }],
    dialPlan: [{ prefix: '9', trunk: 'upstream', strip: 1 }],
  }, { dataDir, keepData: true });
  try {
    for (const [i, peer] of [carrier, upstream].entries()) {
      const end = Date.now() + 30_000;
      while (!/Call with sip:\S+ terminated/.test(peer.output().slice(marks[i])) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      assert.match(peer.output().slice(marks[i]), /Call with sip:\S+ terminated/, `${i ? 'upstream' : 'carrier'} ended its call`);
    }
    const end = Date.now() + 15_000;
    const answered = () => box.logs.filter((l) => l.includes('BYE after restart answered') && l.includes('"status":200'));
    while (answered().length < 2 && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
    assert.equal(answered().length, 2, box.logs.filter((l) => l.includes('BYE after restart') || l.includes('SIP connection failed')).join('\n'));
    const sent = box.logs.filter((l) => l.includes('BYE after restart sent over a new connection')).map((l) => JSON.parse(l));
    assert.deepEqual(sent.map((l) => [l.side, l.remote.protocol, l.remote.port]).sort(), [['callee', 'TLS', upstreamPort], ['caller', 'TLS', carrierPort]]);
    const cut = (await box.read<any>('cdr')).map((r) => r.value).filter((c) => c.hangup.cause === 'box-restart');
    assert.equal((await box.read('cdr')).length, cdrsBefore + 1);
    assert.deepEqual(cut.map((c) => [c.caller.id, c.callee?.id]), [['carrier', 'upstream']]);
    console.log(`tls-trunks power cut: both trunk legs got their BYE ${Date.now() - restartAt} ms after the restart began: ${sent.map((l) => `${l.side} -> ${l.remote.address}:${l.remote.port}`).join(', ')} (carrier listens at ${tlsPortOf(carrier, CARRIER_IP)})`);
  } finally {
    restartedDataDir = dataDir;
  }
});

// Call quality and SIP response times from real calls: a carrier call through the box to an
// upstream sipp (RTP both ways); the monitor's per-trunk summary and /metrics carry the MOS,
// loss and jitter the media layer wrote on the CDR, the box's INVITE to the upstream trunk is
// timed, and a MOS limit set above what a clean call scores raises CC_MON_MOS_LOW for both
// trunks from the measured values (no injected reading).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { carrierToUpstream } from './harness/topology.ts';
import { twoToneCall } from './harness/two-tone-call.ts';
import { freePort } from './harness/ports.ts';
import { parsePromText, promValue } from './harness/prom-text.ts';

let box: BoxProcess;
let admin: ApiClient;
let upstreamPort: number;

before(async () => {
  upstreamPort = await freePort('127.0.0.3');
  box = await startBoxProcess(carrierToUpstream(upstreamPort, {
    recording: { enabled: false },
    // What this test measures is call quality, not overload: no 503 for a loaded test machine's event-loop lag.
    security: { maxEventLoopLagMs: 0 },
    monitoring: { intervalMs: 1000, qualityMinCalls: 1, thresholds: { mos: { raise: 4.6, clear: 4.7 } } },
  }));
  admin = await signIn(box);
});

after(async () => {
  await box?.stop();
});

test('a real call\'s leg quality is summed per trunk, timed per peer, exported as metrics and judged against the MOS limit', async () => {
  await twoToneCall(box, upstreamPort, '96001');
  const cdr = await box.cdr('96001', () => true, 10_000);
  assert.ok(cdr, 'the call has a CDR');
  assert.equal(cdr.caller.id, 'carrier');
  assert.equal(cdr.callee.id, 'upstream');
  const q = cdr.quality;
  assert.ok(q.caller.packetsReceived > 0 && q.callee.packetsReceived > 0, 'media flowed both ways');

  let snap: any;
  for (let i = 0; i < 150; i++) {
    snap = (await admin.call('GET', '/api/monitoring')).body;
    if (snap.quality.length === 2 && snap.alerts.filter((a: any) => a.code === 'CC_MON_MOS_LOW').length === 2) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const byTrunk = Object.fromEntries(snap.quality.map((t: any) => [t.trunk, t]));
  assert.deepEqual(byTrunk.carrier, { trunk: 'carrier', legs: 1, mos: q.caller.mos, minMos: q.caller.mos, lossPct: Math.round(q.caller.lossRate * 10000) / 100, jitterMs: Math.round(q.caller.jitterMs * 100) / 100 });
  assert.deepEqual(byTrunk.upstream.mos, q.callee.mos);

  const invite = snap.sip.find((p: any) => p.peer === 'upstream');
  assert.ok(invite && invite.requests >= 1 && invite.timeouts === 0, JSON.stringify(snap.sip));
  assert.ok(invite.p95Ms > 0 && invite.p95Ms < 5000);

  const mosAlerts = snap.alerts.filter((a: any) => a.code === 'CC_MON_MOS_LOW').map((a: any) => [a.subject, a.state, a.value]).sort();
  assert.deepEqual(mosAlerts, [['carrier', 'active', q.caller.mos], ['upstream', 'active', q.callee.mos]]);

  const m = parsePromText(await (await fetch(`http://127.0.0.1:${box.httpPort}/metrics`)).text());
  assert.equal(promValue(m, 'cc_trunk_mos', { trunk: 'carrier' }), q.caller.mos);
  assert.equal(promValue(m, 'cc_trunk_quality_legs', { trunk: 'upstream' }), 1);
  assert.ok(promValue(m, 'cc_sip_client_transactions_total', { method: 'INVITE', class: '2xx' })! >= 1);
  assert.ok(promValue(m, 'cc_sip_response_time_seconds', { peer: 'upstream', quantile: '0.95' })! > 0);
});

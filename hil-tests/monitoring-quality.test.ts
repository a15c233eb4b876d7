// Call quality and SIP response times from real calls: a carrier call through the box to an
// upstream sipp (RTP both ways); while it is up, GET /api/calls shows each leg's live receive
// quality, read from the media layer every few seconds (the dead-media timeout is short here,
// so the box reads every 1.3 s); the monitor's per-trunk summary and /metrics carry the MOS,
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
    calls: { deadMediaTimeoutSec: 4 },
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
  // The live listing, read while the call runs.
  const live: any[] = [];
  let calling = true;
  const watching = (async () => {
    while (calling) {
      const r = await admin.call('GET', '/api/calls');
      assert.equal(r.status, 200);
      for (const c of r.body as any[]) if (c.quality) live.push({ ...c, readAt: Date.now() });
      await new Promise((res) => setTimeout(res, 150));
    }
  })();
  try {
    await twoToneCall(box, upstreamPort, '96001');
  } finally {
    calling = false;
    await watching;
  }
  const cdr = await box.cdr('96001', () => true, 10_000);
  assert.ok(cdr, 'the call has a CDR');
  assert.equal(cdr.caller.id, 'carrier');
  assert.equal(cdr.callee.id, 'upstream');
  const q = cdr.quality;
  assert.ok(q.caller.packetsReceived > 0 && q.callee.packetsReceived > 0, 'media flowed both ways');

  // Live readings of this call: taken after the answer, of real packets on both legs, never
  // more than the call received in all, and scored like the CDR's.
  const ours = live.filter((c) => c.id === cdr.callId);
  assert.ok(ours.length > 0, `GET /api/calls showed live quality for the call (${live.length} readings in all)`);
  const withMedia = ours.filter((c) => c.quality.caller.packetsReceived > 0 && c.quality.callee?.packetsReceived > 0);
  assert.ok(withMedia.length > 0, `a live reading counted packets on both legs: ${JSON.stringify(ours.map((c) => c.quality))}`);
  for (const c of ours) {
    assert.ok(c.quality.at >= c.answeredAt && c.quality.at <= c.readAt, `read after the answer, before it was listed: ${JSON.stringify(c.quality)}`);
    for (const side of ['caller', 'callee'] as const) {
      const l = c.quality[side];
      assert.ok(l, `${side}: a reading for the leg: ${JSON.stringify(c.quality)}`);
      assert.ok(l.packetsReceived <= q[side].packetsReceived, `${side}: live ${l.packetsReceived} <= ${q[side].packetsReceived} at the end`);
      assert.ok(l.lossPct >= 0 && l.lossPct <= 100 && l.jitterMs >= 0 && l.jitterMs < 1000, JSON.stringify(l));
      assert.ok(l.mos >= 1 && l.mos <= 4.5, `${side}: MOS ${l.mos}`);
    }
  }

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

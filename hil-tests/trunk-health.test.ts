// A dead trunk fails fast: the upstream trunk has an OPTIONS health check and its address is a
// UDP socket of this test that answers nothing (a carrier gone dark). The box marks it down
// (an event), a call to it gets 503 from the box without any INVITE reaching the trunk
// (instead of a 32 s Timer B); once the socket answers OPTIONS the trunk is up again and the
// next call's INVITE reaches it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { startBoxProcess } from './harness/box-process.ts';
import { CARRIER_IP, UPSTREAM_IP } from './harness/topology.ts';
import { runSipp } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { until } from './harness/until.ts';
import { decode, encode, makeResponse } from '../system/sip/codec.ts';
import type { SipRequest } from '../system/sip/message.ts';

test('a trunk that stops answering OPTIONS is marked down and calls to it get 503 without an INVITE; it comes back when it answers', { timeout: 120_000 }, async () => {
  const trunkPort = await freePort(UPSTREAM_IP);
  const sock = dgram.createSocket('udp4');
  const got: Record<string, number> = {};
  let answerOptions = false;
  sock.on('message', (buf, rinfo) => {
    const d = decode(buf);
    if (!d.ok || !('method' in d.message)) return;
    const rq = d.message as SipRequest;
    got[rq.method] = (got[rq.method] ?? 0) + 1;
    if (rq.method === 'OPTIONS' && answerOptions) sock.send(encode(makeResponse(rq, 200, 'OK')), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(trunkPort, UPSTREAM_IP, r));
  const box = await startBoxProcess({
    trunks: [
      { name: 'carrier', kind: 'static', host: CARRIER_IP },
      { name: 'upstream', kind: 'static', host: UPSTREAM_IP, port: trunkPort, healthCheck: { intervalSec: 2, timeoutSec: 1, failuresToDown: 2 } },
    ],
    dids: [{ number: '*', trunk: 'carrier', destination: 'dial:' }],
    dialPlan: [{ prefix: '9', trunk: 'upstream', strip: 1 }],
  });
  const healthEvents = async () => (await box.read<any>('events')).map((r) => r.value).filter((e) => e.type === 'trunk-health');
  try {
    const down = await until('the upstream trunk down', async () => (await healthEvents()).find((e) => e.up === false), 30_000);
    assert.equal(down.trunk, 'upstream');
    const pingsToDown = got.OPTIONS;
    assert.ok(pingsToDown >= 2, `the trunk was pinged (${pingsToDown} OPTIONS)`);

    const started = Date.now();
    const uac = runSipp({ scenario: 'uac-rejected.xml', localIp: CARRIER_IP, target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '95551234', caller: '1', rtp_ip: CARRIER_IP, rtp_port: 4000 }, timeoutSec: 60 });
    const r = await uac.done;
    const failedMs = Date.now() - started;
    assert.equal(r.code, 0, r.errors);
    assert.match(r.logs, /FINAL 503/);
    assert.equal(got.INVITE ?? 0, 0, 'no INVITE was sent to the trunk found down');

    answerOptions = true;
    await until('the upstream trunk up again', async () => ((await healthEvents()).find((e) => e.up === true) ? true : undefined), 30_000);
    const again = runSipp({ scenario: 'uac-rejected.xml', localIp: CARRIER_IP, target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '95551235', caller: '1', rtp_ip: CARRIER_IP, rtp_port: 4000 }, timeoutSec: 60 });
    await until('an INVITE at the trunk', async () => (got.INVITE ? true : undefined), 15_000);
    again.kill();
    await again.done;
    console.log(`trunk-health: down after ${pingsToDown} unanswered pings; a call to it failed with 503 in ${failedMs} ms (sipp run included) instead of the 32 s INVITE timeout`);
  } finally {
    sock.close();
    await box.stop();
  }
});

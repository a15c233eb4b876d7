// Trunk health against real parts: the box's SIP transport and endpoint on loopback, and UDP
// sockets as trunks, one answering OPTIONS and one silent (a dead carrier).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { SipTransport } from '../sip/transport.ts';
import { SipEndpoint } from '../sip/endpoint.ts';
import { decode, encode, makeResponse } from '../sip/codec.ts';
import type { SipRequest } from '../sip/message.ts';
import type { TrunkConfig } from '../config/schema.ts';
import { afterPing, healthSettings, TrunkHealth, type TrunkHealthState } from './trunk-health.ts';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

test('afterPing: down after N unanswered pings in a row, up again on any answer', () => {
  let s: TrunkHealthState = { trunk: 't', up: true, failures: 0, since: 0 };
  s = afterPing(s, undefined, 2, 10);
  assert.deepEqual([s.up, s.failures, s.since], [true, 1, 0]);
  s = afterPing(s, undefined, 2, 20);
  assert.deepEqual([s.up, s.failures, s.since], [false, 2, 20]);
  s = afterPing(s, undefined, 2, 30);
  assert.deepEqual([s.up, s.failures, s.since], [false, 3, 20]);
  s = afterPing(s, 404, 2, 40);
  assert.deepEqual([s.up, s.failures, s.since, s.lastStatus], [true, 0, 40, 404]);
  assert.equal(afterPing({ trunk: 't', up: true, failures: 0, since: 0 }, undefined, 1, 5).up, false);
});

test('healthSettings: only trunks that ask are checked, with defaults', () => {
  const base = { name: 'a', kind: 'static', host: 'h' } as TrunkConfig;
  assert.equal(healthSettings(base), undefined);
  assert.deepEqual(healthSettings({ ...base, healthCheck: { intervalSec: 10, timeoutSec: 2, failuresToDown: 3 } }), { intervalSec: 10, timeoutSec: 2, failuresToDown: 3 });
});

/** A trunk's SIP socket: answers OPTIONS 200 while `answering`, counts what it gets. */
async function trunkPeer(answering: boolean) {
  const sock = dgram.createSocket('udp4');
  const peer = { answering, got: 0, port: 0, close: () => sock.close() };
  sock.on('message', (buf, rinfo) => {
    const d = decode(buf);
    if (!d.ok || !('method' in d.message)) return;
    peer.got++;
    const rq = d.message as SipRequest;
    if (peer.answering) sock.send(encode(makeResponse(rq, 200, 'OK')), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  peer.port = sock.address().port;
  return peer;
}

async function until(what: string, fn: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a silent trunk is marked down after its pings go unanswered, an answering one stays up, and the silent one comes back when it answers', async () => {
  const transport = new SipTransport({ bindAddress: '127.0.0.1', udpPort: 0, tcpPort: 0, maxMessageBytes: 65535 });
  await transport.listen();
  const endpoint = new SipEndpoint(transport, { publicAddress: '127.0.0.1', userAgent: 'test-box', log: quiet });
  const alive = await trunkPeer(true);
  const dead = await trunkPeer(false);
  const healthCheck = { intervalSec: 2, timeoutSec: 1, failuresToDown: 2 };
  const trunks: TrunkConfig[] = [
    { name: 'alive', kind: 'static', host: '127.0.0.1', port: alive.port, healthCheck },
    { name: 'dead', kind: 'static', host: '127.0.0.1', port: dead.port, healthCheck },
    { name: 'unchecked', kind: 'static', host: '127.0.0.1', port: 9 },
  ];
  const changes: string[] = [];
  const health = new TrunkHealth({ endpoint, trunks: () => trunks, log: quiet, onChange: (s) => changes.push(`${s.trunk}:${s.up ? 'up' : 'down'}`) });
  try {
    health.start();
    await until('the dead trunk down', () => health.isDown('dead'), 10_000);
    assert.ok(dead.got >= 2, `the dead trunk got its pings (${dead.got})`);
    assert.equal(health.isDown('alive'), false);
    assert.ok(alive.got >= 2);
    assert.equal(health.isDown('unchecked'), false, 'a trunk without a health check is never down');
    assert.deepEqual(health.status.map((s) => s.trunk).sort(), ['alive', 'dead']);
    dead.answering = true;
    await until('the dead trunk up again', () => !health.isDown('dead'), 10_000);
    assert.deepEqual(changes, ['dead:down', 'dead:up']);
    // Turning the check off forgets the trunk's verdict.
    delete trunks[1].healthCheck;
    dead.answering = false;
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(health.status.map((s) => s.trunk), ['alive']);
  } finally {
    health.stop();
    alive.close();
    dead.close();
    endpoint.close();
    await transport.close();
  }
});

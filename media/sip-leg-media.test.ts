// Real mediasoup: RTP sent to one leg's PlainTransport comes out of the other leg's, RFC 4733
// digits are surfaced once each, and closing the legs returns every counter to zero.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { MediaEngine } from './media-engine.ts';
import { SipLegMedia } from './sip-leg-media.ts';
import { parseRtp } from './rtp-event.ts';

const log = { warn() {}, error() {} };

function rtpPacket(pt: number, seq: number, ts: number, ssrc: number, payload: Buffer, marker = false): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([h, payload]);
}

async function udpSocket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}

test('RTP sent to leg A reaches the peer of leg B byte for byte, and digits are reported once', async () => {
  const engine = await MediaEngine.start({ workers: 1, listenIp: '127.0.0.1', rtpMinPort: 40000, rtpMaxPort: 40999, log });
  try {
    const codecs = { codec: { name: 'PCMU' as const, payloadType: 0 }, telephoneEventPayloadType: 101 };
    const router = await engine.createRouter(codecs);
    const opts = { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', portRange: { min: 40000, max: 40999 } };
    const peerA = await udpSocket();
    const peerB = await udpSocket();
    const a = await SipLegMedia.create(router, codecs, { ...opts, comedia: true });
    const b = await SipLegMedia.create(router, codecs, { ...opts, comedia: false });
    await a.start(undefined);
    await b.start({ address: '127.0.0.1', port: peerB.address().port });
    await b.receiveFrom(a);
    await a.receiveFrom(b);
    const digits: string[] = [];
    await a.tapDtmf((d) => digits.push(d));

    const received: Buffer[] = [];
    peerB.on('message', (m) => received.push(m));
    const payloads: Buffer[] = [];
    for (let i = 0; i < 50; i++) {
      const p = Buffer.alloc(160, i);
      payloads.push(p);
      peerA.send(rtpPacket(0, 1000 + i, 160 * i, 0x1234, p), a.local.port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 2));
    }
    // Digit 5: three updates and three end packets with one timestamp.
    for (let i = 0; i < 6; i++) {
      const ev = Buffer.from([5, i >= 3 ? 0x80 | 10 : 10, 0, 160 * (i + 1)]);
      peerA.send(rtpPacket(101, 1050 + i, 8000, 0x1234, ev, i === 0), a.local.port, '127.0.0.1');
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(received.length >= 50, `peer B got ${received.length} packets`);
    const gotPayloads = received.map((m) => parseRtp(m)!).filter((r) => r.payloadType === 0).map((r) => r.payload);
    assert.deepEqual(gotPayloads.slice(0, 50), payloads);
    assert.deepEqual(digits, ['5']);
    const q = await a.quality();
    assert.ok(q.packetsReceived >= 50);
    assert.equal(engine.counters.routers, 1);
    a.close();
    b.close();
    router.close();
    peerA.close();
    peerB.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual({ ...engine.counters, workers: 0 }, { workers: 0, routers: 0, transports: 0, producers: 0, consumers: 0 });
  } finally {
    await engine.close();
  }
});

test('a stream whose first sequence number is 0 is not counted as 65,536 packets lost (worker patch 0003)', async () => {
  const engine = await MediaEngine.start({ workers: 1, listenIp: '127.0.0.1', rtpMinPort: 40000, rtpMaxPort: 40999, log });
  try {
    const codecs = { codec: { name: 'PCMU' as const, payloadType: 0 } };
    const router = await engine.createRouter(codecs);
    const leg = await SipLegMedia.create(router, codecs, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', portRange: { min: 40000, max: 40999 }, comedia: true });
    await leg.start(undefined);
    const peer = await udpSocket();
    for (let i = 0; i < 20; i++) {
      peer.send(rtpPacket(0, i, 160 * i, 0x4242, Buffer.alloc(160, 0xff)), leg.local.port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 200));
    const q = await leg.quality();
    assert.equal(q.packetsReceived, 20);
    assert.equal(q.packetsLost, 0);
    peer.close();
    leg.close();
    router.close();
  } finally {
    await engine.close();
  }
});

test('sample() reports live receive quality and how long RTP has been idle', async () => {
  const engine = await MediaEngine.start({ workers: 1, listenIp: '127.0.0.1', rtpMinPort: 40000, rtpMaxPort: 40999, log });
  const peer = await udpSocket();
  try {
    const codecs = { codec: { name: 'PCMU' as const, payloadType: 0 } };
    const router = await engine.createRouter(codecs);
    const leg = await SipLegMedia.create(router, codecs, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', portRange: { min: 40000, max: 40999 }, comedia: true });
    await leg.start(undefined);
    for (let i = 0; i < 30; i++) {
      peer.send(rtpPacket(0, 500 + i, 160 * i, 0x777, Buffer.alloc(160, 0xff)), leg.local.port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 100));
    const first = await leg.sample();
    assert.equal(first.quality.packetsReceived, 30);
    assert.ok(first.quality.mos > 4 && first.quality.mos <= 4.5, `MOS ${first.quality.mos}`);
    assert.ok(first.idleMs < 200);
    await new Promise((r) => setTimeout(r, 400));
    const later = await leg.sample();
    assert.ok(later.idleMs >= 350, `idle for ${later.idleMs} ms once packets stopped`);
    leg.close();
    router.close();
  } finally {
    peer.close();
    await engine.close();
  }
});

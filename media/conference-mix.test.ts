// Real mediasoup: three SIP legs (two PCMU, one PCMA, so two routers) in one ConferenceMix,
// each peer sending its own tone; every peer hears the other two tones and not its own; a
// party removed is no longer heard; a lone party hears the music; closing returns every
// mediasoup counter to zero.
import { toneShare } from './tone-share.ts';
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { types } from 'mediasoup';
import { MediaEngine, type CallCodecs } from './media-engine.ts';
import { SipLegMedia } from './sip-leg-media.ts';
import { ConferenceMix } from './conference-mix.ts';
import { parseRtp } from './rtp-event.ts';
import { decodeG711, encodeG711 } from './g711.ts';

const log = { warn() {}, error() {} };
const PCMU: CallCodecs = { codec: { name: 'PCMU', payloadType: 0 }, telephoneEventPayloadType: 101 };
const PCMA: CallCodecs = { codec: { name: 'PCMA', payloadType: 8 }, telephoneEventPayloadType: 101 };
const RANGE = { min: 42000, max: 42999 };
let engine: MediaEngine;

before(async () => {
  engine = await MediaEngine.start({ workers: 1, listenIp: '127.0.0.1', rtpMinPort: RANGE.min, rtpMaxPort: RANGE.max, log });
});
after(async () => {
  await engine.close();
});

function sine(hz: number, samples: number, amplitude = 6000, phase0 = 0): Int16Array {
  const s = new Int16Array(samples);
  for (let i = 0; i < samples; i++) s[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * (phase0 + i)) / 8000));
  return s;
}


interface Peer {
  name: string;
  hz: number;
  codecs: CallCodecs;
  socket: dgram.Socket;
  leg: SipLegMedia;
  got: { at: number; payload: Buffer }[];
  seq: number;
  ts: number;
  ssrc: number;
}

async function peer(name: string, hz: number, router: types.Router, codecs: CallCodecs): Promise<Peer> {
  const socket = dgram.createSocket('udp4');
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const leg = await SipLegMedia.create(router, codecs, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', portRange: RANGE, comedia: false });
  await leg.start({ address: '127.0.0.1', port: socket.address().port });
  const p: Peer = { name, hz, codecs, socket, leg, got: [], seq: 100, ts: 1000, ssrc: 0x1000 + hz };
  socket.on('message', (m) => {
    const rtp = parseRtp(m);
    if (rtp && rtp.payloadType === codecs.codec.payloadType) p.got.push({ at: Date.now(), payload: Buffer.from(rtp.payload) });
  });
  return p;
}

/** Every peer sends `frames` 20 ms frames of its tone, paced. */
async function talk(peers: Peer[], frames: number): Promise<void> {
  for (let f = 0; f < frames; f++) {
    for (const p of peers) {
      const h = Buffer.alloc(12);
      h[0] = 0x80;
      h[1] = p.codecs.codec.payloadType;
      h.writeUInt16BE(p.seq++ & 0xffff, 2);
      h.writeUInt32BE(p.ts >>> 0, 4);
      h.writeUInt32BE(p.ssrc, 8);
      const payload = encodeG711(p.codecs.codec.name, sine(p.hz, 160, 6000, p.ts));
      p.ts += 160;
      p.socket.send(Buffer.concat([h, payload]), p.leg.local.port, '127.0.0.1');
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

function heardSince(p: Peer, since: number): Int16Array {
  const parts = p.got.filter((g) => g.at >= since).map((g) => decodeG711(p.codecs.codec.name, g.payload));
  const out = new Int16Array(parts.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of parts) {
    out.set(x, o);
    o += x.length;
  }
  return out;
}

test('each party hears the others and not itself, across PCMU and PCMA; a removed party is gone from the mix; a lone party hears music', async () => {
  const routerU = await engine.createRouter(PCMU);
  const routerA = await engine.createRouter(PCMA);
  const music = sine(300, 8000);
  const mix = await ConferenceMix.open({ music });
  const peers: Peer[] = [];
  try {
    const a = await peer('a', 500, routerU, PCMU);
    const b = await peer('b', 1100, routerU, PCMU);
    const c = await peer('c', 1900, routerA, PCMA);
    peers.push(a, b, c);

    // Alone: a hears the music.
    const joinA = await mix.add('a', { router: routerU, codecs: PCMU, producerId: a.leg.producerId! });
    await a.leg.receiveFrom(joinA!);
    await new Promise((r) => setTimeout(r, 400));
    const lone = heardSince(a, 0);
    assert.ok(lone.length >= 8 * 160, `a got ${lone.length} samples while alone`);
    assert.ok(toneShare(lone.subarray(160), 300) > 0.5, 'a lone party hears the music');

    for (const p of [b, c]) {
      const join = await mix.add(p.name, { router: p.codecs === PCMU ? routerU : routerA, codecs: p.codecs, producerId: p.leg.producerId! });
      await p.leg.receiveFrom(join!);
    }
    assert.equal(mix.size, 3);
    await talk(peers, 25); // let queues and legs settle
    const since = Date.now();
    await talk(peers, 60);
    await new Promise((r) => setTimeout(r, 100));
    for (const p of peers) {
      const heard = heardSince(p, since);
      assert.ok(heard.length >= 40 * 160, `${p.name} heard ${heard.length} samples`);
      for (const o of peers) {
        const share = toneShare(heard, o.hz);
        if (o === p) assert.ok(share < 0.01, `${p.name} hears itself (${o.hz} Hz share ${share.toFixed(3)})`);
        else assert.ok(share > 0.2, `${p.name} does not hear ${o.name} (${o.hz} Hz share ${share.toFixed(3)})`);
      }
      assert.ok(toneShare(heard, 300) < 0.01, `${p.name} hears music in a full room`);
    }
    assert.ok(mix.counters.received >= 3 * 80, `mix received ${mix.counters.received}`);

    // c leaves: a and b hear only each other.
    assert.equal(mix.remove('c'), true);
    assert.equal(mix.remove('c'), false);
    const after = Date.now();
    await talk(peers, 50);
    await new Promise((r) => setTimeout(r, 100));
    const heardA = heardSince(a, after + 200);
    assert.ok(toneShare(heardA, 1100) > 0.5, 'a still hears b');
    assert.ok(toneShare(heardA, 1900) < 0.01, 'a no longer hears c');
    const { unknown } = mix.counters;
    assert.ok(unknown === 0 || mix.counters.received > unknown, 'late packets of c are counted as unknown, nothing else');
  } finally {
    mix.close();
    mix.close();
    for (const p of peers) {
      p.leg.close();
      p.socket.close();
    }
    routerU.close();
    routerA.close();
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual({ ...engine.counters, workers: 0 }, { workers: 0, routers: 0, transports: 0, producers: 0, consumers: 0 });
});

test('a party whose router closes under the mix is refused, and the room stays usable', async () => {
  const router = await engine.createRouter(PCMU);
  const mix = await ConferenceMix.open();
  try {
    const a = await peer('a', 500, router, PCMU);
    try {
      router.close();
      await assert.rejects(mix.add('a', { router, codecs: PCMU, producerId: a.leg.producerId! }));
      assert.equal(mix.size, 0);
    } finally {
      a.leg.close();
      a.socket.close();
    }
    const router2 = await engine.createRouter(PCMU);
    const b = await peer('b', 1100, router2, PCMU);
    try {
      assert.ok(await mix.add('b', { router: router2, codecs: PCMU, producerId: b.leg.producerId! }));
      assert.equal(mix.size, 1);
    } finally {
      mix.close();
      b.leg.close();
      b.socket.close();
      router2.close();
    }
  } finally {
    mix.close();
  }
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual({ ...engine.counters, workers: 0 }, { workers: 0, routers: 0, transports: 0, producers: 0, consumers: 0 });
});

test('a ninth party is refused by the mixer', async () => {
  const router = await engine.createRouter(PCMU);
  const mix = await ConferenceMix.open();
  const peers: Peer[] = [];
  try {
    for (let i = 0; i < 9; i++) peers.push(await peer(`p${i}`, 400 + 100 * i, router, PCMU));
    for (let i = 0; i < 8; i++) await mix.add(`p${i}`, { router, codecs: PCMU, producerId: peers[i].leg.producerId! });
    await assert.rejects(mix.add('p8', { router, codecs: PCMU, producerId: peers[8].leg.producerId! }), /full/);
    assert.equal(mix.size, 8);
  } finally {
    mix.close();
    for (const p of peers) {
      p.leg.close();
      p.socket.close();
    }
    router.close();
  }
});

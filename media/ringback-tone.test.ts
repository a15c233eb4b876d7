// The generated ringback: the cadence (on, then silence) and frequency of each style, measured
// with the Goertzel tone share through G.711; and real mediasoup: a RingbackTone started on a
// SIP leg reaches its peer as paced RTP carrying 450 Hz, stops on stop(), closes idempotently.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { MediaEngine } from './media-engine.ts';
import { SipLegMedia } from './sip-leg-media.ts';
import { RINGBACK_CADENCES, RingbackTone, ringbackSamples } from './ringback-tone.ts';
import { parseRtp } from './rtp-event.ts';
import { decodeUlaw, encodeUlaw, decodeAlaw, encodeAlaw } from './g711.ts';
import { toneShare } from './tone-share.ts';

const codecs = { codec: { name: 'PCMU' as const, payloadType: 0 }, telephoneEventPayloadType: 101 };

function rms(samples: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < samples.length; i++) s += samples[i] * samples[i];
  return Math.sqrt(s / Math.max(1, samples.length));
}

test('cn ringback: one period is 5 s, 450 Hz for the first second, then 4 s of silence; it survives G.711', () => {
  const period = ringbackSamples('cn');
  assert.equal(period.length, 5 * 8000);
  const on = period.subarray(0, 8000);
  const off = period.subarray(8000);
  for (const samples of [on, decodeUlaw(encodeUlaw(on)), decodeAlaw(encodeAlaw(on))]) {
    assert.ok(toneShare(samples, 450) > 0.95, `450 Hz share ${toneShare(samples, 450).toFixed(3)}`);
    assert.ok(toneShare(samples, 440 + 100) < 0.01 && toneShare(samples, 1000) < 0.01, 'nothing else');
  }
  const level = rms(on);
  assert.ok(level > 3000 && level < 6000, `a comfortable level (rms ${level.toFixed(0)})`);
  assert.equal(rms(off), 0, 'the off part is silence');
  // Each 100 ms of the first second carries the tone (no gap), none after it does.
  for (let t = 0; t < 50; t++) {
    const slice = period.subarray(t * 800, (t + 1) * 800);
    if (t < 10) assert.ok(rms(slice) > 2500, `tone in ${t * 100}-${t * 100 + 100} ms`);
    else assert.equal(rms(slice), 0, `silence in ${t * 100} ms`);
  }
  assert.equal(ringbackSamples('cn'), period, 'generated once');
  assert.equal(ringbackSamples(), period, 'cn is the default');
});

test('us ringback: 440 + 480 Hz for 2 s, then 4 s of silence', () => {
  const period = ringbackSamples('us');
  const { onMs, offMs } = RINGBACK_CADENCES.us;
  assert.equal(period.length, ((onMs + offMs) * 8000) / 1000);
  const on = decodeUlaw(encodeUlaw(period.subarray(0, 16000)));
  const both = toneShare(on, 440) + toneShare(on, 480);
  assert.ok(toneShare(on, 440) > 0.4 && toneShare(on, 480) > 0.4 && both > 0.95, `440 ${toneShare(on, 440).toFixed(3)}, 480 ${toneShare(on, 480).toFixed(3)}`);
  assert.ok(toneShare(on, 450) < 0.5, 'not the Chinese tone');
  assert.equal(rms(period.subarray(16000)), 0);
});

let engine: MediaEngine;
before(async () => {
  engine = await MediaEngine.start({ workers: 1, listenIp: '127.0.0.1', rtpMinPort: 46100, rtpMaxPort: 46199, log: { warn() {}, error() {} } });
});
after(async () => {
  await engine.close();
});

test('a RingbackTone plays 450 Hz to a real leg\'s peer as paced RTP until stopped; close() is idempotent', async () => {
  const router = await engine.createRouter(codecs);
  const peer = dgram.createSocket('udp4');
  peer.bind(0, '127.0.0.1');
  await once(peer, 'listening');
  const leg = await SipLegMedia.create(router, codecs, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', portRange: { min: 46100, max: 46199 }, comedia: false });
  await leg.start({ address: '127.0.0.1', port: peer.address().port });
  const got: Buffer[] = [];
  peer.on('message', (m) => {
    const rtp = parseRtp(m);
    if (rtp) got.push(Buffer.from(rtp.payload));
  });
  const tone = await RingbackTone.create(router, codecs, 'cn');
  try {
    assert.equal(tone.playing, false);
    tone.start(leg);
    tone.start(leg); // idempotent
    assert.equal(tone.playing, true);
    await new Promise((r) => setTimeout(r, 800));
    const heard = decodeUlaw(Buffer.concat(got));
    assert.ok(got.length >= 25, `paced RTP reaches the peer (${got.length} packets in 800 ms)`);
    assert.ok(toneShare(heard, 450) > 0.9, `the peer hears 450 Hz (share ${toneShare(heard, 450).toFixed(3)})`);
    tone.stop();
    await new Promise((r) => setTimeout(r, 60));
    const count = got.length;
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(got.length - count <= 1, 'nothing after stop');
  } finally {
    tone.close();
    tone.close();
    assert.equal(tone.playing, false);
    leg.close();
    router.close();
    peer.close();
  }
});

// Real mediasoup: a prompt from the box's prompt set, played by a PromptPlayer, reaches a SIP
// leg's peer as paced G.711 RTP carrying the prompt's audio; loops and stops on request.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { MediaEngine } from './media-engine.ts';
import { SipLegMedia } from './sip-leg-media.ts';
import { PromptPlayer } from './prompt-player.ts';
import { PromptLibrary } from './prompt-library.ts';
import { parseRtp } from './rtp-event.ts';
import { decodeUlaw } from './g711.ts';

const log = { warn() {}, error() {} };
const codecs = { codec: { name: 'PCMU' as const, payloadType: 0 }, telephoneEventPayloadType: 101 };
let engine: MediaEngine;
const library = new PromptLibrary(resolve(import.meta.dirname, '../build/prompts'));

before(async () => {
  engine = await MediaEngine.start({ workers: 1, listenIp: '127.0.0.1', rtpMinPort: 41000, rtpMaxPort: 41999, log });
});
after(async () => {
  await engine.close();
});

async function legWithPeer() {
  const router = await engine.createRouter(codecs);
  const peer = dgram.createSocket('udp4');
  peer.bind(0, '127.0.0.1');
  await once(peer, 'listening');
  const leg = await SipLegMedia.create(router, codecs, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', portRange: { min: 41000, max: 41999 }, comedia: false });
  await leg.start({ address: '127.0.0.1', port: peer.address().port });
  const got: { at: number; payload: Buffer }[] = [];
  peer.on('message', (m) => {
    const rtp = parseRtp(m);
    if (rtp) got.push({ at: Date.now(), payload: Buffer.from(rtp.payload) });
  });
  return { router, peer, leg, got };
}

function rms(samples: Int16Array): number {
  let s = 0;
  for (const v of samples) s += v * v;
  return Math.sqrt(s / Math.max(1, samples.length));
}

test('a prompt plays to the leg\'s peer at 50 packets a second with the prompt\'s own audio', async () => {
  const { router, peer, leg, got } = await legWithPeer();
  const player = await PromptPlayer.create(router, codecs);
  await leg.receiveFrom(player);
  const clip = library.clip('digit-5', 'en');
  const started = Date.now();
  assert.equal(await player.play([clip]), 'done');
  const elapsed = Date.now() - started;
  await new Promise((r) => setTimeout(r, 100));
  const frames = Math.ceil(clip.length / 160);
  assert.ok(Math.abs(got.length - frames) <= 2, `${got.length} packets for ${frames} frames`);
  assert.ok(elapsed >= frames * 20 - 60, `paced in real time (${elapsed} ms for ${frames * 20} ms of audio)`);
  const heard = decodeUlaw(Buffer.concat(got.map((g) => g.payload)));
  const ratio = rms(heard) / rms(clip);
  assert.ok(ratio > 0.8 && ratio < 1.25, `level preserved through G.711 (ratio ${ratio.toFixed(2)})`);
  player.close();
  leg.close();
  router.close();
  peer.close();
});

test('music on hold loops until stopped, and stop() resolves the play as stopped', async () => {
  const { router, peer, leg, got } = await legWithPeer();
  const player = await PromptPlayer.create(router, codecs);
  await leg.receiveFrom(player);
  const short = library.clip('digit-1', 'en').subarray(0, 1600); // 200 ms
  const playing = player.play([short], { loop: true });
  await new Promise((r) => setTimeout(r, 700));
  player.stop();
  assert.equal(await playing, 'stopped');
  const count = got.length;
  assert.ok(count >= 25, `looped past the 10-frame clip: ${count} packets`);
  await new Promise((r) => setTimeout(r, 200));
  assert.ok(got.length - count <= 1, 'nothing after stop');
  player.close();
  leg.close();
  router.close();
  peer.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(engine.counters.transports, 0);
});

test('an unknown prompt id is a coded error', () => {
  assert.throws(() => library.clip('no-such-prompt', 'en'), (e: any) => e.code === 'CC_MEDIA_PROMPT_MISSING');
  assert.ok(library.has('digit-0', 'zh'));
  assert.ok(library.music().length >= 8000 * 29);
});

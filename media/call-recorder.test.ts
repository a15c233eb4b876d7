// A call recorder on a real mediasoup worker and a real recording thread: two legs' RTP
// becomes the two channels of the WAV, and the worker hands the recorder's packets over in
// batches (worker patch 0005, recording-batch.ts), far fewer datagrams than packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallRecorder } from './call-recorder.ts';
import { encodeUlaw } from './g711.ts';
import { MediaEngine } from './media-engine.ts';
import { RecordingHub } from './recording-hub.ts';
import { SipLegMedia } from './sip-leg-media.ts';
import { readWav } from './wav.ts';

/** What mediasoup logs as errors (media/worker-log.ts forwards them here): none is expected. */
const errors: string[] = [];
const log = { warn() {}, error: (o: { line?: string }, m: string) => void errors.push(o.line ?? m) };

function rtp(seq: number, ssrc: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE((seq * 160) >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([h, payload]);
}

function toneFrame(hz: number, f: number): Buffer {
  const s = new Int16Array(160);
  for (let i = 0; i < 160; i++) s[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * (f * 160 + i)) / 8000));
  return encodeUlaw(s);
}

/** Energy of `x` at `hz` relative to its total energy (a one-bin DFT). */
function share(x: Int16Array, hz: number): number {
  let re = 0;
  let im = 0;
  let all = 0;
  for (let i = 0; i < x.length; i++) {
    re += x[i] * Math.cos((2 * Math.PI * hz * i) / 8000);
    im += x[i] * Math.sin((2 * Math.PI * hz * i) / 8000);
    all += x[i] * x[i];
  }
  return (2 * (re * re + im * im)) / x.length / Math.max(1, all);
}

test('both legs are recorded on their own channel, and the worker batches what it sends the recorder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'call-recorder-test-'));
  const engine = await MediaEngine.start({ workers: 1, listenIp: '127.0.0.1', rtpMinPort: 41000, rtpMaxPort: 41999, log });
  const hub = await RecordingHub.open('127.0.0.1');
  const peers: dgram.Socket[] = [];
  try {
    const codecs = { codec: { name: 'PCMU' as const, payloadType: 0 }, telephoneEventPayloadType: 101 };
    const router = await engine.createRouter(codecs);
    const opts = { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', portRange: { min: 41000, max: 41999 }, comedia: true };
    for (let i = 0; i < 2; i++) {
      const s = dgram.createSocket('udp4');
      s.bind(0, '127.0.0.1');
      await once(s, 'listening');
      peers.push(s);
    }
    const caller = await SipLegMedia.create(router, codecs, opts);
    const callee = await SipLegMedia.create(router, codecs, opts);
    await caller.start(undefined);
    await callee.start(undefined);
    // The first packet creates each leg's producer (SSRC latching); then the recorder follows both.
    peers[0].send(rtp(0, 0x1111, toneFrame(500, 0)), caller.local.port, '127.0.0.1');
    peers[1].send(rtp(0, 0x2222, toneFrame(1500, 0)), callee.local.port, '127.0.0.1');
    for (let i = 0; i < 50 && !(caller.producerId && callee.producerId); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(caller.producerId && callee.producerId, 'both legs have a producer');

    const path = join(dir, 'call.wav');
    const recorder = await CallRecorder.start(router, codecs, hub, path);
    await recorder.follow('caller', caller.producerId);
    await recorder.follow('callee', callee.producerId);
    const before = (await hub.stats())[0];
    const FRAMES = 100;
    for (let f = 1; f <= FRAMES; f++) {
      peers[0].send(rtp(f, 0x1111, toneFrame(500, f)), caller.local.port, '127.0.0.1');
      peers[1].send(rtp(f, 0x2222, toneFrame(1500, f)), callee.local.port, '127.0.0.1');
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 200));
    const after = (await hub.stats())[0];
    const packets = after.received - before.received;
    const batches = after.batches - before.batches;
    assert.ok(packets >= 2 * FRAMES * 0.95, `the recorder got ${packets} of ${2 * FRAMES} packets`);
    assert.ok(batches > 0, `the worker sent batches (${batches}); an unpatched worker sends none`);
    assert.ok(batches < packets, `${batches} batch datagrams carried ${packets} packets`);
    assert.equal(after.unknown, before.unknown, 'every packet belonged to the recording');
    assert.deepEqual(errors, [], 'mediasoup logged no error (a recorder MID over 8 characters made it log one per packet)');

    const summary = await recorder.stop();
    assert.equal(summary.stoppedBy, undefined);
    const wav = readWav(readFileSync(path));
    assert.equal(wav.channels, 2);
    const [left, right] = wav.samples;
    assert.ok(left.length >= 8000 * 1.5, `${left.length / 8} ms recorded`);
    assert.ok(share(left, 500) > 0.5, `the caller's 500 Hz is on the left (${share(left, 500).toFixed(2)})`);
    assert.ok(share(right, 1500) > 0.5, `the callee's 1500 Hz is on the right (${share(right, 1500).toFixed(2)})`);
    assert.ok(share(left, 1500) < 0.05 && share(right, 500) < 0.05, 'no channel carries the other side');
    caller.close();
    callee.close();
    router.close();
  } finally {
    for (const p of peers) p.close();
    await hub.close();
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
  // What the worker printed as it exited is in too: a libuv handle the batching left open made it log one.
  assert.deepEqual(errors, [], 'mediasoup logged no error, up to the worker\'s exit');
});

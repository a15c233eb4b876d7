// A call recorder on a real mediasoup worker and a real recording thread: two legs' RTP
// becomes the two channels of the WAV, and the worker hands the recorder's packets over in
// batches (worker patch 0005, recording-batch.ts), far fewer datagrams than packets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tone } from '../hil-tests/harness/audio.ts';
import { RtpPeer } from '../hil-tests/harness/rtp-peer.ts';
import { CallRecorder } from './call-recorder.ts';
import { MediaEngine } from './media-engine.ts';
import { RecordingHub } from './recording-hub.ts';
import { SipLegMedia } from './sip-leg-media.ts';
import { toneShare } from './tone-share.ts';
import { readWav } from './wav.ts';

/** What mediasoup logs as errors (media/worker-log.ts forwards them here): none is expected. */
const errors: string[] = [];
const log = { warn() {}, error: (o: { line?: string }, m: string) => void errors.push(o.line ?? m) };

test('both legs are recorded on their own channel, and the worker batches what it sends the recorder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'call-recorder-test-'));
  const engine = await MediaEngine.start({ workers: 1, listenIp: '127.0.0.1', rtpMinPort: 41000, rtpMaxPort: 41999, log });
  const hub = await RecordingHub.open('127.0.0.1');
  const peers: RtpPeer[] = [];
  try {
    const codecs = { codec: { name: 'PCMU' as const, payloadType: 0 }, telephoneEventPayloadType: 101 };
    const router = await engine.createRouter(codecs);
    const opts = { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', portRange: { min: 41000, max: 41999 }, comedia: true };
    peers.push(await RtpPeer.open(), await RtpPeer.open());
    const FRAMES = 100;
    const sounds = [tone(500, FRAMES + 1), tone(1500, FRAMES + 1)];
    const caller = await SipLegMedia.create(router, codecs, opts);
    const callee = await SipLegMedia.create(router, codecs, opts);
    await caller.start(undefined);
    await callee.start(undefined);
    // The first packet creates each leg's producer (SSRC latching); then the recorder follows both.
    const legPorts = [caller.local.port, callee.local.port];
    peers.forEach((peer, i) => peer.socket.send(peer.packet(0, sounds[i][0]), legPorts[i], '127.0.0.1'));
    for (let i = 0; i < 50 && !(caller.producerId && callee.producerId); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(caller.producerId && callee.producerId, 'both legs have a producer');

    const path = join(dir, 'call.wav');
    const recorder = await CallRecorder.start(router, codecs, hub, path);
    await recorder.follow('caller', caller.producerId);
    await recorder.follow('callee', callee.producerId);
    const before = (await hub.stats())[0];
    await Promise.all(peers.map((peer, i) => peer.sendStream(sounds[i].slice(1), '127.0.0.1', legPorts[i])));
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
    assert.ok(toneShare(left, 500) > 0.5, `the caller's 500 Hz is on the left (${toneShare(left, 500).toFixed(2)})`);
    assert.ok(toneShare(right, 1500) > 0.5, `the callee's 1500 Hz is on the right (${toneShare(right, 1500).toFixed(2)})`);
    assert.ok(toneShare(left, 1500) < 0.05 && toneShare(right, 500) < 0.05, 'no channel carries the other side');
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

// The recording hub with its real worker thread: RTP sent to the thread's UDP socket becomes a
// two-channel G.711 WAV, in-band DTMF found in the thread reaches the main thread as a digit
// event, and closing the hub ends the thread. Every socket and thread is closed in finally.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeUlaw } from './g711.ts';
import { RecordingHub } from './recording-hub.ts';
import type { RecorderSide } from './recording-protocol.ts';
import { readWav } from './wav.ts';

const dir = mkdtempSync(join(tmpdir(), 'rec-hub-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function rtp(pt: number, seq: number, ssrc: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE((seq * 160) >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([h, payload]);
}

function tone(hz: number, frames: number, amplitude = 8000): Buffer[] {
  return Array.from({ length: frames }, (_, f) => {
    const s = new Int16Array(160);
    for (let i = 0; i < 160; i++) s[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * (f * 160 + i)) / 8000));
    return encodeUlaw(s);
  });
}

function dtmf(row: number, col: number, frames: number): Buffer[] {
  return Array.from({ length: frames }, (_, f) => {
    const s = new Int16Array(160);
    for (let i = 0; i < 160; i++) {
      const t = (f * 160 + i) / 8000;
      s[i] = Math.round(5000 * Math.sin(2 * Math.PI * row * t) + 5000 * Math.sin(2 * Math.PI * col * t));
    }
    return encodeUlaw(s);
  });
}

const rms = (x: Int16Array) => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / Math.max(1, x.length));

test('RTP sent to the worker thread is recorded per SSRC, and in-band digits come back to the main thread', async () => {
  const hub = await RecordingHub.open('127.0.0.1');
  const sender = dgram.createSocket('udp4');
  try {
    sender.bind(0, '127.0.0.1');
    await once(sender, 'listening');
    assert.ok(hub.recvBufferBytes[0] > 0);
    const path = join(dir, 'call.wav');
    const rec = await hub.record({ path, codec: 'PCMU', payloadType: 0, inbandDtmf: ['callee'] });
    const digits: [RecorderSide, string][] = [];
    rec.on('digit', (side, d) => digits.push([side, d]));
    rec.follow('caller', 0x11111111);
    rec.follow('callee', 0xfeedbeef);
    await new Promise((r) => setTimeout(r, 50)); // the follow messages reach the thread
    const silence = Array.from({ length: 10 }, () => Buffer.alloc(160, 0xff));
    const caller = tone(500, 60);
    const callee = [...silence, ...dtmf(852, 1209, 6), ...silence, ...tone(1500, 34)]; // 7, then a tone
    const { address, port } = { address: rec.address.ip, port: rec.address.port };
    for (let f = 0; f < 60; f++) {
      sender.send(rtp(0, f, 0x11111111, caller[f]), port, address);
      sender.send(rtp(0, f, 0xfeedbeef, callee[f]), port, address);
      sender.send(rtp(101, f, 0xfeedbeef, Buffer.alloc(4)), port, address); // not the codec: not audio
      sender.send(rtp(0, f, 0x22222222, Buffer.alloc(160, 0)), port, address); // nobody's SSRC
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 150));
    const [stats] = await hub.stats();
    assert.equal(stats.recordings, 1);
    assert.equal(stats.receive, 'fd', 'the socket is drained by descriptor, not one event per packet');
    assert.equal(stats.batches, 0, 'plain RTP datagrams, no worker batches');
    assert.deepEqual([stats.lateBytes, stats.reanchors], [0, 0]);
    assert.ok(stats.unknown >= 55, `unknown SSRC packets counted: ${JSON.stringify(stats)}`);
    const summary = await rec.stop();
    assert.equal(await rec.stop(), summary, 'stop is idempotent');
    assert.equal(summary.stoppedBy, undefined);
    assert.equal(summary.bytes, statSync(path).size);
    const wav = readWav(readFileSync(path));
    assert.equal(wav.channels, 2);
    assert.ok(Math.abs(summary.durationMs - (wav.samples[0].length / 8)) < 1);
    assert.ok(summary.durationMs > 1000 && summary.durationMs < 2500, `duration ${summary.durationMs} ms`);
    const [left, right] = wav.samples;
    assert.ok(rms(left) > 2000, 'the caller tone is on the left');
    assert.ok(rms(right) > 1000, 'the callee audio is on the right');
    assert.deepEqual(digits, [['callee', '7']]);
  } finally {
    sender.close();
    await hub.close();
  }
  assert.equal(hub.workers, 0, 'the thread has ended');
});

test('a recording that cannot create its file is refused with a coded error and the hub goes on', async () => {
  const hub = await RecordingHub.open('127.0.0.1', { workers: 2 });
  try {
    await assert.rejects(hub.record({ path: join(dir, 'missing', 'x.wav'), codec: 'PCMA', payloadType: 8, inbandDtmf: [] }), (e: { code?: string }) => e.code === 'CC_MEDIA_WAV_WRITE_FAILED');
    const a = await hub.record({ path: join(dir, 'a.wav'), codec: 'PCMA', payloadType: 8, inbandDtmf: [] });
    const b = await hub.record({ path: join(dir, 'b.wav'), codec: 'PCMA', payloadType: 8, inbandDtmf: [] });
    assert.notEqual(a.address.port, b.address.port, 'two threads share the recordings');
    await Promise.all([a.stop(), b.stop()]);
    assert.equal(readFileSync(join(dir, 'a.wav')).readUInt16LE(20), 6);
  } finally {
    await hub.close();
  }
});

test('a recording still open when the hub closes is finished; its stop then reads the file', async () => {
  const hub = await RecordingHub.open('127.0.0.1');
  const path = join(dir, 'open-at-close.wav');
  let rec;
  try {
    rec = await hub.record({ path, codec: 'PCMU', payloadType: 0, inbandDtmf: [] });
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await hub.close();
  }
  const summary = await rec.stop();
  assert.equal(summary.bytes, statSync(path).size);
  const wav = readWav(readFileSync(path));
  assert.ok(wav.samples[0].length >= 8 * 200, `${wav.samples[0].length} samples`);
  await assert.rejects(hub.record({ path: join(dir, 'late.wav'), codec: 'PCMU', payloadType: 0, inbandDtmf: [] }));
});

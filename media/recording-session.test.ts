// One call's recording without threads or sockets: payloads pushed per side, 20 ms ticks
// driven by the test, the file read back with readWav (and sox as an independent reader).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAlaw, encodeUlaw } from './g711.ts';
import type { RecorderSide, RecordingSpec } from './recording-protocol.ts';
import { RecordingSession } from './recording-session.ts';
import { readWav } from './wav.ts';

const dir = mkdtempSync(join(tmpdir(), 'rec-session-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function spec(over: Partial<RecordingSpec> = {}): RecordingSpec {
  return { path: join(dir, `r${++n}.wav`), codec: 'PCMU', payloadType: 0, inbandDtmf: [], ...over };
}

function tone(hz: number, samples: number, amplitude = 8000, from = 0): Int16Array {
  const s = new Int16Array(samples);
  for (let i = 0; i < samples; i++) s[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * (from + i)) / 8000));
  return s;
}

function open(s: RecordingSpec, digits: [RecorderSide, string][] = [], failures: string[] = []) {
  return RecordingSession.open(s, { onFailed: (code) => failures.push(code), onDigit: (side, d) => digits.push([side, d]) });
}

test('caller left, callee right: the G.711 bytes go to the file as they came, after a 3-frame playout buffer', async () => {
  const s = spec();
  const rec = await open(s);
  const callerBytes = encodeUlaw(tone(500, 160 * 50));
  const calleeBytes = encodeUlaw(tone(1500, 160 * 50));
  for (let f = 0; f < 50; f++) {
    rec.push('caller', callerBytes.subarray(f * 160, (f + 1) * 160));
    rec.push('callee', calleeBytes.subarray(f * 160, (f + 1) * 160));
    if (f >= 2) rec.tick();
  }
  for (let f = 0; f < 2; f++) rec.tick();
  const summary = await rec.stop();
  const buf = readFileSync(s.path);
  assert.equal(buf.readUInt16LE(20), 7, 'WAV format tag 7 (μ-law)');
  assert.equal(buf.readUInt16LE(22), 2);
  assert.equal(buf.readUInt32LE(24), 8000);
  assert.equal(summary.bytes, statSync(s.path).size);
  assert.equal(summary.bytes, 58 + 50 * 320);
  assert.equal(summary.durationMs, 1000);
  assert.equal(summary.sha256, createHash('sha256').update(buf).digest('hex'));
  assert.deepEqual(summary.filledFrames, { caller: 0, callee: 0 });
  assert.equal(summary.stoppedBy, undefined);
  const data = buf.subarray(58);
  for (let i = 0; i < 160 * 50; i++) {
    assert.equal(data[2 * i], callerBytes[i]);
    assert.equal(data[2 * i + 1], calleeBytes[i]);
  }
  const wav = readWav(buf);
  assert.equal(wav.channels, 2);
  assert.equal(wav.samples[0].length, 8000);
  assert.match(execFileSync('sox', ['--i', s.path], { encoding: 'utf8' }), /u-law/);
});

test('an A-law call is written as A-law (format tag 6) with A-law silence for a side that sent nothing', async () => {
  const s = spec({ codec: 'PCMA', payloadType: 8 });
  const rec = await open(s);
  const bytes = encodeAlaw(tone(700, 160 * 10));
  for (let f = 0; f < 10; f++) rec.push('caller', bytes.subarray(f * 160, (f + 1) * 160));
  for (let f = 0; f < 10; f++) rec.tick();
  const summary = await rec.stop();
  const buf = readFileSync(s.path);
  assert.equal(buf.readUInt16LE(20), 6);
  const data = buf.subarray(58);
  assert.equal(data.length, 10 * 320);
  for (let i = 0; i < 1600; i++) {
    assert.equal(data[2 * i], bytes[i]);
    assert.equal(data[2 * i + 1], 0xd5, 'A-law silence on the right');
  }
  assert.deepEqual(summary.filledFrames, { caller: 0, callee: 0 }, 'silence before a side ever spoke is not a gap');
  assert.match(execFileSync('sox', ['--i', s.path], { encoding: 'utf8' }), /A-law/);
});

test('30 ms packets are written whole, and a side that runs dry counts its filled frames', async () => {
  const s = spec();
  const rec = await open(s);
  const bytes = encodeUlaw(tone(440, 240 * 20));
  // 20 packets of 30 ms (600 ms) delivered at their pace against 20 ms ticks.
  let t = 0;
  for (let p = 0; p < 20; p++) {
    rec.push('caller', bytes.subarray(p * 240, (p + 1) * 240));
    for (; t + 20 <= (p + 1) * 30; t += 20) if (t >= 40) rec.tick();
  }
  for (let i = 0; i < 10; i++) rec.tick(); // drains, then 4+ frames of silence
  const summary = await rec.stop();
  const data = readFileSync(s.path).subarray(58);
  const left = Uint8Array.from({ length: data.length / 2 }, (_, i) => data[2 * i]);
  assert.ok(Buffer.from(left).includes(bytes), 'every byte sent is in the file, in order');
  assert.ok(summary.filledFrames.caller >= 4, `gap frames ${summary.filledFrames.caller}`);
  assert.equal(summary.filledFrames.callee, 0);
});

test('a side more than 200 ms ahead loses its oldest audio, not the newest', async () => {
  const s = spec();
  const rec = await open(s);
  for (let f = 0; f < 30; f++) rec.push('callee', Buffer.alloc(160, f));
  assert.equal(rec.overflowBytes, 20 * 160);
  for (let i = 0; i < 10; i++) rec.tick();
  await rec.stop();
  const data = readFileSync(s.path).subarray(58);
  for (let f = 0; f < 10; f++) assert.equal(data[f * 320 + 1], 20 + f);
});

test('in-band DTMF is detected only on the sides asked for, from the G.711 audio', async () => {
  const s = spec({ inbandDtmf: ['caller'] });
  const digits: [RecorderSide, string][] = [];
  const rec = await open(s, digits);
  const key = (row: number, col: number, frames: number) => {
    const a = tone(row, 160 * frames, 5000);
    const b = tone(col, 160 * frames, 5000);
    for (let i = 0; i < a.length; i++) a[i] += b[i];
    return encodeUlaw(a);
  };
  const silence = Buffer.alloc(160 * 10, 0xff);
  const seq = Buffer.concat([silence, key(770, 1336, 5), silence, key(941, 1477, 5), silence]); // 5, #
  for (let f = 0; f < seq.length / 160; f++) {
    const frame = seq.subarray(f * 160, (f + 1) * 160);
    rec.push('caller', frame);
    rec.push('callee', frame);
    rec.tick();
  }
  for (let i = 0; i < 5; i++) rec.tick();
  await rec.stop();
  assert.deepEqual(digits, [['caller', '5'], ['caller', '#']]);
});

test('stop is idempotent and audio after it is ignored', async () => {
  const s = spec();
  const rec = await open(s);
  const a = rec.stop();
  rec.push('caller', Buffer.alloc(160));
  rec.tick();
  assert.equal(a, rec.stop());
  assert.equal((await a).bytes, 58);
});

test('a recording that cannot create its file rejects with a coded error', async () => {
  await assert.rejects(open(spec({ path: join(dir, 'no', 'such', 'dir', 'x.wav') })), (e: { code?: string }) => e.code === 'CC_MEDIA_WAV_WRITE_FAILED');
});

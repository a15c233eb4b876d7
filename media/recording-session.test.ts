// One call's recording without threads or sockets: payloads pushed per side with their RTP
// timestamps at test-chosen times (a fake clock), the file read back with readWav and sox.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAlaw, encodeUlaw } from './g711.ts';
import type { RecorderSide, RecordingSpec } from './recording-protocol.ts';
import { PLAYOUT_DELAY_MS, RecordingSession } from './recording-session.ts';
import { readWav } from './wav.ts';

const dir = mkdtempSync(join(tmpdir(), 'rec-session-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function spec(over: Partial<RecordingSpec> = {}): RecordingSpec {
  return { path: join(dir, `r${++n}.wav`), codec: 'PCMU', payloadType: 0, inbandDtmf: [], ...over };
}

function tone(hz: number, samples: number, amplitude = 8000): Int16Array {
  const s = new Int16Array(samples);
  for (let i = 0; i < samples; i++) s[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 8000));
  return s;
}

/** A session on a fake clock: `at(ms)` moves time (and ticks, as the worker's frame clock would). */
async function session(s: RecordingSpec, digits: [RecorderSide, string][] = []) {
  let t = 0; // ms since the session opened
  const rec = await RecordingSession.open(s, { onFailed: () => undefined, onDigit: (side, d) => digits.push([side, d]), now: () => 1_000 + t });
  return {
    rec,
    at(ms: number) {
      while (t < ms) {
        t = Math.min(ms, t + 20);
        rec.tick();
      }
    },
    /** One packet of `side`: bytes[from, from + len) with RTP timestamp base + from. */
    send(side: RecorderSide, bytes: Uint8Array, from: number, len: number, base = 1000) {
      rec.push(side, bytes, from, from + len, (base + from) >>> 0);
    },
  };
}

function channels(file: string): [Buffer, Buffer] {
  const data = readFileSync(file).subarray(58);
  const l = Buffer.alloc(data.length / 2);
  const r = Buffer.alloc(data.length / 2);
  for (let i = 0; i < l.length; i++) {
    l[i] = data[2 * i];
    r[i] = data[2 * i + 1];
  }
  return [l, r];
}

test('caller left, callee right: the G.711 bytes go to the file as they came, aligned by arrival', async () => {
  const s = spec();
  const { rec, at, send } = await session(s);
  const callerBytes = encodeUlaw(tone(500, 160 * 50));
  const calleeBytes = encodeUlaw(tone(1500, 160 * 50));
  for (let f = 0; f < 50; f++) {
    at(f * 20);
    send('caller', callerBytes, f * 160, 160, 12345);
    send('callee', calleeBytes, f * 160, 160, 0xffffff00); // its timestamps wrap round
  }
  at(1000);
  const summary = await rec.stop();
  const buf = readFileSync(s.path);
  assert.equal(buf.readUInt16LE(20), 7, 'WAV format tag 7 (μ-law)');
  assert.equal(buf.readUInt16LE(22), 2);
  assert.equal(buf.readUInt32LE(24), 8000);
  assert.equal(summary.bytes, statSync(s.path).size);
  assert.equal(summary.bytes, 58 + 50 * 320, 'the file lasts as long as the recording ran');
  assert.equal(summary.durationMs, 1000);
  assert.equal(summary.sha256, createHash('sha256').update(buf).digest('hex'));
  assert.deepEqual(summary.filledFrames, { caller: 0, callee: 0 });
  assert.equal(summary.stoppedBy, undefined);
  const [l, r] = channels(s.path);
  assert.ok(l.equals(callerBytes) && r.equals(calleeBytes), 'every byte in place, the last 500 ms written at the stop');
  assert.equal(readWav(buf).samples[0].length, 8000);
  assert.match(execFileSync('sox', ['--i', s.path], { encoding: 'utf8' }), /u-law/);
});

test('an A-law call is written as A-law (format tag 6) with A-law silence for a side that sent nothing', async () => {
  const s = spec({ codec: 'PCMA', payloadType: 8 });
  const { rec, at, send } = await session(s);
  const bytes = encodeAlaw(tone(700, 160 * 10));
  for (let f = 0; f < 10; f++) {
    at(100 + f * 20);
    send('caller', bytes, f * 160, 160);
  }
  at(300);
  const summary = await rec.stop();
  assert.equal(readFileSync(s.path).readUInt16LE(20), 6);
  const [l, r] = channels(s.path);
  assert.equal(l.length, 2400);
  assert.ok(l.subarray(0, 800).every((b) => b === 0xd5), 'silence until the caller\'s first packet');
  assert.ok(l.subarray(800, 2400).equals(bytes));
  assert.ok(r.every((b) => b === 0xd5), 'A-law silence on the right');
  assert.deepEqual(summary.filledFrames, { caller: 0, callee: 0 }, 'silence before a side ever spoke is not a gap');
  assert.match(execFileSync('sox', ['--i', s.path], { encoding: 'utf8' }), /A-law/);
});

test('bursts of late packets (a busy box) land where their timestamps say: no gap, nothing lost', async () => {
  const s = spec();
  const { rec, at, send } = await session(s);
  const bytes = encodeUlaw(tone(440, 160 * 100));
  at(0);
  send('caller', bytes, 0, 160);
  // The other 99 packets come in bursts, up to 400 ms after their time, one burst out of order.
  const bursts = [[1, 20, 420], [40, 60, 800], [20, 40, 820], [60, 100, 1500]];
  for (const [a, b, when] of bursts) {
    at(when);
    for (let f = a; f < b; f++) send('caller', bytes, f * 160, 160);
  }
  at(2500);
  const summary = await rec.stop();
  const [l] = channels(s.path);
  assert.ok(l.subarray(0, 16000).equals(bytes));
  assert.equal(summary.filledFrames.caller, (2500 - 2000) / 20, 'only the silence after the caller stopped counts as gap');
  assert.deepEqual(rec.late, { bytes: 0, reanchors: 0 });
});

test('30 ms packets are written whole, and a side that stops sending counts its filled frames', async () => {
  const s = spec();
  const { rec, at, send } = await session(s);
  const bytes = encodeUlaw(tone(440, 240 * 20));
  for (let p = 0; p < 20; p++) {
    at(p * 30);
    send('caller', bytes, p * 240, 240);
  }
  at(800);
  const summary = await rec.stop();
  const [l] = channels(s.path);
  assert.ok(l.subarray(0, bytes.length).equals(bytes), 'every byte sent is in the file, in order');
  assert.equal(summary.filledFrames.caller, (800 - 600) / 20);
  assert.equal(summary.filledFrames.callee, 0);
});

test('a lost packet is a counted gap of silence; packets too late for their place are dropped, a run of them re-anchors the stream', async () => {
  const s = spec();
  const { rec, at, send } = await session(s);
  const bytes = encodeUlaw(tone(600, 160 * 200));
  for (let f = 0; f < 50; f++) {
    at(f * 20);
    if (f !== 10) send('caller', bytes, f * 160, 160); // packet 10 is lost
  }
  at(1000 + PLAYOUT_DELAY_MS + 100);
  send('caller', bytes, 10 * 160, 160); // long after its place was written
  assert.deepEqual(rec.late, { bytes: 160, reanchors: 0 });
  send('caller', bytes, 70 * 160, 160); // on time for its place (1400 ms): the run of late ones is broken
  // The sender's timestamps jump back 10 s: four packets are dropped as late, the fifth is placed anew.
  for (let f = 0; f < 6; f++) send('caller', bytes, f * 160, 160, 1000 - 80_000);
  assert.deepEqual(rec.late, { bytes: 160 * 5, reanchors: 1 });
  at(2000);
  const summary = await rec.stop();
  const [l] = channels(s.path);
  assert.ok(l.subarray(1600, 1760).every((b) => b === 0xff), 'the lost packet is silence');
  assert.ok(l.subarray(0, 1600).equals(bytes.subarray(0, 1600)) && l.subarray(1760, 8000).equals(bytes.subarray(1760, 8000)));
  assert.ok(l.subarray(11200, 11360).equals(bytes.subarray(70 * 160, 71 * 160)));
  assert.ok(l.subarray(12800, 13120).equals(bytes.subarray(4 * 160, 6 * 160)), 'the re-anchored packets sit where they arrived (1600 ms)');
  // Gaps: the lost packet, 1000-1400 ms, 1420-1600 ms, 1640-2000 ms.
  assert.equal(summary.filledFrames.caller, 1 + 20 + 9 + 18);
});

test('a stream that starts again (another producer followed) is anchored where its first packet arrives', async () => {
  const s = spec();
  const { rec, at, send } = await session(s);
  at(0);
  send('callee', Buffer.alloc(160, 0x11), 0, 160, 5000);
  at(200);
  rec.restart('callee');
  send('callee', Buffer.alloc(160, 0x22), 0, 160, 999_999);
  at(600);
  await rec.stop();
  const [, r] = channels(s.path);
  assert.ok(r.subarray(0, 160).every((b) => b === 0x11));
  assert.ok(r.subarray(1600, 1760).every((b) => b === 0x22));
  assert.deepEqual(rec.late, { bytes: 0, reanchors: 0 });
});

test('in-band DTMF is detected as packets arrive (not after the playout delay), only on the sides asked for', async () => {
  const s = spec({ inbandDtmf: ['caller'] });
  const digits: [RecorderSide, string][] = [];
  const { rec, at, send } = await session(s, digits);
  const key = (row: number, col: number, frames: number) => {
    const a = tone(row, 160 * frames, 5000);
    const b = tone(col, 160 * frames, 5000);
    for (let i = 0; i < a.length; i++) a[i] += b[i];
    return encodeUlaw(a);
  };
  const silence = Buffer.alloc(160 * 10, 0xff);
  const seq = Buffer.concat([silence, key(770, 1336, 5), silence, key(941, 1477, 5), silence]); // 5, #
  const frames = seq.length / 160;
  for (let f = 0; f < frames; f++) {
    if (f === 14) continue; // a packet lost in the middle of the tone is silence to the detector, not a new key press
    at(f * 20);
    send('caller', seq, f * 160, 160);
    send('callee', seq, f * 160, 160);
    if (f === 20) assert.deepEqual(digits, [['caller', '5']], 'the digit is reported as soon as its tone is heard');
  }
  await rec.stop();
  assert.deepEqual(digits, [['caller', '5'], ['caller', '#']]);
});

test('stop is idempotent and audio after it is ignored', async () => {
  const s = spec();
  const { rec, send } = await session(s);
  const a = rec.stop();
  send('caller', Buffer.alloc(160), 0, 160);
  rec.tick();
  assert.equal(a, rec.stop());
  assert.equal((await a).bytes, 58);
});

test('a recording that cannot create its file rejects with a coded error', async () => {
  await assert.rejects(session(spec({ path: join(dir, 'no', 'such', 'dir', 'x.wav') })), (e: { code?: string }) => e.code === 'CC_MEDIA_WAV_WRITE_FAILED');
});

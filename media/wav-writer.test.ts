// The streaming WAV writer (wav-writer.ts): files sox accepts, G.711 appends, flushes that keep
// the file valid while it grows, a crash or a full disk losing at most the unflushed second.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open as fsOpen } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeAlaw, encodeUlaw } from './g711.ts';
import { WavError, readWav } from './wav.ts';
import { WavFileWriter, type WavFileHandle } from './wav-writer.ts';
import { sox, soxInfo, soxLevels, tone } from './sox-testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'wav-writer-test-'));
let fileNo = 0;
const tmp = (ext = 'wav') => join(dir, `f${++fileNo}.${ext}`);

const FRAME = 160; // 20 ms at 8 kHz

/** Continuous-phase tone split into 20 ms frames. */
function frames(freq: number, amplitude: number, seconds: number): Int16Array[] {
  const all = tone(freq, amplitude, Math.round(seconds * 8000));
  const out: Int16Array[] = [];
  for (let i = 0; i < all.length; i += FRAME) out.push(all.subarray(i, i + FRAME));
  return out;
}

test('a mono 16-bit recording is a valid WAV for sox with the right duration and level', async () => {
  const file = tmp();
  const w = await WavFileWriter.open(file);
  const audio = frames(1000, 16384, 2.5); // −6.02 dBFS peak, −9.03 dBFS RMS
  for (const f of audio) w.append(f);
  const summary = await w.close();
  const info = soxInfo(file);
  assert.deepEqual({ ...info }, { channels: 1, rate: 8000, samples: 20000, seconds: 2.5, encoding: 'Signed Integer PCM' });
  const lv = soxLevels(file);
  assert.ok(Math.abs(lv.pk[0] - -6.02) <= 0.05, `peak ${lv.pk[0]}`);
  assert.ok(Math.abs(lv.rms[0] - -9.03) <= 0.05, `rms ${lv.rms[0]}`);
  assert.equal(summary.bytesWritten, statSync(file).size);
  assert.equal(summary.bytesWritten, 44 + 40000);
  assert.equal(summary.frames, 20000);
  assert.equal(summary.durationMs, 2500);
  const back = readWav(readFileSync(file));
  assert.deepEqual(back.samples[0], Int16Array.from(audio.flatMap((f) => Array.from(f))));
});

test('a stereo recording keeps the caller on the left and the callee on the right', async () => {
  const file = tmp();
  const w = await WavFileWriter.open(file, { channels: 2 });
  const left = frames(1000, 16384, 1); // −6.02 / −9.03 dBFS
  const right = frames(440, 8192, 1); // −12.04 / −15.05 dBFS
  left.forEach((l, i) => w.append([l, right[i]]));
  await w.close();
  const info = soxInfo(file);
  assert.equal(info.channels, 2);
  assert.equal(info.samples, 8000);
  assert.equal(info.seconds, 1);
  const lv = soxLevels(file);
  assert.ok(Math.abs(lv.pk[0] - -6.02) <= 0.05 && Math.abs(lv.rms[0] - -9.03) <= 0.05, `left ${JSON.stringify(lv)}`);
  assert.ok(Math.abs(lv.pk[1] - -12.04) <= 0.05 && Math.abs(lv.rms[1] - -15.05) <= 0.05, `right ${JSON.stringify(lv)}`);
});

test('a stereo μ-law recording is a valid WAV for sox, within G.711 accuracy of the levels', async () => {
  const file = tmp();
  const w = await WavFileWriter.open(file, { channels: 2, encoding: 'ulaw' });
  const left = frames(1000, 16384, 1.5);
  const right = frames(440, 8192, 1.5);
  // Interleaved frames this time.
  left.forEach((l, i) => {
    const x = new Int16Array(l.length * 2);
    for (let k = 0; k < l.length; k++) {
      x[2 * k] = l[k];
      x[2 * k + 1] = right[i][k];
    }
    w.append(x);
  });
  const summary = await w.close();
  const info = soxInfo(file);
  assert.deepEqual({ ...info }, { channels: 2, rate: 8000, samples: 12000, seconds: 1.5, encoding: 'u-law' });
  assert.equal(summary.bytesWritten, statSync(file).size);
  assert.equal(summary.bytesWritten, 58 + 24000);
  const lv = soxLevels(file);
  assert.ok(Math.abs(lv.rms[0] - -9.03) <= 0.1, `left ${lv.rms[0]}`);
  assert.ok(Math.abs(lv.rms[1] - -15.05) <= 0.1, `right ${lv.rms[1]}`);
  assert.equal(readWav(readFileSync(file)).samples[1].length, 12000);
});

test('G.711 bytes appended as they came off the wire (μ-law and A-law) are the file\'s data, and sox reads them', async () => {
  for (const [encoding, tag, law, encode] of [['ulaw', 7, 'u-law', encodeUlaw], ['alaw', 6, 'A-law', encodeAlaw]] as const) {
    const file = tmp();
    const w = await WavFileWriter.open(file, { channels: 2, encoding, flushIntervalMs: 100 });
    const left = encode(tone(1000, 16384, 12000));
    const right = encode(tone(440, 8192, 12000));
    const frame = Buffer.alloc(320);
    for (let f = 0; f < 75; f++) {
      for (let i = 0; i < 160; i++) {
        frame[2 * i] = left[f * 160 + i];
        frame[2 * i + 1] = right[f * 160 + i];
      }
      w.appendEncoded(frame); // reused by the caller: the writer copies it
      if (f % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    assert.throws(() => w.appendEncoded(Buffer.alloc(3)), RangeError);
    const summary = await w.close();
    const buf = readFileSync(file);
    assert.equal(buf.readUInt16LE(20), tag);
    assert.equal(summary.bytesWritten, buf.length);
    assert.equal(buf.length, 58 + 24000);
    for (let i = 0; i < 12000; i++) assert.ok(buf[58 + 2 * i] === left[i] && buf[59 + 2 * i] === right[i], `sample ${i}`);
    assert.deepEqual({ ...soxInfo(file) }, { channels: 2, rate: 8000, samples: 12000, seconds: 1.5, encoding: law });
    const lv = soxLevels(file);
    assert.ok(Math.abs(lv.rms[0] - -9.03) <= 0.1 && Math.abs(lv.rms[1] - -15.05) <= 0.1, `${encoding} levels ${JSON.stringify(lv)}`);
    assert.equal(readWav(buf).samples[1].length, 12000);
  }
});

test('a full disk during G.711 appends stops the recording at the last whole frame', async () => {
  const file = tmp();
  const w = await WavFileWriter.open(file, { channels: 2, encoding: 'alaw', openFile: diskOf(58 + 8001) });
  for (let f = 0; f < 100; f++) w.appendEncoded(Buffer.alloc(320, 0xd5));
  await assert.rejects(w.flush(), isDiskFull);
  assert.equal(w.framesWritten, 4000);
  w.appendEncoded(Buffer.alloc(320, 0xd5));
  assert.equal(w.framesDropped, 16000 - 4000 + 160);
  await assert.rejects(w.close(), isDiskFull);
  assert.equal(soxInfo(file).samples, 4000);
});

test('an odd number of μ-law bytes gets its RIFF pad byte on close', async () => {
  const file = tmp();
  const w = await WavFileWriter.open(file, { encoding: 'ulaw' });
  w.append(tone(500, 5000, 8001));
  const summary = await w.close();
  assert.equal(statSync(file).size, 58 + 8001 + 1);
  assert.equal(summary.bytesWritten, statSync(file).size);
  const buf = readFileSync(file);
  assert.equal(buf.readUInt32LE(4), buf.length - 8, 'RIFF size includes the pad byte');
  assert.equal(buf.readUInt32LE(54), 8001, 'data size excludes it');
  assert.equal(buf.readUInt32LE(46), 8001, 'fact chunk holds the frame count');
  assert.equal(soxInfo(file).samples, 8001);
  assert.equal(readWav(buf).samples[0].length, 8001);
});

test('the header is rewritten at every flush, so the file on disk is valid while still being written', async () => {
  const file = tmp();
  const w = await WavFileWriter.open(file, { channels: 2, fsync: true });
  assert.equal(soxInfo(file).samples, 0, 'a fresh file is a valid empty WAV');
  const l = frames(1000, 8000, 1);
  l.forEach((f) => w.append([f, f]));
  await w.flush();
  assert.equal(soxInfo(file).seconds, 1);
  assert.equal(w.bytesWritten, 44 + 32000);
  assert.equal(w.bytesWritten, statSync(file).size);
  l.slice(0, 25).forEach((f) => w.append([f, f]));
  assert.equal(w.pendingFrames, 4000, 'half a second is buffered, below the one-second flush size');
  await w.flush();
  assert.equal(soxInfo(file).seconds, 1.5);
  assert.equal(w.durationMs, 1500);
  await w.close();
  assert.equal(soxInfo(file).seconds, 1.5);
});

test('buffered audio reaches the file within a second, and as soon as a second of it is buffered, without anyone calling flush', async () => {
  const file = tmp();
  const w = await WavFileWriter.open(file);
  for (const f of frames(1000, 8000, 0.5)) w.append(f);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(w.framesWritten, 0, 'half a second stays buffered for now');
  await new Promise((r) => setTimeout(r, 1100));
  assert.equal(w.framesWritten, 4000, 'written by the one-second timer');
  assert.equal(soxInfo(file).samples, 4000);
  for (const f of frames(1000, 8000, 1)) w.append(f);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(w.framesWritten, 12000, 'a whole second buffered is written at once');
  assert.equal(soxInfo(file).samples, 12000);
  await w.close();
});

const WAV_WRITER_MODULE = fileURLToPath(new URL('./wav-writer.ts', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));

/** Runs a recording in a child process that SIGKILLs itself; returns the file it left. */
function crashRecording(mode: 'after-flush' | 'realtime'): string {
  const file = tmp();
  const script = join(dir, `crash-${mode}.mts`);
  writeFileSync(
    script,
    `import { WavFileWriter } from ${JSON.stringify(WAV_WRITER_MODULE)};
const w = await WavFileWriter.open(${JSON.stringify(file)}, { channels: 2 });
const frame = (k: number) => Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (k * 160 + i)) / 8000)));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let k = 0;
if (${JSON.stringify(mode)} === 'after-flush') {
  for (; k < 150; k++) { w.append([frame(k), frame(k)]); await new Promise((r) => setImmediate(r)); } // 3 s
  await w.flush();
  for (; k < 175; k++) w.append([frame(k), frame(k)]); // 0.5 s more, never flushed
} else {
  const start = Date.now();
  for (; k < 125; k++) { w.append([frame(k), frame(k)]); await sleep(Math.max(0, start + (k + 1) * 20 - Date.now())); } // 2.5 s in real time
}
process.kill(process.pid, 'SIGKILL');
`,
  );
  const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, 'SIGKILL', `the child should have killed itself: ${r.stderr}`);
  return file;
}

test('a process killed after a flush leaves a valid file with everything flushed', () => {
  const file = crashRecording('after-flush');
  const info = soxInfo(file);
  assert.equal(info.channels, 2);
  assert.equal(info.seconds, 3, 'the unflushed last 0.5 s is lost, nothing else');
  const out = sox(file, '-n', 'stats');
  assert.doesNotMatch(out, /WARN|FAIL/i);
  assert.equal(readWav(readFileSync(file)).samples[0].length, 24000);
});

test('a process killed mid-recording without flush or close loses at most the last second', (t) => {
  const file = crashRecording('realtime');
  const info = soxInfo(file);
  t.diagnostic(`2.5 s recorded in real time, ${info.seconds} s in the file after SIGKILL`);
  assert.ok(info.seconds >= 1.5 && info.seconds <= 2.5, `${info.seconds} s`);
  assert.equal(info.samples % 160, 0, 'whole frames');
  const lv = soxLevels(file);
  assert.ok(Math.abs(lv.rms[0] - 20 * Math.log10(8000 / 32768 / Math.SQRT2)) < 0.1, 'the audio is intact');
});

/** A file handle that behaves like a disk with `limit` bytes: a short write, then ENOSPC. */
function diskOf(limit: number) {
  return async (path: string, flags: string): Promise<WavFileHandle> => {
    const fh = await fsOpen(path, flags);
    return {
      async write(buf, off, len, pos) {
        const room = limit - pos;
        if (room >= len) return fh.write(buf, off, len, pos);
        if (room > 0) return fh.write(buf, off, room, pos);
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', errno: -28, syscall: 'write' });
      },
      truncate: (l) => fh.truncate(l),
      datasync: () => fh.datasync(),
      close: () => fh.close(),
    };
  };
}

function isDiskFull(err: unknown): boolean {
  assert.ok(err instanceof WavError, String(err));
  assert.equal(err.code, 'CC_MEDIA_DISK_FULL');
  assert.match(err.message, /disk is full.*ENOSPC/);
  return true;
}

test('a full disk rejects flush with CC_MEDIA_DISK_FULL and leaves the file valid up to the last whole frame', async () => {
  const file = tmp();
  const limit = 44 + 24003; // 1.5 s of mono 16-bit and one odd byte
  const w = await WavFileWriter.open(file, { openFile: diskOf(limit) });
  for (const f of frames(1000, 8000, 1)) w.append(f);
  await w.flush();
  for (const f of frames(1000, 8000, 0.9)) w.append(f);
  await assert.rejects(w.flush(), isDiskFull);
  assert.equal(w.framesWritten, 12001);
  assert.equal(w.bytesWritten, 44 + 24002);
  assert.equal(statSync(file).size, 44 + 24002, 'the half frame was cut off');
  assert.equal(soxInfo(file).samples, 12001);
  assert.doesNotMatch(sox(file, '-n', 'stats'), /WARN/);
  w.append(frames(1000, 8000, 0.1)[0]);
  assert.equal(w.framesDropped, 7200 - 4001 + 160, 'what did not fit, and all later audio, is dropped and counted');
  await assert.rejects(w.close(), isDiskFull);
  assert.equal(soxInfo(file).samples, 12001, 'close keeps the file valid');
});

test('a full disk during a background flush is emitted as an error event', async () => {
  const file = tmp();
  const w = await WavFileWriter.open(file, { channels: 2, encoding: 'ulaw', openFile: diskOf(58 + 8000) });
  const errors: unknown[] = [];
  w.on('error', (e) => errors.push(e));
  const l = frames(1000, 8000, 3);
  for (const f of l) {
    w.append([f, f]);
    await new Promise((r) => setImmediate(r));
  }
  await assert.rejects(w.flush(), isDiskFull); // also waits for the background flush to settle
  assert.equal(errors.length, 1);
  isDiskFull(errors[0]);
  assert.equal(soxInfo(file).samples, 4000);
  assert.equal(soxInfo(file).encoding, 'u-law');
  await assert.rejects(w.close(), isDiskFull);
  assert.equal(readWav(readFileSync(file)).samples[1].length, 4000);
});

test('without an error listener a background failure does not crash the process and surfaces at close', async () => {
  const file = tmp();
  const w = await WavFileWriter.open(file, { openFile: diskOf(44 + 1000) });
  for (const f of frames(1000, 8000, 1.5)) {
    w.append(f);
    await new Promise((r) => setImmediate(r));
  }
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(w.error?.code, 'CC_MEDIA_DISK_FULL');
  await assert.rejects(w.close(), isDiskFull);
  assert.equal(soxInfo(file).samples, 500);
});

const mountPoint = join(dir, 'small-disk');
const canMount = (() => {
  if (process.getuid?.() !== 0) return false;
  mkdirSync(mountPoint);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mountPoint]);
  return r.status === 0;
})();
after(() => {
  if (canMount) spawnSync('umount', [mountPoint]);
  rmSync(dir, { recursive: true, force: true });
});

test('a real 64 KiB tmpfs filling up gives CC_MEDIA_DISK_FULL and a valid file', { skip: canMount ? false : 'needs root to mount a tmpfs' }, async (t) => {
  const file = join(mountPoint, 'rec.wav');
  const w = await WavFileWriter.open(file);
  const errors: unknown[] = [];
  w.on('error', (e) => errors.push(e));
  for (const f of frames(1000, 8000, 5)) {
    w.append(f);
    await new Promise((r) => setImmediate(r));
  }
  await assert.rejects(w.close(), isDiskFull);
  assert.equal(errors.length, 1);
  const info = soxInfo(file);
  t.diagnostic(`64 KiB disk: ${info.seconds} s kept, file ${statSync(file).size} bytes`);
  assert.ok(info.seconds > 3.5 && info.seconds < 4.1, `${info.seconds} s`);
  assert.equal(statSync(file).size, 44 + info.samples * 2);
  assert.doesNotMatch(sox(file, '-n', 'stats'), /WARN/);
});

test('an existing file is never clobbered unless asked', async () => {
  const file = tmp();
  writeFileSync(file, 'precious');
  await assert.rejects(WavFileWriter.open(file), (err: unknown) => {
    assert.ok(err instanceof WavError);
    assert.equal(err.code, 'CC_MEDIA_WAV_WRITE_FAILED');
    assert.match(err.message, /EEXIST/);
    return true;
  });
  assert.equal(readFileSync(file, 'utf8'), 'precious');
  const w = await WavFileWriter.open(file, { overwrite: true });
  await w.close();
  assert.equal(soxInfo(file).samples, 0);
});

test('append checks its frames, and audio after close is dropped', async () => {
  const w = await WavFileWriter.open(tmp(), { channels: 2 });
  assert.throws(() => w.append(new Int16Array(3)), RangeError);
  assert.throws(() => w.append([new Int16Array(4)]), RangeError);
  assert.throws(() => w.append([new Int16Array(4), new Int16Array(5)]), RangeError);
  w.append([new Int16Array(4), new Int16Array(4)]);
  const closing = w.close();
  w.append([new Int16Array(4), new Int16Array(4)]);
  const s = await closing;
  assert.equal(s.frames, 4);
  assert.equal(w.framesDropped, 4);
  assert.equal(await w.close(), s, 'close is idempotent');
  await assert.rejects(WavFileWriter.open(tmp(), { channels: 3 as 2 }), RangeError);
});

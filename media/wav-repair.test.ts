import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { WavError, readWav } from './wav.ts';
import { WavFileWriter } from './wav-writer.ts';
import { freshHeader, repairWav } from './wav-repair.ts';

const dir = mkdtempSync(join(tmpdir(), 'wav-repair-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const tmp = () => join(dir, `r${++n}.wav`);

/** Header fields as written: RIFF size, data size, fact sample count (G.711 header of 58 bytes). */
function sizes(path: string) {
  const b = readFileSync(path);
  return { file: b.length, riff: b.readUInt32LE(4), fact: b.readUInt32LE(46), data: b.readUInt32LE(54) };
}

/** sox reads the file as a WAV and reports its samples (an independent check of the header). */
function soxSamples(path: string): number {
  return Number(execFileSync('sox', ['--i', '-s', path], { encoding: 'utf8' }).trim());
}

test('a G.711 stereo recording whose writer died after writing audio but before the header: sizes follow the audio on disk, a partial frame is dropped', async () => {
  const path = tmp();
  const w = await WavFileWriter.open(path, { channels: 2, encoding: 'ulaw', flushIntervalMs: 1000 });
  w.appendEncoded(new Uint8Array(3200).fill(0x55)); // 200 ms stereo
  await w.flush();
  // The process dies here: the next second of audio reached the file, its header update did
  // not, and the last frame is half written.
  appendFileSync(path, Buffer.alloc(16000 + 1, 0x33));
  const before = sizes(path);
  assert.equal(before.data, 3200);
  assert.equal(before.file, 58 + 3200 + 16001);
  const fixed = await repairWav(path);
  assert.deepEqual({ bytes: fixed.bytes, frames: fixed.frames, changed: fixed.changed, rewroteHeader: fixed.rewroteHeader }, { bytes: 58 + 19200, frames: 9600, changed: true, rewroteHeader: false });
  assert.equal(fixed.durationMs, 1200);
  assert.deepEqual(sizes(path), { file: 58 + 19200, riff: 50 + 19200, fact: 9600, data: 19200 });
  const wav = readWav(readFileSync(path));
  assert.deepEqual([wav.channels, wav.sampleRate, wav.samples[0].length], [2, 8000, 9600]);
  assert.equal(soxSamples(path), 9600);
  // A second repair finds nothing to change.
  assert.equal((await repairWav(path)).changed, false);
  await w.close().catch(() => undefined);
});

test('a writer process killed with SIGKILL mid-recording leaves a file the repair makes exact', async () => {
  const path = tmp();
  const writerTs = resolve(import.meta.dirname, 'wav-writer.ts');
  // Appends 100 ms frames every 20 ms with a 100 ms flush interval, then kills itself.
  const script = `
    const { WavFileWriter } = await import(${JSON.stringify(writerTs)});
    const w = await WavFileWriter.open(${JSON.stringify(path)}, { channels: 2, encoding: 'alaw', flushIntervalMs: 100 });
    let i = 0;
    const t = setInterval(() => {
      w.appendEncoded(new Uint8Array(1600).fill(0xd5));
      if (++i === 40) process.kill(process.pid, 'SIGKILL');
    }, 20);
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: resolve(import.meta.dirname, '..'), encoding: 'utf8' });
  assert.equal(r.signal, 'SIGKILL', r.stderr);
  const size = statSync(path).size;
  assert.ok(size > 58, `the killed writer left ${size} bytes`);
  const fixed = await repairWav(path);
  const frames = Math.floor((size - 58) / 2);
  assert.equal(fixed.frames, frames);
  assert.deepEqual(sizes(path), { file: 58 + frames * 2, riff: 50 + frames * 2, fact: frames, data: frames * 2 });
  const wav = readWav(readFileSync(path));
  assert.equal(wav.samples[1].length, frames);
  assert.equal(soxSamples(path), frames);
});

test('a file cut before its header was written gets a fresh header from the fallback; without one it is refused', async () => {
  const empty = tmp();
  writeFileSync(empty, Buffer.alloc(0));
  await assert.rejects(repairWav(empty), (e: unknown) => e instanceof WavError && e.code === 'CC_MEDIA_WAV_INVALID');
  const fixed = await repairWav(empty, { channels: 2, encoding: 'alaw' });
  assert.deepEqual({ bytes: fixed.bytes, frames: fixed.frames, rewroteHeader: fixed.rewroteHeader }, { bytes: 58, frames: 0, rewroteHeader: true });
  const wav = readWav(readFileSync(empty));
  assert.deepEqual([wav.channels, wav.samples[0].length], [2, 0]);
  assert.deepEqual(readFileSync(empty), freshHeader({ channels: 2, encoding: 'alaw' }, 0));

  const torn = tmp();
  writeFileSync(torn, Buffer.from('RIFF\x00\x00')); // 6 bytes of a header
  const t = await repairWav(torn, { channels: 2, encoding: 'ulaw' });
  assert.equal(t.rewroteHeader, true);
  assert.equal(readWav(readFileSync(torn)).channels, 2);

  const missing = join(dir, 'nope.wav');
  await assert.rejects(repairWav(missing), (e: unknown) => e instanceof WavError && e.code === 'CC_MEDIA_WAV_WRITE_FAILED');
});

test('a 16-bit PCM file (44-byte header) is repaired too', async () => {
  const path = tmp();
  const w = await WavFileWriter.open(path, { channels: 1, encoding: 'pcm16' });
  w.append([new Int16Array(800).fill(1000)]);
  await w.flush();
  appendFileSync(path, Buffer.alloc(1601, 1));
  const fixed = await repairWav(path);
  assert.equal(fixed.frames, 800 + 800);
  const b = readFileSync(path);
  assert.deepEqual([b.length, b.readUInt32LE(4), b.readUInt32LE(40)], [44 + 3200, 36 + 3200, 3200]);
  assert.equal(readWav(b).samples[0].length, 1600);
  await w.close().catch(() => undefined);
});

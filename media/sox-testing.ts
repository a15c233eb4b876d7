// Test helpers for the audio-file tests (wav.test.ts, wav-writer.test.ts): sox as the
// independent reader of what we read or write (its info, stats levels and decoded samples),
// and the small signal maths the checks use (a tone, RMS, one channel of interleaved audio).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';

export function sox(...args: string[]): string {
  const r = spawnSync('sox', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `sox ${args.join(' ')} failed: ${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

export function soxInfo(file: string) {
  const q = (flag: string) => execFileSync('sox', ['--i', flag, file], { encoding: 'utf8' }).trim();
  return { channels: Number(q('-c')), rate: Number(q('-r')), samples: Number(q('-s')), seconds: Number(q('-D')), encoding: q('-e') };
}

/** `sox FILE -n stats` levels: Pk and RMS in dBFS, per channel (index 0 = left / mono). */
export function soxLevels(file: string): { pk: number[]; rms: number[] } {
  const out = sox(file, '-n', 'stats');
  const row = (name: string) => {
    const line = out.split('\n').find((l) => l.startsWith(name));
    assert.ok(line, `no "${name}" in sox stats:\n${out}`);
    const nums = line.slice(name.length).trim().split(/\s+/).map(Number);
    return nums.length > 1 ? nums.slice(1) : nums; // stereo: Overall, Left, Right
  };
  return { pk: row('Pk lev dB'), rms: row('RMS lev dB') };
}

/** sox as the independent decoder: the file as interleaved 16-bit samples. */
export function soxDecode16(file: string): Int16Array {
  const raw = execFileSync('sox', ['-D', file, '-t', 'raw', '-e', 'signed', '-b', '16', '-L', '-'], { maxBuffer: 64 << 20 });
  return new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
}

export function tone(freq: number, amplitude: number, n: number, rate = 8000, phase0 = 0): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin(phase0 + (2 * Math.PI * freq * i) / rate));
  return out;
}

export function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

export function interleavedChannel(x: Int16Array, channels: number, c: number): Int16Array {
  const out = new Int16Array(x.length / channels);
  for (let i = 0; i < out.length; i++) out[i] = x[i * channels + c];
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

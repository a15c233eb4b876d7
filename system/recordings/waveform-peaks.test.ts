import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readWav } from '../../media/wav.ts';
import { encodeAlaw, encodeUlaw } from '../../media/g711.ts';
import { parseWavHead, peaksOfStream, type WaveformPeaks } from './waveform-peaks.ts';

/** A WAV file as the recorder writes it: fmt (with cbSize for G.711), fact for G.711, then data. */
function wav(encoding: 'pcm16' | 'ulaw' | 'alaw', channels: Int16Array[], declaredData?: number): Buffer {
  const frames = channels[0].length;
  const interleaved = new Int16Array(frames * channels.length);
  for (let i = 0; i < frames; i++) for (let c = 0; c < channels.length; c++) interleaved[i * channels.length + c] = channels[c][i];
  const data = encoding === 'pcm16' ? Buffer.from(interleaved.buffer) : encoding === 'ulaw' ? encodeUlaw(interleaved) : encodeAlaw(interleaved);
  const bits = encoding === 'pcm16' ? 16 : 8;
  const fmt = Buffer.alloc(encoding === 'pcm16' ? 16 : 18);
  fmt.writeUInt16LE(encoding === 'pcm16' ? 1 : encoding === 'ulaw' ? 7 : 6, 0);
  fmt.writeUInt16LE(channels.length, 2);
  fmt.writeUInt32LE(8000, 4);
  fmt.writeUInt32LE(8000 * channels.length * (bits / 8), 8);
  fmt.writeUInt16LE(channels.length * (bits / 8), 12);
  fmt.writeUInt16LE(bits, 14);
  const chunk = (id: string, body: Buffer, size = body.length) => {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(size, 4);
    return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
  };
  const fact = encoding === 'pcm16' ? Buffer.alloc(0) : chunk('fact', Buffer.from(new Uint32Array([frames]).buffer));
  const body = Buffer.concat([Buffer.from('WAVE'), chunk('fmt ', fmt), fact, chunk('data', data, declaredData ?? data.length)]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

/** The expected peaks from an independent reader (media/wav.ts) and a plain loop. */
function expected(file: Buffer, buckets: number): WaveformPeaks {
  const w = readWav(file);
  const frames = w.samples[0].length;
  const n = Math.min(buckets, frames);
  const r = (v: number) => Math.round((v / 32768) * 10_000) / 10_000;
  return {
    sampleRate: w.sampleRate,
    durationMs: Math.round((frames / w.sampleRate) * 1000),
    buckets: n,
    channels: w.samples.map((s) => {
      const min = new Array(n).fill(32767);
      const max = new Array(n).fill(-32768);
      s.forEach((v, i) => {
        const b = Math.floor((i * n) / frames);
        min[b] = Math.min(min[b], v);
        max[b] = Math.max(max[b], v);
      });
      return { min: min.map(r), max: max.map(r) };
    }),
  };
}

async function* chunked(buf: Buffer, sizes: number[]) {
  let at = 0;
  for (let i = 0; at < buf.length; i++) {
    const n = sizes[i % sizes.length];
    yield buf.subarray(at, at + n);
    at += n;
  }
}

const tone = (n: number, hz: number, amp: number) => Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / 8000)));

test('each span gives the lowest and highest sample per channel, exactly as an independent reader sees them (μ-law, A-law, PCM)', async () => {
  const left = tone(12_345, 500, 20_000);
  const right = tone(12_345, 1500, 6_000);
  for (const enc of ['ulaw', 'alaw', 'pcm16'] as const) {
    const file = wav(enc, [left, right]);
    for (const sizes of [[file.length], [1], [7, 3, 4096], [57, 1000]]) {
      const p = await peaksOfStream(chunked(file, sizes), file.length, 1000);
      assert.deepEqual(p, expected(file, 1000), `${enc} in chunks of ${sizes}`);
    }
  }
});

test('the span count never exceeds the frames, and a silent channel stays flat', async () => {
  const file = wav('ulaw', [tone(10, 400, 8000), new Int16Array(10)]);
  const p = await peaksOfStream(chunked(file, [5]), file.length, 1000);
  assert.equal(p.buckets, 10);
  assert.ok(p.channels[1].max.every((v) => Math.abs(v) < 0.001) && p.channels[1].min.every((v) => Math.abs(v) < 0.001));
  assert.deepEqual(p, expected(file, 1000));
});

test('a recording cut short (its header claims more than the file holds) gives peaks of what is there', async () => {
  const full = wav('ulaw', [tone(8000, 300, 10_000), tone(8000, 700, 10_000)]);
  const cut = full.subarray(0, full.length - 4001); // half a frame too
  const p = await peaksOfStream(chunked(cut, [999]), cut.length, 100);
  assert.equal(p.durationMs, Math.round((Math.floor((cut.length - 58) / 2) / 8000) * 1000));
  assert.deepEqual(p, expected(cut, 100));
});

test('something that is not a recording WAV is named, not guessed at', async () => {
  assert.throws(() => parseWavHead(Buffer.from('RIFX0000WAVE')), /not a RIFF/);
  const f = wav('pcm16', [new Int16Array(4)]);
  f.writeUInt16LE(3, 20); // IEEE float tag
  assert.throws(() => parseWavHead(f), /format tag 3/);
  assert.equal(parseWavHead(f.subarray(0, 20)), undefined, 'needs more bytes');
  await assert.rejects(peaksOfStream(chunked(Buffer.from('RIFF'), [4]), 4, 10), /ends before its audio/);
});

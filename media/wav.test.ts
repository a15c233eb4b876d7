import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open as fsOpen } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeAlaw, encodeUlaw, decodeUlaw } from './g711.ts';
import { WavError, readWav, resample, toTelephony, type Wav } from './wav.ts';
import { WavFileWriter, type WavFileHandle } from './wav-writer.ts';

const dir = mkdtempSync(join(tmpdir(), 'wav-test-'));
let fileNo = 0;
const tmp = (ext = 'wav') => join(dir, `f${++fileNo}.${ext}`);

// ---------------------------------------------------------------------------------------------
// helpers

function sox(...args: string[]): string {
  const r = spawnSync('sox', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, `sox ${args.join(' ')} failed: ${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

function soxInfo(file: string) {
  const q = (flag: string) => execFileSync('sox', ['--i', flag, file], { encoding: 'utf8' }).trim();
  return { channels: Number(q('-c')), rate: Number(q('-r')), samples: Number(q('-s')), seconds: Number(q('-D')), encoding: q('-e') };
}

/** `sox FILE -n stats` levels: Pk and RMS in dBFS, per channel (index 0 = left / mono). */
function soxLevels(file: string): { pk: number[]; rms: number[] } {
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
function soxDecode16(file: string): Int16Array {
  const raw = execFileSync('sox', ['-D', file, '-t', 'raw', '-e', 'signed', '-b', '16', '-L', '-'], { maxBuffer: 64 << 20 });
  return new Int16Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.length));
}

function tone(freq: number, amplitude: number, n: number, rate = 8000, phase0 = 0): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * Math.sin(phase0 + (2 * Math.PI * freq * i) / rate));
  return out;
}

function rms(x: ArrayLike<number>, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, to - from));
}

function interleavedChannel(x: Int16Array, channels: number, c: number): Int16Array {
  const out = new Int16Array(x.length / channels);
  for (let i = 0; i < out.length; i++) out[i] = x[i * channels + c];
  return out;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function expectInvalid(buf: unknown, messagePart?: RegExp): void {
  assert.throws(
    () => readWav(buf as Buffer),
    (err: unknown) => {
      assert.ok(err instanceof WavError, `expected a WavError, got ${String(err)}`);
      assert.equal(err.code, 'CC_MEDIA_WAV_INVALID');
      if (messagePart) assert.match(err.message, messagePart);
      return true;
    },
  );
}

// Hand-built RIFF files.
function chunk(id: string, body: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}
function riff(...chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const h = Buffer.alloc(8);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body]);
}
interface FmtOpts {
  format: number;
  channels: number;
  rate: number;
  bits: number;
  blockAlign?: number;
  extensible?: { subFormat: number; validBits?: number; guidTail?: Buffer };
}
const GUID_TAIL = Buffer.from('000000001000800000aa00389b71', 'hex');
function fmt(o: FmtOpts): Buffer {
  const blockAlign = o.blockAlign ?? o.channels * Math.ceil(o.bits / 8);
  const b = Buffer.alloc(o.extensible ? 40 : 16);
  b.writeUInt16LE(o.extensible ? 0xfffe : o.format, 0);
  b.writeUInt16LE(o.channels, 2);
  b.writeUInt32LE(o.rate, 4);
  b.writeUInt32LE(o.rate * blockAlign, 8);
  b.writeUInt16LE(blockAlign, 12);
  b.writeUInt16LE(o.bits, 14);
  if (o.extensible) {
    b.writeUInt16LE(22, 16);
    b.writeUInt16LE(o.extensible.validBits ?? o.bits, 18);
    b.writeUInt32LE(o.channels === 2 ? 3 : 4, 20);
    b.writeUInt16LE(o.extensible.subFormat, 24);
    (o.extensible.guidTail ?? GUID_TAIL).copy(b, 26);
  }
  return chunk('fmt ', b);
}
function pcm16Bytes(samples: number[]): Buffer {
  const b = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => b.writeInt16LE(s, i * 2));
  return b;
}
const SAMPLES = [0, 1000, -1000, 32767, -32768, 12345, -4321, 7];

// ---------------------------------------------------------------------------------------------
// readWav: formats written by sox, compared with sox's own decoding

const SOX_FORMATS: { name: string; args: string[]; tolerance: number }[] = [
  { name: '16-bit PCM', args: ['-b', '16'], tolerance: 0 },
  { name: '8-bit unsigned PCM', args: ['-e', 'unsigned', '-b', '8'], tolerance: 0 },
  { name: '24-bit PCM (extensible)', args: ['-b', '24'], tolerance: 1 },
  { name: '32-bit PCM (extensible)', args: ['-b', '32'], tolerance: 1 },
  { name: '32-bit float', args: ['-e', 'floating-point', '-b', '32'], tolerance: 1 },
  { name: 'μ-law', args: ['-e', 'u-law', '-b', '8'], tolerance: 0 },
  { name: 'A-law', args: ['-e', 'a-law', '-b', '8'], tolerance: 0 },
];

for (const f of SOX_FORMATS) {
  test(`a ${f.name} file from sox reads as the same samples sox decodes`, () => {
    const file = tmp();
    sox('-D', '-n', '-r', '16000', '-c', '2', ...f.args, file, 'synth', '0.25', 'sine', '1000', 'sine', '300', 'vol', '0.7');
    const wav = readWav(readFileSync(file));
    assert.equal(wav.sampleRate, 16000);
    assert.equal(wav.channels, 2);
    assert.equal(wav.samples.length, 2);
    assert.equal(wav.samples[0].length, 4000);
    const ref = soxDecode16(file);
    for (let c = 0; c < 2; c++) assert.ok(maxAbsDiff(wav.samples[c], interleavedChannel(ref, 2, c)) <= f.tolerance, `channel ${c}`);
  });
}

test('a 3-channel file (sox writes WAVE_FORMAT_EXTENSIBLE) reads as three channels', () => {
  const file = tmp();
  sox('-D', '-n', '-r', '8000', '-c', '3', '-b', '16', file, 'synth', '0.1', 'sine', '500', 'sine', '700', 'sine', '900');
  const wav = readWav(readFileSync(file));
  assert.equal(wav.channels, 3);
  const ref = soxDecode16(file);
  for (let c = 0; c < 3; c++) assert.equal(maxAbsDiff(wav.samples[c], interleavedChannel(ref, 3, c)), 0);
});

// readWav: hand-built files

test('16-bit PCM with LIST and fact chunks around the data, and a chunk of odd size, reads exactly', () => {
  const list = chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00test\x00', 'latin1'));
  const odd = chunk('junk', Buffer.from([1, 2, 3])); // 3 bytes + 1 pad byte
  const fact = chunk('fact', Buffer.from([8, 0, 0, 0]));
  const buf = riff(list, fmt({ format: 1, channels: 1, rate: 8000, bits: 16 }), odd, fact, chunk('data', pcm16Bytes(SAMPLES)), list);
  const wav = readWav(buf);
  assert.deepEqual(Array.from(wav.samples[0]), SAMPLES);
  assert.equal(wav.sampleRate, 8000);
});

test('an 8-bit file with an odd-sized data chunk and its pad byte reads every sample', () => {
  const buf = riff(fmt({ format: 1, channels: 1, rate: 8000, bits: 8 }), chunk('data', Buffer.from([0, 128, 255])), chunk('LIST', Buffer.from('INFO')));
  assert.deepEqual(Array.from(readWav(buf).samples[0]), [-32768, 0, 127 << 8]);
});

test('a data chunk that comes before the fmt chunk is still read', () => {
  const buf = riff(chunk('data', pcm16Bytes(SAMPLES)), fmt({ format: 1, channels: 1, rate: 8000, bits: 16 }));
  assert.deepEqual(Array.from(readWav(buf).samples[0]), SAMPLES);
});

test('WAVE_FORMAT_EXTENSIBLE with a PCM or float sub-format reads like the plain format', () => {
  const pcm = riff(fmt({ format: 1, channels: 2, rate: 48000, bits: 16, extensible: { subFormat: 1 } }), chunk('data', pcm16Bytes(SAMPLES)));
  const w = readWav(pcm);
  assert.equal(w.channels, 2);
  assert.equal(w.sampleRate, 48000);
  assert.deepEqual(Array.from(w.samples[0]), [0, -1000, -32768, -4321]);
  assert.deepEqual(Array.from(w.samples[1]), [1000, 32767, 12345, 7]);

  const f = Buffer.alloc(16);
  [0, 0.5, -0.5, 1.5].forEach((v, i) => f.writeFloatLE(v, i * 4));
  const flt = riff(fmt({ format: 3, channels: 1, rate: 8000, bits: 32, extensible: { subFormat: 3 } }), chunk('data', f));
  assert.deepEqual(Array.from(readWav(flt).samples[0]), [0, 16384, -16384, 32767], 'out-of-range float is clipped');

  // 20 valid bits in a 24-bit container, as some recorders write.
  const b24 = Buffer.from([0x00, 0x00, 0x40, 0x00, 0x00, 0xc0, 0x80, 0x00, 0x00]);
  const w24 = riff(fmt({ format: 1, channels: 1, rate: 8000, bits: 24, extensible: { subFormat: 1, validBits: 20 } }), chunk('data', b24));
  assert.deepEqual(Array.from(readWav(w24).samples[0]), [16384, -16384, 1]);
});

test('μ-law and A-law data decode through the G.711 tables', () => {
  const x = Int16Array.from(SAMPLES);
  const law = (format: number, data: Buffer) => riff(fmt({ format, channels: 1, rate: 8000, bits: 8 }), chunk('fact', Buffer.from([8, 0, 0, 0])), chunk('data', data));
  assert.deepEqual(Array.from(readWav(law(7, encodeUlaw(x))).samples[0]), Array.from(decodeUlaw(encodeUlaw(x))));
  const a = readWav(law(6, encodeAlaw(x))).samples[0];
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(a[i] - x[i]) <= 512, `A-law sample ${i}`);
});

test('a data chunk cut short (crashed writer, or streamed with size 0xFFFFFFFF) is read up to the last whole frame', () => {
  const whole = riff(fmt({ format: 1, channels: 2, rate: 8000, bits: 16 }), chunk('data', pcm16Bytes(SAMPLES)));
  const cut = whole.subarray(0, whole.length - 3); // half of the last frame missing
  const w = readWav(cut);
  assert.deepEqual(Array.from(w.samples[0]), [0, -1000, -32768]);
  const streamed = Buffer.from(whole);
  streamed.writeUInt32LE(0xffffffff, 4);
  streamed.writeUInt32LE(0xffffffff, 40);
  assert.deepEqual(Array.from(readWav(streamed).samples[1]), [1000, 32767, 12345, 7]);
});

test('an empty data chunk is a valid file with no samples', () => {
  const w = readWav(riff(fmt({ format: 1, channels: 1, rate: 8000, bits: 16 }), chunk('data', Buffer.alloc(0))));
  assert.equal(w.samples[0].length, 0);
  assert.equal(toTelephony(w).length, 0);
});

// readWav: rejection

test('garbage is rejected with CC_MEDIA_WAV_INVALID and a message that says what is wrong', () => {
  const good = { format: 1, channels: 1, rate: 8000, bits: 16 };
  const data = chunk('data', pcm16Bytes(SAMPLES));
  expectInvalid(Buffer.alloc(0), /too short/);
  expectInvalid(Buffer.from('hello world, this is not a wav file'), /no RIFF header/);
  expectInvalid(Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00', 'latin1'), /no RIFF header/);
  expectInvalid(Buffer.concat([Buffer.from('RIFF\x04\x00\x00\x00AVI ', 'latin1')]), /not WAVE/);
  expectInvalid(Buffer.from('RIFX\x04\x00\x00\x00WAVE', 'latin1'), /big-endian/);
  expectInvalid(Buffer.from('RF64\xff\xff\xff\xffWAVE', 'latin1'), /RF64/);
  expectInvalid(riff(data), /no fmt chunk/);
  expectInvalid(riff(fmt(good)), /no data chunk/);
  expectInvalid(riff(fmt(good), fmt(good), data), /more than one fmt/);
  expectInvalid(riff(fmt(good), data, data), /more than one data/);
  expectInvalid(riff(chunk('fmt ', Buffer.alloc(10)), data), /fmt chunk of 10 bytes/);
  expectInvalid(riff(fmt({ ...good, channels: 0 }), data), /0 channels/);
  expectInvalid(riff(fmt({ ...good, rate: 0 }), data), /sample rate 0/);
  expectInvalid(riff(fmt({ ...good, format: 0x55 }), data), /0x0055 \(MPEG layer 3\) is not supported/);
  expectInvalid(riff(fmt({ ...good, format: 2, bits: 4 }), data), /MS ADPCM/);
  expectInvalid(riff(fmt({ ...good, format: 3, bits: 16 }), data), /IEEE float with 16 bits/);
  expectInvalid(riff(fmt({ ...good, format: 7, bits: 16 }), data), /law with 16 bits/);
  expectInvalid(riff(fmt({ ...good, bits: 0 }), data), /PCM with 0 bits/);
  expectInvalid(riff(fmt({ ...good, blockAlign: 3 }), data), /block align 3/);
  expectInvalid(riff(fmt({ ...good, extensible: { subFormat: 1, guidTail: Buffer.alloc(14) } }), data), /unknown sub-format GUID/);
  expectInvalid(riff(chunk('fmt ', Buffer.concat([fmt(good).subarray(8, 24), Buffer.from([0xfe, 0xff])]).fill(0xfe, 0, 1).fill(0xff, 1, 2)), data), /EXTENSIBLE without/);
  expectInvalid(Buffer.concat([riff(fmt(good)).subarray(0, 20), Buffer.from([0xff, 0x00, 0x13])]), /cut short|corrupt/);
  expectInvalid(Buffer.concat([riff(fmt(good)), Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])]), /corrupt chunk header/);
});

test('input that is not a Buffer is rejected with the coded error, not a TypeError', () => {
  for (const v of [undefined, null, 42, 'RIFF....WAVE', {}, [1, 2, 3]]) expectInvalid(v, /expected the file contents as a Buffer/);
  // A Uint8Array that is not a Buffer is accepted.
  const buf = riff(fmt({ format: 1, channels: 1, rate: 8000, bits: 16 }), chunk('data', pcm16Bytes(SAMPLES)));
  assert.deepEqual(Array.from(readWav(new Uint8Array(buf) as Buffer).samples[0]), SAMPLES);
});

test('every truncation and 3000 random corruptions of valid files give samples or a WavError, never another exception', () => {
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const bases = [
    riff(fmt({ format: 1, channels: 2, rate: 8000, bits: 16 }), chunk('LIST', Buffer.from('INFOabc')), chunk('data', pcm16Bytes(SAMPLES))),
    riff(fmt({ format: 1, channels: 1, rate: 44100, bits: 24, extensible: { subFormat: 1 } }), chunk('data', Buffer.alloc(30, 7))),
    riff(fmt({ format: 7, channels: 1, rate: 8000, bits: 8 }), chunk('fact', Buffer.alloc(4)), chunk('data', Buffer.alloc(33, 0xff))),
  ];
  const tryRead = (b: Buffer) => {
    try {
      const w = readWav(b);
      assert.ok(w.samples.length === w.channels && w.samples.every((s) => s.length === w.samples[0].length));
      return 'ok';
    } catch (err) {
      assert.ok(err instanceof WavError && err.code === 'CC_MEDIA_WAV_INVALID', `unexpected ${String(err)}`);
      return 'rejected';
    }
  };
  const outcomes = { ok: 0, rejected: 0 };
  for (const base of bases) {
    for (let len = 0; len <= base.length; len++) outcomes[tryRead(base.subarray(0, len))]++;
    for (let k = 0; k < 1000; k++) {
      const b = Buffer.from(base);
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      outcomes[tryRead(b)]++;
    }
  }
  assert.ok(outcomes.ok > 0 && outcomes.rejected > 0, JSON.stringify(outcomes));
});

// ---------------------------------------------------------------------------------------------
// toTelephony

function attenuationDb(inputRms: number, out: ArrayLike<number>): number {
  const edge = 400; // 50 ms at 8 kHz: skip the filter's start-up and tail
  return 20 * Math.log10(inputRms / Math.max(1e-9, rms(out, edge, out.length - edge)));
}

test('a 6 kHz tone in a 16 kHz file is attenuated by at least 30 dB instead of aliasing to 2 kHz', (t) => {
  const file = tmp();
  sox('-D', '-n', '-r', '16000', '-c', '1', '-b', '16', file, 'synth', '1', 'sine', '6000', 'vol', '0.5');
  const wav = readWav(readFileSync(file));
  const inRms = rms(wav.samples[0]);
  const out = toTelephony(wav);
  assert.equal(out.length, 8000);
  const att = attenuationDb(inRms, out);
  assert.ok(att >= 30, `only ${att.toFixed(1)} dB`);
  // Before rounding to 16 bits (away from the file's abrupt start and end the residue is below 1 LSB).
  const exact = attenuationDb(inRms, resample(Float64Array.from(wav.samples[0]), 16000, 8000));
  const middlePeak = Math.max(...Array.from(out.subarray(400, 7600), Math.abs));
  t.diagnostic(`6 kHz tone from 16 kHz: ${exact.toFixed(1)} dB down before rounding; 16-bit output peak ${middlePeak} past the first 50 ms`);
  assert.ok(exact >= 60, `only ${exact.toFixed(1)} dB before rounding`);
  // Without the low-pass (every other sample) the tone would come through at full level.
  const naive = wav.samples[0].filter((_, i) => i % 2 === 0);
  assert.ok(attenuationDb(inRms, naive) < 1);
});

test('everything above 4 kHz is at least 60 dB down from 16, 22.051, 44.1 and 48 kHz sources, before rounding to 16 bits', (t) => {
  for (const rate of [16000, 22051, 44100, 48000]) {
    for (const f of [4100, 4500, 6000, 7500, Math.min(rate / 2 - 100, 12000)]) {
      const x = tone(f, 16000, rate, rate, 0.3);
      const att = attenuationDb(rms(x), resample(x, rate, 8000));
      t.diagnostic(`${f} Hz from ${rate} Hz: ${att.toFixed(1)} dB`);
      assert.ok(att >= 60, `${f} Hz from ${rate} Hz only ${att.toFixed(1)} dB down`);
    }
  }
});

test('the telephone band passes within 0.1 dB up to 3.4 kHz, at the right frequency', (t) => {
  for (const rate of [11025, 16000, 22050, 22051, 44100, 48000]) {
    for (const f of [300, 1000, 3000, 3400]) {
      const x = tone(f, 16000, rate, rate);
      const out = toTelephony({ sampleRate: rate, channels: 1, samples: [x] });
      assert.equal(out.length, 8000);
      const gain = -attenuationDb(rms(x), out);
      assert.ok(Math.abs(gain) <= 0.1, `${f} Hz from ${rate} Hz: ${gain.toFixed(3)} dB`);
      const ref = tone(f, 16000, 8000, 8000);
      let e = 0;
      for (let i = 400; i < 7600; i++) e += (out[i] - ref[i]) ** 2;
      const snr = 10 * Math.log10(rms(ref, 400, 7600) ** 2 / (e / 7200));
      assert.ok(snr > 40, `${f} Hz from ${rate} Hz: waveform SNR ${snr.toFixed(1)} dB`);
      if (f === 1000) t.diagnostic(`1 kHz from ${rate} Hz: gain ${gain.toFixed(4)} dB, SNR vs ideal ${snr.toFixed(1)} dB`);
    }
  }
});

test('channels are averaged into one', () => {
  const x = tone(1000, 10000, 8000);
  const neg = x.map((v) => -v);
  const silent = new Int16Array(8000);
  assert.equal(rms(toTelephony({ sampleRate: 8000, channels: 2, samples: [x, neg] })), 0);
  const half = toTelephony({ sampleRate: 8000, channels: 2, samples: [x, silent] });
  assert.ok(Math.abs(rms(half) / rms(x) - 0.5) < 0.001);
});

test('mono 8 kHz audio comes back unchanged, and resampling keeps the duration', () => {
  const x = tone(700, 12000, 1234);
  assert.deepEqual(toTelephony({ sampleRate: 8000, channels: 1, samples: [x] }), x);
  assert.equal(resample(new Float64Array(44100 * 3), 44100, 8000).length, 24000);
  assert.equal(resample(new Float64Array(11025), 11025, 8000).length, 8000);
  const up = toTelephony({ sampleRate: 6000, channels: 1, samples: [tone(1000, 10000, 6000, 6000)] });
  assert.equal(up.length, 8000);
  assert.ok(Math.abs(20 * Math.log10(rms(up, 400, 7600) / rms(tone(1000, 10000, 8000)))) < 0.1, 'upsampling keeps the level');
});

test('a full-scale file converts without wrapping around', () => {
  const square = new Int16Array(16000).map((_, i) => (Math.floor(i / 8) % 2 ? 32767 : -32768));
  const out = toTelephony({ sampleRate: 16000, channels: 1, samples: [square] });
  for (let i = 1; i < out.length; i++) assert.ok(Math.abs(out[i] - out[i - 1]) < 60000, `no wrap at ${i}`);
});

test('a real prompt from espeak-ng at 22.05 kHz converts to 8 kHz at the same duration', () => {
  const file = tmp();
  const r = spawnSync('espeak-ng', ['-v', 'en-us', '-w', file, 'thank you for calling'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const wav: Wav = readWav(readFileSync(file));
  const out = toTelephony(wav);
  assert.ok(Math.abs(out.length / 8000 - wav.samples[0].length / wav.sampleRate) < 0.001);
  assert.ok(rms(out) > 100, 'not silent');
});

// ---------------------------------------------------------------------------------------------
// WavFileWriter

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

// The WAV reader (wav.ts): every common format read exactly, garbage refused with a coded error,
// and the conversion to 8 kHz mono checked against sox. The writer's tests: wav-writer.test.ts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeAlaw, encodeUlaw, decodeUlaw } from './g711.ts';
import { WavError, readWav, resample, toTelephony, type Wav } from './wav.ts';
import { interleavedChannel, maxAbsDiff, rms, sox, soxDecode16, tone } from './sox-testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'wav-test-'));
let fileNo = 0;
const tmp = (ext = 'wav') => join(dir, `f${++fileNo}.${ext}`);

after(() => rmSync(dir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// helpers

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

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InbandDtmfDetector, type InbandDtmfOptions } from './dtmf-inband.ts';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from './g711.ts';
import { readWav } from './wav.ts';

const dir = mkdtempSync(join(tmpdir(), 'dtmf-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = [697, 770, 852, 941];
const COLS = [1209, 1336, 1477, 1633];
const KEYS = ['123A', '456B', '789C', '*0#D'];
const ALL = '123A456B789C*0#D';
function freqs(digit: string): [number, number] {
  const r = KEYS.findIndex((k) => k.includes(digit));
  return [ROWS[r], COLS[KEYS[r].indexOf(digit)]];
}

interface Detection {
  digit: string;
  atMs: number;
}
function detect(x: Int16Array, options?: InbandDtmfOptions, chunk?: () => number): Detection[] {
  const found: Detection[] = [];
  const det = new InbandDtmfDetector((digit, atMs) => found.push({ digit, atMs }), options);
  if (!chunk) det.push(x);
  else for (let i = 0; i < x.length; ) {
    const n = chunk();
    det.push(x.subarray(i, i + n));
    i += n;
  }
  return found;
}
const digits = (d: Detection[]) => d.map((x) => x.digit).join('');

/** Deterministic noise source (xorshift + Box-Muller). */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 2 ** 32;
  };
  return { u, gauss: () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) };
}

/** Peak amplitude of a sine at `dbm0` in 16-bit G.711 linear audio. */
const peakAt = (dbm0: number) => 32768 * 10 ** ((dbm0 - 3.14) / 20);

interface Segment {
  digit?: string;
  ms: number;
  /** Per-tone levels in dBm0 (default −10 each), or explicit frequencies. */
  lowDbm0?: number;
  highDbm0?: number;
  f?: [number, number];
}
/** Tones and pauses back to back, random phases, optional white noise at `snrDb` below the tones. */
function synth(segments: Segment[], opts: { leadSamples?: number; snrDb?: number; seed?: number } = {}): Int16Array {
  const r = rng(opts.seed ?? 7);
  const lead = opts.leadSamples ?? 400;
  const total = lead + segments.reduce((s, g) => s + Math.round(g.ms * 8), 0) + 400;
  const x = new Float64Array(total);
  let pos = lead;
  let tonePower = 0;
  let toneSamples = 0;
  for (const g of segments) {
    const n = Math.round(g.ms * 8);
    const f = g.f ?? (g.digit ? freqs(g.digit) : undefined);
    if (f) {
      const a1 = peakAt(g.lowDbm0 ?? -10);
      const a2 = peakAt(g.highDbm0 ?? -10);
      const p1 = r.u() * 2 * Math.PI;
      const p2 = r.u() * 2 * Math.PI;
      for (let i = 0; i < n; i++) {
        x[pos + i] = a1 * Math.sin(p1 + (2 * Math.PI * f[0] * i) / 8000) + a2 * Math.sin(p2 + (2 * Math.PI * f[1] * i) / 8000);
        tonePower += x[pos + i] ** 2;
      }
      toneSamples += n;
    }
    pos += n;
  }
  if (opts.snrDb !== undefined) {
    const sigma = Math.sqrt(tonePower / toneSamples / 10 ** (opts.snrDb / 10));
    for (let i = 0; i < total; i++) x[i] += sigma * r.gauss();
  }
  return Int16Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));
}

function soxTone(digit: string, seconds: number, padSeconds = 0): string {
  const file = join(dir, `${digit === '*' ? 'star' : digit === '#' ? 'hash' : digit}-${seconds}-${padSeconds}.wav`);
  const [lo, hi] = freqs(digit);
  execFileSync('sox', ['-D', '-n', '-r', '8000', '-b', '16', '-c', '1', file, 'synth', String(seconds), 'sine', String(lo), 'sine', String(hi), 'remix', '1,2', 'vol', '0.4', 'pad', '0', String(padSeconds)]);
  return file;
}
const readMono = (file: string) => readWav(readFileSync(file)).samples[0];

/** "1234567890*#" made by sox: 80 ms tones, 80 ms gaps. */
function soxSequence(): { file: string; samples: Int16Array } {
  const file = join(dir, 'sequence.wav');
  execFileSync('sox', ['-D', ...'1234567890*#'.split('').map((d) => soxTone(d, 0.08, 0.08)), file]);
  return { file, samples: readMono(file) };
}

// ---------------------------------------------------------------------------------------------

test('each of the 16 digits made by sox (120 ms) is detected exactly once', () => {
  for (const d of ALL) {
    const found = detect(readMono(soxTone(d, 0.12, 0.1)));
    assert.equal(digits(found), d, `digit ${d}`);
    assert.ok(found[0].atMs <= 5, `${d} reported from the tone's start, not ${found[0].atMs} ms`);
  }
});

test('the sequence 1234567890*# with 80 ms tones and 80 ms gaps comes out in order, once each, at the right times', () => {
  const { samples } = soxSequence();
  const found = detect(samples);
  assert.equal(digits(found), '1234567890*#');
  found.forEach((f, i) => assert.ok(Math.abs(f.atMs - i * 160) <= 5, `digit ${i} at ${f.atMs} ms, expected ${i * 160}`));
});

test('multimon-ng, an independent decoder, reads the same sequence from the sox-made file', { skip: spawnSync('multimon-ng', ['-h']).error ? 'multimon-ng is not installed' : false }, () => {
  const { file } = soxSequence();
  const out = execSync(`sox ${JSON.stringify(file)} -t raw -e signed -b 16 -r 22050 -c 1 - | multimon-ng -q -a DTMF -t raw -`, { encoding: 'utf8' });
  const theirs = [...out.matchAll(/DTMF: (.)/g)].map((m) => m[1]).join('');
  assert.equal(theirs, '1234567890*#');
});

test('the audio may arrive in chunks of any size, including empty and single samples', () => {
  const { samples } = soxSequence();
  const whole = detect(samples);
  const r = rng(99);
  for (const pick of [() => 1, () => 7, () => 160, () => 4096, () => Math.floor(r.u() * 300)]) assert.deepEqual(detect(samples, undefined, pick), whole);
});

test('all 16 digits with white noise at 15 dB SNR are still detected, exactly once each', () => {
  for (let seed = 1; seed <= 5; seed++) {
    const segments = ALL.split('').flatMap((d): Segment[] => [{ digit: d, ms: 80 }, { ms: 80 }]);
    assert.equal(digits(detect(synth(segments, { snrDb: 15, seed }))), ALL, `seed ${seed}`);
  }
});

test('a 30 ms tone is not detected and a 40 ms tone is, exactly once, at every alignment, clean or at 15 dB SNR', () => {
  for (const snrDb of [undefined, 15]) {
    for (let lead = 0; lead < 34; lead++) {
      for (const d of '15#D') {
        const seed = lead * 16 + d.charCodeAt(0);
        assert.equal(digits(detect(synth([{ digit: d, ms: 30 }], { leadSamples: 400 + lead, snrDb, seed }))), '', `30 ms ${d} at +${lead}, SNR ${snrDb}`);
        assert.equal(digits(detect(synth([{ digit: d, ms: 40 }], { leadSamples: 400 + lead, snrDb, seed }))), d, `40 ms ${d} at +${lead}, SNR ${snrDb}`);
      }
    }
  }
});

test('holding a key for 2 seconds gives one digit', () => {
  assert.equal(digits(detect(synth([{ digit: '7', ms: 2000 }], { snrDb: 20 }))), '7');
});

test('a break of up to 10 ms inside a tone does not split it; a pause of 20 ms or more separates two presses', () => {
  for (let lead = 0; lead < 34; lead += 3) {
    for (const gap of [5, 10]) assert.equal(digits(detect(synth([{ digit: '5', ms: 60 }, { ms: gap }, { digit: '5', ms: 60 }], { leadSamples: 400 + lead }))), '5', `${gap} ms break`);
    for (const gap of [20, 40]) assert.equal(digits(detect(synth([{ digit: '5', ms: 60 }, { ms: gap }, { digit: '5', ms: 60 }], { leadSamples: 400 + lead }))), '55', `${gap} ms pause`);
  }
});

test('rolling from one key to the next without a pause gives both digits', () => {
  assert.equal(digits(detect(synth([{ digit: '2', ms: 80 }, { digit: '9', ms: 80 }]))), '29');
});

const PHRASES: [voice: string, text: string][] = [
  ['en-us', 'please hold the line your call is important'],
  ['en-us+f3', 'press one for sales, two for support, or zero for the operator'],
  ['en-us+m7', 'mmmm, eeee, ooooh, la la la, thank you'],
];
const speechCache = new Map<number, Int16Array>();
/** espeak-ng speech at 8 kHz, as the brief's pipeline makes it. */
function speech(i: number): Int16Array {
  let x = speechCache.get(i);
  if (!x) {
    const file = join(dir, `speech-${i}.wav`);
    const [voice, text] = PHRASES[i];
    execSync(`espeak-ng -v ${voice} --stdout ${JSON.stringify(text)} | sox -t wav - -r 8000 -c 1 -b 16 ${JSON.stringify(file)}`);
    x = readMono(file);
    speechCache.set(i, x);
  }
  return x;
}

test('speech gives no digits (talk-off), also through μ-law and 8 dB louder', () => {
  let seconds = 0;
  PHRASES.forEach(([voice, text], i) => {
    const x = speech(i);
    seconds += x.length / 8000;
    const louder = Int16Array.from(x, (s) => Math.max(-32768, Math.min(32767, s * 2.5)));
    for (const y of [x, decodeUlaw(encodeUlaw(x)), louder]) assert.deepEqual(detect(y), [], `${voice}: "${text}"`);
  });
  assert.ok(seconds > 5, `${seconds} s of speech`);
});

test('the talk-off test is meaningful: without the energy, peak and harmonic checks the same speech does give digits', () => {
  const loose: InbandDtmfOptions = { minEnergyFraction: 0, relativePeakDb: 0, rowHarmonicDb: -100, colHarmonicDb: -100 };
  const falseDigits = PHRASES.reduce((n, _, i) => n + detect(speech(i), loose).length, 0);
  assert.ok(falseDigits > 0, 'the checks against speech are what keeps it quiet');
});

test('twist beyond the limits is rejected: low tone more than 8 dB above the high one, or high more than 4 dB above the low', () => {
  for (const d of ALL) {
    const at = (lowDbm0: number, highDbm0: number) => digits(detect(synth([{ digit: d, ms: 80, lowDbm0, highDbm0 }])));
    assert.equal(at(-6, -13), d, `${d}: 7 dB normal twist is accepted`);
    assert.equal(at(-13, -10), d, `${d}: 3 dB reverse twist is accepted`);
    assert.equal(at(-6, -16), '', `${d}: 10 dB normal twist is rejected`);
    assert.equal(at(-16, -10), '', `${d}: 6 dB reverse twist is rejected`);
  }
});

test('tones 1.5 % off frequency are accepted and 3.5 % off are rejected, whichever tone is off', () => {
  for (const d of ALL) {
    const [lo, hi] = freqs(d);
    for (const dev of [-0.035, -0.015, 0.015, 0.035]) {
      for (const f of [[lo * (1 + dev), hi], [lo, hi * (1 + dev)], [lo * (1 + dev), hi * (1 + dev)]] as [number, number][]) {
        const got = digits(detect(synth([{ f, ms: 80 }])));
        assert.equal(got, Math.abs(dev) < 0.02 ? d : '', `${d} at ${f.map((x) => x.toFixed(1)).join('+')} Hz`);
      }
    }
  }
});

test('tones at −33 dBm0 are detected and tones below −40 dBm0 are not', () => {
  assert.equal(digits(detect(synth([{ digit: '8', ms: 80, lowDbm0: -33, highDbm0: -33 }]))), '8');
  assert.equal(digits(detect(synth([{ digit: '8', ms: 80, lowDbm0: -41, highDbm0: -41 }]))), '');
});

test('a single tone, dial tone or a tone pair off the DTMF grid is not a digit', () => {
  for (const f of [[697, 0], [0, 1477], [350, 440], [1000, 1000], [480, 620], [900, 1300]] as [number, number][]) {
    assert.equal(digits(detect(synth([{ f, ms: 300 }]))), '', `${f.join('+')} Hz`);
  }
});

test('μ-law and A-law round trips (this box\'s G.711) keep every digit, in noise too', () => {
  const segments = ALL.split('').flatMap((d): Segment[] => [{ digit: d, ms: 60 }, { ms: 60 }]);
  for (const snrDb of [undefined, 15]) {
    const x = synth(segments, { snrDb });
    assert.equal(digits(detect(decodeUlaw(encodeUlaw(x)))), ALL, `μ-law, SNR ${snrDb}`);
    assert.equal(digits(detect(decodeAlaw(encodeAlaw(x)))), ALL, `A-law, SNR ${snrDb}`);
  }
  const quiet = synth(ALL.split('').flatMap((d): Segment[] => [{ digit: d, ms: 60, lowDbm0: -30, highDbm0: -30 }, { ms: 60 }]));
  assert.equal(digits(detect(decodeUlaw(encodeUlaw(quiet)))), ALL, 'μ-law at −30 dBm0');
});

test('silence, full-scale noise and clipping square waves give no digits', () => {
  const r = rng(5);
  assert.deepEqual(detect(new Int16Array(8000)), []);
  assert.deepEqual(detect(Int16Array.from({ length: 16000 }, () => Math.round((r.u() * 2 - 1) * 32767))), []);
  assert.deepEqual(detect(Int16Array.from({ length: 8000 }, (_, i) => (Math.sin((2 * Math.PI * 697 * i) / 8000) >= 0 ? 32767 : -32768))), []);
});

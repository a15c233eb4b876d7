import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ALAW_DECODE,
  ULAW_DECODE,
  alawToLinear,
  decodeAlaw,
  decodeG711,
  decodeUlaw,
  encodeAlaw,
  encodeG711,
  encodeUlaw,
  linearToAlaw,
  linearToUlaw,
  silenceByte,
  ulawToLinear,
} from './g711.ts';

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

function everyInt16(): Int16Array {
  const all = new Int16Array(65536);
  for (let i = 0; i < 65536; i++) all[i] = i - 32768;
  return all;
}

/** Quantisation step (16-bit units) of the segment a code word belongs to. */
function ulawStep(byte: number): number {
  return 8 << ((~byte >> 4) & 7);
}
function alawStep(byte: number): number {
  const e = ((byte ^ 0x55) >> 4) & 7;
  return e <= 1 ? 16 : 16 << (e - 1);
}

function soxDecode(encoding: 'u-law' | 'a-law'): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'g711-'));
  try {
    writeFileSync(join(dir, 'in.raw'), ALL_BYTES);
    execFileSync('sox', ['-t', 'raw', '-r', '8000', '-c', '1', '-e', encoding, '-b', '8', join(dir, 'in.raw'), '-t', 'raw', '-e', 'signed', '-b', '16', '-L', join(dir, 'out.raw')]);
    const out = readFileSync(join(dir, 'out.raw'));
    return new Int16Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.length));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('μ-law reference values match G.711 / G.191: 0xFF and 0x7F are zero, 0x80 and 0x00 are ±32124', () => {
  assert.equal(ulawToLinear(0xff), 0);
  assert.equal(ulawToLinear(0x7f), 0, 'negative zero');
  assert.equal(ulawToLinear(0xfe), 8);
  assert.equal(ulawToLinear(0x7e), -8);
  assert.equal(ulawToLinear(0x80), 32124);
  assert.equal(ulawToLinear(0x00), -32124);
  assert.equal(ulawToLinear(0x01), -31100);
  assert.equal(ulawToLinear(0x8f), 16764, 'first code of the top segment: (0x80 << 7) + 1024/2 − 132');
});

test('A-law reference values match G.711 / G.191: 0xD5 is +8, 0x55 is −8, 0xAA and 0x2A are ±32256', () => {
  assert.equal(alawToLinear(0xd5), 8);
  assert.equal(alawToLinear(0x55), -8);
  assert.equal(alawToLinear(0xd4), 24);
  assert.equal(alawToLinear(0xaa), 32256);
  assert.equal(alawToLinear(0x2a), -32256);
  assert.equal(alawToLinear(0x00), -5504);
  assert.equal(alawToLinear(0x80), 5504);
});

test('the decode tables agree with sox on all 256 μ-law and A-law bytes', () => {
  assert.deepEqual(Array.from(ULAW_DECODE), Array.from(soxDecode('u-law')));
  assert.deepEqual(Array.from(ALAW_DECODE), Array.from(soxDecode('a-law')));
});

test('decoding is odd-symmetric: flipping the sign bit negates the value', () => {
  for (let b = 0; b < 128; b++) {
    assert.equal(ULAW_DECODE[b] + ULAW_DECODE[b | 0x80], 0, `μ-law 0x${b.toString(16)}`);
    assert.equal(ALAW_DECODE[b] + ALAW_DECODE[b | 0x80], 0, `A-law 0x${b.toString(16)}`);
  }
});

test('μ-law quantisation error over the whole Int16 range is at most half the segment step, except clipping above ±32635', () => {
  const all = everyInt16();
  const codes = encodeUlaw(all);
  let maxRatio = 0;
  for (let i = 0; i < all.length; i++) {
    const x = all[i];
    const y = ULAW_DECODE[codes[i]];
    const err = Math.abs(y - x);
    if (x >= 32636 || x <= -32637) {
      assert.equal(y, Math.sign(x) * 32124, `${x} clips to the largest code`);
      continue;
    }
    const half = ulawStep(codes[i]) / 2;
    assert.ok(err <= half, `x=${x} → 0x${codes[i].toString(16)} → ${y}: error ${err} > ${half}`);
    maxRatio = Math.max(maxRatio, err / (2 * half));
  }
  assert.equal(maxRatio, 0.5);
});

test('A-law quantisation error over the whole Int16 range is at most half the segment step', () => {
  const all = everyInt16();
  const codes = encodeAlaw(all);
  for (let i = 0; i < all.length; i++) {
    const err = Math.abs(ALAW_DECODE[codes[i]] - all[i]);
    assert.ok(err <= alawStep(codes[i]) / 2, `x=${all[i]}: error ${err}`);
  }
});

test('encode then decode is monotonic non-decreasing over the whole Int16 range', () => {
  const all = everyInt16();
  const u = decodeUlaw(encodeUlaw(all));
  const a = decodeAlaw(encodeAlaw(all));
  for (let i = 1; i < all.length; i++) {
    assert.ok(u[i] >= u[i - 1], `μ-law at ${all[i]}`);
    assert.ok(a[i] >= a[i - 1], `A-law at ${all[i]}`);
  }
});

test('every A-law byte survives decode then encode', () => {
  for (let b = 0; b < 256; b++) assert.equal(linearToAlaw(alawToLinear(b)), b, `0x${b.toString(16)}`);
});

test('every μ-law byte survives decode then encode except the negative zero 0x7F, which comes back as 0xFF', () => {
  const changed: number[] = [];
  for (let b = 0; b < 256; b++) if (linearToUlaw(ulawToLinear(b)) !== b) changed.push(b);
  assert.deepEqual(changed, [0x7f]);
  assert.equal(linearToUlaw(ulawToLinear(0x7f)), 0xff);
  // The negative zero is still produced, for tiny negative samples (G.191 one's complement).
  assert.equal(linearToUlaw(-1), 0x7f);
  assert.equal(linearToUlaw(-4), 0x7f);
  assert.equal(linearToUlaw(0), 0xff);
});

test('the Buffer helpers round-trip a signal and keep its length', () => {
  const n = 800;
  const tone = new Int16Array(n);
  for (let i = 0; i < n; i++) tone[i] = Math.round(12000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  for (const codec of ['PCMU', 'PCMA'] as const) {
    const enc = encodeG711(codec, tone);
    assert.equal(enc.length, n);
    const dec = decodeG711(codec, enc);
    assert.equal(dec.length, n);
    let signal = 0;
    let noise = 0;
    for (let i = 0; i < n; i++) {
      signal += tone[i] ** 2;
      noise += (dec[i] - tone[i]) ** 2;
    }
    const snr = 10 * Math.log10(signal / noise);
    assert.ok(snr > 35, `${codec} SNR ${snr.toFixed(1)} dB (G.711 gives about 38 dB)`);
  }
  assert.equal(decodeUlaw(Buffer.alloc(0)).length, 0);
  assert.equal(encodeAlaw(new Int16Array(0)).length, 0);
});

test('the silence byte of each codec decodes to the smallest value around zero', () => {
  assert.equal(silenceByte('PCMU'), 0xff);
  assert.equal(ulawToLinear(silenceByte('PCMU')), 0);
  assert.equal(silenceByte('PCMA'), 0xd5);
  assert.equal(alawToLinear(silenceByte('PCMA')), 8);
  assert.equal(linearToUlaw(0), silenceByte('PCMU'));
  assert.equal(linearToAlaw(0), silenceByte('PCMA'));
});

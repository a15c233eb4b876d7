// ITU-T G.711 companding: μ-law (PCMU) and A-law (PCMA) between 16-bit linear samples and
// bytes. Follows the G.191 reference rules (14/13 MSBs used, one's complement for negative
// samples); decoding and encoding are both single table look-ups built once at load. Pure.

export type G711Codec = 'PCMU' | 'PCMA';

/**
 * μ-law byte → linear, per G.191 `ulaw_expand`: the byte is stored inverted; bit 7 set means
 * positive; bits 6-4 are the exponent e, bits 3-0 the mantissa m; the value is the middle of
 * the quantisation interval: (0x80 << e) + step·m + step/2 − 132 with step = 8 << e, 16-bit
 * units. 0xFF and 0x7F both decode to 0 (μ-law has a negative zero).
 */
function ulawExpand(byte: number): number {
  const inv = ~byte & 0xff;
  const exponent = (inv >> 4) & 0x07;
  const mantissa = inv & 0x0f;
  const step = 8 << exponent;
  const magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 132;
  return byte & 0x80 ? magnitude : -magnitude;
}

/**
 * Linear → μ-law byte, per G.191 `ulaw_compress`: 14 MSBs of the magnitude (one's complement
 * for negative samples, so −1…−4 give the negative zero 0x7F), biased by 33, clipped at 8191.
 */
function ulawCompress(sample: number): number {
  const negative = sample < 0;
  let biased = ((negative ? ~sample : sample) >> 2) + 33;
  if (biased > 0x1fff) biased = 0x1fff;
  // Segment = position of the leading one above bit 5 (biased ≥ 33 so the segment is 1…8).
  const segment = 31 - Math.clz32(biased) - 4;
  const mantissa = (biased >> segment) & 0x0f;
  const code = ((8 - segment) << 4) | (0x0f - mantissa);
  return negative ? code : code | 0x80;
}

/**
 * A-law byte → linear, per G.191 `alaw_expand`: even bits are toggled (XOR 0x55); bit 7 set
 * means positive; exponent 0 is linear, higher exponents get the implicit leading one; the
 * value is the middle of the interval, 16-bit units (so 0xD5 → +8, 0x55 → −8, 0xAA → +32256).
 */
function alawExpand(byte: number): number {
  const ix = (byte ^ 0x55) & 0x7f;
  const exponent = ix >> 4;
  let mantissa = ix & 0x0f;
  if (exponent > 0) mantissa += 16;
  let magnitude = (mantissa << 4) + 8;
  if (exponent > 1) magnitude <<= exponent - 1;
  return byte & 0x80 ? magnitude : -magnitude;
}

/** Linear → A-law byte, per G.191 `alaw_compress`: 12 MSBs of the magnitude (one's complement for negatives). */
function alawCompress(sample: number): number {
  const negative = sample < 0;
  let ix = (negative ? ~sample : sample) >> 4; // 0…2047
  if (ix > 15) {
    let exponent = 1;
    while (ix > 31) {
      ix >>= 1;
      exponent++;
    }
    ix = ix - 16 + (exponent << 4);
  }
  if (!negative) ix |= 0x80;
  return ix ^ 0x55;
}

function decodeTable(expand: (b: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let b = 0; b < 256; b++) t[b] = expand(b);
  return t;
}

/** Indexed by the sample's 16-bit two's-complement pattern (sample & 0xFFFF). */
function encodeTable(compress: (s: number) => number): Uint8Array {
  const t = new Uint8Array(65536);
  for (let s = -32768; s < 32768; s++) t[s & 0xffff] = compress(s);
  return t;
}

/** Byte → linear sample. */
export const ULAW_DECODE: Readonly<Int16Array> = decodeTable(ulawExpand);
export const ALAW_DECODE: Readonly<Int16Array> = decodeTable(alawExpand);
const ULAW_ENCODE = encodeTable(ulawCompress);
const ALAW_ENCODE = encodeTable(alawCompress);

export function ulawToLinear(byte: number): number {
  return ULAW_DECODE[byte & 0xff];
}
export function alawToLinear(byte: number): number {
  return ALAW_DECODE[byte & 0xff];
}
/** `sample` is taken as a 16-bit signed integer (out-of-range input wraps, as Int16Array would). */
export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE[sample & 0xffff];
}
export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE[sample & 0xffff];
}

export function decodeUlaw(buf: Uint8Array): Int16Array {
  const out = new Int16Array(buf.length);
  for (let i = 0; i < buf.length; i++) out[i] = ULAW_DECODE[buf[i]];
  return out;
}
export function decodeAlaw(buf: Uint8Array): Int16Array {
  const out = new Int16Array(buf.length);
  for (let i = 0; i < buf.length; i++) out[i] = ALAW_DECODE[buf[i]];
  return out;
}
export function encodeUlaw(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = ULAW_ENCODE[samples[i] & 0xffff];
  return out;
}
export function encodeAlaw(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length);
  for (let i = 0; i < samples.length; i++) out[i] = ALAW_ENCODE[samples[i] & 0xffff];
  return out;
}

export function decodeG711(codec: G711Codec, buf: Uint8Array): Int16Array {
  return codec === 'PCMU' ? decodeUlaw(buf) : decodeAlaw(buf);
}
export function encodeG711(codec: G711Codec, samples: Int16Array): Buffer {
  return codec === 'PCMU' ? encodeUlaw(samples) : encodeAlaw(samples);
}

/** The byte that decodes to (the smallest magnitude around) zero: μ-law 0xFF (0), A-law 0xD5 (+8). */
export function silenceByte(codec: G711Codec): number {
  return codec === 'PCMU' ? 0xff : 0xd5;
}

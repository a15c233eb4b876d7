// A test tone as raw G.711 mu-law (8 kHz, one byte per sample) for sipp's rtp_stream, which
// sends it in 160-byte packets every 20 ms with payload type 0.
const BIAS = 0x84;
const CLIP = 32635;

/** ITU-T G.711 mu-law encoding of one 16-bit linear sample. */
function linearToMuLaw(sample: number): number {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), CLIP) + BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

/** `seconds` of a 440 Hz sine at about -12 dBFS (a whole number of 20 ms packets). */
export function muLawTone(seconds: number, hz = 440): Buffer {
  const samples = Math.round(seconds * 50) * 160;
  const out = Buffer.alloc(samples);
  for (let i = 0; i < samples; i++) out[i] = linearToMuLaw(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / 8000)));
  return out;
}

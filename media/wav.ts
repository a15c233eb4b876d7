// WAV files in: reading any common WAV (PCM 8/16/24/32, float, μ-law, A-law, extensible) into
// 16-bit channels and converting it to telephony audio (mono 8 kHz, Kaiser-windowed sinc), and
// the coded WavError that reading and writing (wav-writer.ts) throw.
import { alawToLinear, ulawToLinear } from './g711.ts';

export const WavErrorCodes = {
  CC_MEDIA_WAV_INVALID: 'the file is not a WAV file this box can play (unsupported or corrupt)',
  CC_MEDIA_DISK_FULL: 'the disk is full: the recording stops, its file is valid up to the last audio written',
  CC_MEDIA_WAV_WRITE_FAILED: 'a recording file could not be created or written',
  CC_MEDIA_RECORDER_DIED: 'the recording worker thread stopped unexpectedly: recordings in progress stopped (their files are valid up to the last second written); new calls start a new worker',
} as const;
export type WavErrorCode = keyof typeof WavErrorCodes;

export class WavError extends Error {
  readonly code: WavErrorCode;
  constructor(code: WavErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${WavErrorCodes[code]}: ${detail}` : WavErrorCodes[code], options);
    this.code = code;
    this.name = 'WavError';
  }
}

export interface Wav {
  sampleRate: number;
  channels: number;
  /** One array per channel, all the same length. */
  samples: Int16Array[];
}

export const TELEPHONY_RATE = 8000;

// ---------------------------------------------------------------------------------------------
// Reading

/** WAVE format tags (the writer, wav-writer.ts, writes PCM, A-law and μ-law). */
export const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
export const FORMAT_ALAW = 6;
export const FORMAT_ULAW = 7;
const FORMAT_EXTENSIBLE = 0xfffe;
/** The 14 bytes after the format tag in every KSDATAFORMAT_SUBTYPE_* GUID used by WAVE_FORMAT_EXTENSIBLE. */
const SUBTYPE_GUID_TAIL = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]);
const MAX_CHANNELS = 32;
const MAX_RATE = 768_000;

function invalid(detail: string): never {
  throw new WavError('CC_MEDIA_WAV_INVALID', detail);
}

interface Chunk {
  id: string;
  offset: number;
  size: number;
}

/**
 * Parses a WAV file held in memory. Chunks may come in any order, with odd sizes padded to
 * even; unknown chunks (LIST, fact, cue, …) are skipped. A data chunk that claims more bytes
 * than the file holds (a writer that crashed, or streamed with size 0xFFFFFFFF) is read up to
 * the last whole frame present. Anything else wrong throws a WavError CC_MEDIA_WAV_INVALID,
 * and no other exception.
 */
export function readWav(buf: Buffer): Wav {
  try {
    return parseWav(buf);
  } catch (err) {
    if (err instanceof WavError) throw err;
    throw new WavError('CC_MEDIA_WAV_INVALID', `unreadable (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}

function parseWav(input: unknown): Wav {
  if (!(input instanceof Uint8Array)) invalid('expected the file contents as a Buffer');
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (buf.length < 12) invalid(`${buf.length} bytes is too short for a RIFF header`);
  const magic = buf.toString('latin1', 0, 4);
  if (magic === 'RIFX') invalid('big-endian RIFX files are not supported');
  if (magic === 'RF64') invalid('RF64 (64-bit WAV) files are not supported');
  if (magic !== 'RIFF') invalid('no RIFF header (not a WAV file)');
  if (buf.toString('latin1', 8, 12) !== 'WAVE') invalid(`a RIFF file of form "${printable(buf.subarray(8, 12))}", not WAVE`);

  // The RIFF size is often wrong in the wild (0, or the size before a crash): walk to the real end.
  const chunks: Chunk[] = [];
  let pos = 12;
  while (pos + 8 <= buf.length) {
    const id = buf.toString('latin1', pos, pos + 4);
    if (!/^[\x20-\x7e]{4}$/.test(id)) {
      if (chunks.some((c) => c.id === 'data')) break; // trailing junk after the audio: ignore
      invalid(`corrupt chunk header at byte ${pos}`);
    }
    const size = buf.readUInt32LE(pos + 4);
    chunks.push({ id, offset: pos + 8, size });
    pos += 8 + size + (size & 1);
  }

  const fmts = chunks.filter((c) => c.id === 'fmt ');
  if (fmts.length === 0) invalid('no fmt chunk');
  if (fmts.length > 1) invalid('more than one fmt chunk');
  const fmtChunk = fmts[0];
  if (fmtChunk.size < 16) invalid(`fmt chunk of ${fmtChunk.size} bytes (at least 16 expected)`);
  if (fmtChunk.offset + fmtChunk.size > buf.length) invalid('the fmt chunk is cut short');
  const f = buf.subarray(fmtChunk.offset, fmtChunk.offset + fmtChunk.size);
  let format = f.readUInt16LE(0);
  const channels = f.readUInt16LE(2);
  const sampleRate = f.readUInt32LE(4);
  const blockAlign = f.readUInt16LE(12);
  const bits = f.readUInt16LE(14);
  if (format === FORMAT_EXTENSIBLE) {
    if (f.length < 40 || f.readUInt16LE(16) < 22) invalid('WAVE_FORMAT_EXTENSIBLE without its 22-byte extension');
    if (!f.subarray(26, 40).equals(SUBTYPE_GUID_TAIL)) invalid('WAVE_FORMAT_EXTENSIBLE with an unknown sub-format GUID');
    format = f.readUInt16LE(24);
  }
  if (channels < 1 || channels > MAX_CHANNELS) invalid(`${channels} channels (1 to ${MAX_CHANNELS} supported)`);
  if (sampleRate < 1000 || sampleRate > MAX_RATE) invalid(`sample rate ${sampleRate} Hz (1000 to ${MAX_RATE} supported)`);

  let bytesPerSample: number;
  let decode: (b: Buffer, at: number) => number;
  switch (format) {
    case FORMAT_PCM:
      if (bits < 1 || bits > 32) invalid(`PCM with ${bits} bits per sample`);
      bytesPerSample = Math.ceil(bits / 8);
      decode = [pcm8, pcm16, pcm24, pcm32][bytesPerSample - 1];
      break;
    case FORMAT_FLOAT:
      if (bits !== 32 && bits !== 64) invalid(`IEEE float with ${bits} bits per sample (32 or 64 supported)`);
      bytesPerSample = bits / 8;
      decode = bits === 32 ? float32 : float64;
      break;
    case FORMAT_ULAW:
    case FORMAT_ALAW:
      if (bits !== 8) invalid(`${format === FORMAT_ULAW ? 'μ' : 'A'}-law with ${bits} bits per sample (8 expected)`);
      bytesPerSample = 1;
      decode = format === FORMAT_ULAW ? (b, at) => ulawToLinear(b[at]) : (b, at) => alawToLinear(b[at]);
      break;
    default:
      invalid(`audio format 0x${format.toString(16).padStart(4, '0')} (${FORMAT_NAMES[format] ?? 'unknown'}) is not supported; use PCM, float, μ-law or A-law`);
  }
  if (blockAlign !== bytesPerSample * channels) invalid(`block align ${blockAlign} does not match ${channels} channel(s) of ${bytesPerSample} byte(s)`);

  const datas = chunks.filter((c) => c.id === 'data');
  if (datas.length === 0) invalid('no data chunk');
  if (datas.length > 1) invalid('more than one data chunk');
  const data = datas[0];
  const available = Math.min(data.size, buf.length - data.offset);
  const frames = Math.floor(available / blockAlign);
  const samples: Int16Array[] = [];
  for (let c = 0; c < channels; c++) samples.push(new Int16Array(frames));
  for (let i = 0, at = data.offset; i < frames; i++) {
    for (let c = 0; c < channels; c++, at += bytesPerSample) samples[c][i] = decode(buf, at);
  }
  return { sampleRate, channels, samples };
}

const FORMAT_NAMES: Record<number, string> = {
  0x0002: 'MS ADPCM',
  0x0011: 'IMA ADPCM',
  0x0031: 'GSM 6.10',
  0x0055: 'MPEG layer 3',
  0x0050: 'MPEG',
  0x0064: 'G.721 ADPCM',
  0x0069: 'G.723 ADPCM',
};

function printable(b: Buffer): string {
  return b.toString('latin1').replace(/[^\x20-\x7e]/g, '?');
}

const pcm8 = (b: Buffer, at: number) => (b[at] - 128) << 8;
const pcm16 = (b: Buffer, at: number) => b.readInt16LE(at);
const pcm24 = (b: Buffer, at: number) => clamp16(Math.round(b.readIntLE(at, 3) / 256));
const pcm32 = (b: Buffer, at: number) => clamp16(Math.round(b.readInt32LE(at) / 65536));
const float32 = (b: Buffer, at: number) => floatTo16(b.readFloatLE(at));
const float64 = (b: Buffer, at: number) => floatTo16(b.readDoubleLE(at));

function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}
function floatTo16(v: number): number {
  return Number.isFinite(v) ? clamp16(Math.round(v * 32768)) : 0;
}

// ---------------------------------------------------------------------------------------------
// Telephony conversion

/**
 * Mono 8 kHz 16-bit audio from any WAV: channels averaged, then resampled with a
 * Kaiser-windowed sinc low-pass (passband to 0.85 × the lower Nyquist — 3.4 kHz for 8 kHz
 * output — stopband from the lower Nyquist, ≥ 70 dB down), so nothing above 4 kHz aliases.
 */
export function toTelephony(wav: Wav): Int16Array {
  const mono = mixToMono(wav);
  const out = wav.sampleRate === TELEPHONY_RATE ? mono : resample(mono, wav.sampleRate, TELEPHONY_RATE);
  const pcm = new Int16Array(out.length);
  for (let i = 0; i < out.length; i++) pcm[i] = clamp16(Math.round(out[i]));
  return pcm;
}

function mixToMono(wav: Wav): Float64Array {
  const n = wav.samples[0]?.length ?? 0;
  const mono = new Float64Array(n);
  for (const ch of wav.samples) for (let i = 0; i < n; i++) mono[i] += ch[i];
  const k = 1 / Math.max(1, wav.samples.length);
  for (let i = 0; i < n; i++) mono[i] *= k;
  return mono;
}

const STOPBAND_DB = 70;
/** Above this many filter phases (rates with a small common divisor) the kernel is interpolated from a table instead. */
const MAX_PHASES = 2048;
const KERNEL_OVERSAMPLING = 512; // table points per input sample; linear interpolation in between

/** The low-pass kernel h(d), d in input samples, |d| ≤ halfWidth (Kaiser's design formulas). */
interface KernelDesign {
  halfWidth: number;
  at: (d: number) => number;
}

function designKernel(inRate: number, outRate: number): KernelDesign {
  const nyquist = Math.min(inRate, outRate) / 2;
  const pass = 0.85 * nyquist;
  const stop = nyquist;
  const fc = (pass + stop) / 2 / inRate; // cutoff in cycles per input sample
  const transition = (stop - pass) / inRate;
  const beta = 0.1102 * (STOPBAND_DB - 8.7);
  const taps = Math.ceil((STOPBAND_DB - 7.95) / (14.36 * transition)) + 1;
  const halfWidth = taps / 2;
  const i0Beta = besselI0(beta);
  const at = (d: number): number => {
    if (Math.abs(d) >= halfWidth) return 0;
    const r = d / halfWidth;
    const x = 2 * fc * d;
    const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
    return (2 * fc * sinc * besselI0(beta * Math.sqrt(1 - r * r))) / i0Beta;
  };
  return { halfWidth, at };
}

function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  return sum;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Output sample n sits at input position n·M/L = k + p/L. Polyphase: one row of taps per phase
 * p, tap j weighting input k + first + j. Table: h sampled finely, interpolated per tap.
 */
type Resampler =
  | { kind: 'polyphase'; L: number; M: number; first: number; width: number; taps: Float64Array }
  | { kind: 'table'; halfWidth: number; table: Float64Array };

const resamplers = new Map<string, Resampler>();

function resamplerFor(inRate: number, outRate: number): Resampler {
  const key = `${inRate}/${outRate}`;
  let r = resamplers.get(key);
  if (r) return r;
  const { halfWidth, at } = designKernel(inRate, outRate);
  const g = gcd(inRate, outRate);
  const L = outRate / g;
  if (Number.isInteger(inRate) && Number.isInteger(outRate) && L <= MAX_PHASES) {
    const first = -Math.ceil(halfWidth);
    const width = 2 * Math.ceil(halfWidth) + 1;
    const taps = new Float64Array(L * width);
    for (let p = 0; p < L; p++) for (let j = 0; j < width; j++) taps[p * width + j] = at(first + j - p / L);
    r = { kind: 'polyphase', L, M: inRate / g, first, width, taps };
  } else {
    const table = new Float64Array(Math.ceil(halfWidth * KERNEL_OVERSAMPLING) + 2);
    for (let i = 0; i < table.length; i++) table[i] = at(i / KERNEL_OVERSAMPLING);
    r = { kind: 'table', halfWidth, table };
  }
  if (resamplers.size >= 16) resamplers.clear();
  resamplers.set(key, r);
  return r;
}

/** Band-limited resampling between any two rates (samples outside the input count as zero). */
export function resample(input: ArrayLike<number>, inRate: number, outRate: number): Float64Array {
  if (!(inRate > 0 && outRate > 0)) throw new RangeError(`bad rates ${inRate} → ${outRate}`);
  const x = input instanceof Float64Array ? input : Float64Array.from(input);
  const outLen = Math.round((x.length * outRate) / inRate);
  const out = new Float64Array(outLen);
  if (inRate === outRate) {
    out.set(x.subarray(0, outLen));
    return out;
  }
  const r = resamplerFor(inRate, outRate);
  const last = x.length - 1;
  if (r.kind === 'polyphase') {
    const { L, M, first, width, taps } = r;
    for (let n = 0; n < outLen; n++) {
      const pos = n * M;
      const k = Math.floor(pos / L);
      const row = (pos - k * L) * width;
      const j0 = Math.max(0, -(k + first));
      const j1 = Math.min(width - 1, last - (k + first));
      let acc = 0;
      for (let j = j0, i = k + first + j0; j <= j1; j++, i++) acc += x[i] * taps[row + j];
      out[n] = acc;
    }
    return out;
  }
  const { halfWidth, table } = r;
  const step = inRate / outRate;
  for (let n = 0; n < outLen; n++) {
    const pos = n * step;
    const k0 = Math.max(0, Math.ceil(pos - halfWidth));
    const k1 = Math.min(last, Math.floor(pos + halfWidth));
    let acc = 0;
    for (let k = k0; k <= k1; k++) {
      const t = Math.abs(pos - k) * KERNEL_OVERSAMPLING;
      const i = t | 0;
      acc += x[k] * (table[i] + (table[i + 1] - table[i]) * (t - i));
    }
    out[n] = acc;
  }
  return out;
}

// The waveform summary the playback page draws: a recording's audio cut into `buckets` equal
// spans, and per channel the lowest and highest sample of each span, scaled to -1..1. Built
// while the WAV streams past (a one-hour call is never held in memory): `parseWavHead` reads
// the header the recorder writes (PCM 16-bit, μ-law or A-law, any channel count), then a
// `PeakAccumulator` takes the data bytes in chunks of any size. Pure: bytes in, numbers out.
import { ALAW_DECODE, ULAW_DECODE } from '../../media/g711.ts';

export interface WaveformPeaks {
  sampleRate: number;
  durationMs: number;
  /** Spans per channel (fewer than asked when the recording has fewer frames). */
  buckets: number;
  /** One entry per channel (caller left first, then callee). */
  channels: { min: number[]; max: number[] }[];
}

export interface WavHead {
  encoding: 'pcm16' | 'ulaw' | 'alaw';
  channels: number;
  sampleRate: number;
  /** Bytes per frame (all channels). */
  blockAlign: number;
  /** Where the audio starts, and the bytes the data chunk declares. */
  dataOffset: number;
  dataSize: number;
}

/**
 * The header of a WAV file from its first bytes: undefined while more bytes are needed to
 * reach the data chunk; throws (a plain Error naming the problem) for a file that is not a
 * WAV of an encoding recordings use.
 */
export function parseWavHead(buf: Buffer): WavHead | undefined {
  if (buf.length < 12) return undefined;
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') throw new Error('not a RIFF/WAVE file');
  let fmt: Omit<WavHead, 'dataOffset' | 'dataSize'> | undefined;
  for (let pos = 12; pos + 8 <= buf.length;) {
    const id = buf.toString('latin1', pos, pos + 4);
    const size = buf.readUInt32LE(pos + 4);
    if (id === 'data') {
      if (!fmt) throw new Error('data chunk before the fmt chunk');
      return { ...fmt, dataOffset: pos + 8, dataSize: size };
    }
    if (pos + 8 + size > buf.length) return undefined;
    if (id === 'fmt ') {
      if (size < 16) throw new Error(`fmt chunk of ${size} bytes`);
      const tag = buf.readUInt16LE(pos + 8);
      const channels = buf.readUInt16LE(pos + 10);
      const sampleRate = buf.readUInt32LE(pos + 12);
      const blockAlign = buf.readUInt16LE(pos + 20);
      const bits = buf.readUInt16LE(pos + 22);
      const encoding = tag === 1 && bits === 16 ? 'pcm16' : tag === 7 && bits === 8 ? 'ulaw' : tag === 6 && bits === 8 ? 'alaw' : undefined;
      if (!encoding) throw new Error(`format tag ${tag} with ${bits} bits is not a recording encoding`);
      if (channels < 1 || channels > 32 || sampleRate < 1000 || blockAlign !== channels * (bits / 8)) throw new Error('implausible fmt chunk');
      fmt = { encoding, channels, sampleRate, blockAlign };
    }
    pos += 8 + size + (size & 1);
  }
  return undefined;
}

/** Frames of audio present: the data chunk's declared size, cut to the bytes the file holds. */
export function framesIn(head: WavHead, fileLength: number): number {
  const available = Math.max(0, fileLength - head.dataOffset);
  const declared = head.dataSize === 0 || head.dataSize === 0xffffffff ? available : Math.min(head.dataSize, available);
  return Math.floor(declared / head.blockAlign);
}

const round = (v: number) => Math.round((v / 32768) * 10_000) / 10_000;

/** Frame i falls in span floor(i × buckets / frames). Feed the data bytes (after the header) in order. */
export class PeakAccumulator {
  readonly buckets: number;
  private readonly min: Int16Array[];
  private readonly max: Int16Array[];
  private frame = 0;
  /** A frame split across two chunks. */
  private carry = Buffer.alloc(0);

  constructor(private readonly head: WavHead, private readonly frames: number, wanted: number) {
    this.buckets = Math.max(0, Math.min(wanted, frames));
    this.min = Array.from({ length: head.channels }, () => new Int16Array(this.buckets).fill(32767));
    this.max = Array.from({ length: head.channels }, () => new Int16Array(this.buckets).fill(-32768));
  }

  push(chunk: Buffer): void {
    const { head } = this;
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const whole = Math.min(Math.floor(data.length / head.blockAlign), this.frames - this.frame);
    const table = head.encoding === 'ulaw' ? ULAW_DECODE : head.encoding === 'alaw' ? ALAW_DECODE : undefined;
    for (let f = 0; f < whole; f++, this.frame++) {
      const b = Math.floor((this.frame * this.buckets) / this.frames);
      const at = f * head.blockAlign;
      for (let c = 0; c < head.channels; c++) {
        const v = table ? table[data[at + c]] : data.readInt16LE(at + 2 * c);
        if (v < this.min[c][b]) this.min[c][b] = v;
        if (v > this.max[c][b]) this.max[c][b] = v;
      }
    }
    this.carry = this.frame < this.frames ? Buffer.from(data.subarray(whole * head.blockAlign)) : Buffer.alloc(0);
  }

  result(): WaveformPeaks {
    return {
      sampleRate: this.head.sampleRate,
      durationMs: Math.round((this.frames / this.head.sampleRate) * 1000),
      buckets: this.buckets,
      channels: this.min.map((lo, c) => ({ min: Array.from(lo, round), max: Array.from(this.max[c], round) })),
    };
  }
}

/** Peaks of a whole WAV file streamed as chunks (`length`: the file's total bytes). */
export async function peaksOfStream(chunks: AsyncIterable<Buffer>, length: number, wanted: number): Promise<WaveformPeaks> {
  let head: WavHead | undefined;
  let pending = Buffer.alloc(0);
  let acc: PeakAccumulator | undefined;
  for await (const chunk of chunks) {
    if (acc) {
      acc.push(chunk);
      continue;
    }
    pending = Buffer.concat([pending, chunk]);
    head = parseWavHead(pending);
    if (!head) {
      if (pending.length > 1 << 20) throw new Error('no data chunk in the first MiB');
      continue;
    }
    acc = new PeakAccumulator(head, framesIn(head, length), wanted);
    acc.push(pending.subarray(head.dataOffset));
  }
  if (!acc) throw new Error('the file ends before its audio starts');
  return acc.result();
}

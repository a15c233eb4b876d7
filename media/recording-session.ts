// One call's recording inside a recording worker thread: a playout FIFO of G.711 bytes per
// side, filled from RTP payloads, and every 20 ms tick one frame per side interleaved into a
// 2-channel G.711 WAV (caller left, callee right), so the channels stay aligned by arrival
// time. Audio is never decoded except for the sides searched for in-band DTMF. Owns its
// WavFileWriter and closes it; knows nothing of sockets, threads or mediasoup.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { InbandDtmfDetector } from './dtmf-inband.ts';
import { ALAW_DECODE, ULAW_DECODE, silenceByte } from './g711.ts';
import { RECORDER_SIDES, type RecorderSide, type RecordingSpec, type RecordingSummary } from './recording-protocol.ts';
import { WavFileWriter, type WavError } from './wav.ts';

/** Samples (= G.711 bytes) per 20 ms frame. */
const FRAME = 160;
/** 200 ms: beyond that a side has drifted; the oldest bytes go. */
const MAX_QUEUED = 10 * FRAME;
/** Playout buffer: a side starts (and restarts after running dry) once 3 frames wait, so packets
 *  arriving up to ~40 ms late do not put silence into the middle of speech or tones. */
const PREBUFFER = 3 * FRAME;
const RING = 4096;

/** One side's bytes waiting to be written, oldest first. */
class SideFifo {
  private readonly ring = new Uint8Array(RING);
  private read = 0;
  queued = 0;
  buffering = true;
  /** Has this side ever sent audio? Silence before its first packet is not a gap. */
  started = false;
  filled = 0;
  overflow = 0;

  constructor(private readonly silence: number) {}

  push(payload: Uint8Array): void {
    let src = payload;
    if (src.length > MAX_QUEUED) {
      this.overflow += src.length - MAX_QUEUED;
      src = src.subarray(src.length - MAX_QUEUED);
    }
    const over = this.queued + src.length - MAX_QUEUED;
    if (over > 0) {
      this.overflow += over;
      this.read = (this.read + over) % RING;
      this.queued -= over;
    }
    const write = (this.read + this.queued) % RING;
    const first = Math.min(src.length, RING - write);
    this.ring.set(src.subarray(0, first), write);
    if (first < src.length) this.ring.set(src.subarray(first), 0);
    this.queued += src.length;
  }

  /** One frame into out[offset], out[offset + stride], …: queued audio, else silence. */
  take(out: Uint8Array, offset: number, stride: number): void {
    if (this.buffering) {
      if (this.queued < PREBUFFER) return this.fill(out, offset, stride, 0);
      this.buffering = false;
      this.started = true;
    }
    const n = Math.min(FRAME, this.queued);
    const ring = this.ring;
    let r = this.read;
    for (let i = 0, at = offset; i < n; i++, at += stride) {
      out[at] = ring[r];
      r = r + 1 === RING ? 0 : r + 1;
    }
    this.read = r;
    this.queued -= n;
    if (n < FRAME) {
      this.buffering = true;
      this.fill(out, offset, stride, n);
    }
  }

  private fill(out: Uint8Array, offset: number, stride: number, from: number): void {
    if (this.started) this.filled++;
    for (let i = from, at = offset + from * stride; i < FRAME; i++, at += stride) out[at] = this.silence;
  }
}

export interface RecordingSessionOptions {
  flushIntervalMs?: number;
  /** The recording stopped by itself (disk full); it records nothing more. Called once. */
  onFailed: (code: string, message: string) => void;
  onDigit: (side: RecorderSide, digit: string) => void;
}

export class RecordingSession {
  private readonly sides: Record<RecorderSide, SideFifo>;
  /** One stereo frame, reused every tick (the writer copies it). */
  private readonly frame = new Uint8Array(2 * FRAME);
  private readonly detectors: [RecorderSide, InbandDtmfDetector][] = [];
  private readonly decodeTable: Readonly<Int16Array>;
  private readonly linear = new Int16Array(FRAME);
  private stoppedBy?: string;
  private closed?: Promise<RecordingSummary>;

  private constructor(
    readonly spec: RecordingSpec,
    private readonly writer: WavFileWriter,
    private readonly o: RecordingSessionOptions,
  ) {
    const silence = silenceByte(spec.codec);
    this.sides = { caller: new SideFifo(silence), callee: new SideFifo(silence) };
    this.decodeTable = spec.codec === 'PCMU' ? ULAW_DECODE : ALAW_DECODE;
    for (const side of RECORDER_SIDES) {
      if (spec.inbandDtmf.includes(side)) this.detectors.push([side, new InbandDtmfDetector((digit) => o.onDigit(side, digit))]);
    }
    writer.on('error', (err: WavError) => this.fail(err.code, err.message));
  }

  /** Creates the file (header of an empty recording); rejects with a WavError. */
  static async open(spec: RecordingSpec, o: RecordingSessionOptions): Promise<RecordingSession> {
    const writer = await WavFileWriter.open(spec.path, { channels: 2, encoding: spec.codec === 'PCMU' ? 'ulaw' : 'alaw', flushIntervalMs: o.flushIntervalMs ?? 1000 });
    return new RecordingSession(spec, writer, o);
  }

  /** Is it still taking audio? */
  get active(): boolean {
    return !this.stoppedBy && !this.closed;
  }

  /** Bytes dropped because a side's queue was over 200 ms. */
  get overflowBytes(): number {
    return this.sides.caller.overflow + this.sides.callee.overflow;
  }

  /** One RTP payload of the call's codec from `side`. */
  push(side: RecorderSide, payload: Uint8Array): void {
    if (this.active) this.sides[side].push(payload);
  }

  /** Writes one 20 ms stereo frame (silence where a side has nothing) and runs the DTMF detectors. */
  tick(): void {
    if (!this.active) return;
    this.sides.caller.take(this.frame, 0, 2);
    this.sides.callee.take(this.frame, 1, 2);
    this.writer.appendEncoded(this.frame);
    for (const [side, detector] of this.detectors) {
      const table = this.decodeTable;
      const lin = this.linear;
      for (let i = 0, at = side === 'caller' ? 0 : 1; i < FRAME; i++, at += 2) lin[i] = table[this.frame[at]];
      detector.push(lin);
    }
  }

  private fail(code: string, message: string): void {
    if (this.stoppedBy) return;
    this.stoppedBy = code;
    this.o.onFailed(code, message);
  }

  /** Finishes the file and returns its size, duration and checksum. Idempotent, never rejects. */
  stop(): Promise<RecordingSummary> {
    this.closed ??= (async () => {
      let bytes: number;
      let durationMs: number;
      try {
        const summary = await this.writer.close();
        bytes = summary.bytesWritten;
        durationMs = summary.durationMs;
      } catch (err) {
        this.stoppedBy ??= (err as WavError).code ?? 'CC_MEDIA_WAV_WRITE_FAILED';
        bytes = this.writer.bytesWritten;
        durationMs = this.writer.durationMs;
      }
      const filledFrames = { caller: this.sides.caller.filled, callee: this.sides.callee.filled };
      return { path: this.spec.path, bytes, durationMs, sha256: await sha256File(this.spec.path), stoppedBy: this.stoppedBy, filledFrames };
    })();
    return this.closed;
  }
}

/** SHA-256 of a file, hex; '' when it cannot be read. */
export function sha256File(path: string): Promise<string> {
  return new Promise((resolve) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', () => resolve(''));
  });
}

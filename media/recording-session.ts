// One call's recording inside a recording worker thread: per side, a 2 s jitter buffer of
// G.711 bytes placed by RTP timestamp, and a write cursor that follows the wall clock 500 ms
// behind, interleaving one frame per side into a 2-channel G.711 WAV (caller left, callee
// right). A side's stream is anchored where its first packet arrived, so the channels are
// aligned by arrival; after that, bursts and late packets (a busy mediasoup worker, a busy
// thread) land where their timestamps say, and only audio that never came is silence.
// Audio is never decoded except for the sides searched for in-band DTMF, which are decoded
// as packets arrive (not 500 ms later). Owns its WavFileWriter; knows nothing of sockets,
// threads or mediasoup.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { endianness } from 'node:os';
import { InbandDtmfDetector } from './dtmf-inband.ts';
import { ALAW_DECODE, ULAW_DECODE, silenceByte } from './g711.ts';
import { EncryptedFileHandle } from './recording-crypto.ts';
import { SyncFileHandle } from './sync-file-handle.ts';
import { RECORDER_SIDES, type RecorderSide, type RecordingSpec, type RecordingSummary } from './recording-protocol.ts';
import type { WavError } from './wav.ts';
import { WavFileWriter } from './wav-writer.ts';

/** Samples (= G.711 bytes) per 20 ms frame, and per ms. */
const FRAME = 160;
const PER_MS = 8;
/** How far the write cursor stays behind the wall clock: packets up to this late still land in place. */
export const PLAYOUT_DELAY_MS = 500;
/** Jitter buffer per side (frames): audio may be placed up to this far ahead of the cursor. */
const RING_FRAMES = 100;
const RING = RING_FRAMES * FRAME;
/** Packets in a row too late to place: the stream's timestamps moved (or its clock is slow); re-anchor. */
const LATE_RUN_REANCHOR = 5;
/** A timestamp jump of up to this many samples is silence for the in-band DTMF detector; beyond, a new start. */
const DTMF_MAX_FILL = 10 * FRAME;

/** One side's jitter buffer: bytes at absolute sample positions (mod RING) of the file. */
class SideBuffer {
  readonly ring: Uint8Array;
  /** Bytes placed per frame slot (silence is written for the rest). */
  readonly have = new Uint8Array(RING_FRAMES);
  /** RTP timestamp ↔ file position of the stream being placed. */
  anchor?: { ts: number; pos: number };
  /** File position of this side's first audio: silence before it is not a gap. */
  firstPos = Infinity;
  filled = 0;
  lateBytes = 0;
  lateRun = 0;
  reanchors = 0;
  /** In-band DTMF (sides that want it): the detector and the next timestamp it expects. */
  detector?: InbandDtmfDetector;
  dtmfTs?: number;

  constructor(readonly silence: number) {
    this.ring = new Uint8Array(RING).fill(silence);
  }

  /** Copies payload[from, to) to file positions pos… (wrapping in the ring), counting bytes per frame slot. */
  place(payload: Uint8Array, from: number, to: number, pos: number): void {
    const ring = this.ring;
    while (from < to) {
      const at = pos % RING;
      const slot = Math.floor(at / FRAME);
      const n = Math.min(to - from, (slot + 1) * FRAME - at);
      for (let i = 0; i < n; i++) ring[at + i] = payload[from + i];
      this.have[slot] = Math.min(FRAME, this.have[slot] + n);
      from += n;
      pos += n;
    }
  }
}

export interface RecordingSessionOptions {
  flushIntervalMs?: number;
  /** The recording stopped by itself (disk full); it records nothing more. Called once. */
  onFailed: (code: string, message: string) => void;
  onDigit: (side: RecorderSide, digit: string) => void;
  /** Milliseconds, for tests (default performance.now). */
  now?: () => number;
}

export class RecordingSession {
  private readonly sides: Record<RecorderSide, SideBuffer>;
  /** One stereo frame, reused (the writer copies it), and a 16-bit view of it where that is caller-first. */
  private readonly frame = new Uint8Array(2 * FRAME);
  private readonly frame16 = endianness() === 'LE' ? new Uint16Array(this.frame.buffer) : undefined;
  private readonly decodeTable: Readonly<Int16Array>;
  private linear = new Int16Array(FRAME);
  private readonly now: () => number;
  private readonly t0: number;
  /** File position (samples) of the next frame to write. */
  private cursor = 0;
  private stoppedBy?: string;
  private closed?: Promise<RecordingSummary>;

  private constructor(
    readonly spec: RecordingSpec,
    private readonly writer: WavFileWriter,
    private readonly o: RecordingSessionOptions,
  ) {
    const silence = silenceByte(spec.codec);
    this.sides = { caller: new SideBuffer(silence), callee: new SideBuffer(silence) };
    this.decodeTable = spec.codec === 'PCMU' ? ULAW_DECODE : ALAW_DECODE;
    for (const side of RECORDER_SIDES) {
      if (spec.inbandDtmf.includes(side)) this.sides[side].detector = new InbandDtmfDetector((digit) => o.onDigit(side, digit));
    }
    this.now = o.now ?? (() => performance.now());
    this.t0 = this.now();
    writer.on('error', (err: WavError) => this.fail(err.code, err.message));
  }

  /** Creates the file (header of an empty recording); rejects with a WavError. */
  static async open(spec: RecordingSpec, o: RecordingSessionOptions): Promise<RecordingSession> {
    const writer = await WavFileWriter.open(spec.path, {
      channels: 2,
      encoding: spec.codec === 'PCMU' ? 'ulaw' : 'alaw',
      flushIntervalMs: o.flushIntervalMs ?? 1000,
      // Synchronous file I/O: this runs in the recording thread (sync-file-handle.ts says why).
      openFile: spec.encryption ? EncryptedFileHandle.opener(spec.encryption, SyncFileHandle.open) : SyncFileHandle.open,
    });
    return new RecordingSession(spec, writer, o);
  }

  /** Is it still taking audio? */
  get active(): boolean {
    return !this.stoppedBy && !this.closed;
  }

  /** Audio bytes that came too late to be placed, and stream re-anchorings (timestamp jumps). */
  get late(): { bytes: number; reanchors: number } {
    const { caller, callee } = this.sides;
    return { bytes: caller.lateBytes + callee.lateBytes, reanchors: caller.reanchors + callee.reanchors };
  }

  /** The wall clock as a file position (samples since the recording opened). */
  private wallPos(): number {
    return Math.floor((this.now() - this.t0) * PER_MS);
  }

  /** `side` starts a new stream (another producer): its next packet anchors anew. */
  restart(side: RecorderSide): void {
    this.sides[side].anchor = undefined;
    this.sides[side].dtmfTs = undefined;
  }

  /** One RTP payload (payload[from, to)) of the call's codec from `side`, with its RTP timestamp. */
  push(side: RecorderSide, payload: Uint8Array, from: number, to: number, timestamp: number): void {
    if (!this.active || to <= from) return;
    const s = this.sides[side];
    if (s.detector) this.detect(s, payload, from, to, timestamp);
    const len = to - from;
    let pos = s.anchor ? s.anchor.pos + ((timestamp - s.anchor.ts) | 0) : NaN;
    if (!(pos + len > this.cursor && pos + len <= this.cursor + RING)) {
      const late = pos + len <= this.cursor;
      if (late && ++s.lateRun < LATE_RUN_REANCHOR) {
        s.lateBytes += len;
        return;
      }
      // First packet, a timestamp jump, or a stream persistently late: place it where it arrived.
      if (s.anchor) s.reanchors++;
      pos = Math.max(this.cursor, Math.floor(this.wallPos() / FRAME) * FRAME);
      s.anchor = { ts: timestamp, pos };
      if (s.firstPos === Infinity) s.firstPos = pos;
    }
    s.lateRun = 0;
    if (pos < this.cursor) {
      // Partly late: the part already written is lost.
      s.lateBytes += this.cursor - pos;
      from += this.cursor - pos;
      pos = this.cursor;
    }
    s.place(payload, from, to, pos);
  }

  /** In-band DTMF on the audio as it arrives; a timestamp gap is silence for the detector. */
  private detect(s: SideBuffer, payload: Uint8Array, from: number, to: number, ts: number): void {
    const len = to - from;
    if (s.dtmfTs !== undefined) {
      const gap = (ts - s.dtmfTs) | 0;
      if (gap < 0) return; // a duplicate or reordered packet
      if (gap > 0 && gap <= DTMF_MAX_FILL) s.detector!.push(new Int16Array(gap));
    }
    s.dtmfTs = (ts + len) >>> 0;
    if (this.linear.length < len) this.linear = new Int16Array(len);
    const lin = this.linear;
    const table = this.decodeTable;
    for (let i = 0; i < len; i++) lin[i] = table[payload[from + i]];
    s.detector!.push(lin.subarray(0, len));
  }

  /** Writes every frame due by the wall clock (minus the playout delay). */
  tick(): void {
    if (this.active) this.writeUpTo(this.wallPos() - PLAYOUT_DELAY_MS * PER_MS);
  }

  private writeUpTo(target: number): void {
    const { caller, callee } = this.sides;
    const left = caller.ring;
    const right = callee.ring;
    const frame = this.frame;
    const frame16 = this.frame16;
    while (this.cursor + FRAME <= target) {
      const at = this.cursor % RING;
      // Interleave: caller byte then callee byte per sample (one 16-bit store each on little-endian machines).
      if (frame16) for (let i = 0; i < FRAME; i++) frame16[i] = left[at + i] | (right[at + i] << 8);
      else {
        for (let i = 0; i < FRAME; i++) {
          frame[2 * i] = left[at + i];
          frame[2 * i + 1] = right[at + i];
        }
      }
      this.release(caller, at);
      this.release(callee, at);
      this.writer.appendEncoded(frame);
      this.cursor += FRAME;
    }
  }

  /** A side's frame slot at ring offset `at` has been written: count it if it was (partly) silence, empty it. */
  private release(s: SideBuffer, at: number): void {
    const slot = at / FRAME;
    if (s.have[slot] < FRAME && this.cursor >= s.firstPos) s.filled++;
    if (s.have[slot] > 0) {
      s.have[slot] = 0;
      s.ring.fill(s.silence, at, at + FRAME);
    }
  }

  private fail(code: string, message: string): void {
    if (this.stoppedBy) return;
    this.stoppedBy = code;
    this.o.onFailed(code, message);
  }

  /** Writes what the buffers hold (up to now), finishes the file, returns its size, duration
   *  and checksum. Idempotent, never rejects. */
  stop(): Promise<RecordingSummary> {
    if (this.active) this.writeUpTo(this.wallPos());
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
      // Encrypted: the size on disk, not the WAV's.
      if (this.spec.encryption) bytes = await stat(this.spec.path).then((st) => st.size, () => bytes);
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

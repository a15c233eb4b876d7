// Streaming recordings to disk as WAV (16-bit PCM, or G.711 bytes written as they came off the
// wire) so that a crash or a full disk still leaves a valid file: WavFileWriter, its file seam
// (WavFileHandle) and header sizes. Reading WAV files is wav.ts.
import { EventEmitter } from 'node:events';
import { open as fsOpen } from 'node:fs/promises';
import { encodeAlaw, encodeUlaw } from './g711.ts';
import { FORMAT_ALAW, FORMAT_PCM, FORMAT_ULAW, TELEPHONY_RATE, WavError } from './wav.ts';

export type WavWriterEncoding = 'pcm16' | 'ulaw' | 'alaw';

/** The WAV header length the writer uses for an encoding: 44 for PCM, 58 for G.711 (fmt with cbSize, fact chunk). */
export function wavHeaderLength(encoding: WavWriterEncoding): number {
  return encoding === 'pcm16' ? 44 : 58;
}

/** The part of a node:fs/promises FileHandle the writer uses (a seam for tests). */
export interface WavFileHandle {
  write(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesWritten: number }>;
  truncate(length: number): Promise<void>;
  datasync(): Promise<void>;
  close(): Promise<void>;
}

export interface WavWriterOptions {
  /** 1 (mono) or 2 (stereo: caller left, callee right). Default 1. */
  channels?: 1 | 2;
  /** 16-bit PCM or G.711 μ-law / A-law (format tag 7 / 6), always 8 kHz. Default 'pcm16'. */
  encoding?: WavWriterEncoding;
  /** Appended audio reaches the file (and the header is rewritten) at least this often, in ms of audio and of wall time. Default 1000. */
  flushIntervalMs?: number;
  /** fdatasync after every flush (survives power loss, not only a crash). Default false. */
  fsync?: boolean;
  /** Replace an existing file. Default false: an existing file is an error, never clobbered. */
  overwrite?: boolean;
  /** Opens the file; defaults to node:fs/promises open. */
  openFile?: (path: string, flags: string) => Promise<WavFileHandle>;
}

export interface WavWriterSummary {
  path: string;
  bytesWritten: number;
  frames: number;
  durationMs: number;
}

/**
 * Streams a recording to a WAV file. `append`/`appendEncoded` are synchronous and only buffer; the buffer is
 * written, and the RIFF/data/fact sizes rewritten, once it holds `flushIntervalMs` of audio, on
 * a `flushIntervalMs` timer, and on `flush()`/`close()`, one write at a time. A process that dies
 * therefore leaves a valid file missing at most the last `flushIntervalMs` of audio.
 *
 * A write that fails stops the recording: the file is cut back to the last whole frame on disk
 * with its header updated, later audio is dropped, and `flush()`/`close()` reject with a
 * WavError (CC_MEDIA_DISK_FULL for ENOSPC/EDQUOT, else CC_MEDIA_WAV_WRITE_FAILED). A failure in a
 * background flush is also emitted as 'error' when someone listens for it (never otherwise, so
 * a forgotten listener cannot crash the process).
 */
export class WavFileWriter extends EventEmitter {
  readonly channels: 1 | 2;
  readonly encoding: WavWriterEncoding;
  readonly sampleRate = TELEPHONY_RATE;
  private readonly blockAlign: number;
  private readonly headerLength: number;
  private readonly flushBytes: number;
  private readonly fsync: boolean;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Where appendEncoded copies to: one flush's worth, so a flush is usually one buffer, no concat. */
  private block = Buffer.alloc(0);
  private blockStart = 0;
  private blockUsed = 0;
  private dataBytes = 0;
  private droppedFrames = 0;
  private failure: WavError | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private closing: Promise<WavWriterSummary> | undefined;
  private flushQueued = false;

  private constructor(
    readonly path: string,
    private readonly fh: WavFileHandle,
    opts: WavWriterOptions,
  ) {
    super();
    this.channels = opts.channels ?? 1;
    this.encoding = opts.encoding ?? 'pcm16';
    this.blockAlign = this.channels * (this.encoding === 'pcm16' ? 2 : 1);
    this.headerLength = wavHeaderLength(this.encoding);
    const interval = opts.flushIntervalMs ?? 1000;
    this.flushBytes = Math.max(this.blockAlign, Math.floor((this.sampleRate * interval) / 1000) * this.blockAlign);
    this.fsync = opts.fsync ?? false;
    this.timer = setInterval(() => {
      if (this.pendingBytes > 0) this.backgroundFlush();
    }, interval);
    this.timer.unref();
  }

  /** Creates the file and writes a header for an empty recording. */
  static async open(path: string, opts: WavWriterOptions = {}): Promise<WavFileWriter> {
    if (opts.channels !== undefined && opts.channels !== 1 && opts.channels !== 2) throw new RangeError(`channels must be 1 or 2, not ${String(opts.channels)}`);
    if (opts.encoding !== undefined && opts.encoding !== 'pcm16' && opts.encoding !== 'ulaw' && opts.encoding !== 'alaw') throw new RangeError(`unknown encoding ${String(opts.encoding)}`);
    if (opts.flushIntervalMs !== undefined && !(opts.flushIntervalMs > 0)) throw new RangeError('flushIntervalMs must be positive');
    const openFile = opts.openFile ?? ((p: string, flags: string) => fsOpen(p, flags));
    let fh: WavFileHandle;
    try {
      fh = await openFile(path, opts.overwrite ? 'w' : 'wx');
    } catch (err) {
      throw writeError(err, `cannot create ${path}`);
    }
    const writer = new WavFileWriter(path, fh, opts);
    try {
      await writer.writeHeader();
    } catch (err) {
      writer.stopTimer();
      await fh.close().catch(() => undefined);
      throw writeError(err, `cannot write the header of ${path}`);
    }
    return writer;
  }

  /** Bytes of the file on disk as of the last completed write (header + audio). */
  get bytesWritten(): number {
    return this.headerLength + this.dataBytes;
  }
  /** Frames (one sample per channel) on disk. */
  get framesWritten(): number {
    return this.dataBytes / this.blockAlign;
  }
  get durationMs(): number {
    return (this.framesWritten * 1000) / this.sampleRate;
  }
  /** Frames appended but not yet on disk. */
  get pendingFrames(): number {
    return this.pendingBytes / this.blockAlign;
  }
  /** Frames thrown away because the writer had failed or was closed. */
  get framesDropped(): number {
    return this.droppedFrames;
  }
  /** The error that stopped the recording, if any. */
  get error(): WavError | undefined {
    return this.failure;
  }

  /**
   * Adds audio: interleaved frames (an Int16Array whose length is a multiple of the channel
   * count) or one Int16Array per channel, all the same length (e.g. [caller, callee]).
   */
  append(frames: Int16Array | readonly Int16Array[]): void {
    const interleaved = this.interleave(frames);
    const count = interleaved.length / this.channels;
    if (count === 0) return;
    if (this.failure || this.closing) {
      this.droppedFrames += count;
      return;
    }
    const bytes = this.encoding === 'ulaw' ? encodeUlaw(interleaved) : this.encoding === 'alaw' ? encodeAlaw(interleaved) : int16ToLE(interleaved);
    this.seal();
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= this.flushBytes) this.backgroundFlush();
  }

  /**
   * Adds audio already in the file's encoding, interleaved (for G.711: the bytes as they came
   * off the wire, caller then callee per sample). The length must be a whole number of frames.
   * Copies `bytes`, so the caller may reuse it.
   */
  appendEncoded(bytes: Uint8Array): void {
    if (bytes.length % this.blockAlign !== 0) throw new RangeError(`${bytes.length} bytes is not a whole number of ${this.blockAlign}-byte frames`);
    if (bytes.length === 0) return;
    if (this.failure || this.closing) {
      this.droppedFrames += bytes.length / this.blockAlign;
      return;
    }
    if (this.block.length - this.blockUsed < bytes.length) {
      this.seal();
      this.block = Buffer.allocUnsafe(Math.max(this.flushBytes, bytes.length));
      this.blockStart = this.blockUsed = 0;
    }
    this.block.set(bytes, this.blockUsed);
    this.blockUsed += bytes.length;
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= this.flushBytes) this.backgroundFlush();
  }

  /** Moves what appendEncoded put in the block since the last seal onto the pending list. */
  private seal(): void {
    if (this.blockUsed === this.blockStart) return;
    this.pending.push(this.block.subarray(this.blockStart, this.blockUsed));
    this.blockStart = this.blockUsed;
  }

  /** Writes everything appended so far and updates the header; rejects if the recording failed. */
  flush(): Promise<void> {
    return this.serial(() => this.writePending());
  }

  /** Flushes, pads an odd-sized data chunk, closes the file. Rejects (after closing) if the recording failed. */
  close(): Promise<WavWriterSummary> {
    this.closing ??= this.serial(async () => {
      this.stopTimer();
      try {
        if (!this.failure) await this.writePending();
        if (!this.failure && this.dataBytes & 1) {
          await this.writeFully(Buffer.alloc(1), this.headerLength + this.dataBytes).catch(() => undefined);
          await this.writeHeader(1).catch(() => undefined);
        }
      } finally {
        await this.fh.close().catch(() => undefined);
      }
      if (this.failure) throw this.failure;
      return { path: this.path, bytesWritten: this.bytesWritten + (this.dataBytes & 1), frames: this.framesWritten, durationMs: this.durationMs };
    });
    return this.closing;
  }

  private interleave(frames: Int16Array | readonly Int16Array[]): Int16Array {
    if (frames instanceof Int16Array) {
      if (frames.length % this.channels !== 0) throw new RangeError(`${frames.length} interleaved samples is not a whole number of ${this.channels}-channel frames`);
      return frames;
    }
    if (frames.length !== this.channels) throw new RangeError(`${frames.length} channel arrays given to a ${this.channels}-channel writer`);
    if (this.channels === 1) return frames[0];
    const [l, r] = frames;
    if (l.length !== r.length) throw new RangeError(`channel lengths differ (${l.length} and ${r.length})`);
    const out = new Int16Array(l.length * 2);
    for (let i = 0; i < l.length; i++) {
      out[2 * i] = l[i];
      out[2 * i + 1] = r[i];
    }
    return out;
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const p = this.tail.then(op);
    this.tail = p.catch(() => undefined);
    return p;
  }

  private backgroundFlush(): void {
    if (this.flushQueued || this.closing) return;
    this.flushQueued = true;
    this.serial(async () => {
      this.flushQueued = false;
      if (!this.failure) await this.writePending(); // a failure is emitted once, by the flush that hit it
    }).catch((err: unknown) => {
      if (this.listenerCount('error') > 0) this.emit('error', err);
    });
  }

  private async writePending(): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.pendingBytes === 0) return;
    this.seal();
    const chunk = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    const at = this.headerLength + this.dataBytes;
    let written = 0;
    try {
      written = await this.writeFully(chunk, at);
    } catch (err) {
      const partial = (err as { bytesWritten?: number }).bytesWritten ?? 0;
      const whole = partial - (partial % this.blockAlign);
      this.dataBytes += whole;
      this.droppedFrames += (chunk.length - whole) / this.blockAlign;
      this.failure = writeError(err, `writing ${this.path}`);
      // Leave a valid file: drop a partial frame, make the header match what is there.
      await this.fh.truncate(this.headerLength + this.dataBytes).catch(() => undefined);
      await this.writeHeader().catch(() => undefined);
      throw this.failure;
    }
    this.dataBytes += written;
    try {
      await this.writeHeader();
      if (this.fsync) await this.fh.datasync();
    } catch (err) {
      this.failure = writeError(err, `updating the header of ${this.path}`);
      throw this.failure;
    }
  }

  /** Loops over short writes; on error the thrown value carries how many bytes did get written. */
  private async writeFully(buf: Buffer, position: number): Promise<number> {
    let done = 0;
    while (done < buf.length) {
      let n: number;
      try {
        n = (await this.fh.write(buf, done, buf.length - done, position + done)).bytesWritten;
      } catch (err) {
        throw Object.assign(err instanceof Error ? err : new Error(String(err)), { bytesWritten: done });
      }
      if (n <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO', bytesWritten: done });
      done += n;
    }
    return done;
  }

  private async writeHeader(pad = 0): Promise<void> {
    const h = this.header(pad);
    await this.writeFully(h, 0);
  }

  private header(pad: number): Buffer {
    const h = Buffer.alloc(this.headerLength);
    const pcm = this.encoding === 'pcm16';
    const bytesPerSample = pcm ? 2 : 1;
    h.write('RIFF', 0, 'latin1');
    h.writeUInt32LE(this.headerLength - 8 + this.dataBytes + pad, 4);
    h.write('WAVE', 8, 'latin1');
    h.write('fmt ', 12, 'latin1');
    h.writeUInt32LE(pcm ? 16 : 18, 16);
    h.writeUInt16LE(pcm ? FORMAT_PCM : this.encoding === 'alaw' ? FORMAT_ALAW : FORMAT_ULAW, 20);
    h.writeUInt16LE(this.channels, 22);
    h.writeUInt32LE(this.sampleRate, 24);
    h.writeUInt32LE(this.sampleRate * this.blockAlign, 28);
    h.writeUInt16LE(this.blockAlign, 32);
    h.writeUInt16LE(bytesPerSample * 8, 34);
    let at = 36;
    if (!pcm) {
      h.writeUInt16LE(0, 36); // cbSize
      h.write('fact', 38, 'latin1');
      h.writeUInt32LE(4, 42);
      h.writeUInt32LE(this.framesWritten, 46);
      at = 50;
    }
    h.write('data', at, 'latin1');
    h.writeUInt32LE(this.dataBytes, at + 4);
    return h;
  }

  private stopTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

function int16ToLE(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i], i * 2);
  return out;
}

function writeError(err: unknown, what: string): WavError {
  if (err instanceof WavError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const reason = err instanceof Error ? err.message : String(err);
  if (code === 'ENOSPC' || code === 'EDQUOT') return new WavError('CC_MEDIA_DISK_FULL', `${what}: ${reason}`, { cause: err });
  return new WavError('CC_MEDIA_WAV_WRITE_FAILED', `${what}: ${reason}`, { cause: err });
}

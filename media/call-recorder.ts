// Records one call as a two-channel WAV (caller left, callee right), written while the call
// runs so a crash loses at most the last second. Each side's audio comes from a consumer of
// that side's producer on one PlainTransport pointed at the RecordingHub; every 20 ms tick
// of the frame clock writes one frame per channel (silence where a side sent nothing), so
// the channels stay aligned by arrival time. `follow` switches a side to another producer
// (transfers, conferences) without a new file. Disk full stops the recording, not the call.
import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { types } from 'mediasoup';
import type { CallCodecs } from './media-engine.ts';
import type { RecordingHub } from './recording-hub.ts';
import { frameClock, type FrameClock } from './frame-clock.ts';
import { decodeG711 } from './g711.ts';
import { WavFileWriter, type WavError } from './wav.ts';

export type RecorderSide = 'caller' | 'callee';
const FRAME = 160;
const MAX_QUEUED_FRAMES = 10; // 200 ms: beyond that the channel has drifted; drop the oldest
/** Playout buffer: a side starts (and restarts after running dry) once this many frames wait,
 *  so packets arriving up to ~40 ms late do not put silence into the middle of speech/tones. */
const PREBUFFER_FRAMES = 3;

export interface RecordingSummary {
  path: string;
  bytes: number;
  durationMs: number;
  sha256: string;
  /** Set when the recording stopped early (e.g. CC_MEDIA_DISK_FULL). */
  stoppedBy?: string;
  /** 20 ms frames per side filled with silence after that side's audio had started (gaps). */
  filledFrames: Record<RecorderSide, number>;
}

export type RecorderEvents = {
  failed: [code: string, message: string];
  /** Every decoded 20 ms frame of one side, as it is written (for in-band DTMF detection). */
  frame: [side: RecorderSide, samples: Int16Array];
};

export class CallRecorder extends EventEmitter<RecorderEvents> {
  private readonly queues: Record<RecorderSide, Int16Array[]> = { caller: [], callee: [] };
  private readonly buffering: Record<RecorderSide, boolean> = { caller: true, callee: true };
  /** Has this side ever sent audio? Silence before its first packet is not a gap. */
  private readonly started: Record<RecorderSide, boolean> = { caller: false, callee: false };
  private readonly filled: Record<RecorderSide, number> = { caller: 0, callee: 0 };
  private readonly consumers = new Map<RecorderSide, { consumer: types.Consumer; unregister: () => void }>();
  private unsubscribe?: () => void;
  private stoppedBy?: string;
  private closed?: Promise<RecordingSummary>;

  private constructor(
    private readonly transport: types.PlainTransport,
    private readonly writer: WavFileWriter,
    private readonly hub: RecordingHub,
    private readonly codecs: CallCodecs,
    readonly path: string,
    clock: FrameClock,
  ) {
    super();
    writer.on('error', (err: WavError) => this.fail(err.code, err.message));
    this.unsubscribe = clock.subscribe(() => this.tick());
  }

  static async start(router: types.Router, codecs: CallCodecs, hub: RecordingHub, path: string, clock: FrameClock = frameClock): Promise<CallRecorder> {
    const writer = await WavFileWriter.open(path, { channels: 2, encoding: 'pcm16', flushIntervalMs: 1000 });
    const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: hub.address.ip }, rtcpMux: true, comedia: false });
    await transport.connect({ ip: hub.address.ip, port: hub.address.port });
    return new CallRecorder(transport, writer, hub, codecs, path, clock);
  }

  /** Record `producerId` as `side` (replacing what that side recorded before). */
  async follow(side: RecorderSide, producerId: string | undefined): Promise<void> {
    if (!producerId || this.stoppedBy || this.closed) return;
    const previous = this.consumers.get(side);
    if (previous?.consumer.producerId === producerId) return;
    previous?.unregister();
    previous?.consumer.close();
    // Audio only: telephone-event is left out of the capabilities, so it is never sent here.
    const consumer = await this.transport.consume({ producerId, rtpCapabilities: this.audioOnlyCaps() });
    if (this.stoppedBy || this.closed) return consumer.close(); // stopped while we awaited
    const ssrc = consumer.rtpParameters.encodings?.[0]?.ssrc ?? 0;
    const pt = this.codecs.codec.payloadType;
    const unregister = this.hub.register(ssrc, (payload, payloadType) => {
      if (payloadType !== pt) return; // anything but the call's codec is not audio to record
      const q = this.queues[side];
      q.push(decodeG711(this.codecs.codec.name, payload));
      if (q.length > MAX_QUEUED_FRAMES) q.shift();
    });
    this.consumers.set(side, { consumer, unregister });
  }

  private audioOnlyCaps(): types.RtpCapabilities {
    return { codecs: [{ kind: 'audio', mimeType: `audio/${this.codecs.codec.name}`, clockRate: 8000, channels: 1, preferredPayloadType: this.codecs.codec.payloadType }], headerExtensions: [] };
  }

  private tick(): void {
    if (this.stoppedBy || this.closed) return;
    const left = this.take('caller');
    const right = this.take('callee');
    this.writer.append([left, right]);
    if (this.listenerCount('frame') > 0) {
      this.emit('frame', 'caller', left);
      this.emit('frame', 'callee', right);
    }
  }

  private take(side: RecorderSide): Int16Array {
    const q = this.queues[side];
    if (this.buffering[side]) {
      if (q.length < PREBUFFER_FRAMES) return this.silence(side);
      this.buffering[side] = false;
      this.started[side] = true;
    }
    const frame = q.shift();
    if (!frame) {
      this.buffering[side] = true;
      return this.silence(side);
    }
    if (frame.length === FRAME) return frame;
    const out = new Int16Array(FRAME);
    out.set(frame.subarray(0, FRAME));
    return out;
  }

  private silence(side: RecorderSide): Int16Array {
    if (this.started[side]) this.filled[side]++;
    return new Int16Array(FRAME);
  }

  private fail(code: string, message: string): void {
    if (this.stoppedBy) return;
    this.stoppedBy = code;
    this.detach();
    this.emit('failed', code, message);
  }

  private detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const { consumer, unregister } of this.consumers.values()) {
      unregister();
      consumer.close();
    }
    this.consumers.clear();
    this.transport.close();
  }

  /** Stop, finish the file, and return its size, duration and checksum. Idempotent. */
  stop(): Promise<RecordingSummary> {
    this.closed ??= (async () => {
      if (!this.stoppedBy) this.detach();
      let bytes = 0;
      let durationMs = 0;
      try {
        const summary = await this.writer.close();
        bytes = summary.bytesWritten;
        durationMs = summary.durationMs;
      } catch (err) {
        this.stoppedBy ??= (err as WavError).code ?? 'CC_MEDIA_WAV_WRITE_FAILED';
        bytes = this.writer.bytesWritten;
        durationMs = this.writer.durationMs;
      }
      return { path: this.path, bytes, durationMs, sha256: await sha256(this.path), stoppedBy: this.stoppedBy, filledFrames: { ...this.filled } };
    })();
    return this.closed;
  }
}

function sha256(path: string): Promise<string> {
  return new Promise((resolve) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('end', () => resolve(h.digest('hex')))
      .on('error', () => resolve(''));
  });
}

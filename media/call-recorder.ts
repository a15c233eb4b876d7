// Records one call as a two-channel G.711 WAV (caller left, callee right, in the call's codec:
// μ-law or A-law, never decoded), written while the call runs so a crash loses at most the
// last second. This is the mediasoup side: one PlainTransport aimed at a recording worker
// thread's socket (RecordingHub), and a consumer per side whose SSRC that thread follows; the
// audio itself never reaches the main thread. `follow` switches a side to another producer
// (transfers, conferences) without a new file. Disk full stops the recording, not the call.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { CallCodecs } from './media-engine.ts';
import type { HubRecording, RecordingHub } from './recording-hub.ts';
import type { RecordingKey } from './recording-crypto.ts';
import type { RecorderSide, RecordingSummary } from './recording-protocol.ts';
import { recordingBatchMid } from './recording-batch.ts';

export type { RecorderSide, RecordingSummary } from './recording-protocol.ts';

export interface CallRecorderOptions {
  /** Sides whose audio is searched for in-band DTMF (in the recording thread); digits come as 'digit' events. */
  inbandDtmf?: RecorderSide[];
  /** Encrypt the file at rest with this box key (recording-crypto.ts). */
  encryption?: RecordingKey;
}

export type RecorderEvents = {
  failed: [code: string, message: string];
  /** An in-band DTMF key press on a side listed in `inbandDtmf`. */
  digit: [side: RecorderSide, digit: string];
};

export class CallRecorder extends EventEmitter<RecorderEvents> {
  private readonly consumers = new Map<RecorderSide, types.Consumer>();
  private consumed = 0;
  private stoppedBy?: string;
  private closed?: Promise<RecordingSummary>;

  private constructor(
    private readonly transport: types.PlainTransport,
    private readonly recording: HubRecording,
    private readonly codecs: CallCodecs,
    readonly path: string,
  ) {
    super();
    recording.on('failed', (code, message) => this.fail(code, message));
    recording.on('digit', (side, digit) => this.emit('digit', side, digit));
  }

  /** Creates the file and the transport; rejects with a coded error (the file is then finished, if it was created). */
  static async start(router: types.Router, codecs: CallCodecs, hub: RecordingHub, path: string, opts: CallRecorderOptions = {}): Promise<CallRecorder> {
    const recording = await hub.record({ path, codec: codecs.codec.name, payloadType: codecs.codec.payloadType, inbandDtmf: opts.inbandDtmf ?? [], encryption: opts.encryption });
    let transport: types.PlainTransport | undefined;
    try {
      const to = recording.address;
      transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: to.ip }, rtcpMux: true, comedia: false });
      await transport.connect({ ip: to.ip, port: to.port });
    } catch (err) {
      transport?.close();
      await recording.stop();
      throw err;
    }
    return new CallRecorder(transport, recording, codecs, path);
  }

  /** Record `producerId` as `side` (replacing what that side recorded before). */
  async follow(side: RecorderSide, producerId: string | undefined): Promise<void> {
    if (!producerId || this.stoppedBy || this.closed) return;
    const previous = this.consumers.get(side);
    if (previous?.producerId === producerId) return;
    previous?.close();
    this.consumers.delete(side);
    // Audio only: telephone-event is left out of the capabilities, so it is never sent here.
    // The MID prefix asks the patched worker (patch 0005) to batch this consumer's packets
    // with every other recorder's bound for the same socket (one datagram every few ms).
    const consumer = await this.transport.consume({ producerId, rtpCapabilities: this.audioOnlyCaps(), mid: recordingBatchMid(++this.consumed) });
    if (this.stoppedBy || this.closed) return consumer.close(); // stopped while we awaited
    this.recording.follow(side, consumer.rtpParameters.encodings?.[0]?.ssrc);
    this.consumers.set(side, consumer);
  }

  private audioOnlyCaps(): types.RtpCapabilities {
    return { codecs: [{ kind: 'audio', mimeType: `audio/${this.codecs.codec.name}`, clockRate: 8000, channels: 1, preferredPayloadType: this.codecs.codec.payloadType }], headerExtensions: [] };
  }

  private fail(code: string, message: string): void {
    if (this.stoppedBy || this.closed) return;
    this.stoppedBy = code;
    this.detach();
    this.emit('failed', code, message);
  }

  private detach(): void {
    for (const consumer of this.consumers.values()) consumer.close();
    this.consumers.clear();
    this.transport.close();
  }

  /** Stop, finish the file, and return its size, duration, checksum and gaps. Idempotent. */
  stop(): Promise<RecordingSummary> {
    this.closed ??= (async () => {
      if (!this.stoppedBy) this.detach();
      const summary = await this.recording.stop();
      return { ...summary, stoppedBy: summary.stoppedBy ?? this.stoppedBy };
    })();
    return this.closed;
  }
}

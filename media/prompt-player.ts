// Plays audio into a call: a DirectTransport producer in the call's router that sends one
// 20 ms G.711 RTP packet per frame-clock tick. A leg hears it by consuming this producer
// instead of the other party's. Plays a queue of clips once or in a loop (music on hold),
// resolves how it ended ('done' | 'stopped'). Whoever creates a player closes it.
import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import type { CallCodecs } from './media-engine.ts';
import { frameClock, type FrameClock } from './frame-clock.ts';
import { encodeG711 } from './g711.ts';

const SAMPLES_PER_FRAME = 160;

export type PlayOutcome = 'done' | 'stopped';

export class PromptPlayer {
  private seq = randomInt(0, 0xffff);
  private ts = randomInt(0, 0x7fffffff);
  private current?: { frames: Buffer[]; index: number; loop: boolean; resolve: (o: PlayOutcome) => void; unsubscribe: () => void };
  private closed = false;

  private constructor(
    readonly transport: types.DirectTransport,
    readonly producer: types.Producer,
    private readonly codecs: CallCodecs,
    private readonly clock: FrameClock,
    private readonly ssrc: number,
  ) {}

  static async create(router: types.Router, codecs: CallCodecs, clock: FrameClock = frameClock): Promise<PromptPlayer> {
    const transport = await router.createDirectTransport();
    const ssrc = randomInt(1, 0x7fffffff);
    const producer = await transport.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: `audio/${codecs.codec.name}`, payloadType: codecs.codec.payloadType, clockRate: 8000, channels: 1 }],
        encodings: [{ ssrc }],
      },
    });
    return new PromptPlayer(transport, producer, codecs, clock, ssrc);
  }

  get producerId(): string {
    return this.producer.id;
  }

  get playing(): boolean {
    return this.current !== undefined;
  }

  /** Play 8 kHz linear clips one after another; a new play() stops the current one. */
  play(clips: Int16Array[], opts: { loop?: boolean } = {}): Promise<PlayOutcome> {
    this.stop();
    if (this.closed) return Promise.resolve('stopped');
    const frames = this.frames(clips);
    if (frames.length === 0) return Promise.resolve('done');
    return new Promise((resolve) => {
      const unsubscribe = this.clock.subscribe(() => this.tick());
      this.current = { frames, index: 0, loop: opts.loop ?? false, resolve, unsubscribe };
    });
  }

  stop(): void {
    this.finish('stopped');
  }

  private finish(outcome: PlayOutcome): void {
    const c = this.current;
    if (!c) return;
    this.current = undefined;
    c.unsubscribe();
    c.resolve(outcome);
  }

  /** Split and encode the clips into 160-sample frames (the last one padded with silence). */
  private frames(clips: Int16Array[]): Buffer[] {
    const codec = this.codecs.codec.name;
    const out: Buffer[] = [];
    for (const clip of clips) {
      for (let i = 0; i < clip.length; i += SAMPLES_PER_FRAME) {
        const frame = new Int16Array(SAMPLES_PER_FRAME);
        frame.set(clip.subarray(i, Math.min(i + SAMPLES_PER_FRAME, clip.length)));
        out.push(encodeG711(codec, frame));
      }
    }
    return out;
  }

  private tick(): void {
    const c = this.current;
    if (!c || this.closed) return;
    if (c.index >= c.frames.length) {
      if (!c.loop) return this.finish('done');
      c.index = 0;
    }
    const payload = c.frames[c.index++];
    const packet = Buffer.allocUnsafe(12 + payload.length);
    packet[0] = 0x80;
    packet[1] = (c.index === 1 ? 0x80 : 0) | this.codecs.codec.payloadType;
    packet.writeUInt16BE(this.seq, 2);
    packet.writeUInt32BE(this.ts >>> 0, 4);
    packet.writeUInt32BE(this.ssrc >>> 0, 8);
    payload.copy(packet, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.ts = (this.ts + SAMPLES_PER_FRAME) >>> 0;
    this.producer.send(packet);
  }

  close(): void {
    if (this.closed) return;
    this.stop();
    this.closed = true;
    this.transport.close();
  }
}

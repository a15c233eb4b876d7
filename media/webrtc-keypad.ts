// A browser agent's DTMF keypad: a DirectTransport producer in the call's router that sends
// RFC 4733 telephone-events (and G.711 silence between digits) on the shared 20 ms clock. The
// page cannot send them itself: mediasoup-client negotiates only the media codec, so a
// browser's RTCDTMFSender never has telephone-event. The Call points the other party's leg at
// this producer while the digits play (Call.sendDtmf). Never imports system/. Whoever
// creates a keypad closes it.
import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import type { CallCodecs } from './media-engine.ts';
import { frameClock, type FrameClock } from './frame-clock.ts';
import { encodeG711 } from './g711.ts';

const SAMPLES_PER_FRAME = 160;
const DIGITS = '0123456789*#ABCD';

/** How one key press sounds on the wire (defaults: 100 ms tone, 60 ms pause, as a desk phone). */
export interface KeypadTiming {
  toneMs: number;
  gapMs: number;
  /** Silence sent before the first event, so the far end's jitter buffer is settled. */
  leadMs: number;
}

const DEFAULT_TIMING: KeypadTiming = { toneMs: 100, gapMs: 60, leadMs: 40 };

/** One RTP packet of the keypad's stream, before SSRC/sequence are stamped. */
export interface KeypadPacket {
  marker: boolean;
  /** 'event' packets carry an RFC 4733 payload; 'audio' packets one frame of silence. */
  kind: 'event' | 'audio';
  timestamp: number;
  payload: Buffer;
}

/**
 * The packets for `digits`, one per 20 ms frame, starting at RTP timestamp `ts0` (pure).
 * Each digit: event packets every frame sharing the event's start timestamp, duration
 * growing by a frame, the first with the marker bit; then the end packet sent three times
 * (RFC 4733 §2.5.1.4); then silence until the next digit.
 */
export function keypadPackets(digits: string, ts0: number, silence: Buffer, timing: KeypadTiming = DEFAULT_TIMING): KeypadPacket[] {
  const frames = (ms: number) => Math.max(1, Math.round(ms / 20));
  const out: KeypadPacket[] = [];
  let ts = ts0 >>> 0;
  const pushSilence = (n: number) => {
    for (let i = 0; i < n; i++) {
      out.push({ marker: false, kind: 'audio', timestamp: ts, payload: silence });
      ts = (ts + SAMPLES_PER_FRAME) >>> 0;
    }
  };
  pushSilence(frames(timing.leadMs));
  for (const d of digits.toUpperCase()) {
    const event = DIGITS.indexOf(d);
    if (event < 0) continue;
    const n = frames(timing.toneMs);
    const start = ts;
    for (let i = 1; i <= n + 2; i++) {
      const end = i >= n;
      const duration = Math.min(i, n) * SAMPLES_PER_FRAME;
      // event, E bit + volume 10 (-10 dBm0), duration (RFC 4733 §2.3)
      const payload = Buffer.from([event, (end ? 0x80 : 0) | 10, (duration >> 8) & 0xff, duration & 0xff]);
      out.push({ marker: i === 1, kind: 'event', timestamp: start, payload });
    }
    // The two end repeats took two frames of wall clock too: the stream's clock moves on by them.
    ts = (start + (n + 2) * SAMPLES_PER_FRAME) >>> 0;
    pushSilence(frames(timing.gapMs));
  }
  return out;
}

export class WebRtcKeypad {
  private seq = randomInt(0, 0xffff);
  private ts = randomInt(0, 0x7fffffff);
  private queue: { packets: KeypadPacket[]; index: number; resolve: () => void }[] = [];
  private unsubscribe?: () => void;
  private closed = false;
  private readonly silence: Buffer;

  private constructor(
    readonly transport: types.DirectTransport,
    readonly producer: types.Producer,
    private readonly codecs: CallCodecs & { telephoneEventPayloadType: number },
    private readonly ssrc: number,
    private readonly clock: FrameClock,
  ) {
    this.silence = encodeG711(codecs.codec.name, new Int16Array(SAMPLES_PER_FRAME));
  }

  /** A keypad in `router`, or undefined when the call negotiated no telephone-event. */
  static async create(router: types.Router, codecs: CallCodecs, clock: FrameClock = frameClock): Promise<WebRtcKeypad | undefined> {
    const te = codecs.telephoneEventPayloadType;
    if (te === undefined) return undefined;
    const transport = await router.createDirectTransport();
    const ssrc = randomInt(1, 0x7fffffff);
    try {
      const producer = await transport.produce({
        kind: 'audio',
        rtpParameters: {
          codecs: [
            { mimeType: `audio/${codecs.codec.name}`, payloadType: codecs.codec.payloadType, clockRate: 8000, channels: 1 },
            { mimeType: 'audio/telephone-event', payloadType: te, clockRate: 8000, channels: 1 },
          ],
          encodings: [{ ssrc }],
        },
      });
      return new WebRtcKeypad(transport, producer, { ...codecs, telephoneEventPayloadType: te }, ssrc, clock);
    } catch (err) {
      transport.close();
      throw err;
    }
  }

  get producerId(): string {
    return this.producer.id;
  }

  /** Send `digits` (0-9 * # A-D; others skipped) after whatever is still playing; resolves when sent. */
  play(digits: string, timing: KeypadTiming = DEFAULT_TIMING): Promise<void> {
    if (this.closed) return Promise.resolve();
    const packets = keypadPackets(digits, this.ts, this.silence, timing);
    const last = packets[packets.length - 1];
    if (last) this.ts = (last.timestamp + (last.kind === 'audio' ? SAMPLES_PER_FRAME : 0)) >>> 0;
    return new Promise((resolve) => {
      this.queue.push({ packets, index: 0, resolve });
      this.unsubscribe ??= this.clock.subscribe(() => this.tick());
    });
  }

  private tick(): void {
    const current = this.queue[0];
    if (!current || this.closed) return this.idle();
    // One packet per frame, the end packet's repeats included.
    this.send(current.packets[current.index++]);
    if (current.index >= current.packets.length) {
      this.queue.shift();
      current.resolve();
      if (!this.queue.length) this.idle();
    }
  }

  private send(p: KeypadPacket): void {
    const packet = Buffer.allocUnsafe(12 + p.payload.length);
    packet[0] = 0x80;
    packet[1] = (p.marker ? 0x80 : 0) | (p.kind === 'event' ? this.codecs.telephoneEventPayloadType : this.codecs.codec.payloadType);
    packet.writeUInt16BE(this.seq, 2);
    packet.writeUInt32BE(p.timestamp >>> 0, 4);
    packet.writeUInt32BE(this.ssrc >>> 0, 8);
    p.payload.copy(packet, 12);
    this.seq = (this.seq + 1) & 0xffff;
    this.producer.send(packet);
  }

  private idle(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.idle();
    for (const q of this.queue.splice(0)) q.resolve();
    this.transport.close();
  }
}

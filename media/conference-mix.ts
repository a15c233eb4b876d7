// The media side of one conference room: every party's RTP comes into Node, is decoded and
// queued (conference-jitter.ts), and on each 20 ms tick of the shared frame clock the room's
// MixMinus gives every party the sum of the others, encoded in that party's own codec and sent
// to a producer its SIP leg consumes. A lone party hears music on hold instead of a silent mix.
// Never imports system/; whoever opens a ConferenceMix closes it (close() is idempotent).
//
// Path in and out of Node: per room one local UDP socket, and in each router the room's parties
// live in (one per codec set) one PlainTransport connected to that socket. It carries one
// consumer per party (the party's voice, sent to the socket; demultiplexed by SSRC) and one
// producer per party (its mix, sent from the socket; the worker routes it by SSRC). Parties of
// different codec sets (PCMU and PCMA) mix together. Not a DirectTransport: measured on this
// 2-core box (npm run bench:conference, io phase) the UDP path costs Node about a third less
// CPU per packet than mediasoup's worker channel, which also cannot carry every packet of
// hundreds of calls (the recording path moved off it for that reason).
import dgram from 'node:dgram';
import { once } from 'node:events';
import { randomInt } from 'node:crypto';
import type { types } from 'mediasoup';
import type { CallCodecs } from './media-engine.ts';
import { frameClock, type FrameClock } from './frame-clock.ts';
import { decodeG711, linearToAlaw, linearToUlaw } from './g711.ts';
import { parseRtp } from './rtp-event.ts';
import { FRAME_SAMPLES, MixMinus } from './mixer.ts';
import { PartyAudioQueue } from './conference-jitter.ts';
import type { MixSettings } from './monitor-modes.ts';

/** What a party sends into the room: its call's router and codecs and its leg's producer. */
export interface MixPartySource {
  router: types.Router;
  codecs: CallCodecs;
  producerId: string;
}

export interface ConferenceMixOptions {
  /** Loopback address for the room socket and its transports. */
  ip?: string;
  /** 8 kHz linear audio a lone party hears, looped (silence without it). */
  music?: Int16Array;
  clock?: FrameClock;
}

export interface ConferenceMixCounters {
  /** RTP packets from the parties. */
  received: number;
  /** Packets with an SSRC or payload type no party sends (late packets of a party that left, RTCP is not counted). */
  unknown: number;
  /** Mix packets sent to the parties. */
  sent: number;
  ticks: number;
}

interface RouterPort {
  users: number;
  ready: Promise<{ transport: types.PlainTransport; port: number }>;
  transport?: types.PlainTransport;
}

interface Party {
  id: string;
  codecs: CallCodecs;
  router: types.Router;
  port: RouterPort;
  queue: PartyAudioQueue;
  frame: Int16Array;
  consumer?: types.Consumer;
  producer?: types.Producer;
  inSsrc: number;
  outSsrc: number;
  seq: number;
  ts: number;
  first: boolean;
  /** UDP port of the router's PlainTransport (where its mix packets go); 0 until ready. */
  sendTo: number;
  gone: boolean;
}

export class ConferenceMix {
  private readonly mixer = new MixMinus();
  private readonly parties = new Map<string, Party>();
  private readonly bySsrc = new Map<number, Party>();
  private readonly ports = new Map<types.Router, RouterPort>();
  private unsubscribe?: () => void;
  private musicAt = 0;
  private readonly musicFrame = new Int16Array(FRAME_SAMPLES);
  private readonly silence = new Int16Array(FRAME_SAMPLES);
  private closed = false;
  readonly counters: ConferenceMixCounters = { received: 0, unknown: 0, sent: 0, ticks: 0 };

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly ip: string,
    private readonly music: Int16Array | undefined,
    private readonly clock: FrameClock,
  ) {
    socket.on('message', (msg) => this.onPacket(msg));
    socket.on('error', () => undefined);
  }

  static async open(opts: ConferenceMixOptions = {}): Promise<ConferenceMix> {
    const ip = opts.ip ?? '127.0.0.1';
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1024 * 1024 });
    socket.bind(0, ip);
    await once(socket, 'listening');
    return new ConferenceMix(socket, ip, opts.music?.length ? opts.music : undefined, opts.clock ?? frameClock);
  }

  /** Parties in the room (including those still being connected). */
  get size(): number {
    return this.parties.size;
  }

  has(id: string): boolean {
    return this.parties.has(id);
  }

  /** Under-runs (ticks a speaking party had no frame) and dropped samples, summed over the parties present. */
  get queueCounters(): { silentFrames: number; droppedSamples: number } {
    let silentFrames = 0;
    let droppedSamples = 0;
    for (const p of this.parties.values()) {
      silentFrames += p.queue.silent;
      droppedSamples += p.queue.droppedSamples;
    }
    return { silentFrames, droppedSamples };
  }

  /**
   * Add a party: its voice goes into the mix, and the returned producer (in the party's own
   * router) carries what it should hear; its leg consumes that. Throws when the room holds
   * MAX_PARTIES or the router is gone; resolves undefined if remove(id) came first.
   */
  async add(id: string, source: MixPartySource): Promise<{ producerId: string } | undefined> {
    if (this.closed) throw new Error('conference mix is closed');
    if (this.parties.has(id)) throw new Error(`party ${id} is already in the mix`);
    this.mixer.addParty(id); // throws when full
    const port = this.acquirePort(source.router);
    const party: Party = {
      id, codecs: source.codecs, router: source.router, port, queue: new PartyAudioQueue(), frame: new Int16Array(FRAME_SAMPLES),
      inSsrc: 0, outSsrc: randomInt(1, 0x7fffffff), seq: randomInt(0, 0xffff), ts: randomInt(0, 0x7fffffff), first: true, sendTo: 0, gone: false,
    };
    this.parties.set(id, party);
    try {
      const { transport, port: udpPort } = await port.ready;
      if (party.gone) return undefined;
      const { name, payloadType } = source.codecs.codec;
      const codecs: types.RtpCodecParameters[] = [{ mimeType: `audio/${name}`, payloadType, clockRate: 8000, channels: 1 }];
      // Audio only: telephone-event is left out of the capabilities, so digits never come here.
      const caps: types.RtpCapabilities = { codecs: [{ kind: 'audio', mimeType: `audio/${name}`, clockRate: 8000, channels: 1, preferredPayloadType: payloadType }], headerExtensions: [] };
      party.consumer = await transport.consume({ producerId: source.producerId, rtpCapabilities: caps });
      party.producer = await transport.produce({ kind: 'audio', rtpParameters: { codecs, encodings: [{ ssrc: party.outSsrc }] } });
      if (party.gone) {
        party.consumer.close();
        party.producer.close();
        return undefined;
      }
      party.inSsrc = (party.consumer.rtpParameters.encodings?.[0]?.ssrc ?? 0) >>> 0;
      party.sendTo = udpPort;
      this.bySsrc.set(party.inSsrc, party);
      this.unsubscribe ??= this.clock.subscribe(() => this.tick());
      return { producerId: party.producer.id };
    } catch (err) {
      this.remove(id);
      throw err;
    }
  }

  /** Take a party out of the mix (its consumer and producer close); false if it was not there. */
  remove(id: string): boolean {
    const party = this.parties.get(id);
    if (!party) return false;
    party.gone = true;
    this.parties.delete(id);
    this.mixer.removeParty(id);
    if (this.bySsrc.get(party.inSsrc) === party) this.bySsrc.delete(party.inSsrc);
    party.consumer?.close();
    party.producer?.close();
    this.releasePort(party.router, party.port);
    if (this.parties.size === 0) {
      this.unsubscribe?.();
      this.unsubscribe = undefined;
    }
    return true;
  }

  /**
   * Who hears a party (monitor-modes.ts): listen-only, or a whisper heard only by `whisperTo`.
   * A whisper target not in the mix makes the party listen-only. False for an unknown party.
   */
  configure(id: string, settings: MixSettings): boolean {
    if (!this.mixer.has(id)) return false;
    const target = settings.whisperTo !== undefined && settings.whisperTo !== id && this.mixer.has(settings.whisperTo) ? settings.whisperTo : undefined;
    this.mixer.setWhisper(id, target);
    this.mixer.setListenOnly(id, settings.listenOnly || (settings.whisperTo !== undefined && target === undefined));
    return true;
  }

  private acquirePort(router: types.Router): RouterPort {
    const existing = this.ports.get(router);
    if (existing) {
      existing.users++;
      return existing;
    }
    const rp: RouterPort = { users: 1, ready: undefined as unknown as RouterPort['ready'] };
    rp.ready = (async () => {
      const transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip: this.ip }, rtcpMux: true, comedia: false });
      rp.transport = transport;
      // The router closes with its last call: forget the transport it took with it.
      transport.observer.once('close', () => {
        if (this.ports.get(router) === rp) this.ports.delete(router);
      });
      await transport.connect({ ip: this.ip, port: this.socket.address().port });
      if (rp.users === 0 || this.closed) transport.close();
      return { transport, port: transport.tuple.localPort };
    })();
    this.ports.set(router, rp);
    return rp;
  }

  private releasePort(router: types.Router, rp: RouterPort): void {
    if (--rp.users > 0) return;
    if (this.ports.get(router) === rp) this.ports.delete(router);
    rp.transport?.close(); // not created yet: ready closes it when it is
    rp.ready.catch(() => undefined);
  }

  private onPacket(msg: Buffer): void {
    if (msg.length < 12 || msg[0] >> 6 !== 2) return;
    const pt = msg[1] & 0x7f;
    if (pt >= 72 && pt <= 76) return; // RTCP (SR/RR/SDES/BYE/APP) from the transports
    this.counters.received++;
    const party = this.bySsrc.get(msg.readUInt32BE(8));
    if (!party || pt !== party.codecs.codec.payloadType) {
      this.counters.unknown++;
      return;
    }
    const payload = parseRtp(msg)?.payload;
    if (!payload?.length) return;
    party.queue.push(decodeG711(party.codecs.codec.name, payload));
  }

  /** One 20 ms frame: every connected party's oldest frame into the mixer, every party's mix out. */
  private tick(): void {
    if (this.closed) return;
    this.counters.ticks++;
    for (const p of this.parties.values()) {
      if (p.sendTo && p.queue.take(p.frame)) this.mixer.push(p.id, p.frame);
    }
    const alone = this.mixer.size < 2;
    const mixes = this.mixer.mix();
    const music = alone ? this.nextMusicFrame() : undefined;
    for (const p of this.parties.values()) {
      if (!p.sendTo) continue;
      this.send(p, music ?? mixes.get(p.id) ?? this.silence);
    }
  }

  private nextMusicFrame(): Int16Array {
    const m = this.music;
    if (!m) return this.silence;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      this.musicFrame[i] = m[this.musicAt];
      this.musicAt = this.musicAt + 1 === m.length ? 0 : this.musicAt + 1;
    }
    return this.musicFrame;
  }

  private send(p: Party, samples: Int16Array): void {
    const packet = Buffer.allocUnsafe(12 + FRAME_SAMPLES);
    packet[0] = 0x80;
    packet[1] = (p.first ? 0x80 : 0) | p.codecs.codec.payloadType;
    packet.writeUInt16BE(p.seq, 2);
    packet.writeUInt32BE(p.ts >>> 0, 4);
    packet.writeUInt32BE(p.outSsrc >>> 0, 8);
    const encode = p.codecs.codec.name === 'PCMU' ? linearToUlaw : linearToAlaw;
    for (let i = 0; i < FRAME_SAMPLES; i++) packet[12 + i] = encode(samples[i]);
    p.first = false;
    p.seq = (p.seq + 1) & 0xffff;
    p.ts = (p.ts + FRAME_SAMPLES) >>> 0;
    this.socket.send(packet, p.sendTo, this.ip);
    this.counters.sent++;
  }

  /** Close every party's consumer and producer, the transports and the socket. Idempotent. */
  close(): void {
    if (this.closed) return;
    for (const id of [...this.parties.keys()]) this.remove(id);
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    for (const rp of this.ports.values()) rp.transport?.close();
    this.ports.clear();
    this.socket.close();
  }
}

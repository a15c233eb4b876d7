// The media end of one browser leg (an agent's softphone): two WebRtcTransports in the call's
// router (ICE-lite, DTLS-SRTP; the page's mediasoup-client sends on one and receives on the
// other), the browser's G.711 producer, one consumer of whatever the leg should hear, and the
// agent's DTMF keypad. It offers the Call the same surface as SipLegMedia (producerId,
// receiveFrom, pause/resumeSending, tapDtmf, sample/quality, close), so the Call bridges,
// holds, records and plays prompts to a browser exactly as to a SIP leg. No transcoding: the
// router carries only the call's G.711 codec, so the browser is offered nothing else.
// Never imports system/. Whoever creates it closes it; close() is idempotent.
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import { routerCaps, type CallCodecs } from './media-engine.ts';
import { LatestOnly } from './latest-only.ts';
import { QualityMeter, type LegQuality, type ReceiveQuality } from './leg-quality.ts';
import { WebRtcKeypad } from './webrtc-keypad.ts';

export interface WebRtcLegOptions {
  listenIp: string;
  announcedAddress: string;
  portRange: { min: number; max: number };
  /** ICE consent (RFC 7675): seconds without the browser's checks before the transport gives up. */
  iceConsentTimeoutSec?: number;
}

/** What mediasoup-client's createSendTransport/createRecvTransport take. */
export interface WebRtcTransportParams {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** Everything the page needs to set up its side: the router's (G.711-only) capabilities and both transports. */
export interface WebRtcOffer {
  routerRtpCapabilities: types.RtpCapabilities;
  send: WebRtcTransportParams;
  recv: WebRtcTransportParams;
}

/** A consumer the page must create on its receive transport (mediasoup-client's consume()). */
export interface WebRtcConsumerInfo {
  id: string;
  producerId: string;
  kind: 'audio';
  rtpParameters: types.RtpParameters;
}

export type WebRtcLegMediaEvents = {
  /** The leg hears a new source: the page must consume it (and drop the previous consumer). */
  consumer: [info: WebRtcConsumerInfo];
  /** The browser's media path broke after it was up (ICE consent lost, DTLS failed or closed). */
  failed: [reason: string];
};

/** Why a page's request about its media was refused (the softphone maps these to its error codes). */
export class WebRtcMediaError extends Error {
  constructor(readonly reason: 'unknown-transport' | 'already-connected' | 'already-producing' | 'codec-refused' | 'closed' | 'not-ready', message: string) {
    super(message);
    this.name = 'WebRtcMediaError';
  }
}

export class WebRtcLegMedia extends EventEmitter<WebRtcLegMediaEvents> {
  private producer?: types.Producer;
  private consumer?: types.Consumer;
  private keypadPromise?: Promise<WebRtcKeypad | undefined>;
  private keypadInstance?: WebRtcKeypad;
  private capabilities?: types.RtpCapabilities;
  /** What the Call asked this leg to hear before the page said what it can receive. */
  private pendingSource?: { producerId: string | undefined };
  private readonly connected = new Set<string>();
  private closed = false;
  private readonly meter = new QualityMeter();
  private mediaUp = false;

  private constructor(
    readonly router: types.Router,
    readonly sendTransport: types.WebRtcTransport,
    readonly recvTransport: types.WebRtcTransport,
    private readonly codecs: CallCodecs,
    private readonly announcedAddress: string,
  ) {
    super();
    for (const t of [sendTransport, recvTransport]) {
      t.on('dtlsstatechange', (state) => {
        if (state === 'connected') this.mediaUp = true;
        if (state === 'failed' || state === 'closed') this.fail(`DTLS ${state}`);
      });
      t.on('icestatechange', (state) => {
        // mediasoup reports 'disconnected' once ICE consent expired (no checks from the browser).
        if (state === 'disconnected' && this.mediaUp) this.fail('ICE consent lost');
      });
    }
  }

  /** Never a comedia leg (the Call's transfer code reads this of every leg). */
  readonly comedia = false;

  static async create(router: types.Router, codecs: CallCodecs, opts: WebRtcLegOptions): Promise<WebRtcLegMedia> {
    const options: types.WebRtcTransportOptions = {
      listenInfos: [{ protocol: 'udp', ip: opts.listenIp, announcedAddress: opts.announcedAddress, portRange: opts.portRange }],
      enableSctp: false,
      iceConsentTimeout: opts.iceConsentTimeoutSec ?? 30,
    };
    const send = await router.createWebRtcTransport(options);
    let recv: types.WebRtcTransport;
    try {
      recv = await router.createWebRtcTransport(options);
    } catch (err) {
      send.close();
      throw err;
    }
    return new WebRtcLegMedia(router, send, recv, codecs, opts.announcedAddress);
  }

  /** The offer for the page (read once per ring: mediasoup's getters clone). */
  offer(): WebRtcOffer {
    const params = (t: types.WebRtcTransport): WebRtcTransportParams => ({ id: t.id, iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters });
    return { routerRtpCapabilities: routerCaps(this.router), send: params(this.sendTransport), recv: params(this.recvTransport) };
  }

  private transport(id: string): types.WebRtcTransport {
    if (this.sendTransport.id === id) return this.sendTransport;
    if (this.recvTransport.id === id) return this.recvTransport;
    throw new WebRtcMediaError('unknown-transport', `no transport ${id} on this leg`);
  }

  /** The page's DTLS parameters for one of its transports (mediasoup-client's 'connect' event). */
  async connect(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    if (this.closed) throw new WebRtcMediaError('closed', 'the call is over');
    const t = this.transport(transportId);
    if (this.connected.has(transportId)) throw new WebRtcMediaError('already-connected', 'transport already connected');
    this.connected.add(transportId);
    await t.connect({ dtlsParameters });
  }

  /** The browser's microphone (mediasoup-client's 'produce' event): audio in the call's codec only. */
  async produce(transportId: string, rtpParameters: types.RtpParameters): Promise<string> {
    if (this.closed) throw new WebRtcMediaError('closed', 'the call is over');
    if (this.transport(transportId) !== this.sendTransport) throw new WebRtcMediaError('unknown-transport', 'produce on the send transport');
    if (this.producer) throw new WebRtcMediaError('already-producing', 'this leg already has the browser\'s audio');
    const wanted = `audio/${this.codecs.codec.name}`.toLowerCase();
    const first = rtpParameters.codecs?.[0];
    if (!first || first.mimeType.toLowerCase() !== wanted) {
      throw new WebRtcMediaError('codec-refused', `the call's codec is ${this.codecs.codec.name}, the browser sent ${first?.mimeType ?? 'none'}`);
    }
    const producer = await this.sendTransport.produce({ kind: 'audio', rtpParameters });
    if (this.closed) {
      producer.close();
      throw new WebRtcMediaError('closed', 'the call is over');
    }
    this.producer = producer;
    return producer.id;
  }

  /** What the page can receive (mediasoup-client's device.rtpCapabilities), needed before it can hear anything. */
  async setCapabilities(capabilities: types.RtpCapabilities): Promise<void> {
    this.capabilities = capabilities;
    const pending = this.pendingSource;
    this.pendingSource = undefined;
    if (pending) await this.receiveFrom(pending);
  }

  get producing(): boolean {
    return this.producer !== undefined && !this.producer.closed;
  }

  // ---- the surface the Call uses on a leg's media (as SipLegMedia) ----

  /** For the SDP the Call writes about every leg (never sent anywhere for a browser leg). */
  get local(): { address: string; port: number; rtcpPort: number } {
    const port = this.localPort ??= this.recvTransport.iceCandidates[0]?.port ?? 9;
    return { address: this.announcedAddress, port, rtcpPort: port };
  }

  private localPort?: number;

  get producerId(): string | undefined {
    return this.producer?.id;
  }

  /** The page connects by ICE: there is no remote address to set. Always "same address". */
  async start(_remote?: unknown): Promise<boolean> {
    return true;
  }

  /** Send `source`'s RTP to the browser (the other party, a prompt, music, the keypad never). */
  receiveFrom(source: { producerId: string | undefined }): Promise<void> {
    return this.switches.run(() => this.switchTo(source));
  }

  private readonly switches = new LatestOnly();

  private async switchTo(source: { producerId: string | undefined }): Promise<void> {
    const producerId = source.producerId;
    if (this.closed || !producerId) return;
    if (!this.capabilities) {
      this.pendingSource = source;
      return;
    }
    if (this.consumer && !this.consumer.closed) {
      if (this.consumer.producerId === producerId) return;
      this.consumer.close();
    }
    const consumer = await this.recvTransport.consume({ producerId, rtpCapabilities: this.capabilities, paused: false });
    if (this.closed) return consumer.close();
    this.consumer = consumer;
    this.emit('consumer', { id: consumer.id, producerId, kind: 'audio', rtpParameters: consumer.rtpParameters });
  }

  get hearing(): string | undefined {
    return this.consumer && !this.consumer.closed ? this.consumer.producerId : undefined;
  }

  async pauseSending(): Promise<void> {
    await this.consumer?.pause();
  }

  async resumeSending(): Promise<void> {
    await this.consumer?.resume();
  }

  /**
   * Digits the browser sends in its own stream: none. mediasoup-client negotiates only the
   * media codec, so the page never sends telephone-event; an agent's keys go to the other
   * party through the keypad (Call.sendDtmf). Kept for the Call's uniform handling of legs.
   */
  async tapDtmf(_onDigit: (digit: string, durationMs: number) => void): Promise<void> {}

  /** The agent's keypad in this call's router (created on first use; undefined without telephone-event). */
  keypad(): Promise<WebRtcKeypad | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    this.keypadPromise ??= WebRtcKeypad.create(this.router, this.codecs).then((k) => {
      if (this.closed) {
        k?.close();
        return undefined;
      }
      this.keypadInstance = k;
      return k;
    });
    return this.keypadPromise;
  }

  private get streams() {
    return this.closed ? undefined : { producer: this.producer, consumer: this.consumer };
  }

  /** Receive quality of the browser's audio plus what the browser's RTCP says about ours. */
  quality(): Promise<LegQuality> {
    return this.meter.full(this.streams);
  }

  sample(now = Date.now()): Promise<{ idleMs: number; quality: ReceiveQuality }> {
    return this.meter.sample(this.streams, now);
  }

  resetIdle(now = Date.now()): void {
    this.meter.resetIdle(now);
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.emit('failed', reason);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.keypadInstance?.close();
    this.sendTransport.close();
    this.recvTransport.close();
  }
}


// The media end of one SIP leg: a PlainTransport in the call's router that receives the
// peer's RTP (one Producer) and sends it the other party's audio (one Consumer), an
// optional DirectTransport tap that surfaces RFC 4733 digits, RTCP-based receive stats and
// dead-media detection. Whoever creates a SipLegMedia closes it; close() is idempotent.
// SRTP (SDES): the transport is remade on the same ports with SRTP on when the peer's first
// description carries a usable key (or the box offers one), and plain again when the answer
// to our best-effort offer has none (srtp-sessions.ts tells leg-sdp.ts the key to announce).
import type { types } from 'mediasoup';
import { DEFAULT_SRTP_SUITE, setLegSdes, type RemoteSrtp, type SdesKey, type SrtpMode, type SrtpSuite } from './srtp-sessions.ts';
import { DtmfDeduplicator, decodeTelephoneEvent, parseRtp } from './rtp-event.ts';
import { routerCaps, type CallCodecs } from './media-engine.ts';
import { LatestOnly } from './latest-only.ts';
import { QualityMeter, type LegQuality, type ReceiveQuality } from './leg-quality.ts';

/** The MID the patched worker treats as "latch any SSRC" (see the worker patch). */
export const SSRC_LATCH_MID = 'sip-latch';
/** The MID of a consumer that gets only complementary codecs (telephone-event). */
export const DTMF_TAP_MID = 'dtmf-tap';

export interface LegMediaOptions {
  listenIp: string;
  announcedAddress: string;
  portRange: { min: number; max: number };
  /** comedia: learn the peer's address from its first packet (NATed phones). */
  comedia: boolean;
}

export interface RemoteMedia {
  address: string;
  port: number;
  rtcpPort?: number;
  /** SDES as judged from the description's profile and a=crypto lines; absent: plain RTP/AVP. */
  srtp?: RemoteSrtp;
}

/** The peer's description cannot be used under this leg's SRTP mode (e.g. a plain answer to a mandatory offer). */
export class SrtpRefused extends Error {
  constructor(readonly code: string, reason: string) {
    super(reason);
  }
}

export type { LegQuality, ReceiveQuality } from './leg-quality.ts';

export class SipLegMedia {
  private producer?: types.Producer;
  private consumer?: types.Consumer;
  private tap?: { transport: types.DirectTransport; consumer: types.Consumer };
  private onTapDigit?: (digit: string, durationMs: number) => void;
  private closed = false;
  /** Where connect() sent us (mediasoup allows one connect per PlainTransport). */
  private connectedTo?: RemoteMedia;
  private readonly meter = new QualityMeter();
  /** SRTP mode for this leg's peer; the SRTP decision is taken once, at the first remote description. */
  private srtpMode: SrtpMode = 'optional';
  private srtpDecided = false;
  /** Our SDES key while the transport runs SRTP. */
  private srtpLocal?: SdesKey;

  private constructor(
    readonly router: types.Router,
    private plain: types.PlainTransport,
    private readonly codecs: CallCodecs,
    readonly comedia: boolean,
    private readonly opts: LegMediaOptions,
  ) {}

  static async create(router: types.Router, codecs: CallCodecs, opts: LegMediaOptions): Promise<SipLegMedia> {
    const listen = { protocol: 'udp' as const, ip: opts.listenIp, announcedAddress: opts.announcedAddress, portRange: opts.portRange };
    const transport = await router.createPlainTransport({
      listenInfo: listen,
      rtcpListenInfo: listen,
      rtcpMux: false,
      comedia: opts.comedia,
      enableSctp: false,
    });
    return new SipLegMedia(router, transport, codecs, opts.comedia, opts);
  }

  get transport(): types.PlainTransport {
    return this.plain;
  }

  /** Is this leg's RTP encrypted (SRTP on its transport)? */
  get srtp(): boolean {
    return this.srtpLocal !== undefined;
  }

  /**
   * Before the box offers to a peer with SRTP 'optional' or 'mandatory': turn SRTP on and give
   * the key to announce (tag 1). The peer's answer then settles it in start().
   */
  async offerSrtp(mode: SrtpMode): Promise<SdesKey | undefined> {
    this.srtpMode = mode;
    if (mode === 'off' || this.closed) return undefined;
    await this.remake(DEFAULT_SRTP_SUITE, 1, mode === 'mandatory' ? 'RTP/SAVP' : 'RTP/AVP');
    return this.srtpLocal;
  }

  /** Remake the transport on the same ports, with SRTP (suite) or without (undefined). */
  private async remake(suite: SrtpSuite | undefined, tag: number, profile: string): Promise<void> {
    const { port, rtcpPort } = this.local;
    const listen = (p: number) => ({ protocol: 'udp' as const, ip: this.opts.listenIp, announcedAddress: this.opts.announcedAddress, port: p });
    const hearing = this.hearing;
    this.consumer?.close();
    this.consumer = undefined;
    setLegSdes(port, undefined);
    this.srtpLocal = undefined;
    // Closed before the new one binds: the worker handles both requests in order.
    this.plain.close();
    this.plain = await this.router.createPlainTransport({
      listenInfo: listen(port),
      rtcpListenInfo: listen(rtcpPort),
      rtcpMux: false,
      comedia: this.comedia,
      enableSctp: false,
      ...(suite ? { enableSrtp: true, srtpCryptoSuite: suite } : {}),
    });
    if (this.closed) return this.plain.close();
    const params = this.plain.srtpParameters;
    if (suite && params) {
      this.srtpLocal = { tag, suite: params.cryptoSuite, keyBase64: params.keyBase64 };
      setLegSdes(port, { local: this.srtpLocal, profile });
    }
    if (hearing) await this.switchTo(hearing);
  }

  /** SRTP for the first remote description: the peer's key (remade if the suite differs), or plain again. */
  private async settleSrtp(remote: RemoteMedia): Promise<{ cryptoSuite: SrtpSuite; keyBase64: string } | undefined> {
    if (this.srtpDecided) return undefined;
    this.srtpDecided = true;
    let verdict: RemoteSrtp = remote.srtp ?? { kind: 'plain' };
    if (verdict.kind === 'refuse') throw new SrtpRefused(verdict.code, verdict.reason);
    if (verdict.kind === 'plain' && this.srtpMode === 'mandatory') throw new SrtpRefused('CC_SDES_REQUIRED', 'SRTP is mandatory for this peer but its answer is plain RTP');
    if (verdict.kind === 'srtp' && this.srtpMode === 'off') verdict = { kind: 'plain' }; // keys we did not ask for
    if (verdict.kind === 'plain') {
      if (this.srtpLocal) await this.remake(undefined, 0, 'RTP/AVP');
      return undefined;
    }
    const { remote: key, profile } = verdict;
    if (this.srtpLocal?.suite !== key.suite) await this.remake(key.suite, key.tag, profile);
    else if (this.srtpLocal.tag !== key.tag) {
      this.srtpLocal = { ...this.srtpLocal, tag: key.tag };
      setLegSdes(this.local.port, { local: this.srtpLocal, profile });
    }
    return { cryptoSuite: key.suite, keyBase64: key.keyBase64 };
  }

  /** Our RTP/RTCP address for SDP (read once: mediasoup's tuple getters deep-clone). */
  get local(): { address: string; port: number; rtcpPort: number } {
    if (!this.localCache) {
      const t = this.transport;
      const tuple = t.tuple;
      this.localCache = { address: tuple.localAddress ?? tuple.localIp, port: tuple.localPort, rtcpPort: t.rtcpTuple?.localPort ?? tuple.localPort + 1 };
    }
    return this.localCache;
  }

  private localCache?: { address: string; port: number; rtcpPort: number };

  get producerId(): string | undefined {
    return this.producer?.id;
  }

  /**
   * Tell the transport where the peer is (unless comedia) and start receiving its RTP.
   * Called again with the answer after early media: the first address stays (mediasoup
   * connects a PlainTransport once); a different one is reported as false.
   */
  async start(remote: RemoteMedia | undefined): Promise<boolean> {
    if (this.closed) return true;
    let sameAddress = true;
    const srtpParameters = remote && remote.port > 0 ? await this.settleSrtp(remote) : undefined;
    if (this.closed) return true;
    if (remote && !this.comedia && remote.port > 0) {
      if (!this.connectedTo) {
        this.connectedTo = remote;
        await this.transport.connect({ ip: remote.address, port: remote.port, rtcpPort: remote.rtcpPort ?? remote.port + 1, ...(srtpParameters ? { srtpParameters } : {}) });
      } else sameAddress = this.connectedTo.address === remote.address && this.connectedTo.port === remote.port;
    } else if (srtpParameters) {
      // comedia: the address is learnt from the first packet; only the peer's key is given now.
      await this.transport.connect({ srtpParameters });
    }
    if (!this.producer) {
      const codecs: types.RtpCodecParameters[] = [
        { mimeType: `audio/${this.codecs.codec.name}`, payloadType: this.codecs.codec.payloadType, clockRate: 8000, channels: 1 },
      ];
      if (this.codecs.telephoneEventPayloadType !== undefined) {
        codecs.push({ mimeType: 'audio/telephone-event', payloadType: this.codecs.telephoneEventPayloadType, clockRate: 8000, channels: 1 });
      }
      // SIP peers signal no SSRC: one encoding without SSRC plus the MID our worker patch
      // (scripts/mediasoup-worker-patches/0001) latches any SSRC to.
      this.producer = await this.transport.produce({
        kind: 'audio',
        rtpParameters: { mid: SSRC_LATCH_MID, codecs, encodings: [{}], rtcp: { reducedSize: false } },
      });
      if (this.closed) this.producer.close();
    }
    return sameAddress;
  }

  /** Send `source`'s RTP to this leg's peer: the other party's leg, or a prompt player. */
  receiveFrom(source: { producerId: string | undefined }): Promise<void> {
    return this.switches.run(() => this.switchTo(source.producerId));
  }

  private readonly switches = new LatestOnly();

  private async switchTo(producerId: string | undefined): Promise<void> {
    if (this.closed || !producerId) return;
    if (this.consumer && !this.consumer.closed) {
      if (this.consumer.producerId === producerId) return;
      this.consumer.close();
    }
    // Negotiate no RTP header extensions towards SIP peers. (The worker still reserves a
    // one-byte extension block on forwarded packets; RFC 3550 receivers skip it.)
    const rtpCapabilities = { codecs: routerCaps(this.router).codecs, headerExtensions: [] };
    this.consumer = await this.transport.consume({ producerId, rtpCapabilities, paused: false });
    if (this.closed) this.consumer.close();
  }

  /** The producer this leg currently hears (undefined before the bridge). */
  get hearing(): string | undefined {
    return this.consumer && !this.consumer.closed ? this.consumer.producerId : undefined;
  }

  /** Stop sending to this leg's peer (hold); resume() restarts. */
  async pauseSending(): Promise<void> {
    await this.consumer?.pause();
  }

  async resumeSending(): Promise<void> {
    await this.consumer?.resume();
  }

  /** Surface RFC 4733 digits the peer sends (again: to a new listener, e.g. after a transfer moved the leg). */
  async tapDtmf(onDigit: (digit: string, durationMs: number) => void): Promise<void> {
    this.onTapDigit = onDigit;
    if (this.closed || !this.producer || this.tap || this.codecs.telephoneEventPayloadType === undefined) return;
    const transport = await this.router.createDirectTransport();
    // The call may have ended while we awaited: whatever was created after close() is ours to close.
    if (this.closed) return transport.close();
    let consumer: types.Consumer;
    try {
      // MID "dtmf-tap": the patched worker forwards only telephone-event packets to this
      // consumer (scripts/mediasoup-worker-patches/0002), so audio never crosses into Node.
      const rtpCapabilities = { codecs: routerCaps(this.router).codecs, headerExtensions: [] };
      consumer = await transport.consume({ producerId: this.producer.id, rtpCapabilities, mid: DTMF_TAP_MID });
    } catch (err) {
      transport.close();
      if (this.closed) return;
      throw err;
    }
    const te = this.codecs.telephoneEventPayloadType;
    const dedup = new DtmfDeduplicator((digit, samples) => this.onTapDigit?.(digit, Math.round(samples / 8)));
    consumer.on('rtp', (packet) => {
      if ((packet[1] & 0x7f) !== te) return;
      const rtp = parseRtp(packet);
      const ev = rtp && decodeTelephoneEvent(rtp.payload);
      if (rtp && ev) dedup.push(rtp.timestamp, ev);
    });
    this.tap = { transport, consumer };
    if (this.closed) transport.close();
  }

  /** The streams the quality meter reads (none once closed). */
  private get streams() {
    return this.closed ? undefined : { producer: this.producer, consumer: this.consumer };
  }

  /** Full quality at the end of a call: receive side plus the peer's RTCP reports on what we sent. */
  quality(): Promise<LegQuality> {
    return this.meter.full(this.streams);
  }

  /** One stats read while the call runs: live receive quality, and how long RTP has been idle. */
  sample(now = Date.now()): Promise<{ idleMs: number; quality: ReceiveQuality }> {
    return this.meter.sample(this.streams, now);
  }

  /** Restart the idle clock (after hold/unhold or a re-INVITE). */
  resetIdle(now = Date.now()): void {
    this.meter.resetIdle(now);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.tap?.transport.close();
    if (this.srtpLocal) setLegSdes(this.local.port, undefined);
    this.transport.close();
  }
}

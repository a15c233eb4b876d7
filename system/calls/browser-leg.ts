// A call leg to an agent's browser softphone: the page is rung over its softphone session (a
// BrowserLine, implemented by system/softphone), answers by setting up WebRTC
// (media/webrtc-leg-media.ts), and hangs up, holds and sends digits through the same session.
// It emits the events and offers the verbs of an OutboundLeg (progress, answered, rejected,
// bye, failed, reoffer; start, cancel, end), so CalleeOffer rings it and the Call adopts,
// bridges, holds and ends it as it does a SIP callee. It has no SIP dialog: the Call's
// SIP-only paths (re-INVITE relay towards it, REFER, dead-media sampling) skip it. A leg
// never touches the other leg. Imports: calls (types), media.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { CallCodecs } from '../../media/media-engine.ts';
import type { SipLegMedia } from '../../media/sip-leg-media.ts';
import { WebRtcLegMedia, type WebRtcConsumerInfo, type WebRtcLegOptions, type WebRtcOffer } from '../../media/webrtc-leg-media.ts';
import type { AudioOffer, MediaDirection } from '../sip/sdp.ts';
import type { LegEvents, LegSide } from './sip-leg.ts';
import type { OutboundEvents, OutboundLeg } from './outbound-leg.ts';

/** What the page is told about a call it rings for. */
export interface BrowserCallInfo {
  /** The box's call id (CDR, recordings, screen pop). */
  callId: string;
  caller: { number: string; name?: string };
  queue?: string;
  /** The page itself dialled this number (browser-dial.ts): it sets up its media at once, no ringing. */
  dialled?: string;
  /** A consultation: the agent who consults this page's agent about the caller (workspace-consult.ts). */
  consult?: { agent: string; name?: string };
}

/** What a browser leg tells its page, besides the ring itself. */
export type BrowserLegNotice =
  | { kind: 'consume'; consumer: WebRtcConsumerInfo }
  | { kind: 'ended'; reason: BrowserEndReason; sip?: { status: number; reason: string } }
  /** A call the page dialled: the other party rings (ringback), then answered. */
  | { kind: 'progress' }
  | { kind: 'connected' };

/** Why a browser leg ended, as its page is told. */
export type BrowserEndReason = 'hangup' | 'cancelled' | 'declined' | 'failed';

/** The agent's page as a browser leg sees it (system/softphone implements it per session). */
export interface BrowserLine {
  /** Offer the call to the page; false when it cannot take it now (gone, or busy with another). */
  ring(leg: BrowserLeg, offer: WebRtcOffer): boolean;
  notify(leg: BrowserLeg, notice: BrowserLegNotice): void;
  /** The leg is over (for any reason): the session forgets it. */
  release(leg: BrowserLeg): void;
}

export type BrowserLegState = 'new' | 'ringing' | 'answered' | 'ended';

/** Why the page's request about this leg was refused. */
export class BrowserLegError extends Error {
  constructor(readonly reason: 'wrong-state' | 'no-audio', message: string) {
    super(message);
    this.name = 'BrowserLegError';
  }
}

export class BrowserLeg extends EventEmitter<LegEvents & OutboundEvents> {
  /** The page's handle for this leg (one call may ring several browsers). */
  readonly id = randomUUID();
  side: LegSide = 'callee';
  ended = false;
  state: BrowserLegState = 'new';
  /** No SIP dialog, ever: the Call's SIP-only paths look for one and skip this leg. */
  readonly dialog: undefined = undefined;
  readonly remote: undefined = undefined;
  /** Kept for the Call's uniform SDP bookkeeping (nothing is sent to a browser as SDP). */
  sdpVersion = 1;
  sdpSession?: string;
  private holdPending = false;

  private constructor(
    readonly media: WebRtcLegMedia,
    readonly line: BrowserLine,
    readonly info: BrowserCallInfo,
    private readonly codecs: CallCodecs,
    readonly log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void },
  ) {
    super();
    media.on('consumer', (consumer) => {
      if (!this.ended) line.notify(this, { kind: 'consume', consumer });
    });
    media.on('failed', (reason) => this.lost(`media: ${reason}`));
  }

  static async create(router: types.Router, codecs: CallCodecs, opts: WebRtcLegOptions, line: BrowserLine, info: BrowserCallInfo, log: BrowserLeg['log']): Promise<BrowserLeg> {
    return new BrowserLeg(await WebRtcLegMedia.create(router, codecs, opts), line, info, codecs, log);
  }

  // ---- verbs of the Call and CalleeOffer (an OutboundLeg's) ----

  /** Ring the page (CalleeOffer's "send the INVITE"); the SDP and Max-Forwards mean nothing here. */
  start(_sdp?: string, _maxForwards?: number): void {
    if (this.state !== 'new') return;
    if (!this.line.ring(this, this.media.offer())) {
      this.state = 'ended';
      this.ended = true;
      this.line.release(this);
      this.emit('rejected', 480, 'Temporarily Unavailable (softphone not reachable)');
      return;
    }
    this.state = 'ringing';
    this.emit('progress', 180);
  }

  /** Stop ringing (cancelled, rung out, someone else answered) or hang up an answered leg. */
  cancel(): void {
    this.finish(this.state === 'answered' ? 'hangup' : 'cancelled');
  }

  /** The same verb as InboundLeg.end / OutboundLeg.end. */
  end(_status?: number, _reason?: string): void {
    this.cancel();
  }

  bye(): void {
    this.cancel();
  }

  /** No dialog to re-INVITE (the Call never asks: it looks for a dialog first). */
  async reinvite(_sdp: string): Promise<{ ok: false; status: number; reason: string }> {
    return { ok: false, status: 481, reason: 'Call/Transaction Does Not Exist (browser leg)' };
  }

  // ---- the page's requests (from its softphone session) ----

  connectTransport(transportId: string, dtlsParameters: types.DtlsParameters): Promise<void> {
    this.assertLive();
    return this.media.connect(transportId, dtlsParameters);
  }

  produce(transportId: string, rtpParameters: types.RtpParameters): Promise<string> {
    this.assertLive();
    return this.media.produce(transportId, rtpParameters);
  }

  /** The agent answers: the page already sends its audio; it hears the other party once adopted. */
  async answer(rtpCapabilities: types.RtpCapabilities): Promise<void> {
    if (this.state !== 'ringing') throw new BrowserLegError('wrong-state', `cannot answer a call that is ${this.state}`);
    if (!this.media.producing) throw new BrowserLegError('no-audio', 'produce the microphone before answering');
    await this.media.setCapabilities(rtpCapabilities);
    if (this.state !== 'ringing') throw new BrowserLegError('wrong-state', `the call was ${this.state} meanwhile`);
    this.state = 'answered';
    this.emit('answered', undefined);
  }

  /** The agent hangs up (or declines while it rings). */
  hangup(): void {
    if (this.state === 'ringing') {
      this.finish('declined');
      this.emit('rejected', 603, 'Decline');
    } else if (this.state === 'answered') {
      this.finish('hangup');
      this.emit('bye');
    }
  }

  /**
   * The agent holds or resumes: told to the Call as a re-offer, exactly as a SIP phone's
   * sendonly/sendrecv re-INVITE (the other party hears music, or the hold is relayed).
   * Resolves whether the Call accepted it.
   */
  hold(on: boolean): Promise<boolean> {
    if (this.state !== 'answered') return Promise.reject(new BrowserLegError('wrong-state', `cannot hold a call that is ${this.state}`));
    if (this.holdPending) return Promise.resolve(false);
    this.holdPending = true;
    return new Promise((resolve) => {
      const settle = (ok: boolean) => {
        if (!this.holdPending) return;
        this.holdPending = false;
        resolve(ok);
      };
      this.emit('reoffer', {
        offer: this.offerFor(on ? 'sendonly' : 'sendrecv'),
        accept: () => settle(true),
        reject: () => settle(false),
      });
      if (this.listenerCount('reoffer') === 0) settle(false);
    });
  }

  /** The page went away (socket closed, replaced) or its media broke. */
  lost(why: string): void {
    if (this.state === 'ringing') {
      this.finish('failed');
      this.emit('rejected', 480, `Temporarily Unavailable (${why})`);
    } else if (this.state === 'answered') {
      this.log.warn({ leg: this.id, callId: this.info.callId, code: 'CC_SOFTPHONE_MEDIA_LOST', why }, 'browser leg lost');
      this.finish('failed');
      this.emit('failed', why);
    }
  }

  /** End the leg from the box's side, telling the page why (a dialled call the far end refused: its SIP status). */
  endWith(reason: BrowserEndReason, sip?: { status: number; reason: string }): void {
    this.finish(reason, sip);
  }

  private finish(reason: BrowserEndReason, sip?: { status: number; reason: string }): void {
    if (this.state === 'ended') return;
    const wasLive = this.state === 'ringing' || this.state === 'answered';
    this.state = 'ended';
    this.ended = true;
    if (wasLive) this.line.notify(this, { kind: 'ended', reason, ...(sip ? { sip } : {}) });
    this.line.release(this);
  }

  private assertLive(): void {
    if (this.state !== 'ringing' && this.state !== 'answered') throw new BrowserLegError('wrong-state', `the call is ${this.state}`);
  }

  /** A re-offer as a SIP phone would send it: the call's codec, the given direction. */
  private offerFor(direction: MediaDirection): AudioOffer {
    const local = this.media.local;
    const te = this.codecs.telephoneEventPayloadType;
    return {
      connectionAddress: local.address,
      port: local.port,
      codecs: [{ payloadType: this.codecs.codec.payloadType, name: this.codecs.codec.name, clockRate: 8000 }],
      ...(te !== undefined ? { telephoneEvent: { payloadType: te, name: 'telephone-event', clockRate: 8000 } } : {}),
      direction,
      holdByZeroAddress: false,
      ptime: 20,
      rtcpMux: true,
      sessionId: this.sdpSession ?? '0',
      sessionVersion: String(this.sdpVersion),
      otherMedia: [],
      mediaIndex: 0,
      protocol: 'UDP/TLS/RTP/SAVPF',
    };
  }
}

/**
 * The Call and CalleeOffer hold their callee as an OutboundLeg (the transfer code's CallLeg
 * type). A BrowserLeg stands in for one: same events, same verbs, no dialog. The checks below
 * make the compiler hold it to every member they use, so this is the only cast.
 */
export function asOutboundLeg(leg: BrowserLeg): OutboundLeg {
  return leg as unknown as OutboundLeg;
}

export function isBrowserLeg(leg: unknown): leg is BrowserLeg {
  return leg instanceof BrowserLeg;
}

type LegSurface = Pick<OutboundLeg, Extract<keyof OutboundLeg, 'side' | 'ended' | 'dialog' | 'remote' | 'sdpVersion' | 'sdpSession' | 'start' | 'cancel' | 'end' | 'bye' | 'reinvite'>>;
type MediaSurface = Pick<SipLegMedia, Extract<keyof SipLegMedia, 'local' | 'producerId' | 'start' | 'receiveFrom' | 'hearing' | 'pauseSending' | 'resumeSending' | 'tapDtmf' | 'sample' | 'quality' | 'resetIdle' | 'close' | 'router' | 'comedia'>>;
const legSurface = (l: BrowserLeg): LegSurface => l;
const mediaSurface = (m: WebRtcLegMedia): MediaSurface => m;
void legSurface;
void mediaSurface;

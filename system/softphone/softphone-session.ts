// One agent's open softphone page (one WebSocket): rings it for calls (it is the BrowserLine
// of their browser legs), turns its requests into verbs on those legs and calls, and tells
// it what happens (consume, connected, digits, ended). When the page goes, its ringing legs
// are refused and its answered ones fail, so the calls end or go back to the queue.
// Imports: calls, media (types), its own protocol and errors. Never touches a socket itself.
import type { Call } from '../calls/call.ts';
import { BrowserLeg, BrowserLegError, type BrowserLegNotice, type BrowserLine } from '../calls/browser-leg.ts';
import type { LegSide } from '../calls/sip-leg.ts';
import { WebRtcMediaError, type WebRtcOffer } from '../../media/webrtc-leg-media.ts';
import type { types } from 'mediasoup';
import { parseRequest, type SoftphoneEvent, type SoftphoneReply, type SoftphoneRequest, type SoftphoneResults } from './protocol.ts';
import { SoftphoneError, type SoftphoneErrorCode } from './errors.ts';

/** The session's way out: whatever carries text to the page (a WebSocket in production). */
export interface SoftphoneSocket {
  send(text: string): void;
  close(code: number, reason: string): void;
}

interface LiveLeg {
  leg: BrowserLeg;
  call: Call;
  unwatch: () => void;
}

export class SoftphoneSession {
  private readonly legs = new Map<string, LiveLeg>();
  private closed = false;

  constructor(
    readonly agentId: string,
    /** The page's address (for the CDR's party). */
    readonly address: string,
    private readonly socket: SoftphoneSocket,
    private readonly log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void },
  ) {}

  /** Ringing or talking: a session takes one call at a time. */
  get busy(): boolean {
    return this.legs.size > 0;
  }

  get legCount(): number {
    return this.legs.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** The BrowserLine for ringing this page for `call`. */
  lineFor(call: Call): BrowserLine {
    return {
      ring: (leg, offer) => this.ring(leg, offer, call),
      notify: (leg, notice) => this.notify(leg, notice),
      release: (leg) => this.release(leg),
    };
  }

  private ring(leg: BrowserLeg, offer: WebRtcOffer, call: Call): boolean {
    if (this.closed || this.busy) return false;
    const onConnected = (_party: unknown, key: string) => {
      if (key === this.agentId && leg.state === 'answered') this.send({ event: 'connected', data: { callId: leg.id } });
    };
    const onDigit = (digit: string, side: LegSide) => {
      if (side !== leg.side && leg.state === 'answered') this.send({ event: 'digit', data: { callId: leg.id, digit } });
    };
    call.on('connected', onConnected);
    call.on('dtmf', onDigit);
    this.legs.set(leg.id, {
      leg,
      call,
      unwatch: () => {
        call.off('connected', onConnected);
        call.off('dtmf', onDigit);
      },
    });
    this.log.info({ agent: this.agentId, leg: leg.id, callId: call.id }, 'softphone ringing');
    this.send({ event: 'incoming', data: { callId: leg.id, call: leg.info, offer } });
    return true;
  }

  private notify(leg: BrowserLeg, notice: BrowserLegNotice): void {
    if (notice.kind === 'consume') this.send({ event: 'consume', data: { callId: leg.id, consumer: notice.consumer } });
    else if (notice.kind === 'progress') this.send({ event: 'ringback', data: { callId: leg.id } });
    else if (notice.kind === 'connected') this.send({ event: 'connected', data: { callId: leg.id } });
    else this.send({ event: 'ended', data: { callId: leg.id, reason: notice.reason, ...(notice.sip ? { sip: notice.sip } : {}) } });
  }

  private release(leg: BrowserLeg): void {
    const live = this.legs.get(leg.id);
    if (!live) return;
    live.unwatch();
    this.legs.delete(leg.id);
  }

  /** One message from the page: exactly one reply, whatever happens. */
  async handle(raw: string | Buffer): Promise<void> {
    const parsed = parseRequest(raw);
    if (!parsed.ok) {
      this.log.warn({ agent: this.agentId, code: parsed.code, why: parsed.message }, 'bad softphone request');
      return this.reply({ id: parsed.id, ok: false, error: { code: parsed.code, message: parsed.message } });
    }
    const rq = parsed.request;
    try {
      const result = await this.run(rq);
      this.reply({ id: rq.id, ok: true, result });
    } catch (err) {
      const { code, message } = coded(err);
      if (code === 'CC_SOFTPHONE_MEDIA_FAILED') this.log.warn({ agent: this.agentId, code, method: rq.method, err }, 'softphone request failed');
      this.reply({ id: rq.id, ok: false, error: { code, message } });
    }
  }

  private async run(rq: SoftphoneRequest): Promise<SoftphoneResults[SoftphoneRequest['method']]> {
    const live = this.legs.get(rq.params.callId);
    if (!live) throw new SoftphoneError('CC_SOFTPHONE_NO_SUCH_CALL', `no call ${rq.params.callId} on this softphone`);
    const { leg, call } = live;
    switch (rq.method) {
      case 'connectTransport':
        await leg.connectTransport(rq.params.transportId, rq.params.dtlsParameters as types.DtlsParameters);
        return {};
      case 'produce':
        return { producerId: await leg.produce(rq.params.transportId, rq.params.rtpParameters as types.RtpParameters) };
      case 'answer':
        await leg.answer(rq.params.rtpCapabilities as types.RtpCapabilities);
        return {};
      case 'hangup':
        leg.hangup();
        return {};
      case 'hold': {
        if (!(await leg.hold(rq.params.on))) throw new SoftphoneError('CC_SOFTPHONE_HOLD_REFUSED', 'the call did not take the hold change');
        return { held: rq.params.on };
      }
      case 'dtmf': {
        if (leg.state !== 'answered') throw new SoftphoneError('CC_SOFTPHONE_WRONG_STATE', `the call is ${leg.state}`);
        const keypad = await leg.media.keypad();
        const other: LegSide = leg.side === 'caller' ? 'callee' : 'caller';
        if (!keypad || !(await call.sendDtmf(other, keypad, rq.params.digits))) {
          throw new SoftphoneError('CC_SOFTPHONE_NO_DTMF', keypad ? 'the call is held or not answered' : 'the caller negotiated no telephone-event');
        }
        return { sent: rq.params.digits.toUpperCase() };
      }
    }
  }

  /** The page is gone (socket closed) or replaced: its calls cannot go on here. */
  close(why: string): void {
    if (this.closed) return;
    this.closed = true;
    for (const { leg } of [...this.legs.values()]) leg.lost(why);
  }

  /** Tell the page why it is being closed, then close it (its calls end with it). */
  shut(code: SoftphoneErrorCode, message: string, wsCode: number): void {
    this.send({ event: 'closed', data: { code, message } });
    this.socket.close(wsCode, code);
    this.close(message);
  }

  private send(msg: SoftphoneEvent): void {
    if (this.closed) return;
    try {
      this.socket.send(JSON.stringify(msg));
    } catch {
      /* the socket is closing: its close handler ends the session */
    }
  }

  private reply(msg: SoftphoneReply): void {
    if (this.closed) return;
    try {
      this.socket.send(JSON.stringify(msg));
    } catch {
      /* as above */
    }
  }
}

/** Any failure of a request as the code and message the page gets. */
export function coded(err: unknown): { code: SoftphoneErrorCode; message: string } {
  if (err instanceof SoftphoneError) return { code: err.code, message: err.message };
  if (err instanceof BrowserLegError) return { code: err.reason === 'no-audio' ? 'CC_SOFTPHONE_NO_AUDIO' : 'CC_SOFTPHONE_WRONG_STATE', message: err.message };
  if (err instanceof WebRtcMediaError) {
    const code: SoftphoneErrorCode = err.reason === 'codec-refused' ? 'CC_SOFTPHONE_CODEC_REFUSED' : err.reason === 'closed' ? 'CC_SOFTPHONE_WRONG_STATE' : 'CC_SOFTPHONE_MEDIA_FAILED';
    return { code, message: err.message };
  }
  return { code: 'CC_SOFTPHONE_MEDIA_FAILED', message: err instanceof Error ? err.message : String(err) };
}

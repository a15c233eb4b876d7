// The callee's side of a call: the INVITE we send as UAC to a phone or a trunk. Answers
// digest challenges once with the trunk's credentials, creates the dialog from the 2xx and
// ACKs it, CANCELs (only after a provisional, RFC 3261 9.1), and reports progress and the
// final outcome as events. In-dialog behaviour comes from SipLeg.
import type { SipEndpoint } from '../sip/endpoint.ts';
import type { NameAddr, Remote, SipRequest, SipResponse } from '../sip/message.ts';
import type { ClientTransaction } from '../sip/transactions.ts';
import { Dialog, newCallId, newTag } from '../sip/dialog.ts';
import { answerChallenge } from '../sip/digest.ts';
import { parseSdp, type AudioOffer } from '../sip/sdp.ts';
import { offerProfile, withSdes } from '../sip/sdes.ts';
import type { SipLegMedia } from '../../media/sip-leg-media.ts';
import { SipLeg, ALLOW, type LegSide } from './sip-leg.ts';

export interface OutboundTarget {
  requestUri: string;
  /** Where the INVITE goes: a registered flow or the trunk's address. */
  remote: Remote;
  from: NameAddr;
  to: NameAddr;
  credentials?: { username: string; password: string };
}

export type OutboundEvents = {
  progress: [status: number, early?: AudioOffer];
  answered: [answer: AudioOffer | undefined];
  rejected: [status: number, reason: string];
};

export class OutboundLeg extends SipLeg<OutboundEvents> {
  private invite?: SipRequest;
  private tx?: ClientTransaction;
  private provisional = false;
  private cancelRequested = false;
  private finalSeen = false;
  private authTried = false;
  readonly callId: string;
  readonly localTag = newTag();

  constructor(endpoint: SipEndpoint, media: SipLegMedia, readonly target: OutboundTarget, log: SipLeg['log'], side: LegSide = 'callee') {
    super(endpoint, side, media, log);
    this.callId = newCallId(endpoint.publicAddress);
  }

  start(sdp: string, maxForwards: number, extraHeaders: Record<string, unknown> = {}): void {
    // SRTP for this callee (config srtp): the media turns SRTP on first, then the offer carries the key.
    const srtp = this.endpoint.srtpOfferMode?.(this.target);
    if (srtp && srtp !== 'off') {
      this.media.offerSrtp(srtp).then(
        (key) => !this.ended && !this.cancelRequested && this.begin(key ? withSdes(sdp, key, offerProfile(srtp)) : sdp, maxForwards, extraHeaders),
        (err) => {
          this.log.warn({ err, callId: this.callId, code: 'CC_CALL_SRTP_SETUP' }, 'SRTP set-up for the callee failed');
          this.ended = true;
          this.emit('rejected', 500, 'SRTP set-up failed');
        },
      );
      return;
    }
    this.begin(sdp, maxForwards, extraHeaders);
  }

  private begin(sdp: string, maxForwards: number, extraHeaders: Record<string, unknown>): void {
    const t = this.target;
    this.invite = {
      method: 'INVITE',
      uri: t.requestUri,
      version: '2.0',
      headers: {
        via: [this.endpoint.via(t.remote.protocol)],
        from: { ...t.from, params: { tag: this.localTag } },
        to: { ...t.to, params: {} },
        'call-id': this.callId,
        cseq: { seq: 1, method: 'INVITE' },
        contact: [this.endpoint.contact(t.remote.protocol)],
        'max-forwards': String(maxForwards),
        allow: ALLOW,
        'content-type': 'application/sdp',
        ...extraHeaders,
      },
      content: sdp,
    };
    this.send(this.invite);
  }

  private send(rq: SipRequest): void {
    this.tx = this.endpoint.sendRequest(rq, this.target.remote, (rs) => this.onResponse(rq, rs));
  }

  private onResponse(rq: SipRequest, rs: SipResponse): void {
    if (rq !== this.invite) return; // a response to a superseded (challenged) INVITE
    if (rs.status < 200) {
      if (rs.status === 100) return;
      const first = !this.provisional;
      this.provisional = true;
      if (first && this.cancelRequested) return this.sendCancel();
      const early = rs.content ? parseSdp(rs.content) : undefined;
      this.emit('progress', rs.status, early?.ok ? early.offer : undefined);
      return;
    }
    if (rs.status < 300) return this.onSuccess(rs);
    if (this.finalSeen) return;
    if ((rs.status === 401 || rs.status === 407) && this.target.credentials && !this.authTried && !this.cancelRequested) {
      this.authTried = true;
      const challenge = (rs.status === 401 ? rs.headers['www-authenticate'] : rs.headers['proxy-authenticate'])?.[0];
      if (challenge) {
        try {
          const value = answerChallenge(challenge, { ...this.target.credentials, method: 'INVITE', uri: rq.uri, nc: 1 });
          const retry: SipRequest = {
            ...rq,
            headers: {
              ...rq.headers,
              via: [this.endpoint.via(this.target.remote.protocol)],
              cseq: { seq: rq.headers.cseq.seq + 1, method: 'INVITE' },
              [rs.status === 401 ? 'authorization' : 'proxy-authorization']: value,
            },
          };
          this.invite = retry;
          this.send(retry);
          return;
        } catch (err) {
          this.log.warn({ err, callId: this.callId }, 'could not answer the trunk challenge');
        }
      }
    }
    this.finalSeen = true;
    this.ended = true;
    this.emit('rejected', rs.status, rs.reason);
  }

  private onSuccess(rs: SipResponse): void {
    const remoteTag = rs.headers.to.params.tag ?? '';
    if (this.dialog) {
      // A retransmission of the 2xx we accepted (re-ACK), or a second fork (ACK and BYE it).
      if (remoteTag === this.dialog.remoteTag) return this.onStray2xx(rs);
      return this.ackAndBye(rs);
    }
    const contact = Array.isArray(rs.headers.contact) ? rs.headers.contact[0]?.uri : undefined;
    const dialog = new Dialog({
      callId: this.callId,
      localTag: this.localTag,
      remoteTag,
      localUri: { ...this.invite!.headers.from, params: {} },
      remoteUri: { ...this.invite!.headers.to, params: {} },
      remoteTarget: contact ?? this.invite!.uri,
      routeSet: [...(rs.headers['record-route'] ?? [])].reverse(),
      localSeq: this.invite!.headers.cseq.seq,
      remoteSeq: 0,
      remote: this.target.remote,
      contact: this.endpoint.contact(this.target.remote.protocol),
    });
    this.attachDialog(dialog);
    this.endpoint.sendRaw(dialog.createRequest('ACK', this.endpoint.via(dialog.remote.protocol), { seq: this.invite!.headers.cseq.seq }), dialog.remote);
    this.finalSeen = true;
    if (this.cancelRequested) {
      // CANCEL crossed the 200: the call was answered after we gave up. End it.
      this.bye();
      return;
    }
    const answer = rs.content ? parseSdp(rs.content) : undefined;
    this.emit('answered', answer?.ok ? answer.offer : undefined);
  }

  private ackAndBye(rs: SipResponse): void {
    const remoteTag = rs.headers.to.params.tag ?? '';
    const contact = Array.isArray(rs.headers.contact) ? rs.headers.contact[0]?.uri : undefined;
    const fork = new Dialog({
      callId: this.callId, localTag: this.localTag, remoteTag,
      localUri: { ...this.invite!.headers.from, params: {} }, remoteUri: { ...this.invite!.headers.to, params: {} },
      remoteTarget: contact ?? this.invite!.uri, routeSet: [...(rs.headers['record-route'] ?? [])].reverse(),
      localSeq: this.invite!.headers.cseq.seq, remoteSeq: 0, remote: this.target.remote, contact: this.endpoint.contact(this.target.remote.protocol),
    });
    const via = () => this.endpoint.via(fork.remote.protocol);
    this.endpoint.sendRaw(fork.createRequest('ACK', via(), { seq: this.invite!.headers.cseq.seq }), fork.remote);
    this.endpoint.sendRequest(fork.createRequest('BYE', via()), fork.remote, () => undefined);
  }

  /** Give up on the call: CANCEL while ringing (deferred until a provisional), BYE if answered. */
  cancel(): void {
    if (this.dialog) return this.bye();
    if (this.finalSeen || this.cancelRequested) return;
    // Not `ended` yet: a 2xx crossing the CANCEL still needs its ACK and BYE (onSuccess).
    this.cancelRequested = true;
    // Without a provisional the CANCEL waits (RFC 3261 9.1); if none ever comes, the INVITE
    // transaction times out by itself.
    if (this.provisional) this.sendCancel();
  }

  /** The same verb as InboundLeg.end, for a Call that holds either kind on either side. */
  end(_status?: number, _reason?: string): void {
    this.cancel();
  }

  private sendCancel(): void {
    const rq = this.invite!;
    const cancel: SipRequest = {
      method: 'CANCEL',
      uri: rq.uri,
      version: '2.0',
      headers: {
        via: [rq.headers.via[0]],
        from: rq.headers.from,
        to: rq.headers.to,
        'call-id': rq.headers['call-id'],
        cseq: { seq: rq.headers.cseq.seq, method: 'CANCEL' },
        'max-forwards': '70',
        ...(rq.headers.route ? { route: rq.headers.route } : {}),
      },
      content: '',
    };
    this.endpoint.sendRequest(cancel, this.target.remote, () => undefined);
  }
}

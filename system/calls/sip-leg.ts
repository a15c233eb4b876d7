// What both kinds of SIP leg share once a dialog exists: in-dialog requests in (BYE,
// re-INVITE, INFO, OPTIONS, UPDATE, REFER) and out (BYE, re-INVITE, the NOTIFYs of a REFER's
// subscription), 2xx retransmission for re-INVITEs we answer, and typed events the Call
// listens to. A leg never touches the other leg: the Call relays between them. A transfer may
// move a leg into another side or another call: its side and media are the Call's to set.
import { EventEmitter } from 'node:events';
import type { SipEndpoint, DialogOwner } from '../sip/endpoint.ts';
import type { Remote, SipRequest, SipResponse } from '../sip/message.ts';
import type { ServerTransaction } from '../sip/transactions.ts';
import { Dialog } from '../sip/dialog.ts';
import { parseSdp, type AudioOffer } from '../sip/sdp.ts';
import { parseReferTo, referNotifyHeaders, sipfrag, type ReferTarget } from '../sip/refer.ts';
import type { SipLegMedia } from '../../media/sip-leg-media.ts';

export type LegSide = 'caller' | 'callee';

/** A re-INVITE from the peer, waiting for the Call to produce our answer. */
export interface IncomingReoffer {
  offer: AudioOffer;
  accept(sdp: string): void;
  reject(status: number, reason: string): void;
}

/** A REFER from the peer (RFC 3515), waiting for the Call to accept (202) or refuse it. */
export interface IncomingRefer {
  target: ReferTarget;
  /** The Referred-By header as sent (RFC 3892), if any. */
  referredBy?: string;
  accept(): void;
  reject(status: number, reason: string): void;
  /** Report the transfer's progress in the REFER's implicit subscription (a final status ends it). */
  notify(status: number, reason: string): void;
}

export type LegEvents = {
  /** The peer hung up (BYE) — already answered 200. */
  bye: [];
  reoffer: [reoffer: IncomingReoffer];
  /** DTMF by SIP INFO (application/dtmf-relay or application/dtmf). */
  infoDigit: [digit: string, durationMs: number];
  /** The dialog can no longer be used (ACK never came, transport failure). */
  failed: [reason: string];
  /** The peer asks to transfer the other party (blind, or attended with Replaces). */
  refer: [refer: IncomingRefer];
};

export abstract class SipLeg<E extends Record<keyof E, unknown[]> = {}> extends EventEmitter<LegEvents & E> implements DialogOwner {
  dialog?: Dialog;
  ended = false;
  /** SDP we last sent to this peer (answer or offer), for refreshing and for session version. */
  sdpVersion = 1;
  /** The o= session id of our SDP towards this peer: set once, kept when a transfer moves the leg. */
  sdpSession?: string;

  constructor(
    readonly endpoint: SipEndpoint,
    /** Which side of its Call the leg is on (a transfer may move it). */
    public side: LegSide,
    /** Its media endpoint (a transfer may re-create it in another call's router). */
    public media: SipLegMedia,
    readonly log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void },
  ) {
    super();
  }

  get remote(): Remote | undefined {
    return this.dialog?.remote;
  }

  protected attachDialog(dialog: Dialog): void {
    this.dialog = dialog;
    this.endpoint.registerDialog(dialog.callId, dialog.localTag, dialog.remoteTag, this);
  }

  protected detachDialog(): void {
    const d = this.dialog;
    if (!d) return;
    d.stop2xxRetransmission();
    this.endpoint.unregisterDialog(d.callId, d.localTag, d.remoteTag);
  }

  onDialogRequest(rq: SipRequest, tx: ServerTransaction): void {
    const d = this.dialog!;
    if (!d.acceptRemoteSeq(rq)) {
      this.endpoint.respond(tx, 500, 'Server Internal Error (CSeq out of order)', { headers: { 'retry-after': '1' } });
      return;
    }
    switch (rq.method) {
      case 'BYE':
        this.endpoint.respond(tx, 200, 'OK');
        if (!this.ended) {
          this.ended = true;
          this.detachDialog();
          (this as SipLeg).emit('bye');
        }
        return;
      case 'INVITE':
        return this.onReinvite(rq, tx);
      case 'INFO':
        return this.onInfo(rq, tx);
      case 'REFER':
        return this.onRefer(rq, tx);
      case 'OPTIONS':
      case 'UPDATE': // session timers' refresh without SDP
        if (rq.method === 'UPDATE' && rq.content) {
          this.endpoint.respond(tx, 488, 'Not Acceptable Here');
          return;
        }
        this.endpoint.respond(tx, 200, 'OK', { headers: { allow: ALLOW } });
        return;
      default:
        this.endpoint.respond(tx, 405, 'Method Not Allowed', { headers: { allow: ALLOW } });
    }
  }

  onDialogAck(rq: SipRequest): void {
    this.dialog?.ackReceived(rq);
  }

  onStray2xx(rs: SipResponse): void {
    // Our ACK got lost: the peer retransmits its 2xx. Send the same ACK again.
    const d = this.dialog;
    if (!d) return;
    this.endpoint.sendRaw(d.createRequest('ACK', this.endpoint.via(d.remote.protocol), { seq: rs.headers.cseq.seq }), d.remote);
  }

  private onReinvite(rq: SipRequest, tx: ServerTransaction): void {
    if (this.reinviteInProgress) {
      this.endpoint.respond(tx, 491, 'Request Pending');
      return;
    }
    if (!rq.content) {
      this.endpoint.respond(tx, 488, 'Not Acceptable Here (re-INVITE without offer)');
      return;
    }
    const parsed = parseSdp(rq.content);
    if (!parsed.ok) {
      this.endpoint.respond(tx, 488, `Not Acceptable Here (${parsed.code})`);
      return;
    }
    this.reinviteInProgress = true;
    tx.toTag = this.dialog!.localTag;
    let settled = false;
    (this as SipLeg).emit('reoffer', {
      offer: parsed.offer,
      accept: (sdp) => {
        if (settled) return;
        settled = true;
        this.reinviteInProgress = false;
        const rs = this.endpoint.respond(tx, 200, 'OK', { headers: { contact: [this.dialog!.contact], 'content-type': 'application/sdp' }, content: sdp });
        this.dialog!.retransmit2xx(rs, (r) => this.endpoint.sendRaw(r, tx.remote), tx.remote.protocol !== 'UDP', () => undefined);
      },
      reject: (status, reason) => {
        if (settled) return;
        settled = true;
        this.reinviteInProgress = false;
        this.endpoint.respond(tx, status, reason);
      },
    });
  }

  protected reinviteInProgress = false;

  private onInfo(rq: SipRequest, tx: ServerTransaction): void {
    const type = String(rq.headers['content-type'] ?? '').toLowerCase();
    let digit: string | undefined;
    let duration = 250;
    if (type.startsWith('application/dtmf-relay')) {
      digit = /Signal\s*=\s*([0-9*#A-Da-d])/i.exec(rq.content)?.[1];
      const d = /Duration\s*=\s*(\d+)/i.exec(rq.content)?.[1];
      if (d) duration = Math.min(Number(d), 10_000);
    } else if (type.startsWith('application/dtmf')) {
      digit = /^\s*([0-9*#A-Da-d])\s*$/.exec(rq.content)?.[1];
    }
    if (type && !digit && type.includes('dtmf')) {
      this.endpoint.respond(tx, 400, 'Bad Request (DTMF body)');
      return;
    }
    this.endpoint.respond(tx, 200, 'OK');
    if (digit) (this as SipLeg).emit('infoDigit', digit.toUpperCase(), duration);
  }

  private onRefer(rq: SipRequest, tx: ServerTransaction): void {
    if (rq.headers['refer-to'] === undefined) {
      this.endpoint.respond(tx, 400, 'Bad Request (no Refer-To)');
      return;
    }
    const parsed = parseReferTo(rq.headers['refer-to']);
    if (!parsed.ok) {
      this.endpoint.respond(tx, 400, `Bad Request (${parsed.reason})`);
      return;
    }
    if ((this as SipLeg).listenerCount('refer') === 0) {
      this.endpoint.respond(tx, 403, 'Forbidden (no transfer on this leg)');
      return;
    }
    const cseq = rq.headers.cseq.seq;
    let settled = false;
    const referredBy = rq.headers['referred-by'];
    (this as SipLeg).emit('refer', {
      target: parsed.target,
      referredBy: typeof referredBy === 'string' ? referredBy : undefined,
      accept: () => {
        if (settled) return;
        settled = true;
        this.endpoint.respond(tx, 202, 'Accepted', { headers: { contact: [this.dialog!.contact] } });
      },
      reject: (status, reason) => {
        if (settled) return;
        settled = true;
        this.endpoint.respond(tx, status, reason);
      },
      notify: (status, reason) => this.notifyRefer(cseq, status, reason),
    });
  }

  /** NOTIFY (RFC 3515 §2.4.4) in this dialog; nothing once the dialog is gone. */
  private notifyRefer(referCSeq: number, status: number, reason: string): void {
    const d = this.dialog;
    if (!d || this.ended) return;
    const headers = { ...referNotifyHeaders(referCSeq, status >= 200), contact: [d.contact] };
    const rq = d.createRequest('NOTIFY', this.endpoint.via(d.remote.protocol), { headers, content: sipfrag(status, reason) });
    this.endpoint.sendRequest(rq, d.remote, () => undefined);
  }

  /** Send a re-INVITE with `sdp` and resolve with the peer's answer (or its final error status). */
  reinvite(sdp: string): Promise<{ ok: true; offer: AudioOffer } | { ok: false; status: number; reason: string }> {
    return new Promise((resolve) => {
      const d = this.dialog;
      if (!d || this.ended) return resolve({ ok: false, status: 481, reason: 'Call/Transaction Does Not Exist' });
      this.reinviteInProgress = true;
      const rq = d.createRequest('INVITE', this.endpoint.via(d.remote.protocol), { headers: { 'content-type': 'application/sdp' }, content: sdp });
      this.endpoint.sendRequest(rq, d.remote, (rs) => {
        if (rs.status < 200) return;
        this.reinviteInProgress = false;
        if (rs.status >= 300) return resolve({ ok: false, status: rs.status, reason: rs.reason });
        this.endpoint.sendRaw(d.createRequest('ACK', this.endpoint.via(d.remote.protocol), { seq: rq.headers.cseq.seq }), d.remote);
        const parsed = parseSdp(rs.content);
        resolve(parsed.ok ? { ok: true, offer: parsed.offer } : { ok: false, status: 488, reason: 'Not Acceptable Here' });
      });
    });
  }

  /** End this leg's dialog with BYE (no-op if already ended). */
  bye(headers: Record<string, unknown> = {}): void {
    if (this.ended) return;
    this.ended = true;
    const d = this.dialog;
    if (!d) return;
    this.detachDialog();
    const rq = d.createRequest('BYE', this.endpoint.via(d.remote.protocol), { headers });
    this.endpoint.sendRequest(rq, d.remote, () => undefined);
  }
}

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER';

// The caller's side of a call: the INVITE we received as UAS. Sends 180/183/200 or a final
// error on that transaction, turns the 200 into a dialog (retransmitted until ACK), and
// reports a CANCEL. In-dialog behaviour comes from SipLeg.
import type { SipEndpoint } from '../sip/endpoint.ts';
import type { SipRequest } from '../sip/message.ts';
import type { ServerTransaction } from '../sip/transactions.ts';
import { Dialog, newTag } from '../sip/dialog.ts';
import type { SipLegMedia } from '../../media/sip-leg-media.ts';
import { SipLeg, ALLOW } from './sip-leg.ts';

export class InboundLeg extends SipLeg<{ cancelled: [] }> {
  readonly localTag = newTag();
  answered = false;

  constructor(
    endpoint: SipEndpoint,
    readonly tx: ServerTransaction,
    media: SipLegMedia,
    log: SipLeg['log'],
  ) {
    super(endpoint, 'caller', media, log);
    tx.toTag = this.localTag;
    tx.onCancel = () => {
      if (this.answered || this.ended) return;
      this.ended = true;
      this.endpoint.respond(this.tx, 487, 'Request Terminated');
      this.emit('cancelled');
    };
  }

  get request(): SipRequest {
    return this.tx.request;
  }

  /** 180 Ringing, or 183 Session Progress with early media SDP. */
  ring(sdp?: string): void {
    if (this.tx.hasFinalResponse || this.ended) return;
    if (sdp) this.endpoint.respond(this.tx, 183, 'Session Progress', { headers: this.answerHeaders(), content: sdp });
    else this.endpoint.respond(this.tx, 180, 'Ringing', { headers: { contact: [this.contact] } });
  }

  private get contact() {
    return this.endpoint.contact(this.tx.remote.protocol);
  }

  private answerHeaders(): Record<string, unknown> {
    return { contact: [this.contact], 'content-type': 'application/sdp', allow: ALLOW };
  }

  answer(sdp: string): void {
    if (this.tx.hasFinalResponse || this.ended) return;
    const rq = this.request;
    const dialog = new Dialog({
      callId: rq.headers['call-id'],
      localTag: this.localTag,
      remoteTag: rq.headers.from.params.tag ?? '',
      localUri: { ...rq.headers.to, params: {} },
      remoteUri: { ...rq.headers.from, params: {} },
      remoteTarget: Array.isArray(rq.headers.contact) && rq.headers.contact[0] ? rq.headers.contact[0].uri : rq.headers.from.uri,
      routeSet: rq.headers['record-route'] ?? [],
      localSeq: Math.floor(Math.random() * 10_000) + 1,
      remoteSeq: rq.headers.cseq.seq,
      remote: this.tx.remote,
      contact: this.contact,
    });
    this.answered = true;
    this.attachDialog(dialog);
    const rs = this.endpoint.respond(this.tx, 200, 'OK', { headers: this.answerHeaders(), content: sdp });
    dialog.retransmit2xx(rs, (r) => this.endpoint.sendRaw(r, this.tx.remote), this.tx.remote.protocol !== 'UDP', () => {
      // RFC 3261 13.3.1.4: no ACK in 64*T1 -> the session is dead; BYE it.
      this.log.warn({ callId: dialog.callId, code: 'CC_CALL_NO_ACK' }, 'no ACK for 200 OK; ending the call');
      this.bye();
      this.emit('failed', 'no ACK');
    });
  }

  reject(status: number, reason: string, headers?: Record<string, unknown>): void {
    if (this.tx.hasFinalResponse) return;
    this.ended = true;
    this.endpoint.respond(this.tx, status, reason, { headers });
  }

  /** End the leg whatever its state: BYE when answered, else a final error. */
  end(status = 480, reason = 'Temporarily Unavailable'): void {
    if (this.answered) this.bye();
    else this.reject(status, reason);
  }
}

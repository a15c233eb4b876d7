// A SIP dialog (RFC 3261 §12): identity (Call-ID + tags), CSeq counters, route set and remote
// target, and the in-dialog requests built from them. Also the reliable 2xx-to-INVITE
// retransmission a UAS owes until the ACK arrives (§13.3.1.4). No I/O beyond `wire`.
import { randomBytes } from 'node:crypto';
import type { NameAddr, Remote, SipRequest, SipResponse, Via } from './message.ts';
import { T1, T2 } from './transactions.ts';

export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export function newCallId(host: string): string {
  return `${randomBytes(12).toString('base64url')}@${host}`;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

export interface DialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: NameAddr; // our From in requests we send (without tag)
  remoteUri: NameAddr; // their To in requests we send (without tag)
  remoteTarget: string; // Request-URI of in-dialog requests
  routeSet: NameAddr[];
  localSeq: number;
  remoteSeq: number;
  /** Where in-dialog requests go: the flow the dialog was set up on (symmetric signalling). */
  remote: Remote;
  contact: NameAddr;
}

export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  remoteTarget: string;
  readonly routeSet: NameAddr[];
  localSeq: number;
  remoteSeq: number;
  remote: Remote;
  readonly contact: NameAddr;
  /** CSeq of the INVITE whose 2xx is awaiting ACK (UAS side). */
  private pendingAck?: { seq: number; timer?: NodeJS.Timeout; giveUp?: NodeJS.Timeout };

  constructor(init: DialogInit) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remote = init.remote;
    this.contact = init.contact;
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  /** Build an in-dialog request. ACK reuses the INVITE's CSeq number (pass `seq`). */
  createRequest(method: string, via: Via, opts: { seq?: number; headers?: Record<string, unknown>; content?: string } = {}): SipRequest {
    const seq = opts.seq ?? ++this.localSeq;
    const rq: SipRequest = {
      method,
      uri: this.remoteTarget,
      version: '2.0',
      headers: {
        via: [via],
        to: { ...this.remoteUri, params: { ...this.remoteUri.params, tag: this.remoteTag } },
        from: { ...this.localUri, params: { ...this.localUri.params, tag: this.localTag } },
        'call-id': this.callId,
        cseq: { seq, method },
        'max-forwards': '70',
      },
      content: opts.content ?? '',
    };
    if (this.routeSet.length) rq.headers.route = this.routeSet;
    if (method === 'INVITE' || method === 'UPDATE') rq.headers.contact = [this.contact];
    Object.assign(rq.headers, opts.headers ?? {});
    return rq;
  }

  /** Check and record the CSeq of an incoming in-dialog request; false = out of order (answer 500). */
  acceptRemoteSeq(rq: SipRequest): boolean {
    if (rq.method === 'ACK' || rq.method === 'CANCEL') return true;
    if (rq.headers.cseq.seq <= this.remoteSeq) return false;
    this.remoteSeq = rq.headers.cseq.seq;
    return true;
  }

  /** UAS: retransmit a 2xx to INVITE (T1 doubling to T2) until `ackReceived`; `onTimeout` after 64*T1. */
  retransmit2xx(rs: SipResponse, send: (rs: SipResponse) => void, reliable: boolean, onTimeout: () => void): void {
    this.stop2xxRetransmission();
    const pending: NonNullable<Dialog['pendingAck']> = { seq: rs.headers.cseq.seq };
    this.pendingAck = pending;
    if (!reliable) {
      const again = (interval: number) => {
        pending.timer = setTimeout(() => {
          send(rs);
          again(Math.min(interval * 2, T2));
        }, interval);
      };
      again(T1);
    }
    pending.giveUp = setTimeout(() => {
      this.stop2xxRetransmission();
      onTimeout();
    }, 64 * T1);
  }

  /** An ACK arrived; true when it acknowledged the pending 2xx. */
  ackReceived(rq: SipRequest): boolean {
    if (!this.pendingAck || rq.headers.cseq.seq !== this.pendingAck.seq) return false;
    this.stop2xxRetransmission();
    return true;
  }

  get awaitingAck(): boolean {
    return this.pendingAck !== undefined;
  }

  stop2xxRetransmission(): void {
    if (!this.pendingAck) return;
    clearTimeout(this.pendingAck.timer);
    clearTimeout(this.pendingAck.giveUp);
    this.pendingAck = undefined;
  }
}

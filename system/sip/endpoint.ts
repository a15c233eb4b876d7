// The SIP UA core of the box: sits on the transport, runs every message through the
// transaction layer, routes in-dialog traffic to the dialog's owner (a call leg or the
// registrar) and hands new requests to the application. It answers what no one else can:
// 481 for unknown dialogs and CANCELs, 500 when a handler throws, 503 while shutting down or
// overloaded (new INVITEs only: in-dialog traffic of calls in progress goes on).
import type { SipTransport } from './transport.ts';
import type { NameAddr, Remote, SipRequest, SipResponse, Via } from './message.ts';
import { isRequest } from './message.ts';
import { makeResponse } from './codec.ts';
import { TransactionLayer, newBranch, type ClientTransaction, type ResponseHandler, type ServerTransaction } from './transactions.ts';
import { dialogKey, newTag } from './dialog.ts';
import type { SrtpMode } from './sdes.ts';

/** Whoever owns a dialog (a call leg) receives its in-dialog traffic. */
export interface DialogOwner {
  onDialogRequest(rq: SipRequest, tx: ServerTransaction): void;
  onDialogAck(rq: SipRequest): void;
  /** A 2xx to INVITE arrived after its transaction ended: re-send the ACK. */
  onStray2xx(rs: SipResponse): void;
}

export type RequestHandler = (rq: SipRequest, tx: ServerTransaction, remote: Remote) => void;

export interface EndpointOptions {
  publicAddress: string;
  userAgent: string;
  log: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
  /** Overload check for a new INVITE: seconds for Retry-After when it must be refused. */
  overloaded?: () => number | undefined;
}

export class SipEndpoint {
  readonly transactions: TransactionLayer;
  private readonly dialogs = new Map<string, DialogOwner>();
  private handler: RequestHandler = (_rq, tx) => this.respond(tx, 503, 'Service Unavailable');
  private draining = false;
  /** Observer of every client transaction's outcome (monitoring's SIP response times). */
  onClientTiming?: (t: { method: string; remote: Remote; status: number; firstResponseMs: number }) => void;
  /** The SRTP mode the box offers a callee with (sdes-policy.ts); undefined: plain RTP offers. */
  srtpOfferMode?: (target: { remote: Remote; to: NameAddr }) => SrtpMode | undefined;

  constructor(readonly transport: SipTransport, private readonly opts: EndpointOptions) {
    this.transactions = new TransactionLayer({ send: (m, r) => transport.send(m, r) });
    // A connection the box opened failed (refused, TLS handshake or certificate check): 503 now, not 408 in 32 s.
    transport.on('flowFailed', (remote, f) => this.transactions.failRemote(remote, f.code === 'CC_SIP_TLS_CONNECT' || f.code === 'CC_SIP_TCP_CONNECT' ? 'connection failed' : 'TLS peer not trusted'));
    transport.on('message', (m, remote) => {
      try {
        if (isRequest(m)) this.onRequest(m, remote);
        else this.onResponse(m);
      } catch (err) {
        opts.log.error({ err, callId: m.headers['call-id'] }, 'sip dispatch failed');
      }
    });
  }

  setRequestHandler(h: RequestHandler): void {
    this.handler = h;
  }

  /** Refuse new dialogs with 503 (shutdown); in-dialog traffic continues. */
  drain(): void {
    this.draining = true;
  }

  get dialogCount(): number {
    return this.dialogs.size;
  }

  registerDialog(callId: string, localTag: string, remoteTag: string, owner: DialogOwner): void {
    this.dialogs.set(dialogKey(callId, localTag, remoteTag), owner);
  }

  unregisterDialog(callId: string, localTag: string, remoteTag: string): void {
    this.dialogs.delete(dialogKey(callId, localTag, remoteTag));
  }

  get publicAddress(): string {
    return this.opts.publicAddress;
  }

  get userAgent(): string {
    return this.opts.userAgent;
  }

  /** A fresh top Via for a request we originate over `protocol`. */
  via(protocol: Remote['protocol']): Via {
    const ports = this.transport.ports;
    return {
      version: '2.0',
      protocol,
      host: this.opts.publicAddress,
      port: protocol === 'UDP' ? ports.udp : protocol === 'TLS' ? ports.tls : ports.tcp,
      params: { branch: newBranch(), rport: null },
    };
  }

  contact(protocol: Remote['protocol'], user?: string): NameAddr {
    const ports = this.transport.ports;
    const port = protocol === 'UDP' ? ports.udp : protocol === 'TLS' ? ports.tls : ports.tcp;
    const transport = protocol === 'TCP' ? ';transport=tcp' : protocol === 'TLS' ? ';transport=tls' : '';
    return { uri: `sip:${user ? user + '@' : ''}${this.opts.publicAddress}:${port}${transport}`, params: {} };
  }

  sendRequest(rq: SipRequest, remote: Remote, onResponse: ResponseHandler): ClientTransaction {
    rq.headers['user-agent'] ??= this.opts.userAgent;
    const sentAt = performance.now();
    let firstMs: number | undefined;
    let reported = false;
    return this.transactions.sendRequest(rq, remote, (rs) => {
      firstMs ??= performance.now() - sentAt;
      if (rs.status >= 200 && !reported && (reported = true)) this.onClientTiming?.({ method: rq.method, remote, status: rs.status, firstResponseMs: firstMs });
      onResponse(rs);
    });
  }

  /** Send outside any transaction (ACK for 2xx, 2xx retransmissions). */
  sendRaw(m: SipRequest | SipResponse, remote: Remote): void {
    this.transport.send(m, remote);
  }

  respond(tx: ServerTransaction, status: number, reason: string, extra?: { headers?: Record<string, unknown>; content?: string }): SipResponse {
    const rs = makeResponse(tx.request, status, reason, extra);
    if (status > 100 && !tx.request.headers.to.params.tag) {
      tx.toTag ??= newTag();
      rs.headers.to.params.tag = tx.toTag;
    }
    rs.headers.server ??= this.opts.userAgent;
    tx.respond(rs);
    return rs;
  }

  private onRequest(rq: SipRequest, remote: Remote): void {
    const existing = this.transactions.findServer(rq);
    const toTag = rq.headers.to.params.tag;
    const fromTag = rq.headers.from.params.tag ?? '';
    if (existing) {
      // Some UAs ACK a 2xx with the INVITE's branch: that ACK belongs to the dialog.
      if (rq.method === 'ACK' && existing.state === 'accepted' && toTag) {
        this.dialogs.get(dialogKey(rq.headers['call-id'], toTag, fromTag))?.onDialogAck(rq);
        return;
      }
      existing.receive(rq);
      return;
    }
    if (rq.method === 'ACK') {
      // ACK for a 2xx: a request of its own, matched to the dialog (no transaction, no answer).
      if (toTag) this.dialogs.get(dialogKey(rq.headers['call-id'], toTag, fromTag))?.onDialogAck(rq);
      return;
    }
    const tx = this.transactions.createServer(rq, remote);
    if (rq.method === 'CANCEL') {
      const invite = this.transactions.findInviteForCancel(rq);
      if (!invite || invite.hasFinalResponse) {
        this.respond(tx, 481, 'Call/Transaction Does Not Exist');
        return;
      }
      this.respond(tx, 200, 'OK');
      invite.onCancel?.();
      return;
    }
    if (toTag) {
      const owner = this.dialogs.get(dialogKey(rq.headers['call-id'], toTag, fromTag));
      if (!owner) {
        this.respond(tx, 481, 'Call/Transaction Does Not Exist');
        return;
      }
      this.guard(tx, () => owner.onDialogRequest(rq, tx));
      return;
    }
    if (rq.method === 'INVITE') {
      if (this.draining) {
        this.respond(tx, 503, 'Service Unavailable', { headers: { 'retry-after': '30' } });
        return;
      }
      const retryAfter = this.opts.overloaded?.();
      if (retryAfter !== undefined) {
        this.respond(tx, 503, 'Service Unavailable (overload)', { headers: { 'retry-after': String(retryAfter) } });
        return;
      }
      this.respond(tx, 100, 'Trying');
    }
    this.guard(tx, () => this.handler(rq, tx, remote));
  }

  private guard(tx: ServerTransaction, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.opts.log.error({ err, callId: tx.request.headers['call-id'], method: tx.request.method }, 'sip request handler threw');
      if (!tx.hasFinalResponse) this.respond(tx, 500, 'Server Internal Error');
    }
  }

  private onResponse(rs: SipResponse): void {
    if (this.transactions.receiveResponse(rs)) return;
    if (rs.headers.cseq.method === 'INVITE' && rs.status >= 200 && rs.status < 300) {
      const owner = this.dialogs.get(dialogKey(rs.headers['call-id'], rs.headers.from.params.tag ?? '', rs.headers.to.params.tag ?? ''));
      owner?.onStray2xx(rs);
    }
  }

  close(): void {
    this.transactions.closeAll();
  }
}

// RFC 3261 §17 transactions: the four state machines (INVITE/non-INVITE × client/server)
// with their retransmission and timeout timers, keyed by branch. The UA core above sends and
// receives through here; 2xx-to-INVITE retransmission and ACK belong to dialogs, not here.
import { randomBytes } from 'node:crypto';
import type { Remote, SipRequest, SipResponse } from './message.ts';

export const T1 = 500;
export const T2 = 4000;
export const T4 = 5000;
const TIMEOUT_64T1 = 64 * T1;

export interface TransactionWire {
  send(message: SipRequest | SipResponse, remote: Remote): void;
}

export function newBranch(): string {
  return 'z9hG4bK' + randomBytes(9).toString('base64url');
}

function branchOf(rq: SipRequest): string {
  const via = rq.headers.via[0];
  const b = via.params.branch;
  if (b && b.startsWith('z9hG4bK')) return `${b}|${via.host}:${via.port ?? ''}`;
  // RFC 2543 peers: no magic cookie, fall back to the dialog-ish identity of the request.
  return `2543|${rq.headers['call-id']}|${rq.headers.cseq.seq}|${rq.headers.from.params.tag ?? ''}|${via.host}|${b ?? ''}`;
}

export function serverKey(rq: SipRequest): string {
  const method = rq.method === 'ACK' ? 'INVITE' : rq.method;
  return `${branchOf(rq)}|${method}`;
}

function clientKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}

/** The timers one transaction owns: started with `after`, all cancelled by `clear`. */
class TimerSet {
  private pending: NodeJS.Timeout[] = [];

  after(ms: number, fn: () => void): void {
    const t = setTimeout(fn, ms);
    t.unref?.();
    this.pending.push(t);
  }

  clear(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending = [];
  }
}

/** A server transaction: absorbs retransmissions and retransmits its last response. */
export class ServerTransaction {
  state: 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated' = 'proceeding';
  lastResponse?: SipResponse;
  /** The To tag every response of this transaction carries (stable across retransmissions). */
  toTag?: string;
  private readonly timers = new TimerSet();
  /** Set by the UA core: called when a CANCEL matches this INVITE transaction. */
  onCancel?: () => void;

  constructor(
    readonly request: SipRequest,
    readonly remote: Remote,
    private readonly wire: TransactionWire,
    private readonly done: (tx: ServerTransaction) => void,
  ) {}

  get isInvite(): boolean {
    return this.request.method === 'INVITE';
  }

  get hasFinalResponse(): boolean {
    return this.state !== 'proceeding';
  }

  respond(rs: SipResponse): void {
    if (this.state !== 'proceeding') return; // one final response only
    this.lastResponse = rs;
    this.wire.send(rs, this.remote);
    if (rs.status < 200) return;
    const reliable = this.remote.protocol !== 'UDP';
    if (this.isInvite && rs.status < 300) {
      // RFC 6026 Accepted: absorb INVITE retransmissions while the dialog retransmits the 2xx.
      this.state = 'accepted';
      this.timers.after(TIMEOUT_64T1, () => this.terminate());
    } else if (this.isInvite) {
      this.state = 'completed';
      if (!reliable) this.retransmit(T1);
      this.timers.after(TIMEOUT_64T1, () => this.terminate()); // Timer H
    } else {
      this.state = 'completed';
      if (reliable) this.terminate();
      else this.timers.after(TIMEOUT_64T1, () => this.terminate()); // Timer J
    }
  }

  /** A retransmission of the request (or the ACK of a non-2xx final) arrived. */
  receive(rq: SipRequest): void {
    if (rq.method === 'ACK') {
      if (this.state === 'completed') {
        this.timers.clear();
        this.state = 'confirmed';
        this.timers.after(this.remote.protocol === 'UDP' ? T4 : 0, () => this.terminate()); // Timer I
      }
      return;
    }
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) this.wire.send(this.lastResponse, this.remote);
  }

  private retransmit(interval: number): void {
    this.timers.after(interval, () => {
      if (this.state !== 'completed' || !this.lastResponse) return;
      this.wire.send(this.lastResponse, this.remote);
      this.retransmit(Math.min(interval * 2, T2)); // Timer G
    });
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.timers.clear();
    this.state = 'terminated';
    this.done(this);
  }
}

export type ResponseHandler = (rs: SipResponse) => void;

/**
 * A client transaction: retransmits the request until answered, times out with a local 408.
 * An INVITE that got a provisional waits as long as the TU wants (Timer B only runs in
 * Calling); after a 2xx it stays 'accepted' for 64*T1 (RFC 6026) and hands every further 2xx
 * (retransmissions, other forks) to the TU.
 */
export class ClientTransaction {
  state: 'calling' | 'proceeding' | 'accepted' | 'completed' | 'terminated' = 'calling';
  private readonly timers = new TimerSet();
  private retransmitTimer?: NodeJS.Timeout;

  constructor(
    readonly request: SipRequest,
    readonly remote: Remote,
    private readonly wire: TransactionWire,
    private readonly onResponse: ResponseHandler,
    private readonly done: (tx: ClientTransaction) => void,
  ) {}

  get key(): string {
    return clientKey(this.request.headers.via[0].params.branch ?? '', this.request.method);
  }

  start(): void {
    this.wire.send(this.request, this.remote);
    if (this.remote.protocol === 'UDP') this.scheduleRetransmit(T1);
    this.timers.after(TIMEOUT_64T1, () => this.timeout()); // Timer B / F
  }

  private scheduleRetransmit(interval: number): void {
    const isInvite = this.request.method === 'INVITE';
    this.retransmitTimer = setTimeout(() => {
      if (this.state === 'calling' || (!isInvite && this.state === 'proceeding')) {
        this.wire.send(this.request, this.remote);
        // Timer A doubles; Timer E doubles up to T2, and is T2 once a provisional came.
        const next = isInvite ? interval * 2 : this.state === 'proceeding' ? T2 : Math.min(interval * 2, T2);
        this.scheduleRetransmit(next);
      }
    }, interval);
    this.retransmitTimer.unref?.();
  }

  receive(rs: SipResponse): void {
    if (this.state === 'terminated') return;
    const isInvite = this.request.method === 'INVITE';
    if (this.state === 'completed') {
      if (isInvite && rs.status >= 300) this.wire.send(this.ackFor(rs), this.remote); // retransmitted final
      return;
    }
    if (this.state === 'accepted') {
      if (rs.status >= 200 && rs.status < 300) this.onResponse(rs); // the dialog layer re-ACKs / BYEs forks
      return;
    }
    if (rs.status < 200) {
      if (this.state === 'calling') {
        this.state = 'proceeding';
        if (isInvite) {
          clearTimeout(this.retransmitTimer);
          this.timers.clear(); // Timer B: Calling only; the TU's no-answer timer decides now
        }
      }
      this.onResponse(rs);
      return;
    }
    clearTimeout(this.retransmitTimer);
    if (isInvite && rs.status < 300) {
      this.state = 'accepted';
      this.timers.clear();
      this.timers.after(TIMEOUT_64T1, () => this.terminate()); // Timer M
      this.onResponse(rs);
      return;
    }
    if (isInvite) this.wire.send(this.ackFor(rs), this.remote);
    this.state = 'completed';
    this.timers.clear();
    this.onResponse(rs);
    const reliable = this.remote.protocol !== 'UDP';
    if (reliable) this.terminate();
    else this.timers.after(isInvite ? TIMEOUT_64T1 : T4, () => this.terminate()); // Timer D / K
  }

  /** RFC 3261 17.1.1.3: ACK for a non-2xx final response, inside the transaction. */
  private ackFor(rs: SipResponse): SipRequest {
    const rq = this.request;
    const headers: SipRequest['headers'] = {
      via: [rq.headers.via[0]],
      to: rs.headers.to,
      from: rq.headers.from,
      'call-id': rq.headers['call-id'],
      cseq: { seq: rq.headers.cseq.seq, method: 'ACK' },
      'max-forwards': '70',
    };
    if (rq.headers.route) headers.route = rq.headers.route;
    return { method: 'ACK', uri: rq.uri, version: '2.0', headers, content: '' };
  }

  /** RFC 3261 8.1.3.1: the transport could not deliver the request (no connection): a local 503 at once. */
  transportFailed(reason: string): void {
    if (this.state !== 'calling') return;
    this.timeout(503, `Service Unavailable (${reason})`.replace(/[\r\n]/g, ' ').slice(0, 200));
  }

  private timeout(status = 408, reason = 'Request Timeout'): void {
    if (this.state === 'calling' || this.state === 'proceeding') {
      const rq = this.request;
      this.onResponse({
        status,
        reason,
        version: '2.0',
        headers: { via: rq.headers.via, to: rq.headers.to, from: rq.headers.from, 'call-id': rq.headers['call-id'], cseq: rq.headers.cseq },
        content: '',
      });
    }
    this.terminate();
  }

  terminate(): void {
    if (this.state === 'terminated') return;
    clearTimeout(this.retransmitTimer);
    this.timers.clear();
    this.state = 'terminated';
    this.done(this);
  }
}

/** Owns all live transactions and matches incoming messages to them. */
export class TransactionLayer {
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, ClientTransaction>();

  constructor(private readonly wire: TransactionWire) {}

  get counts(): { server: number; client: number } {
    return { server: this.servers.size, client: this.clients.size };
  }

  findServer(rq: SipRequest): ServerTransaction | undefined {
    return this.servers.get(serverKey(rq));
  }

  /** The INVITE server transaction a CANCEL refers to (same branch, RFC 3261 9.2). */
  findInviteForCancel(cancel: SipRequest): ServerTransaction | undefined {
    return this.servers.get(`${branchOf(cancel)}|INVITE`);
  }

  createServer(rq: SipRequest, remote: Remote): ServerTransaction {
    const key = serverKey(rq);
    const tx = new ServerTransaction(rq, remote, this.wire, () => {
      if (this.servers.get(key) === tx) this.servers.delete(key);
    });
    this.servers.set(key, tx);
    return tx;
  }

  /** Send a request in a new client transaction; the request's top Via must carry a fresh branch. */
  sendRequest(rq: SipRequest, remote: Remote, onResponse: ResponseHandler): ClientTransaction {
    const tx = new ClientTransaction(rq, remote, this.wire, onResponse, (t) => {
      if (this.clients.get(t.key) === t) this.clients.delete(t.key);
    });
    this.clients.set(tx.key, tx);
    tx.start();
    return tx;
  }

  /** Route a response to its client transaction; false when none matches (stray). */
  receiveResponse(rs: SipResponse): boolean {
    const branch = rs.headers.via[0]?.params.branch ?? '';
    const tx = this.clients.get(clientKey(branch, rs.headers.cseq.method));
    if (!tx) return false;
    tx.receive(rs);
    return true;
  }

  /** A connection to `remote` failed: its client transactions still waiting for a first answer get a local 503. */
  failRemote(remote: Remote, reason: string): void {
    for (const tx of [...this.clients.values()]) {
      if (tx.remote.protocol === remote.protocol && tx.remote.address === remote.address && tx.remote.port === remote.port) tx.transportFailed(reason);
    }
  }

  closeAll(): void {
    for (const tx of [...this.servers.values()]) tx.terminate();
    for (const tx of [...this.clients.values()]) tx.terminate();
  }
}

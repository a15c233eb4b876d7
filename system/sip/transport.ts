// SIP transports: one UDP socket and one TCP listener (plus outbound TCP connections), with
// stream framing, size limits and keep-alive pongs. Decodes with codec.ts; a malformed
// request is answered right here (400/505/513) to its source, anything unanswerable is
// counted and dropped. An optional gate (edge-guard.ts) sees every connection and datagram
// before parsing and every decoded message before it is emitted: it may drop silently or
// have the transport answer. Emits only validated messages. Never throws on input.
// Optionally a TLS listener (RFC 3261 26.2, port 5061) framed like TCP; its certificate can be
// swapped while running (new connections get the new one).
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { EventEmitter } from 'node:events';
import { decode, encode, makeResponse } from './codec.ts';
import type { Remote, SipMessage } from './message.ts';
import type { ScreenVerdict } from './message-screen.ts';
import { newTag } from './dialog.ts';
import { isRequest, remoteKey } from './message.ts';
import { checkPeer, tlsConnectOptions, type SipTlsClientErrorCode, type TlsPeerPolicy } from './tls-client.ts';

export interface TransportOptions {
  bindAddress: string;
  udpPort: number;
  tcpPort: number;
  maxMessageBytes: number;
  /** Idle TCP connections are closed after this long. */
  tcpIdleMs?: number;
  log?: { warn: (obj: object, msg: string) => void; debug?: (obj: object, msg: string) => void };
  gate?: TransportGate;
  /** SIP over TLS: listen on `port` with this certificate (PEM). Absent: no TLS listener. */
  tls?: { port: number; key: Buffer | string; cert: Buffer | string };
}

/** The edge's say on traffic (implemented by EdgeGuard). */
export interface TransportGate {
  admitConnection(address: string): boolean;
  admitBytes(buf: Buffer, remote: Remote): boolean;
  screen(message: SipMessage, remote: Remote): ScreenVerdict;
}

export interface TransportCounters {
  received: number;
  sent: number;
  malformed: number;
  answeredMalformed: number;
  tcpConnections: number;
  /** Refused by the gate (silently dropped, or answered with a limit status). */
  gated: number;
}

type Events = {
  message: [message: SipMessage, remote: Remote];
  /** A connection the box opened never became usable (refused, unreachable, TLS handshake or
   *  peer check failed): what was held for it is dropped; the endpoint fails its requests (503). */
  flowFailed: [remote: Remote, failure: { code: SipTlsClientErrorCode; reason: string }];
  /** A connection the box opened became usable (connected; a TLS peer passed its check). */
  flowOpened: [remote: Remote];
};

const CRLF2 = Buffer.from('\r\n\r\n');

export class SipTransport extends EventEmitter<Events> {
  readonly counters: TransportCounters = { received: 0, sent: 0, malformed: 0, answeredMalformed: 0, tcpConnections: 0, gated: 0 };
  private udp?: dgram.Socket;
  private tcpServer?: net.Server;
  private tlsServer?: tls.Server;
  private readonly connections = new Map<string, net.Socket>();
  /** Connections the box is opening: bytes wait here until the connection (and its TLS peer check) is done. */
  private readonly opening = new Map<net.Socket, { held: Buffer[]; ready: Promise<void> }>();
  /** The peer policy each outbound TLS connection was checked under (a changed trunk config reconnects). */
  private readonly checkedUnder = new WeakMap<net.Socket, string>();
  private closed = false;
  /** Who the peer of an outbound TLS connection must be (tls-client.ts); unset: anyone (encrypted, unauthenticated). */
  tlsPeerPolicy?: (remote: Remote) => TlsPeerPolicy;

  constructor(private readonly opts: TransportOptions) {
    super();
  }

  async listen(): Promise<void> {
    const { bindAddress, udpPort, tcpPort } = this.opts;
    const udp = dgram.createSocket({ type: net.isIPv6(bindAddress) ? 'udp6' : 'udp4', recvBufferSize: 8 * 1024 * 1024, sendBufferSize: 8 * 1024 * 1024 });
    udp.on('message', (buf, rinfo) => this.onBytes(buf, { protocol: 'UDP', address: rinfo.address, port: rinfo.port }));
    udp.on('error', (err) => this.opts.log?.warn({ err }, 'udp socket error'));
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(udpPort, bindAddress, () => {
        udp.off('error', reject);
        resolve();
      });
    });
    this.udp = udp;
    const server = net.createServer((socket) => {
      if (this.opts.gate && !this.opts.gate.admitConnection(socket.remoteAddress ?? '')) {
        this.counters.gated++;
        socket.destroy();
        return;
      }
      this.adoptTcp(socket);
    });
    server.on('error', (err) => this.opts.log?.warn({ err }, 'tcp server error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(tcpPort, bindAddress, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.tcpServer = server;
    if (this.opts.tls) {
      // A taken TLS port must not take plain SIP down with it: warn and go on without TLS.
      await this.listenTls(this.opts.tls).catch((err: Error) => this.opts.log?.warn({ err: err.message, port: this.opts.tls?.port, code: 'CC_SIP_TLS_LISTEN' }, 'SIP over TLS not listening'));
    }
  }

  private async listenTls(o: NonNullable<TransportOptions['tls']>): Promise<void> {
    const server = tls.createServer({ key: o.key, cert: o.cert, handshakeTimeout: 10_000 }, (socket) => this.adoptTcp(socket, undefined, 'TLS'));
    // Gate raw connections before the handshake costs anything.
    server.on('connection', (socket: net.Socket) => {
      if (this.opts.gate && !this.opts.gate.admitConnection(socket.remoteAddress ?? '')) {
        this.counters.gated++;
        socket.destroy();
      }
    });
    server.on('tlsClientError', (err, socket) => {
      this.opts.log?.debug?.({ err: err.message, address: socket.remoteAddress }, 'tls handshake failed');
      socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, this.opts.bindAddress, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.opts.log?.warn({ err }, 'tls server error'));
    this.tlsServer = server;
  }

  /** Replace the TLS certificate: connections made from now on get it (open ones keep theirs). */
  setTlsCredentials(key: Buffer | string, cert: Buffer | string): void {
    this.tlsServer?.setSecureContext({ key, cert });
  }

  /** Ports actually bound (useful when configured as 0 in tests). */
  get ports(): { udp: number; tcp: number; tls: number } {
    return {
      udp: this.udp?.address().port ?? 0,
      tcp: (this.tcpServer?.address() as net.AddressInfo | null)?.port ?? 0,
      tls: (this.tlsServer?.address() as net.AddressInfo | null)?.port ?? 0,
    };
  }

  send(message: SipMessage, remote: Remote): void {
    if (this.closed) return;
    const bytes = encode(message);
    this.sendBytes(bytes, remote);
  }

  private sendBytes(bytes: Buffer, remote: Remote): void {
    this.counters.sent++;
    if (remote.protocol === 'UDP') {
      this.udp?.send(bytes, remote.port, remote.address, (err) => {
        if (err) this.opts.log?.warn({ err, remote, code: 'CC_SIP_TRANSPORT_SEND' }, 'udp send failed');
      });
      return;
    }
    let socket = this.connections.get(remoteKey(remote));
    if (socket && !socket.destroyed && !this.opening.has(socket) && this.policyChanged(socket, remote)) socket.destroy();
    if (!socket || socket.destroyed) socket = this.connectOut(remote);
    const opening = this.opening.get(socket);
    if (opening) opening.held.push(bytes);
    else socket.write(bytes);
  }

  /**
   * Make sure a connection to `remote` is up (TCP/TLS; UDP needs none): resolves once it is
   * connected and its TLS peer passed its check, rejects when it fails or `timeoutMs` passes.
   */
  async openFlow(remote: Remote, timeoutMs = 5000): Promise<void> {
    if (remote.protocol === 'UDP' || this.closed) return;
    let socket = this.connections.get(remoteKey(remote));
    if (socket && !socket.destroyed && !this.opening.has(socket) && this.policyChanged(socket, remote)) socket.destroy();
    if (!socket || socket.destroyed) socket = this.connectOut(remote);
    const ready = this.opening.get(socket)?.ready;
    if (!ready) return;
    let timer: NodeJS.Timeout | undefined;
    const s = socket;
    await Promise.race([ready, new Promise<never>((_r, reject) => (timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs)))]).finally(() => clearTimeout(timer));
  }

  /** An outbound TLS connection checked under another policy than the trunk's config says now. */
  private policyChanged(socket: net.Socket, remote: Remote): boolean {
    const was = this.checkedUnder.get(socket);
    return was !== undefined && was !== JSON.stringify(this.tlsPeerPolicy?.(remote) ?? null);
  }

  /** Open a connection to `remote`: TLS with the peer policy, bytes held until it is usable. */
  private connectOut(remote: Remote): net.Socket {
    const policy: TlsPeerPolicy = remote.protocol === 'TLS' ? (this.tlsPeerPolicy?.(remote) ?? { mode: 'none', warn: false }) : { mode: 'none', warn: false };
    const socket = remote.protocol === 'TLS' ? tls.connect(tlsConnectOptions(remote, policy)) : net.connect({ host: remote.address, port: remote.port });
    if (remote.protocol === 'TLS') this.checkedUnder.set(socket, JSON.stringify(this.tlsPeerPolicy?.(remote) ?? null));
    let settle!: (err?: { code: SipTlsClientErrorCode; reason: string }) => void;
    const ready = new Promise<void>((resolve, reject) => {
      let lastError = '';
      socket.on('error', (err) => (lastError = err.message));
      settle = (failure) => {
        const entry = this.opening.get(socket);
        if (!entry) return;
        this.opening.delete(socket);
        if (!failure) {
          for (const b of entry.held) socket.write(b);
          resolve();
          this.emit('flowOpened', remote);
          return;
        }
        this.opts.log?.warn({ remote, code: failure.code, reason: failure.reason, dropped: entry.held.length, ...(policy.name ? { trunk: policy.name } : {}) }, 'SIP connection failed');
        reject(new Error(failure.reason));
        this.emit('flowFailed', remote, failure);
      };
      socket.once('close', () => settle({ code: remote.protocol === 'TLS' ? 'CC_SIP_TLS_CONNECT' : 'CC_SIP_TCP_CONNECT', reason: lastError || 'connection closed before it was usable' }));
    });
    ready.catch(() => undefined);
    this.opening.set(socket, { held: [], ready });
    if (socket instanceof tls.TLSSocket) {
      socket.once('secureConnect', () => {
        const verdict = checkPeer(socket, policy);
        if (!verdict.ok) {
          settle({ code: verdict.code, reason: verdict.message });
          socket.destroy();
          return;
        }
        if (policy.mode === 'none' && policy.warn) this.opts.log?.warn({ remote, trunk: policy.name, fingerprint: verdict.fingerprint, code: 'CC_SIP_TLS_PEER_UNVERIFIED' }, "trunk's TLS certificate not verified (tls.verify is false)");
        settle();
      });
    } else {
      socket.once('connect', () => settle());
    }
    this.adoptTcp(socket, remote);
    return socket;
  }

  private adoptTcp(socket: net.Socket, known?: Remote, protocol: 'TCP' | 'TLS' = 'TCP'): void {
    const remote: Remote = known ?? { protocol, address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const key = remoteKey(remote);
    this.connections.set(key, socket);
    this.counters.tcpConnections++;
    socket.setNoDelay(true);
    socket.setTimeout(this.opts.tcpIdleMs ?? 15 * 60_000, () => socket.destroy());
    socket.on('error', (err) => this.opts.log?.debug?.({ err: err.message, remote }, 'tcp connection error'));
    socket.on('close', () => {
      this.counters.tcpConnections--;
      if (this.connections.get(key) === socket) this.connections.delete(key);
    });
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      pending = this.drainStream(pending, socket, remote);
    });
  }

  /** Cut complete messages out of a TCP byte stream; returns what is left over. */
  private drainStream(buf: Buffer, socket: net.Socket, remote: Remote): Buffer {
    for (;;) {
      // Keep-alive (RFC 5626 4.4.1): a CRLFCRLF ping is answered with CRLF; lone CRLFs skipped.
      let skip = 0;
      while (skip < buf.length && (buf[skip] === 0x0d || buf[skip] === 0x0a)) skip++;
      if (skip > 0) {
        if (skip >= 4 && buf.subarray(0, 4).equals(CRLF2)) socket.write('\r\n');
        buf = buf.subarray(skip);
      }
      if (buf.length === 0) return buf;
      const headEnd = buf.indexOf(CRLF2);
      if (headEnd < 0) {
        if (buf.length > this.opts.maxMessageBytes) this.rejectStream(socket, remote, 'headers exceed size limit');
        return buf.length > this.opts.maxMessageBytes ? Buffer.alloc(0) : buf;
      }
      const head = buf.subarray(0, headEnd).toString('latin1');
      const m = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im.exec(head);
      const contentLength = m ? Number(m[1]) : 0;
      const total = headEnd + 4 + contentLength;
      if (!Number.isSafeInteger(contentLength) || total > this.opts.maxMessageBytes) {
        this.onBytes(buf.subarray(0, headEnd + 4), remote, true);
        this.rejectStream(socket, remote, 'message exceeds size limit');
        return Buffer.alloc(0);
      }
      if (buf.length < total) return buf;
      this.onBytes(buf.subarray(0, total), remote);
      buf = buf.subarray(total);
    }
  }

  private rejectStream(socket: net.Socket, remote: Remote, why: string): void {
    this.counters.malformed++;
    this.opts.log?.warn({ remote, why }, 'closing sip stream');
    socket.end();
  }

  private onBytes(buf: Buffer, remote: Remote, tooLarge = false): void {
    this.counters.received++;
    const gate = this.opts.gate;
    if (gate && !gate.admitBytes(buf, remote)) {
      this.counters.gated++;
      return;
    }
    const result = decode(buf, tooLarge ? 0 : this.opts.maxMessageBytes);
    if (result.ok) {
      const msg = result.message;
      const verdict = gate?.screen(msg, remote);
      if (verdict && verdict.action !== 'pass') {
        this.counters.gated++;
        if (verdict.action === 'answer' && isRequest(msg) && msg.method !== 'ACK') {
          const rs = makeResponse(msg, verdict.status, verdict.reason);
          rs.headers.to.params.tag ??= newTag();
          this.sendBytes(encode(rs), remote);
        }
        return;
      }
      if (isRequest(msg)) {
        // RFC 3261 18.2.1 / RFC 3581: record where the request really came from.
        const via = msg.headers.via[0];
        if (via.host !== remote.address) via.params.received = remote.address;
        if (Object.prototype.hasOwnProperty.call(via.params, 'rport')) via.params.rport = String(remote.port);
      }
      try {
        this.emit('message', msg, remote);
      } catch (err) {
        this.opts.log?.warn({ err, remote }, 'sip message handler threw');
      }
      return;
    }
    this.counters.malformed++;
    this.opts.log?.warn({ remote, code: result.code, reason: result.reason }, 'malformed sip message');
    const rq = result.partial;
    if (rq && rq.method !== 'ACK') {
      try {
        const rs = makeResponse(rq, result.status, `${reasonFor(result.status)} (${result.reason})`.replace(/[\r\n]/g, ' '));
        this.sendBytes(encode(rs), remote);
        this.counters.answeredMalformed++;
      } catch {
        /* the partial message was too broken to even echo: drop */
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.connections.values()) s.destroy();
    this.connections.clear();
    this.opening.clear();
    await Promise.all([
      new Promise<void>((r) => (this.udp ? this.udp.close(() => r()) : r())),
      new Promise<void>((r) => (this.tcpServer ? this.tcpServer.close(() => r()) : r())),
      new Promise<void>((r) => (this.tlsServer ? this.tlsServer.close(() => r()) : r())),
    ]);
  }
}

function reasonFor(status: number): string {
  return status === 505 ? 'Version Not Supported' : status === 513 ? 'Message Too Large' : 'Bad Request';
}

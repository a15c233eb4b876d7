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

type Events = { message: [message: SipMessage, remote: Remote] };

const CRLF2 = Buffer.from('\r\n\r\n');

export class SipTransport extends EventEmitter<Events> {
  readonly counters: TransportCounters = { received: 0, sent: 0, malformed: 0, answeredMalformed: 0, tcpConnections: 0, gated: 0 };
  private udp?: dgram.Socket;
  private tcpServer?: net.Server;
  private tlsServer?: tls.Server;
  private readonly connections = new Map<string, net.Socket>();
  private closed = false;

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
    if (!socket || socket.destroyed) {
      // Outbound TLS (trunks, or a phone whose connection closed): encrypted, but the peer's
      // certificate is not verified (LAN phones and carriers often use self-signed ones).
      socket = remote.protocol === 'TLS'
        ? tls.connect({ host: remote.address, port: remote.port, rejectUnauthorized: false, ...(net.isIP(remote.address) ? {} : { servername: remote.address }) })
        : net.connect({ host: remote.address, port: remote.port });
      this.adoptTcp(socket, remote);
    }
    socket.write(bytes);
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

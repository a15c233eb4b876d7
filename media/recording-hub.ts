// One local UDP socket that receives the RTP of every recording in the process. Recorders
// point a PlainTransport at it (the worker just sends UDP, as it does for any leg) and
// register the SSRCs their consumers send with; the hub hands each packet's payload to the
// right sink. Keeps recording off mediasoup's worker channel, which cannot carry every
// audio packet of hundreds of calls.
import dgram from 'node:dgram';
import { once } from 'node:events';

export type RtpSink = (payload: Buffer, payloadType: number) => void;

export class RecordingHub {
  private readonly sinks = new Map<number, RtpSink>();
  received = 0;
  unknown = 0;

  private constructor(private readonly socket: dgram.Socket) {
    socket.on('message', (msg) => this.onPacket(msg));
    socket.on('error', () => undefined);
  }

  static async open(address = '127.0.0.1'): Promise<RecordingHub> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
    socket.bind(0, address);
    await once(socket, 'listening');
    return new RecordingHub(socket);
  }

  get address(): { ip: string; port: number } {
    const a = this.socket.address();
    return { ip: a.address, port: a.port };
  }

  register(ssrc: number, sink: RtpSink): () => void {
    this.sinks.set(ssrc >>> 0, sink);
    return () => this.sinks.delete(ssrc >>> 0);
  }

  private onPacket(msg: Buffer): void {
    if (msg.length < 12 || msg[0] >> 6 !== 2) return;
    this.received++;
    const sink = this.sinks.get(msg.readUInt32BE(8));
    if (!sink) {
      this.unknown++;
      return;
    }
    const cc = msg[0] & 0x0f;
    let offset = 12 + cc * 4;
    if (msg[0] & 0x10) {
      if (msg.length < offset + 4) return;
      offset += 4 + msg.readUInt16BE(offset + 2) * 4;
    }
    let end = msg.length;
    if (msg[0] & 0x20) end -= msg[msg.length - 1];
    if (offset >= end) return;
    sink(msg.subarray(offset, end), msg[1] & 0x7f);
  }

  close(): void {
    this.sinks.clear();
    this.socket.close();
  }
}

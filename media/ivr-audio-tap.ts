// Hears one producer's audio in Node (an IVR recording a caller's message or listening for a
// spoken keyword): a PlainTransport in the call's router sends a consumer of the producer to a
// local UDP socket of this tap; each RTP packet is decoded from G.711 to 8 kHz linear samples
// and handed to `onAudio` in arrival order. The same path as conference-mix.ts and the
// recorder (UDP, not a DirectTransport: the worker channel is the scarce resource), but one
// socket per tap, because a tap lives only for the seconds a caller speaks to the IVR.
// Telephone-event packets are left out of the consumer's capabilities. Never imports system/;
// whoever opens a tap closes it (close() is idempotent).
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { types } from 'mediasoup';
import type { CallCodecs } from './media-engine.ts';
import { decodeG711 } from './g711.ts';
import { parseRtp } from './rtp-event.ts';

export class AudioTap {
  private closed = false;
  private ssrc = 0;
  /** RTP packets decoded so far. */
  packets = 0;

  private constructor(
    private readonly socket: dgram.Socket,
    private readonly transport: types.PlainTransport,
    private readonly consumer: types.Consumer,
    private readonly codecs: CallCodecs,
    private readonly onAudio: (samples: Int16Array) => void,
  ) {
    this.ssrc = (consumer.rtpParameters.encodings?.[0]?.ssrc ?? 0) >>> 0;
    socket.on('message', (msg) => this.onPacket(msg));
  }

  static async open(router: types.Router, codecs: CallCodecs, producerId: string, onAudio: (samples: Int16Array) => void, ip = '127.0.0.1'): Promise<AudioTap> {
    const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 256 * 1024 });
    socket.on('error', () => undefined);
    socket.bind(0, ip);
    await once(socket, 'listening');
    let transport: types.PlainTransport | undefined;
    try {
      transport = await router.createPlainTransport({ listenInfo: { protocol: 'udp', ip }, rtcpMux: true, comedia: false });
      await transport.connect({ ip, port: socket.address().port });
      const { name, payloadType } = codecs.codec;
      const rtpCapabilities: types.RtpCapabilities = { codecs: [{ kind: 'audio', mimeType: `audio/${name}`, clockRate: 8000, channels: 1, preferredPayloadType: payloadType }], headerExtensions: [] };
      const consumer = await transport.consume({ producerId, rtpCapabilities });
      return new AudioTap(socket, transport, consumer, codecs, onAudio);
    } catch (err) {
      transport?.close();
      socket.close();
      throw err;
    }
  }

  private onPacket(msg: Buffer): void {
    if (this.closed || msg.length < 12 || msg[0] >> 6 !== 2) return;
    const pt = msg[1] & 0x7f;
    if (pt !== this.codecs.codec.payloadType || (this.ssrc && msg.readUInt32BE(8) !== this.ssrc)) return;
    const payload = parseRtp(msg)?.payload;
    if (!payload?.length) return;
    this.packets++;
    this.onAudio(decodeG711(this.codecs.codec.name, payload));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.consumer.close();
    this.transport.close();
    this.socket.close();
  }
}

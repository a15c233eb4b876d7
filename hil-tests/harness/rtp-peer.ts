// A test-owned RTP endpoint: a UDP socket that sends numbered G.711 packets and records
// what it receives, so a test can compare payloads end to end through the box.
import assert from 'node:assert/strict';
import { toneShare } from '../../media/tone-share.ts';
import { encodeUlaw } from '../../media/g711.ts';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { parseRtp } from '../../media/rtp-event.ts';

export interface ReceivedRtp {
  payloadType: number;
  sequence: number;
  payload: Buffer;
  from: { address: string; port: number };
}

export class RtpPeer {
  readonly received: ReceivedRtp[] = [];
  private seq = Math.floor(Math.random() * 30000);
  private ts = Math.floor(Math.random() * 1e6);
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff);

  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (msg, rinfo) => {
      const rtp = parseRtp(msg);
      if (rtp) this.received.push({ payloadType: rtp.payloadType, sequence: rtp.sequence, payload: Buffer.from(rtp.payload), from: { address: rinfo.address, port: rinfo.port } });
    });
  }

  static async open(address = '127.0.0.1'): Promise<RtpPeer> {
    const s = dgram.createSocket('udp4');
    s.bind(0, address);
    await once(s, 'listening');
    return new RtpPeer(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  packet(pt: number, payload: Buffer, marker = false): Buffer {
    const h = Buffer.alloc(12);
    h[0] = 0x80;
    h[1] = (marker ? 0x80 : 0) | pt;
    h.writeUInt16BE(this.seq++ & 0xffff, 2);
    h.writeUInt32BE(this.ts >>> 0, 4);
    h.writeUInt32BE(this.ssrc >>> 0, 8);
    this.ts += 160;
    return Buffer.concat([h, payload]);
  }

  /** Send `payloads` as 20 ms packets (paced) to host:port. */
  async sendStream(payloads: Buffer[], host: string, port: number, pt = 0): Promise<void> {
    for (const p of payloads) {
      this.socket.send(this.packet(pt, p), port, host);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Send one RFC 4733 digit (3 updates + 3 end packets sharing a timestamp). */
  async sendDigit(digit: string, host: string, port: number, pt = 101): Promise<void> {
    const event = '0123456789*#ABCD'.indexOf(digit.toUpperCase());
    const ts = this.ts;
    for (let i = 0; i < 6; i++) {
      const end = i >= 3;
      const duration = Math.min(i + 1, 4) * 160;
      const h = Buffer.alloc(12);
      h[0] = 0x80;
      h[1] = (i === 0 ? 0x80 : 0) | pt;
      h.writeUInt16BE(this.seq++ & 0xffff, 2);
      h.writeUInt32BE(ts >>> 0, 4);
      h.writeUInt32BE(this.ssrc >>> 0, 8);
      this.socket.send(Buffer.concat([h, Buffer.from([event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff])]), port, host);
      await new Promise((r) => setTimeout(r, 20));
    }
    this.ts += 800;
  }

  /** Send a `hz` tone as G.711 µ-law to `port` every 20 ms until the returned function is called. */
  talk(hz: number, port: number, host = '127.0.0.1'): () => void {
    let n = 0;
    const t = setInterval(() => {
      const pcm = new Int16Array(160);
      for (let i = 0; i < 160; i++, n++) pcm[i] = Math.round(6000 * Math.sin((2 * Math.PI * hz * n) / 8000));
      this.socket.send(this.packet(0, encodeUlaw(pcm)), port, host);
    }, 20);
    return () => clearInterval(t);
  }

  /** Tone shares of the µ-law audio received over the next `ms` (at least 25 packets of it must come). */
  async heard(ms: number): Promise<(hz: number) => number> {
    const from = this.received.length;
    await new Promise((r) => setTimeout(r, ms));
    const got = this.received.slice(from).filter((p) => p.payloadType === 0).map((p) => p.payload);
    assert.ok(got.length >= 25, `audio keeps coming (${got.length} packets)`);
    return (hz) => toneRatio(got, hz);
  }

  close(): void {
    this.socket.close();
  }
}

/** μ-law decode (ITU-T G.711) of one byte to a 16-bit sample. */
export function ulawToLinear(u: number): number {
  u = ~u & 0xff;
  const t = ((u & 0x0f) << 3) + 0x84;
  const s = t << ((u & 0x70) >> 4);
  return u & 0x80 ? 0x84 - s : s - 0x84;
}

/** RMS level of μ-law audio, in linear 16-bit units. */
export function ulawRms(payloads: Buffer[]): number {
  let sum = 0;
  let n = 0;
  for (const p of payloads) for (const b of p) {
    const v = ulawToLinear(b);
    sum += v * v;
    n++;
  }
  return n ? Math.sqrt(sum / n) : 0;
}

/** Goertzel power ratio of `freq` against total energy, over μ-law audio at 8 kHz. */
export function toneRatio(payloads: Buffer[], freq: number): number {
  const samples: number[] = [];
  for (const p of payloads) for (const b of p) samples.push(ulawToLinear(b));
  return toneShare(samples, freq);
}

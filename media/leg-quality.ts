// A leg's call quality from mediasoup's stream counters, the same for SIP and browser legs:
// what we receive from the peer (its producer's inbound-rtp stats) with an E-model score,
// what the peer's RTCP says about what we send (its consumer's outbound-rtp stats), and the
// dead-media clock (when did a packet last arrive). One QualityMeter per leg media.
import type { types } from 'mediasoup';
import { estimateMos } from './quality.ts';

/** What we receive from the peer (from mediasoup's RTP stream counters), with an E-model score. */
export interface ReceiveQuality {
  packetsReceived: number;
  packetsLost: number;
  /** Fraction 0..1 of expected packets lost. */
  lossRate: number;
  /** Interarrival jitter in milliseconds (RFC 3550). */
  jitterMs: number;
  bytesReceived: number;
  /** ITU-T G.107 E-model estimate (simplified for G.711) from loss, jitter and RTT. */
  mos: number;
  rFactor: number;
}

/** A leg's quality at the end of a call (stored on the CDR). */
export interface LegQuality extends ReceiveQuality {
  packetsSent: number;
  /** From the peer's RTCP receiver reports about what we sent it (absent if it sends none). */
  peerPacketsLost?: number;
  peerJitterMs?: number;
  rttMs?: number;
}

/** The leg's producer (the peer's audio) and consumer (what we send it); undefined once closed. */
export interface MeteredStreams {
  producer?: types.Producer;
  consumer?: types.Consumer;
}

export class QualityMeter {
  private lastPackets = 0;
  private lastActivityAt = Date.now();

  /** Live receive quality of the peer's stream: one getStats of the producer. */
  async receive(streams: MeteredStreams | undefined): Promise<ReceiveQuality> {
    const q: ReceiveQuality = { packetsReceived: 0, packetsLost: 0, lossRate: 0, jitterMs: 0, bytesReceived: 0, mos: 0, rFactor: 0 };
    if (!streams) return q;
    try {
      for (const s of (await streams.producer?.getStats()) ?? []) {
        if (s.type !== 'inbound-rtp') continue;
        q.packetsReceived += s.packetCount;
        q.packetsLost += s.packetsLost;
        q.bytesReceived += s.byteCount;
        q.jitterMs = Math.max(q.jitterMs, (s.jitter / 8000) * 1000);
      }
    } catch {
      /* closed under us: report what we have */
    }
    const expected = q.packetsReceived + q.packetsLost;
    q.lossRate = expected > 0 ? q.packetsLost / expected : 0;
    score(q);
    return q;
  }

  /** Full quality at the end of a call: receive side plus the peer's RTCP reports on what we sent. */
  async full(streams: MeteredStreams | undefined): Promise<LegQuality> {
    const q: LegQuality = { ...(await this.receive(streams)), packetsSent: 0 };
    if (!streams) return q;
    try {
      for (const s of (await streams.consumer?.getStats()) ?? []) {
        if (s.type !== 'outbound-rtp') continue;
        q.packetsSent += s.packetCount;
        q.peerPacketsLost = s.packetsLost;
        q.peerJitterMs = (s.jitter / 8000) * 1000;
        if (s.roundTripTime !== undefined && s.roundTripTime > 0) q.rttMs = s.roundTripTime;
      }
    } catch {
      /* closed under us */
    }
    score(q);
    return q;
  }

  /** One stats read while the call runs: live receive quality, and how long RTP has been idle. */
  async sample(streams: MeteredStreams | undefined, now = Date.now()): Promise<{ idleMs: number; quality: ReceiveQuality }> {
    const quality = await this.receive(streams);
    if (!streams) return { idleMs: 0, quality };
    if (quality.packetsReceived !== this.lastPackets) {
      this.lastPackets = quality.packetsReceived;
      this.lastActivityAt = now;
    }
    return { idleMs: now - this.lastActivityAt, quality };
  }

  /** Restart the idle clock (after hold/unhold or a re-INVITE). */
  resetIdle(now = Date.now()): void {
    this.lastActivityAt = now;
  }
}

function score(q: ReceiveQuality & { rttMs?: number }): void {
  const { mos, r } = estimateMos({ lossRate: q.lossRate, jitterMs: q.jitterMs, rttMs: q.rttMs });
  q.mos = Math.round(mos * 100) / 100;
  q.rFactor = Math.round(r * 10) / 10;
}

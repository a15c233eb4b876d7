// RFC 4733 telephone-event payloads: decoding one packet, and turning the stream of packets
// (repeated updates, three end packets) into exactly one digit per key press. Pure.

const EVENT_CHARS = '0123456789*#ABCD';

export interface TelephoneEvent {
  event: number;
  digit: string | undefined;
  end: boolean;
  volume: number;
  duration: number;
}

export function decodeTelephoneEvent(payload: Buffer): TelephoneEvent | undefined {
  if (payload.length < 4) return undefined;
  const event = payload[0];
  return {
    event,
    digit: event < 16 ? EVENT_CHARS[event] : undefined,
    end: (payload[1] & 0x80) !== 0,
    volume: payload[1] & 0x3f,
    duration: payload.readUInt16BE(2),
  };
}

/**
 * Emits a digit once per event, keyed by the RTP timestamp that identifies the event:
 * on its first end packet (the three retransmitted ends share the timestamp), or, when all
 * end packets were lost, as soon as the next event's timestamp shows this one is over.
 */
export class DtmfDeduplicator {
  private current?: { timestamp: number; digit: string; duration: number; reported: boolean };

  constructor(private readonly onDigit: (digit: string, durationSamples: number) => void) {}

  push(rtpTimestamp: number, ev: TelephoneEvent): void {
    if (ev.digit === undefined) return;
    const cur = this.current;
    if (!cur || cur.timestamp !== rtpTimestamp) {
      if (cur && !cur.reported) this.onDigit(cur.digit, cur.duration);
      this.current = { timestamp: rtpTimestamp, digit: ev.digit, duration: ev.duration, reported: false };
    }
    const now = this.current!;
    now.duration = Math.max(now.duration, ev.duration);
    if (ev.end && !now.reported) {
      now.reported = true;
      this.onDigit(now.digit, now.duration);
    }
  }
}

/** Minimal RTP header reading: payload type, timestamp and payload (CSRC and extensions skipped). */
export function parseRtp(packet: Buffer): { payloadType: number; sequence: number; timestamp: number; ssrc: number; payload: Buffer } | undefined {
  if (packet.length < 12 || packet[0] >> 6 !== 2) return undefined;
  const cc = packet[0] & 0x0f;
  const hasExtension = (packet[0] & 0x10) !== 0;
  const hasPadding = (packet[0] & 0x20) !== 0;
  let offset = 12 + cc * 4;
  if (hasExtension) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  let end = packet.length;
  if (hasPadding) end -= packet[packet.length - 1];
  if (offset > end) return undefined;
  return {
    payloadType: packet[1] & 0x7f,
    sequence: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payload: packet.subarray(offset, end),
  };
}

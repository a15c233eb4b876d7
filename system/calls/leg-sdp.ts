// Our SDP towards one leg: the leg's own PlainTransport address/ports, the call's codec and
// telephone-event payload types, and the direction asked for. Pure.
import { buildSdp, type AudioOffer, type MediaDirection } from '../sip/sdp.ts';
import type { CallCodecs } from '../../media/media-engine.ts';

export interface LegSdpInput {
  sessionId: string;
  version: number;
  address: string;
  port: number;
  rtcpPort: number;
  codecs: CallCodecs;
  direction: MediaDirection;
  /** When answering: mirror the offer's other m-lines as rejected. */
  answering?: AudioOffer;
}

export function legSdp(i: LegSdpInput): string {
  return buildSdp({
    sessionId: i.sessionId,
    sessionVersion: i.version,
    originAddress: i.address,
    connectionAddress: i.address,
    port: i.port,
    rtcpPort: i.rtcpPort,
    codecs: [{ payloadType: i.codecs.codec.payloadType, name: i.codecs.codec.name, clockRate: 8000 }],
    telephoneEvent: i.codecs.telephoneEventPayloadType !== undefined ? { payloadType: i.codecs.telephoneEventPayloadType, name: 'telephone-event', clockRate: 8000 } : undefined,
    direction: i.direction,
    ptime: 20,
    mirror: i.answering ? { otherMedia: i.answering.otherMedia, mediaIndex: i.answering.mediaIndex } : undefined,
    sessionName: 'CallCenterBox',
  });
}

/** Remote media address of an offer/answer, or undefined when it carries none (hold by 0.0.0.0, port 0). */
export function remoteMediaOf(o: AudioOffer): { address: string; port: number; rtcpPort?: number } | undefined {
  if (!o.port || !o.connectionAddress || o.holdByZeroAddress) return undefined;
  return { address: o.connectionAddress, port: o.port, rtcpPort: o.rtcpMux ? o.port : o.rtcpPort };
}

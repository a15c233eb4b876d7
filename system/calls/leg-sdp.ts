// Our SDP towards one leg: the leg's own PlainTransport address/ports, the call's codec and
// telephone-event payload types, and the direction asked for; with the leg's SDES key and
// profile when the leg runs SRTP (media/srtp-sessions.ts). Pure apart from that lookup.
import { buildSdp, type AudioOffer, type MediaDirection } from '../sip/sdp.ts';
import { srtpVerdict, withSdes } from '../sip/sdes.ts';
import type { CallCodecs } from '../../media/media-engine.ts';
import { legSdesOf, type RemoteSrtp } from '../../media/srtp-sessions.ts';

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
  const sdes = legSdesOf(i.port);
  const sdp = buildSdp({
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
  return sdes ? withSdes(sdp, sdes.local, sdes.profile) : sdp;
}

/** Remote media address of an offer/answer, or undefined when it carries none (hold by 0.0.0.0, port 0). */
export function remoteMediaOf(o: AudioOffer): { address: string; port: number; rtcpPort?: number; srtp?: RemoteSrtp } | undefined {
  if (!o.port || !o.connectionAddress || o.holdByZeroAddress) return undefined;
  const media = { address: o.connectionAddress, port: o.port, rtcpPort: o.rtcpMux ? o.port : o.rtcpPort };
  // SDES, judged here ('optional': the leg's own mode settles the rest); plain RTP/AVP stays as it was.
  return o.crypto?.length || o.protocol !== 'RTP/AVP' ? { ...media, srtp: srtpVerdict(o.protocol, o.crypto ?? [], 'optional') } : media;
}

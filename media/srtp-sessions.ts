// Which SIP legs of this process run SRTP, by their local RTP port: the box's own SDES key and
// the m= profile to write for that leg. SipLegMedia records a leg here when it turns SRTP on
// and removes it when it turns it off or closes; leg-sdp.ts reads it so every description the
// box builds for that leg (answer, hold and resume re-INVITEs) carries the key. Ports of live
// PlainTransports are unique within one box process (one UDP socket each). Also the SRTP
// types media speaks (media never imports system/: system/sip/sdes.ts has the same shapes).
import type { types } from 'mediasoup';

export type SrtpSuite = types.SrtpCryptoSuite;
export type SrtpMode = 'off' | 'optional' | 'mandatory';
export const DEFAULT_SRTP_SUITE: SrtpSuite = 'AES_CM_128_HMAC_SHA1_80';

/** One SDES key: the a=crypto tag, the suite, master key || salt in base64. */
export interface SdesKey {
  tag: number;
  suite: SrtpSuite;
  keyBase64: string;
}

/** What the signalling layer made of the peer's description (system/sip/sdes.ts srtpVerdict). */
export type RemoteSrtp =
  | { kind: 'plain' }
  | { kind: 'srtp'; remote: SdesKey; profile: string }
  | { kind: 'refuse'; code: string; reason: string };

export interface LegSdes {
  /** Our key, with the tag of the peer's chosen line when answering (1 when we offer). */
  local: SdesKey;
  /** 'RTP/SAVP', or 'RTP/AVP' for best-effort SDES. */
  profile: string;
}

const byPort = new Map<number, LegSdes>();

export function setLegSdes(port: number, sdes: LegSdes | undefined): void {
  if (sdes) byPort.set(port, sdes);
  else byPort.delete(port);
}

export function legSdesOf(port: number): LegSdes | undefined {
  return byPort.get(port);
}

/** Legs running SRTP now (status and tests). */
export function srtpLegCount(): number {
  return byPort.size;
}

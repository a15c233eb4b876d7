// Which SIP legs of this process run SRTP, by their local RTP port: the box's own SDES key and
// the m= profile to write for that leg. SipLegMedia records a leg here when it turns SRTP on
// and removes it when it turns it off or closes; leg-sdp.ts reads it so every description the
// box builds for that leg (answer, hold and resume re-INVITEs) carries the key. Ports of live
// PlainTransports are unique within one box process (one UDP socket each).
import type { SdesCrypto } from '../system/sip/sdes.ts';

export interface LegSdes {
  /** Our key, with the tag of the peer's chosen line when answering (1 when we offer). */
  local: SdesCrypto;
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

// Who the box talks to when it opens SIP over TLS itself (a trunk, or a phone's Contact after
// a restart): the policy per remote and the check of the peer's certificate once the
// handshake is done. The transport holds every byte back until the check passes, so an
// INVITE never reaches a peer that fails it.
// Policy (config trunks[].tls): a trunk with `fingerprints` is pinned (its certificate's
// SHA-256 must be one of them; a self-signed carrier is fine); otherwise its certificate must
// chain to `ca` (PEM) or, without `ca`, to the system's CAs, and name the trunk's host; a
// trunk with `verify: false` is encrypted but not authenticated (a warning at each new
// connection). Remotes that are no trunk (phones) are not verified: LAN phones present
// self-signed certificates, and the box only reaches them to end a call after a restart.
import tls from 'node:tls';
import net from 'node:net';
import type { Remote } from './message.ts';

export const SipTlsClientErrorCodes = {
  CC_SIP_TLS_PEER_UNTRUSTED: "the peer's certificate does not chain to the configured CA (or the system's CAs) or does not name its host",
  CC_SIP_TLS_PEER_PIN_MISMATCH: "the peer's certificate fingerprint is none of the pinned ones",
  CC_SIP_TLS_PEER_UNVERIFIED: "the peer's certificate is not verified (trunk tls.verify is false): encrypted, not authenticated",
  CC_SIP_TLS_CONNECT: 'the TLS connection could not be set up (refused, unreachable or the handshake failed)',
  CC_SIP_TCP_CONNECT: 'the TCP connection could not be set up (refused or unreachable)',
} as const;
export type SipTlsClientErrorCode = keyof typeof SipTlsClientErrorCodes;

export type TlsPeerPolicy =
  | { mode: 'pin'; fingerprints: string[]; name?: string }
  | { mode: 'ca'; ca?: string; name?: string }
  | { mode: 'none'; warn: boolean; name?: string };

/** The trunk settings this needs (config TrunkSchema). */
export interface TlsTrunk {
  name: string;
  host: string;
  port?: number;
  transport?: 'udp' | 'tcp' | 'tls';
  tls?: { ca?: string; fingerprints?: string[]; verify?: boolean };
}

/** Upper-case colon-separated hex, as X509Certificate.fingerprint256 gives it. */
export function normalizeFingerprint(fp: string): string {
  const hex = fp.replace(/^sha-?256[: ]?/i, '').replace(/[^0-9a-f]/gi, '').toUpperCase();
  return hex.match(/../g)?.join(':') ?? '';
}

/** The policy for an outbound TLS connection to `remote`: the TLS trunk at that address and port, if any. Pure. */
export function tlsPolicyOfRemote(trunks: readonly TlsTrunk[], remote: Remote): TlsPeerPolicy {
  const t = trunks.find((x) => x.transport === 'tls' && x.host === remote.address && (x.port ?? 5061) === remote.port);
  if (!t) return { mode: 'none', warn: false };
  if (t.tls?.fingerprints?.length) return { mode: 'pin', fingerprints: t.tls.fingerprints.map(normalizeFingerprint), name: t.name };
  if (t.tls?.verify === false) return { mode: 'none', warn: true, name: t.name };
  return { mode: 'ca', ...(t.tls?.ca ? { ca: t.tls.ca } : {}), name: t.name };
}

/** Options for tls.connect: never rejects by itself (checkPeer decides, so every failure gets one coded answer). */
export function tlsConnectOptions(remote: Remote, policy: TlsPeerPolicy): tls.ConnectionOptions {
  return {
    host: remote.address,
    port: remote.port,
    rejectUnauthorized: false,
    ...(net.isIP(remote.address) ? {} : { servername: remote.address }),
    ...(policy.mode === 'ca' && policy.ca ? { ca: policy.ca } : {}),
  };
}

export type PeerVerdict = { ok: true; fingerprint: string } | { ok: false; code: SipTlsClientErrorCode; message: string; fingerprint?: string };

/** After the handshake: may the box talk to this peer? */
export function checkPeer(socket: tls.TLSSocket, policy: TlsPeerPolicy): PeerVerdict {
  const fingerprint = socket.getPeerX509Certificate()?.fingerprint256 ?? '';
  if (policy.mode === 'pin') {
    if (fingerprint && policy.fingerprints.includes(fingerprint)) return { ok: true, fingerprint };
    return { ok: false, code: 'CC_SIP_TLS_PEER_PIN_MISMATCH', message: `${SipTlsClientErrorCodes.CC_SIP_TLS_PEER_PIN_MISMATCH} (got ${fingerprint || 'no certificate'})`, fingerprint };
  }
  if (policy.mode === 'ca' && !socket.authorized) {
    return { ok: false, code: 'CC_SIP_TLS_PEER_UNTRUSTED', message: `${SipTlsClientErrorCodes.CC_SIP_TLS_PEER_UNTRUSTED} (${String(socket.authorizationError ?? 'unknown')})`, fingerprint };
  }
  return { ok: true, fingerprint };
}

// Whose SRTP mode applies (config `srtp` of extensions and trunks): the caller's for an
// incoming offer (default 'optional': SRTP when offered), and the callee's for an offer the
// box makes (only an explicit 'optional' or 'mandatory' puts a key in the offer). Pure.
import type { BoxConfig } from '../config/schema.ts';
import type { NameAddr, Remote } from './message.ts';
import type { SrtpMode } from './sdes.ts';

export type SrtpCaller = { kind: 'trunk'; trunk: { srtp?: SrtpMode } } | { kind: 'extension'; extension: string };

export function srtpModeOfCaller(cfg: Pick<BoxConfig, 'extensions'>, source: SrtpCaller): SrtpMode {
  if (source.kind === 'trunk') return source.trunk.srtp ?? 'optional';
  return cfg.extensions.find((e) => e.number === source.extension)?.srtp ?? 'optional';
}

/** The configured mode for a callee: a trunk by its host, else an extension by the To user. */
export function srtpModeOfTarget(cfg: Pick<BoxConfig, 'extensions' | 'trunks'>, target: { remote: Remote; to: NameAddr }): SrtpMode | undefined {
  const trunk = cfg.trunks.find((t) => t.host === target.remote.address && (t.port ?? (t.transport === 'tls' ? 5061 : 5060)) === target.remote.port);
  if (trunk) return trunk.srtp;
  const user = /^sips?:([^@;:]+)@/i.exec(target.to.uri)?.[1];
  return user ? cfg.extensions.find((e) => e.number === user)?.srtp : undefined;
}

// SDES (RFC 4568) for SRTP keys in SDP: parse and format a=crypto lines, pick the line we can
// use from an offer, and decide per offer and per party policy (srtp 'off' | 'optional' |
// 'mandatory') whether a leg is plain RTP, SRTP, or refused with 488. Only what mediasoup's
// PlainTransport can do is accepted: one inline key, no MKI, no session parameters. Pure
// functions; bad input gives a coded result, never a throw.

/** Crypto suites mediasoup's SRTP supports, with their master key+salt length in bytes. */
export const SDES_SUITES = {
  AES_CM_128_HMAC_SHA1_80: 30,
  AES_CM_128_HMAC_SHA1_32: 30,
  AEAD_AES_256_GCM: 44,
  AEAD_AES_128_GCM: 28,
} as const;
export type SdesSuite = keyof typeof SDES_SUITES;

/** What the box offers when it starts SRTP itself. */
export const DEFAULT_SDES_SUITE: SdesSuite = 'AES_CM_128_HMAC_SHA1_80';

export type SrtpMode = 'off' | 'optional' | 'mandatory';

export interface SdesCrypto {
  tag: number;
  suite: SdesSuite;
  /** Master key || master salt, base64 (RFC 4568 inline: key-info). */
  keyBase64: string;
}

export const SdesErrorCodes = {
  CC_SDES_MALFORMED: 'an a=crypto line could not be parsed',
  CC_SDES_UNSUPPORTED: 'no a=crypto line uses a suite and options the box supports',
  CC_SDES_REQUIRED: 'SRTP is mandatory for this party but the offer is plain RTP',
} as const;
export type SdesErrorCode = keyof typeof SdesErrorCodes;

export type SdesParse = { ok: true; crypto: SdesCrypto } | { ok: false; code: 'CC_SDES_MALFORMED' | 'CC_SDES_UNSUPPORTED'; reason: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** The value of one a=crypto attribute (after "crypto:"): "1 AES_CM_128_HMAC_SHA1_80 inline:KEY[|2^31][|1:4] [params]". */
export function parseCryptoAttribute(value: string): SdesParse {
  const bad = (reason: string): SdesParse => ({ ok: false, code: 'CC_SDES_MALFORMED', reason });
  const unsupported = (reason: string): SdesParse => ({ ok: false, code: 'CC_SDES_UNSUPPORTED', reason });
  if (typeof value !== 'string' || value.length > 1024) return bad('missing or too long');
  const fields = value.trim().split(/[ \t]+/);
  if (fields.length < 3) return bad('needs a tag, a suite and key parameters');
  const [tagText, suite, keyParams, ...sessionParams] = fields;
  if (!/^[0-9]{1,9}$/.test(tagText)) return bad(`bad tag "${tagText.slice(0, 20)}"`);
  if (!/^[A-Za-z0-9_]{1,64}$/.test(suite)) return bad('bad suite name');
  const keys = keyParams.split(';');
  for (const k of keys) if (!/^inline:/i.test(k)) return bad('key method must be inline');
  if (!Object.prototype.hasOwnProperty.call(SDES_SUITES, suite)) return unsupported(`suite ${suite}`);
  if (keys.length > 1) return unsupported('more than one key');
  if (sessionParams.length > 0) return unsupported(`session parameters ${sessionParams.join(' ').slice(0, 60)}`);
  const [keyBase64, ...extra] = keys[0].slice('inline:'.length).split('|');
  if (!BASE64.test(keyBase64)) return bad('key is not base64');
  const keyBytes = Buffer.from(keyBase64, 'base64');
  const want = SDES_SUITES[suite as SdesSuite];
  if (keyBytes.length !== want) return bad(`key is ${keyBytes.length} bytes, ${suite} needs ${want}`);
  if (extra.length > 2) return bad('too many key-info fields');
  for (const x of extra) {
    if (/^(2\^)?[0-9]{1,20}$/.test(x)) continue; // lifetime: ignored (calls are far shorter)
    if (/^[0-9]{1,10}:[0-9]{1,3}$/.test(x)) return unsupported('MKI');
    return bad(`bad key-info field "${x.slice(0, 20)}"`);
  }
  return { ok: true, crypto: { tag: Number(tagText), suite: suite as SdesSuite, keyBase64: keyBytes.toString('base64') } };
}

/** The attribute value for our key (without "a=crypto:"). */
export function formatCryptoAttribute(c: SdesCrypto): string {
  return `${c.tag} ${c.suite} inline:${c.keyBase64}`;
}

/** The first usable line of an offer's a=crypto values (RFC 4568 6.1: the offerer's preference order). */
export function chooseCrypto(values: readonly string[]): SdesParse {
  let firstError: SdesParse | undefined;
  for (const v of values) {
    const r = parseCryptoAttribute(v);
    if (r.ok) return r;
    firstError ??= r;
  }
  return firstError ?? { ok: false, code: 'CC_SDES_UNSUPPORTED', reason: 'no a=crypto line' };
}

export function isSecureProfile(protocol: string): boolean {
  return /^RTP\/SAVP$/i.test(protocol);
}

export function isPlainProfile(protocol: string): boolean {
  return /^RTP\/AVP$/i.test(protocol);
}

/** What the box does with an offer's (or an answer's) audio profile and crypto lines. */
export type SrtpVerdict =
  | { kind: 'plain' }
  /** SRTP with the peer's key; answer with `profile` (the offer's, RTP/SAVP or best-effort RTP/AVP). */
  | { kind: 'srtp'; remote: SdesCrypto; profile: string }
  | { kind: 'refuse'; status: 488; code: SdesErrorCode | 'CC_SDES_PROFILE'; reason: string };

/**
 * Decide for an incoming description under a party's mode. RTP/SAVP needs a usable crypto
 * line (488 otherwise); RTP/AVP with crypto is best-effort SDES (used unless mode is off; bad
 * lines then fall back to plain unless SRTP is mandatory); plain RTP/AVP is refused when mandatory.
 */
export function srtpVerdict(protocol: string, cryptoValues: readonly string[], mode: SrtpMode): SrtpVerdict {
  const refuse = (code: SdesErrorCode | 'CC_SDES_PROFILE', reason: string): SrtpVerdict => ({ kind: 'refuse', status: 488, code, reason });
  if (isSecureProfile(protocol)) {
    if (mode === 'off') return refuse('CC_SDES_PROFILE', 'SRTP is off for this party');
    const c = chooseCrypto(cryptoValues);
    return c.ok ? { kind: 'srtp', remote: c.crypto, profile: 'RTP/SAVP' } : refuse(c.code, c.reason);
  }
  if (!isPlainProfile(protocol)) return refuse('CC_SDES_PROFILE', `unsupported media profile ${protocol.slice(0, 40)}`);
  if (cryptoValues.length > 0 && mode !== 'off') {
    const c = chooseCrypto(cryptoValues);
    if (c.ok) return { kind: 'srtp', remote: c.crypto, profile: 'RTP/AVP' };
    if (mode === 'mandatory') return refuse(c.code, c.reason);
  }
  return mode === 'mandatory' ? refuse('CC_SDES_REQUIRED', SdesErrorCodes.CC_SDES_REQUIRED) : { kind: 'plain' };
}

/** The m= profile the box uses when it offers under `mode` (optional: best-effort RTP/AVP with crypto). */
export function offerProfile(mode: SrtpMode): string {
  return mode === 'mandatory' ? 'RTP/SAVP' : 'RTP/AVP';
}

/**
 * Put our key into an SDP the box built: the audio m-line's profile becomes `profile` and an
 * a=crypto line follows it. Lines other than the first m=audio are untouched; a description
 * that already carries crypto on that m-line is returned as it is.
 */
export function withSdes(sdp: string, local: SdesCrypto, profile: string): string {
  const lines = sdp.split('\r\n');
  const at = lines.findIndex((l) => /^m=audio [1-9][0-9]* /.test(l));
  if (at < 0) return sdp;
  let end = lines.findIndex((l, i) => i > at && l.startsWith('m='));
  if (end < 0) end = lines.length - (lines[lines.length - 1] === '' ? 1 : 0);
  if (lines.slice(at + 1, end).some((l) => l.startsWith('a=crypto:'))) return sdp;
  const parts = lines[at].split(' ');
  parts[2] = profile;
  lines[at] = parts.join(' ');
  lines.splice(end, 0, `a=crypto:${formatCryptoAttribute(local)}`);
  return lines.join('\r\n');
}

// Audio SDP for SIP offer/answer (RFC 4566, RFC 3264): parses a remote offer into an AudioOffer,
// negotiates a codec, and builds our offers/answers (other m-lines mirrored back as rejected).
// Pure functions; bad input gives a coded result, never a throw.

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface SdpCodec {
  payloadType: number;
  name: string;
  clockRate: number;
  channels?: number;
  fmtp?: string;
}

/** An m-line other than the chosen audio one, kept so an answer can mirror it as rejected. */
export interface OtherMedia {
  kind: string;
  proto: string;
  formats: string;
  /** Position among all m-lines of the description (0-based). */
  index: number;
}

export interface AudioOffer {
  /** c= address (media-level wins over session-level). '0.0.0.0' means hold (RFC 2543 style). '' only when the stream is rejected (port 0) and has no c=. */
  connectionAddress: string;
  /** m=audio port (0 = rejected stream). */
  port: number;
  /** Codecs in the remote's preference order; telephone-event is never in here. */
  codecs: SdpCodec[];
  /** telephone-event/8000 if offered. Other clock rates of telephone-event are dropped. */
  telephoneEvent?: SdpCodec;
  /** As written (media-level wins over session-level; default sendrecv). A c=0.0.0.0 hold shows in holdByZeroAddress. */
  direction: MediaDirection;
  holdByZeroAddress: boolean;
  ptime?: number;
  rtcpMux: boolean;
  /** a=rtcp:PORT */
  rtcpPort?: number;
  /** From o=. */
  sessionId: string;
  sessionVersion: string;
  /**
   * Every m-line except the chosen audio one, in order, with its index: non-audio lines and any
   * further m=audio lines. An answer must carry all of them (RFC 3264 §6), rejected with port 0.
   */
  otherMedia: OtherMedia[];
  /** Position of the chosen audio m-line among all m-lines. */
  mediaIndex: number;
  /** 'RTP/AVP', 'RTP/SAVP', ... */
  protocol: string;
  /** The audio m-line's a=crypto values (RFC 4568 SDES, after "crypto:"), in offer order; checked by sdes.ts. */
  crypto?: string[];
}

export const SdpErrorCodes = {
  CC_SDP_MALFORMED: 'the session description could not be parsed',
  CC_SDP_NO_AUDIO: 'the session description has no audio stream',
} as const;
export type SdpErrorCode = keyof typeof SdpErrorCodes;

export type SdpParseResult =
  | { ok: true; offer: AudioOffer }
  | { ok: false; code: 'CC_SDP_MALFORMED' | 'CC_SDP_NO_AUDIO'; reason: string };

/** RFC 3551 static audio payload types, usable without a=rtpmap. */
const STATIC_PT: Readonly<Record<number, { name: string; clockRate: number; channels?: number }>> = {
  0: { name: 'PCMU', clockRate: 8000 },
  3: { name: 'GSM', clockRate: 8000 },
  4: { name: 'G723', clockRate: 8000 },
  5: { name: 'DVI4', clockRate: 8000 },
  6: { name: 'DVI4', clockRate: 16000 },
  7: { name: 'LPC', clockRate: 8000 },
  8: { name: 'PCMA', clockRate: 8000 },
  9: { name: 'G722', clockRate: 8000 },
  10: { name: 'L16', clockRate: 44100, channels: 2 },
  11: { name: 'L16', clockRate: 44100 },
  12: { name: 'QCELP', clockRate: 8000 },
  13: { name: 'CN', clockRate: 8000 },
  15: { name: 'G728', clockRate: 8000 },
  16: { name: 'DVI4', clockRate: 11025 },
  17: { name: 'DVI4', clockRate: 22050 },
  18: { name: 'G729', clockRate: 8000 },
};

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);
const ADDRESS = /^[A-Za-z0-9.:_%-]+$/;
const TELEPHONE_EVENT = 'telephone-event';

interface Attr { name: string; value: string }
interface Section {
  kind: string;
  port: number;
  proto: string;
  formats: string[];
  connection?: string;
  attrs: Attr[];
}

export function parseSdp(text: string): SdpParseResult {
  try {
    return parseInner(text);
  } catch (e) {
    // Safety net only: parseInner is written not to throw.
    return malformed(`internal parser error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function parseInner(text: string): SdpParseResult {
  if (typeof text !== 'string') return malformed('not a string');
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  let sawVersion = false;
  let origin: { sessionId: string; sessionVersion: string } | undefined;
  let sessionConnection: string | undefined;
  const sessionAttrs: Attr[] = [];
  const sections: Section[] = [];

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const typed = /^([a-z])=(.*)$/.exec(line);
    if (!sawVersion) {
      // RFC 4566 §5: v= comes first.
      if (!typed || typed[1] !== 'v') return malformed('no v= line at the start');
      if (typed[2].trim() !== '0') return malformed(`unsupported SDP version "${typed[2]}"`);
      sawVersion = true;
      continue;
    }
    if (!typed) continue; // not an SDP line: ignore
    const type = typed[1];
    const value = typed[2].trim();
    const current = sections.length > 0 ? sections[sections.length - 1] : undefined;
    switch (type) {
      case 'o': {
        if (origin || current) break; // only the first, session-level o= counts
        const t = value.split(/\s+/);
        if (t.length < 6) return malformed('bad o= line');
        origin = { sessionId: t[1], sessionVersion: t[2] };
        break;
      }
      case 'c': {
        const addr = parseConnection(value);
        if (addr === undefined) return malformed(`bad c= line "${value}"`);
        if (current) current.connection ??= addr;
        else sessionConnection ??= addr;
        break;
      }
      case 'm': {
        const m = parseMediaLine(value);
        if (typeof m === 'string') return malformed(m);
        sections.push(m);
        break;
      }
      case 'a': {
        const colon = value.indexOf(':');
        const attr = colon < 0 ? { name: value, value: '' } : { name: value.slice(0, colon), value: value.slice(colon + 1).trim() };
        (current ? current.attrs : sessionAttrs).push(attr);
        break;
      }
      default:
        break; // s=, t=, b=, i=, u=, e=, p=, z=, k=, r=, unknown: ignored
    }
  }

  if (!sawVersion) return malformed('no v= line');
  if (!origin) return malformed('no o= line');
  if (sections.length === 0) return malformed('no m= line');

  let mediaIndex = sections.findIndex((s) => s.kind.toLowerCase() === 'audio' && s.port !== 0);
  if (mediaIndex < 0) mediaIndex = sections.findIndex((s) => s.kind.toLowerCase() === 'audio');
  if (mediaIndex < 0) return { ok: false, code: 'CC_SDP_NO_AUDIO', reason: 'no m=audio line' };
  const audio = sections[mediaIndex];

  const connection = audio.connection ?? sessionConnection;
  if (connection === undefined && audio.port !== 0) return malformed('no c= line for the audio stream');

  const { codecs, telephoneEvent } = collectCodecs(audio);
  const direction = lastDirection(audio.attrs) ?? lastDirection(sessionAttrs) ?? 'sendrecv';
  const ptime = parsePtime(audio.attrs) ?? parsePtime(sessionAttrs);
  const rtcpPort = parseRtcpPort(audio.attrs);

  const offer: AudioOffer = {
    connectionAddress: connection ?? '',
    port: audio.port,
    codecs,
    direction,
    holdByZeroAddress: connection === '0.0.0.0',
    rtcpMux: audio.attrs.some((a) => a.name === 'rtcp-mux'),
    sessionId: origin.sessionId,
    sessionVersion: origin.sessionVersion,
    otherMedia: sections
      .map((s, index) => ({ kind: s.kind, proto: s.proto, formats: s.formats.join(' '), index }))
      .filter((m) => m.index !== mediaIndex),
    mediaIndex,
    protocol: audio.proto,
  };
  if (telephoneEvent) offer.telephoneEvent = telephoneEvent;
  if (ptime !== undefined) offer.ptime = ptime;
  if (rtcpPort !== undefined) offer.rtcpPort = rtcpPort;
  const crypto = audio.attrs.filter((a) => a.name === 'crypto').map((a) => a.value);
  if (crypto.length) offer.crypto = crypto;
  return { ok: true, offer };
}

function malformed(reason: string): SdpParseResult {
  return { ok: false, code: 'CC_SDP_MALFORMED', reason };
}

/** "IN IP4 192.0.2.1[/ttl[/n]]" -> address, or undefined. */
function parseConnection(value: string): string | undefined {
  const t = value.split(/\s+/);
  if (t.length !== 3 || t[0].toUpperCase() !== 'IN') return undefined;
  const type = t[1].toUpperCase();
  if (type !== 'IP4' && type !== 'IP6') return undefined;
  const addr = t[2].split('/')[0];
  return ADDRESS.test(addr) ? addr : undefined;
}

/** "audio 49170[/2] RTP/AVP 0 8 101" -> Section, or a reason string. */
function parseMediaLine(value: string): Section | string {
  const t = value.split(/\s+/);
  if (t.length < 4) return `bad m= line "${value}"`;
  const portMatch = /^(\d{1,5})(?:\/\d{1,5})?$/.exec(t[1]);
  const port = portMatch ? Number(portMatch[1]) : NaN;
  if (!(port >= 0 && port <= 65535)) return `bad m= port "${t[1]}"`;
  return { kind: t[0], port, proto: t[2], formats: t.slice(3), attrs: [] };
}

function collectCodecs(audio: Section): { codecs: SdpCodec[]; telephoneEvent?: SdpCodec } {
  const rtpmap = new Map<number, { name: string; clockRate: number; channels?: number }>();
  const fmtp = new Map<number, string>();
  for (const a of audio.attrs) {
    if (a.name === 'rtpmap') {
      const m = /^(\d{1,3})\s+([^\s/]+)\/(\d{1,9})(?:\/(\d{1,3}))?$/.exec(a.value);
      if (!m) continue;
      const pt = Number(m[1]);
      const clockRate = Number(m[3]);
      if (pt > 127 || clockRate <= 0 || rtpmap.has(pt)) continue;
      const entry: { name: string; clockRate: number; channels?: number } = { name: m[2], clockRate };
      if (m[4] !== undefined && Number(m[4]) > 0) entry.channels = Number(m[4]);
      rtpmap.set(pt, entry);
    } else if (a.name === 'fmtp') {
      const m = /^(\d{1,3})\s+(\S.*)$/.exec(a.value);
      if (m && !fmtp.has(Number(m[1]))) fmtp.set(Number(m[1]), m[2].trim());
    }
  }

  const codecs: SdpCodec[] = [];
  let telephoneEvent: SdpCodec | undefined;
  const seen = new Set<number>();
  for (const f of audio.formats) {
    if (!/^\d{1,3}$/.test(f)) continue; // non-RTP format token
    const pt = Number(f);
    if (pt > 127 || seen.has(pt)) continue;
    seen.add(pt);
    const known = rtpmap.get(pt) ?? STATIC_PT[pt];
    if (!known) continue; // dynamic PT without rtpmap: unusable
    const codec: SdpCodec = { payloadType: pt, name: known.name, clockRate: known.clockRate };
    if (known.channels !== undefined) codec.channels = known.channels;
    const params = fmtp.get(pt);
    if (params !== undefined) codec.fmtp = params;
    if (codec.name.toLowerCase() === TELEPHONE_EVENT) {
      if (codec.clockRate === 8000 && !telephoneEvent) telephoneEvent = codec;
      continue;
    }
    codecs.push(codec);
  }
  return telephoneEvent ? { codecs, telephoneEvent } : { codecs };
}

function lastDirection(attrs: Attr[]): MediaDirection | undefined {
  let dir: MediaDirection | undefined;
  for (const a of attrs) if (a.value === '' && DIRECTIONS.has(a.name)) dir = a.name as MediaDirection;
  return dir;
}

function parsePtime(attrs: Attr[]): number | undefined {
  const a = attrs.find((x) => x.name === 'ptime');
  if (!a || !/^\d{1,4}(\.\d{1,3})?$/.test(a.value)) return undefined;
  const v = Number(a.value);
  return v > 0 ? v : undefined;
}

function parseRtcpPort(attrs: Attr[]): number | undefined {
  const a = attrs.find((x) => x.name === 'rtcp');
  const m = a ? /^(\d{1,5})(?:\s|$)/.exec(a.value) : null;
  const port = m ? Number(m[1]) : 0;
  return port >= 1 && port <= 65535 ? port : undefined;
}

/**
 * Pick the first codec in OUR preference list that the remote offers (matching by name
 * case-insensitively + clock rate, NOT by payload type; keep the remote's payload type number).
 * Returns undefined when none in common (caller answers 488).
 */
export function negotiateCodec(remote: SdpCodec[], ourPreference: { name: string; clockRate: number }[]): SdpCodec | undefined {
  for (const want of ourPreference) {
    const name = want.name.toLowerCase();
    const hit = remote.find((c) => c.name.toLowerCase() === name && c.clockRate === want.clockRate);
    if (hit) return { ...hit };
  }
  return undefined;
}

export interface BuildSdpOptions {
  /** o= line */
  sessionId: string;
  sessionVersion: number;
  originAddress: string;
  connectionAddress: string;
  port: number;
  codecs: SdpCodec[];
  /** Appended after the codecs, with fmtp 0-16. */
  telephoneEvent?: SdpCodec;
  direction: MediaDirection;
  ptime?: number;
  rtcpMux?: boolean;
  /** a=rtcp:PORT (RFC 3605) when RTCP is not on port+1. */
  rtcpPort?: number;
  /** m= transport (default 'RTP/AVP'). */
  protocol?: string;
  /** For answers: mirror the offer's m-line layout, putting rejected (port 0) lines for other media. */
  mirror?: Pick<AudioOffer, 'otherMedia' | 'mediaIndex'>;
  /** s= (default '-') */
  sessionName?: string;
}

/** CRLF-terminated SDP: v= o= s= c= t=0 0, then the m-lines (audio with rtpmap, fmtp, ptime, rtcp-mux, direction). */
export function buildSdp(o: BuildSdpOptions): string {
  const addrType = (a: string) => (a.includes(':') ? 'IP6' : 'IP4');
  const origin = token(o.originAddress);
  const conn = token(o.connectionAddress);
  const lines: string[] = [
    'v=0',
    `o=- ${token(o.sessionId)} ${o.sessionVersion} IN ${addrType(origin)} ${origin}`,
    `s=${oneLine(o.sessionName ?? '-') || '-'}`,
    `c=IN ${addrType(conn)} ${conn}`,
    't=0 0',
  ];

  const audio: string[] = [];
  const formats = o.codecs.map((c) => c.payloadType);
  if (o.telephoneEvent) formats.push(o.telephoneEvent.payloadType);
  // RFC 4566 needs at least one format; an empty list can only be a rejected stream anyway.
  audio.push(`m=audio ${o.port} ${token(o.protocol ?? 'RTP/AVP')} ${formats.length ? formats.join(' ') : '0'}`);
  for (const c of o.codecs) {
    audio.push(`a=rtpmap:${c.payloadType} ${token(c.name)}/${c.clockRate}${c.channels !== undefined && c.channels !== 1 ? `/${c.channels}` : ''}`);
    if (c.fmtp) audio.push(`a=fmtp:${c.payloadType} ${oneLine(c.fmtp)}`);
  }
  if (o.telephoneEvent) {
    const te = o.telephoneEvent;
    audio.push(`a=rtpmap:${te.payloadType} ${TELEPHONE_EVENT}/${te.clockRate}`);
    audio.push(`a=fmtp:${te.payloadType} 0-16`);
  }
  if (o.ptime !== undefined) audio.push(`a=ptime:${o.ptime}`);
  if (o.rtcpMux) audio.push('a=rtcp-mux');
  else if (o.rtcpPort !== undefined && o.rtcpPort !== o.port + 1) audio.push(`a=rtcp:${Math.trunc(o.rtcpPort)}`);
  audio.push(`a=${o.direction}`);

  const others = o.mirror?.otherMedia ?? [];
  const total = others.length + 1;
  const slots: (string[] | undefined)[] = new Array(total).fill(undefined);
  const audioAt = Math.min(Math.max(0, Math.trunc(o.mirror?.mediaIndex ?? 0) || 0), total - 1);
  slots[audioAt] = audio;
  const rejected = (m: OtherMedia) => [`m=${token(m.kind)} 0 ${token(m.proto)} ${oneLine(m.formats).trim() || '0'}`];
  const unplaced: OtherMedia[] = [];
  for (const m of others) {
    if (Number.isInteger(m.index) && m.index >= 0 && m.index < total && !slots[m.index]) slots[m.index] = rejected(m);
    else unplaced.push(m);
  }
  for (let i = 0; i < total && unplaced.length; i++) if (!slots[i]) slots[i] = rejected(unplaced.shift()!);
  for (const s of slots) if (s) lines.push(...s);
  return lines.join('\r\n') + '\r\n';
}

function oneLine(s: string): string {
  return String(s).replace(/[\r\n]/g, '');
}

function token(s: string): string {
  return String(s).replace(/\s/g, '');
}

/** RFC 3264 §6.1 answer direction for an offered direction. */
export function answerDirection(offered: MediaDirection): MediaDirection {
  switch (offered) {
    case 'sendonly':
      return 'recvonly';
    case 'recvonly':
      return 'sendonly';
    case 'inactive':
      return 'inactive';
    default:
      return 'sendrecv';
  }
}

/** Is this offer a hold (sendonly, inactive, or c=0.0.0.0)? */
export function isHold(offer: AudioOffer): boolean {
  return offer.holdByZeroAddress || offer.direction === 'sendonly' || offer.direction === 'inactive';
}

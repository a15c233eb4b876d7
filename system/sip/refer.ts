// Call transfer on the wire, as plain data: the Refer-To of a REFER (RFC 3515) with an
// embedded Replaces (RFC 3891), a Replaces header of an INVITE, and the message/sipfrag
// bodies of the NOTIFYs that report a transfer's progress. Pure functions; no I/O. The codec
// has already parsed Refer-To as a name-addr; URIs are read through the codec's parseUri.
import { parseUri } from './codec.ts';
import type { NameAddr } from './message.ts';

/** The dialog a Replaces names, as seen by the one who receives it: to-tag is its own (local) tag. */
export interface Replaces {
  callId: string;
  toTag: string;
  fromTag: string;
  /** Only an early (unanswered) dialog may be replaced. */
  earlyOnly: boolean;
}

export interface ReferTarget {
  /** The URI to call, without its header part (`?Replaces=...`). */
  uri: string;
  /** The user part, %-decoded (an extension or a number), if any. */
  user?: string;
  host: string;
  replaces?: Replaces;
}

export type ReferToResult = { ok: true; target: ReferTarget } | { ok: false; reason: string };

/** Read a Refer-To header value (as the codec parsed it, or a raw string). */
export function parseReferTo(value: unknown): ReferToResult {
  const addr: NameAddr | undefined = typeof value === 'object' && value !== null && typeof (value as NameAddr).uri === 'string' ? (value as NameAddr) : undefined;
  const raw = addr?.uri ?? (typeof value === 'string' ? value.trim().replace(/^<(.*)>$/, '$1') : undefined);
  if (!raw) return { ok: false, reason: 'no Refer-To' };
  const q = raw.indexOf('?');
  const uri = q < 0 ? raw : raw.slice(0, q);
  const headers = q < 0 ? new Map<string, string>() : uriHeaders(raw.slice(q + 1));
  if (!headers) return { ok: false, reason: 'malformed URI headers in Refer-To' };
  const parsed = parseUri(uri);
  if (!parsed || (parsed.schema !== 'sip' && parsed.schema !== 'sips')) return { ok: false, reason: 'Refer-To is not a SIP URI' };
  const target: ReferTarget = { uri, host: parsed.host };
  if (parsed.user) {
    try {
      target.user = decodeURIComponent(parsed.user);
    } catch {
      return { ok: false, reason: 'malformed user part in Refer-To' };
    }
  }
  const replaces = headers.get('replaces');
  if (replaces !== undefined) {
    const r = parseReplaces(replaces);
    if (!r) return { ok: false, reason: 'malformed Replaces in Refer-To' };
    target.replaces = r;
  }
  return { ok: true, target };
}

/** `name=value&name=value` of a URI (RFC 3261 19.1.1), names lower-cased, values %-decoded. */
function uriHeaders(s: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  if (s === '') return out;
  for (const part of s.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    try {
      out.set(decodeURIComponent(part.slice(0, eq)).toLowerCase(), decodeURIComponent(part.slice(eq + 1)));
    } catch {
      return undefined;
    }
  }
  return out;
}

/** A Replaces value: `callid;to-tag=x;from-tag=y[;early-only]` (RFC 3891 §6.1). */
export function parseReplaces(value: string): Replaces | undefined {
  const parts = value.split(';').map((p) => p.trim());
  const callId = parts[0];
  if (!callId || !/^[!-~]+$/.test(callId)) return undefined;
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const p of parts.slice(1)) {
    const eq = p.indexOf('=');
    const name = (eq < 0 ? p : p.slice(0, eq)).trim().toLowerCase();
    const v = eq < 0 ? undefined : p.slice(eq + 1).trim();
    if (name === 'to-tag' && v) toTag = v;
    else if (name === 'from-tag' && v) fromTag = v;
    else if (name === 'early-only' && v === undefined) earlyOnly = true;
    else if (name === '' || name === 'to-tag' || name === 'from-tag') return undefined; // an empty tag
  }
  if (!toTag || !fromTag) return undefined;
  return { callId, toTag, fromTag, earlyOnly };
}

/** A message/sipfrag body with just the status line (RFC 3515 §2.4.5). */
export function sipfrag(status: number, reason: string): string {
  return `SIP/2.0 ${status} ${reason.replace(/[\r\n]+/g, ' ')}\r\n`;
}

/** The status a sipfrag body reports, if it is one. */
export function sipfragStatus(body: string): { status: number; reason: string } | undefined {
  const m = /^SIP\/2\.0 (\d{3}) ?([^\r\n]*)/.exec(body);
  return m ? { status: Number(m[1]), reason: m[2] } : undefined;
}

/** Headers of the NOTIFY that reports a REFER's progress in its implicit subscription. */
export function referNotifyHeaders(referCSeq: number, final: boolean, expiresSec = 60): Record<string, string> {
  return {
    event: `refer;id=${referCSeq}`,
    'subscription-state': final ? 'terminated;reason=noresource' : `active;expires=${expiresSec}`,
    'content-type': 'message/sipfrag;version=2.0',
  };
}

// The only module that touches the `sip` package: turns bytes into validated SipMessages and
// back. Everything the package does not check (mandatory headers, CSeq, Content-Length,
// version, sizes) is checked here, and every failure becomes a coded result, never a throw,
// so the transport can answer 400 or drop and go on.
import sipPkg from 'sip';
import type { SipMessage, SipRequest, SipResponse, SipUri, NameAddr, Params } from './message.ts';
import { isRequest } from './message.ts';
import type { SipErrorCode } from './errors.ts';

export const DEFAULT_MAX_MESSAGE_BYTES = 65_535;

export type DecodeResult =
  | { ok: true; message: SipMessage }
  | {
      ok: false;
      code: SipErrorCode;
      reason: string;
      /** SIP status to answer with, when the request is answerable. */
      status: number;
      /** What could be parsed: enough (top Via, Call-ID, From, To, CSeq) to answer, or undefined. */
      partial?: SipRequest;
    };

const HEAD_END = '\r\n\r\n';
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** Decode one complete SIP message (one UDP datagram, or one framed TCP message). */
export function decode(data: Buffer | string, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): DecodeResult {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  if (text.length > maxBytes) return fail('CC_SIP_TOO_LARGE', `${text.length} bytes > ${maxBytes}`, 513);
  // RFC 3261 7.5: leading CRLFs before the start line are ignored.
  const start = text.search(/[^\r\n]/);
  if (start < 0) return fail('CC_SIP_MALFORMED', 'empty message', 400);
  const body = text.slice(start);
  let headEnd = body.indexOf(HEAD_END);
  let sepLen = 4;
  if (headEnd < 0) {
    // Tolerate bare LF line endings (RFC 4475 does not require it, but phones send them).
    headEnd = body.indexOf('\n\n');
    sepLen = 2;
  }
  if (headEnd < 0) return fail('CC_SIP_MALFORMED', 'no end of headers', 400);
  let head = body.slice(0, headEnd);
  if (sepLen === 2 || !head.includes('\r\n')) head = head.replace(/\r?\n/g, '\r\n');
  const rest = body.slice(headEnd + sepLen);

  let parsed: any;
  try {
    parsed = sipPkg.parse(head + HEAD_END);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || !parsed.headers) {
    return fail('CC_SIP_MALFORMED', 'unparsable start line or header', 400);
  }
  const partial = answerablePart(parsed);
  const bad = (code: SipErrorCode, reason: string, status = 400): DecodeResult => fail(code, reason, status, partial);

  if (parsed.version !== '2.0') return bad('CC_SIP_UNSUPPORTED_VERSION', `SIP/${parsed.version}`, 505);
  if (parsed.method !== undefined && !TOKEN.test(parsed.method)) return bad('CC_SIP_MALFORMED', 'bad method');
  const h = parsed.headers;
  if (!Array.isArray(h.via) || h.via.length === 0) return bad('CC_SIP_MISSING_HEADER', 'Via');
  for (const v of h.via) {
    if (!v || typeof v.host !== 'string' || !v.host || typeof v.protocol !== 'string') return bad('CC_SIP_MISSING_HEADER', 'Via');
    if (v.port !== undefined && !(Number.isInteger(v.port) && v.port > 0 && v.port < 65536)) return bad('CC_SIP_MALFORMED', 'Via port');
  }
  if (typeof h['call-id'] !== 'string' || h['call-id'].trim() === '') return bad('CC_SIP_MISSING_HEADER', 'Call-ID');
  h['call-id'] = h['call-id'].trim();
  if (!validNameAddr(h.from)) return bad('CC_SIP_MISSING_HEADER', 'From');
  if (!validNameAddr(h.to)) return bad('CC_SIP_MISSING_HEADER', 'To');
  const cseq = h.cseq;
  if (!cseq || !Number.isInteger(cseq.seq) || cseq.seq < 0 || cseq.seq > 2 ** 31 - 1 || !TOKEN.test(String(cseq.method))) {
    return bad('CC_SIP_MISSING_HEADER', 'CSeq');
  }
  if (parsed.method !== undefined && cseq.method !== parsed.method) return bad('CC_SIP_CSEQ_MISMATCH', `${cseq.method} != ${parsed.method}`);
  if (h['max-forwards'] !== undefined && !/^\s*\d{1,3}\s*$/.test(String(h['max-forwards']))) return bad('CC_SIP_MALFORMED', 'Max-Forwards');
  if (h.contact !== undefined && h.contact !== '*') {
    if (!Array.isArray(h.contact) || h.contact.some((c: NameAddr) => !validNameAddr(c))) return bad('CC_SIP_MALFORMED', 'Contact');
  }
  if (h.expires !== undefined && !/^\s*\d{1,10}\s*$/.test(String(h.expires))) return bad('CC_SIP_MALFORMED', 'Expires');

  // Content-Length: mandatory on streams (framing does it), optional on UDP. Longer body is
  // truncated (RFC 3261 18.3); a shorter body than announced is an error.
  let content = rest;
  const clRaw = h['content-length'];
  if (clRaw !== undefined) {
    const cl = Number(clRaw);
    if (!Number.isInteger(cl) || cl < 0) return bad('CC_SIP_BAD_CONTENT_LENGTH', String(clRaw));
    if (cl > rest.length) return bad('CC_SIP_BAD_CONTENT_LENGTH', `announced ${cl}, got ${rest.length}`);
    content = rest.slice(0, cl);
  }
  parsed.content = content;

  if (parsed.method !== undefined) {
    if (typeof parsed.uri !== 'string' || !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(parsed.uri)) return bad('CC_SIP_MALFORMED', 'Request-URI');
    return { ok: true, message: parsed as SipRequest };
  }
  if (!(parsed.status >= 100 && parsed.status <= 699)) return fail('CC_SIP_MALFORMED', 'status code', 400);
  return { ok: true, message: parsed as SipResponse };
}

function fail(code: SipErrorCode, reason: string, status: number, partial?: SipRequest): DecodeResult {
  return { ok: false, code, reason, status, partial };
}

function validNameAddr(a: unknown): a is NameAddr {
  if (!a || typeof a !== 'object') return false;
  const uri = (a as NameAddr).uri;
  return typeof uri === 'string' && /^[a-zA-Z][a-zA-Z0-9+.-]*:\S+$/.test(uri);
}

/** A request with enough headers to address a 4xx answer back to its sender. */
function answerablePart(parsed: any): SipRequest | undefined {
  if (parsed.method === undefined) return undefined;
  const h = parsed.headers ?? {};
  const via = Array.isArray(h.via) ? h.via : undefined;
  if (!via || !via[0] || typeof via[0].host !== 'string') return undefined;
  return parsed as SipRequest;
}

/** Encode a message to wire bytes (Content-Length is always recomputed). */
export function encode(m: SipMessage): Buffer {
  return Buffer.from(sipPkg.stringify(m), 'latin1');
}

export function parseUri(uri: string): SipUri | undefined {
  try {
    const u = sipPkg.parseUri(uri);
    if (!u || typeof u.host !== 'string') return undefined;
    return { ...u, port: Number.isFinite(u.port) && u.port > 0 ? u.port : undefined } as SipUri;
  } catch {
    return undefined;
  }
}

export function stringifyUri(uri: SipUri): string {
  return sipPkg.stringifyUri(uri);
}

/** Parse a single name-addr / addr-spec ("Alice <sip:a@b>;tag=x"). */
export function parseNameAddr(s: string): NameAddr | undefined {
  try {
    const a = sipPkg.parseAOR({ s, i: 0 });
    return validNameAddr(a) ? a : undefined;
  } catch {
    return undefined;
  }
}

export function stringifyNameAddr(a: NameAddr): string {
  const params = Object.entries(a.params ?? {} as Params).map(([k, v]) => (v === null ? `;${k}` : `;${k}=${v}`)).join('');
  return `${a.name ? a.name + ' ' : ''}<${a.uri}>${params}`;
}

/** Build a response to a request (RFC 3261 8.2.6): Via, From, To, Call-ID, CSeq copied. */
export function makeResponse(rq: SipRequest, status: number, reason: string, extra?: { headers?: Record<string, unknown>; content?: string }): SipResponse {
  const h = rq.headers;
  const rs: SipResponse = {
    status,
    reason,
    version: '2.0',
    headers: {
      via: h.via,
      to: h.to ? { ...h.to, params: { ...h.to.params } } : (undefined as any),
      from: h.from,
      'call-id': h['call-id'],
      cseq: h.cseq,
    },
    content: extra?.content ?? '',
  };
  if (status >= 200 && (h as any)['record-route'] && status < 300) rs.headers['record-route'] = h['record-route'];
  for (const [k, v] of Object.entries(extra?.headers ?? {})) rs.headers[k] = v;
  return rs;
}

export { isRequest };

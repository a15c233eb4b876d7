// The only module that touches the `sip` package: turns bytes into validated SipMessages and
// back. Every failure becomes a coded result, never a throw, so the transport can answer
// (400/505/513, using `partial`) or drop and go on.
//
// The package's parser is too lenient and has quirks (it unescapes % in methods and header
// names, swallows header parse errors, ignores trailing garbage, overwrites repeated To/From/
// CSeq), so decoding is done here in steps: framing and start line; header lines (unfolded,
// compact forms expanded); our own strict parsers for the headers the stack relies on (Via,
// To, From, Contact, Route, Record-Route, Path, Refer-To, CSeq, Call-ID, Content-Length,
// Max-Forwards, Expires); the package only for the authorization headers, and for encoding.
// Other headers stay strings. RFC 4475 (system/sip/fixtures/rfc4475) is the conformance corpus.
import sipPkg from 'sip';
import type { SipMessage, SipRequest, SipResponse, SipUri, NameAddr, Params, Via } from './message.ts';
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
      /** What could be parsed of a request: at least a top Via (plus From, To, Call-ID, CSeq when valid). */
      partial?: SipRequest;
    };

/** Reason of the failure returned if a parser bug throws; tests assert it never happens. */
export const INTERNAL_ERROR_REASON = 'internal parser error';

const T = "A-Za-z0-9\\-.!%*_+`'~"; // RFC 3261 token characters
const QUOTED = '"(?:[^"\\\\\\r\\n]|\\\\[^\\r\\n])*"';
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const HEADER_LINE = new RegExp(`^([${T}]+)[ \\t]*:[ \\t]*(.*)$`);
const REQUEST_LINE = new RegExp(`^([${T}]+) (\\S+) SIP/(\\d+\\.\\d+)$`);
const STATUS_LINE = /^SIP\/(\d+\.\d+) (\d{3})(?: (.*))?$/;
const CSEQ = new RegExp(`^(\\d{1,10})[ \\t]+([${T}]+)$`);
const CALL_ID = /^[!-~]+$/;
const HOST = '\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9._-]+';
const VIA = new RegExp(`[ \\t]*SIP[ \\t]*/[ \\t]*(\\d+\\.\\d+)[ \\t]*/[ \\t]*([${T}]+)[ \\t]+(${HOST})(?:[ \\t]*:[ \\t]*(\\d{1,5}))?`, 'y');
const SIP_HOSTPART = new RegExp(`^(${HOST})(:\\d{1,5})?(;[^?]*)?$`); // Request-URI after the '@'
const PARAM = new RegExp(`[ \\t]*;[ \\t]*([${T}]+)(?:[ \\t]*=[ \\t]*([${T}:\\[\\]]+|${QUOTED}))?`, 'y');
const NAME_ADDR = new RegExp(`[ \\t]*(${QUOTED}|[${T}]+(?:[ \\t]+[${T}]+)*)?[ \\t]*<([^\\s<>]+)>`, 'y');
const ADDR_SPEC = /[ \t]*([A-Za-z][A-Za-z0-9+.-]*:[^\s<>",;?]+)/y;
const COMMA = /[ \t]*,/y;

const COMPACT: Record<string, string> = {
  a: 'accept-contact', b: 'referred-by', c: 'content-type', d: 'request-disposition', e: 'content-encoding',
  f: 'from', i: 'call-id', j: 'reject-contact', k: 'supported', l: 'content-length', m: 'contact',
  o: 'event', r: 'refer-to', s: 'subject', t: 'to', u: 'allow-events', v: 'via', x: 'session-expires', y: 'identity',
};
/** Headers that must appear at most once (RFC 4475 3.3.8, 3.3.9). */
const SINGLE = new Set(['call-id', 'cseq', 'from', 'to', 'max-forwards', 'content-length', 'content-type']);
const ADDR_LISTS = new Set(['contact', 'route', 'record-route', 'path']);
const OWN = new Set([...SINGLE, ...ADDR_LISTS, 'via', 'refer-to', 'expires']);
const MANDATORY = ['via', 'to', 'from', 'call-id', 'cseq'];
const AUTH = new Set(['authorization', 'proxy-authorization', 'www-authenticate', 'proxy-authenticate', 'authentication-info']);

/** A header line: name in lower case with compact forms expanded, value unfolded and trimmed. */
type Field = { name: string; value: string };
/** `strict`: exactly the RFC 3261 syntax; otherwise only recognisably a request. */
type StartLine = { request: boolean; strict: boolean; method: string; uri: string; version: string; status: number; reason: string };

/** Decode one complete SIP message (one UDP datagram, or one framed TCP message). */
export function decode(data: Buffer | string, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): DecodeResult {
  const text = typeof data === 'string' ? data : data.toString('latin1');
  try {
    return decodeText(text, maxBytes);
  } catch {
    return fail('CC_SIP_MALFORMED', INTERNAL_ERROR_REASON, 400);
  }
}

function decodeText(text: string, maxBytes: number): DecodeResult {
  // RFC 3261 7.5: leading CRLFs before the start line are ignored.
  const start = text.search(/[^\r\n]/);
  if (start < 0) return fail('CC_SIP_MALFORMED', 'empty message', 400);
  const msg = text.slice(start);
  const tooLarge = text.length > maxBytes;
  const sep = /\r?\n\r?\n/.exec(msg);
  if (!sep) {
    return tooLarge ? fail('CC_SIP_TOO_LARGE', `${text.length} bytes > ${maxBytes}`, 513) : fail('CC_SIP_MALFORMED', 'no end of headers', 400);
  }
  let head = msg.slice(0, sep.index);
  const rest = msg.slice(sep.index + sep[0].length);
  // Tolerate bare LF line endings (RFC 4475 does not require it, but phones send them).
  if (/(^|[^\r])\n/.test(head)) head = head.replace(/\r?\n/g, '\r\n');
  const lines = head.replace(/\r\n[ \t]+/g, ' ').split('\r\n');
  const sl = parseStartLine(lines[0]);
  const fields: Field[] = [];
  let badLine: string | undefined;
  for (const line of lines.slice(1)) {
    const m = HEADER_LINE.exec(line);
    if (m) fields.push({ name: canonicalName(m[1]), value: m[2].trim() });
    else badLine ??= line;
  }
  const bad = (code: SipErrorCode, reason: string, status = 400): DecodeResult => fail(code, reason, status, answerable(sl, fields));

  if (tooLarge) return bad('CC_SIP_TOO_LARGE', `${text.length} bytes > ${maxBytes}`, 513);
  if (!sl?.strict) return bad('CC_SIP_MALFORMED', `bad start line: ${lines[0].slice(0, 80)}`);
  if (sl.version !== '2.0') return bad('CC_SIP_UNSUPPORTED_VERSION', `SIP/${sl.version}`, 505);
  if (badLine !== undefined) return bad('CC_SIP_MALFORMED', `bad header line: ${badLine.slice(0, 80)}`);
  const counts = new Map<string, number>();
  for (const f of fields) counts.set(f.name, (counts.get(f.name) ?? 0) + 1);
  for (const name of SINGLE) if ((counts.get(name) ?? 0) > 1) return bad(headerErrorCode(name), `repeated ${name}`);

  const own = parseOwnHeaders(fields);
  if (typeof own === 'string') return bad(headerErrorCode(own, true), `unparsable ${own}`);
  const others = parseOtherHeaders(fields.filter((f) => !OWN.has(f.name)));
  if (typeof others === 'string') return bad('CC_SIP_MALFORMED', `unparsable ${others}`);
  const h: Record<string, unknown> = { ...others, ...own };
  for (const name of MANDATORY) if (h[name] === undefined) return bad('CC_SIP_MISSING_HEADER', name);
  const cseq = h.cseq as { method: string };
  if (sl.request && cseq.method !== sl.method) return bad('CC_SIP_CSEQ_MISMATCH', `${cseq.method} != ${sl.method}`);
  if (sl.request && !validRequestUri(sl.uri)) return bad('CC_SIP_MALFORMED', 'Request-URI');
  if (!sl.request && !(sl.status >= 100 && sl.status <= 699)) return bad('CC_SIP_MALFORMED', 'status code');

  // Content-Length: mandatory on streams (framing does it), optional on UDP. A longer body is
  // truncated (RFC 3261 18.3); a shorter body than announced is an error.
  let content = rest;
  if (h['content-length'] !== undefined) {
    const cl = h['content-length'] as number;
    if (cl > rest.length) return bad('CC_SIP_BAD_CONTENT_LENGTH', `announced ${cl}, got ${rest.length}`);
    content = rest.slice(0, cl);
  }
  const headers = h as unknown as SipRequest['headers'];
  if (sl.request) return { ok: true, message: { method: sl.method, uri: sl.uri, version: sl.version, headers, content } };
  return { ok: true, message: { status: sl.status, reason: sl.reason, version: sl.version, headers, content } };
}

function fail(code: SipErrorCode, reason: string, status: number, partial?: SipRequest): DecodeResult {
  return partial ? { ok: false, code, reason, status, partial } : { ok: false, code, reason, status };
}

function headerErrorCode(name: string, unparsable = false): SipErrorCode {
  if (name === 'content-length') return 'CC_SIP_BAD_CONTENT_LENGTH';
  return unparsable && MANDATORY.includes(name) ? 'CC_SIP_MISSING_HEADER' : 'CC_SIP_MALFORMED';
}

function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return Object.hasOwn(COMPACT, lower) ? COMPACT[lower] : lower;
}

function parseStartLine(line: string): StartLine | undefined {
  let m = STATUS_LINE.exec(line);
  if (m) return { request: false, strict: true, method: '', uri: '', version: m[1], status: Number(m[2]), reason: m[3] ?? '' };
  m = REQUEST_LINE.exec(line);
  if (m) return { request: true, strict: true, method: m[1], uri: m[2], version: m[3], status: 0, reason: '' };
  // Not valid, but recognisably a request: enough to answer it with a 400. String operations
  // rather than a regex, which would backtrack quadratically on long runs of spaces.
  const t = line.trimEnd();
  const sp = t.search(/[ \t]/);
  const v = Math.max(t.lastIndexOf(' SIP/'), t.lastIndexOf('\tSIP/'));
  if (sp > 0 && v > sp && !t.startsWith('SIP/') && !/\s/.test(t.slice(v + 5))) {
    return { request: true, strict: false, method: t.slice(0, sp), uri: t.slice(sp, v).trim(), version: t.slice(v + 5), status: 0, reason: '' };
  }
  return undefined;
}

/** The headers parsed here, or the name of the first one that does not parse. */
function parseOwnHeaders(fields: Field[]): Record<string, unknown> | string {
  const h: Record<string, unknown> = {};
  for (const { name, value } of fields) {
    if (!OWN.has(name)) continue;
    let v: unknown;
    if (name === 'via') v = concat(h.via, parseVias(value));
    else if (name === 'contact' && value === '*') v = h.contact === undefined ? '*' : undefined;
    else if (ADDR_LISTS.has(name)) v = h[name] === '*' ? undefined : concat(h[name], parseAddrs(value, true));
    else if (name === 'to' || name === 'from' || name === 'refer-to') v = parseAddrs(value, false)?.[0];
    else if (name === 'cseq') v = parseCSeq(value);
    else if (name === 'call-id') v = CALL_ID.test(value) ? value : undefined;
    else if (name === 'content-length') v = /^\d+$/.test(value) ? Number(value) : undefined;
    else if (name === 'max-forwards') v = /^\d+$/.test(value) && Number(value) <= 255 ? value : undefined;
    else if (name === 'expires') v = /^\d+$/.test(value) && Number(value) <= 2 ** 32 - 1 ? value : undefined;
    else v = value; // content-type
    if (v === undefined) return name;
    h[name] = v;
  }
  return h;
}

function concat<T>(prev: unknown, next: T[] | undefined): T[] | undefined {
  return next && (Array.isArray(prev) ? [...(prev as T[]), ...next] : next);
}

/** The rest: authorization headers through the package (one it swallows an exception on is an
 *  error); others as strings, repeats joined with ','. fromEntries keeps "__proto__" a plain key. */
function parseOtherHeaders(fields: Field[]): Record<string, unknown> | string {
  const out = new Map<string, unknown>();
  const auth = fields.filter((f) => AUTH.has(f.name));
  if (auth.length > 0) {
    const parsed = sipPkg.parse(`OPTIONS sip:codec.invalid SIP/2.0\r\n${auth.map((f) => `${f.name}: ${f.value}`).join('\r\n')}\r\n\r\n`);
    for (const f of auth) {
      const v = parsed?.headers?.[f.name];
      if (v === undefined) return f.name;
      out.set(f.name, v);
    }
  }
  for (const f of fields) {
    if (AUTH.has(f.name)) continue;
    const prev = out.get(f.name);
    out.set(f.name, prev === undefined ? f.value : `${prev},${f.value}`);
  }
  return Object.fromEntries(out);
}

/** Via header value (one or more comma-separated via-parms), strictly. */
function parseVias(s: string): Via[] | undefined {
  const vias: Via[] = [];
  let i = 0;
  for (;;) {
    const via = readVia(s, i);
    if (!via) return undefined;
    vias.push(via.via);
    COMMA.lastIndex = i = via.end;
    if (COMMA.exec(s)) i = COMMA.lastIndex;
    else return /^[ \t]*$/.test(s.slice(i)) ? vias : undefined;
  }
}

function readVia(s: string, at: number): { via: Via; end: number } | undefined {
  VIA.lastIndex = at;
  const m = VIA.exec(s);
  if (!m) return undefined;
  const port = m[4] === undefined ? undefined : Number(m[4]);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const { params, end } = readParams(s, VIA.lastIndex);
  return { via: { version: m[1], protocol: m[2], host: m[3], port, params }, end };
}

function readParams(s: string, at: number): { params: Params; end: number } {
  const params: Params = {};
  let i = at;
  for (PARAM.lastIndex = i; ; PARAM.lastIndex = i) {
    const m = PARAM.exec(s);
    if (!m) return { params, end: i };
    params[m[1].toLowerCase()] = m[2] ?? null;
    i = PARAM.lastIndex;
  }
}

/**
 * name-addr / addr-spec values with header parameters, strictly: no LWS inside <>, a URI with
 * a scheme, no ',', ';' or '?' in an addr-spec URI (RFC 3261 20.10), no trailing garbage.
 */
function parseAddrs(s: string, multi: boolean): NameAddr[] | undefined {
  const out: NameAddr[] = [];
  let i = 0;
  for (;;) {
    NAME_ADDR.lastIndex = ADDR_SPEC.lastIndex = i;
    let m = NAME_ADDR.exec(s);
    let name: string | undefined;
    let uri: string;
    if (m) [name, uri, i] = [m[1], m[2], NAME_ADDR.lastIndex];
    else if ((m = ADDR_SPEC.exec(s))) [uri, i] = [m[1], ADDR_SPEC.lastIndex];
    else return undefined;
    if (!SCHEME.test(uri)) return undefined;
    const { params, end } = readParams(s, i);
    out.push(name === undefined ? { uri, params } : { name, uri, params });
    COMMA.lastIndex = i = end;
    if (multi && COMMA.exec(s)) i = COMMA.lastIndex;
    else return /^[ \t]*$/.test(s.slice(i)) ? out : undefined;
  }
}

function parseCSeq(s: string): { seq: number; method: string } | undefined {
  const m = CSEQ.exec(s);
  const seq = m ? Number(m[1]) : -1;
  return m && seq <= 2 ** 31 - 1 ? { seq, method: m[2] } : undefined;
}

/** Any absolute URI; for sip/sips a host part and no headers (RFC 3261 19.1.1, RFC 4475 3.1.2.11). */
function validRequestUri(uri: string): boolean {
  if (!SCHEME.test(uri)) return false;
  const colon = uri.indexOf(':');
  if (!/^sips?$/i.test(uri.slice(0, colon))) return uri.length > colon + 1;
  const hostPart = uri.slice(Math.max(colon, uri.lastIndexOf('@')) + 1);
  return SIP_HOSTPART.test(hostPart);
}

/** A request with enough (top Via, whatever else is valid) to address an error answer back to its sender. */
function answerable(sl: StartLine | undefined, fields: Field[]): SipRequest | undefined {
  if (!sl?.request) return undefined;
  const viaValues = fields.filter((f) => f.name === 'via').map((f) => f.value);
  if (viaValues.length === 0) return undefined;
  const top = readVia(viaValues[0], 0)?.via; // lenient: ignores what follows the sent-by
  if (!top) return undefined;
  const only = (name: string, parse: (v: string) => unknown) => {
    const fs = fields.filter((f) => f.name === name);
    return fs.length === 1 ? parse(fs[0].value) : undefined;
  };
  const headers: Record<string, unknown> = { via: parseVias(viaValues.join(',')) ?? [top] };
  headers.from = only('from', (v) => parseAddrs(v, false)?.[0]);
  headers.to = only('to', (v) => parseAddrs(v, false)?.[0]);
  headers['call-id'] = only('call-id', (v) => (CALL_ID.test(v) ? v : undefined));
  headers.cseq = only('cseq', parseCSeq);
  for (const k of Object.keys(headers)) if (headers[k] === undefined) delete headers[k];
  return { method: sl.method, uri: sl.uri, version: sl.version, headers: headers as unknown as SipRequest['headers'], content: '' };
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
    return parseAddrs(s.trim(), false)?.[0];
  } catch {
    return undefined;
  }
}

export function stringifyNameAddr(a: NameAddr): string {
  const params = Object.entries(a.params ?? ({} as Params)).map(([k, v]) => (v === null ? `;${k}` : `;${k}=${v}`)).join('');
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

// SIP message types used everywhere above the codec. They mirror the shape the `sip`
// package's parser produces (lower-case header names, parsed Via/To/From/CSeq/Contact), so
// the codec can hand parsed messages up without copying. Pure types and tiny helpers only.

export type Params = Record<string, string | null>;

export interface Via {
  version: string;
  protocol: string; // UDP, TCP, ...
  host: string;
  port?: number;
  params: Params; // branch, received, rport, ...
}

export interface NameAddr {
  name?: string;
  uri: string;
  params: Params; // tag, expires, q, ...
}

export interface CSeq {
  seq: number;
  method: string;
}

export interface SipUri {
  schema: string; // 'sip' | 'sips'
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params: Params;
  headers: Record<string, string>;
}

export interface AuthHeader {
  scheme: string;
  [param: string]: string | undefined;
}

export interface SipHeaders {
  via: Via[];
  to: NameAddr;
  from: NameAddr;
  'call-id': string;
  cseq: CSeq;
  contact?: NameAddr[] | '*';
  'record-route'?: NameAddr[];
  route?: NameAddr[];
  'content-type'?: string;
  'max-forwards'?: string;
  expires?: string;
  authorization?: AuthHeader[];
  'proxy-authorization'?: AuthHeader[];
  'www-authenticate'?: AuthHeader[];
  'proxy-authenticate'?: AuthHeader[];
  [name: string]: unknown;
}

interface MessageBase {
  version: string;
  headers: SipHeaders;
  /** Body as a binary (latin1) string, exactly Content-Length bytes. */
  content: string;
}

export interface SipRequest extends MessageBase {
  method: string;
  uri: string;
}

export interface SipResponse extends MessageBase {
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

export function isRequest(m: SipMessage): m is SipRequest {
  return (m as SipRequest).method !== undefined;
}

/** Where a message came from / goes to. */
export interface Remote {
  protocol: 'UDP' | 'TCP' | 'TLS';
  address: string;
  port: number;
}

export function remoteKey(r: Remote): string {
  return `${r.protocol}:${r.address}:${r.port}`;
}

/** Header value as a plain string (first value for repeated unparsed headers). */
export function headerString(m: SipMessage, name: string): string | undefined {
  const v = m.headers[name.toLowerCase()];
  return typeof v === 'string' ? v : undefined;
}

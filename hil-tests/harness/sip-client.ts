// A bare SIP-over-UDP client for protocol-level tests: sends hand-written messages and
// waits for responses by Call-ID and CSeq. Digest answers are computed here with
// node:crypto, independently of the box's own digest code.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';

export interface RawResponse {
  status: number;
  reason: string;
  headers: Map<string, string[]>;
  text: string;
}

export function parseResponse(text: string): RawResponse | undefined {
  const [head] = text.split('\r\n\r\n');
  const lines = head.split('\r\n');
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(lines[0]);
  if (!m) return undefined;
  const headers = new Map<string, string[]>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    const k = l.slice(0, i).trim().toLowerCase();
    headers.set(k, [...(headers.get(k) ?? []), l.slice(i + 1).trim()]);
  }
  return { status: Number(m[1]), reason: m[2], headers, text };
}

export class SipClient {
  private readonly inbox: { text: string; at: number }[] = [];
  private constructor(readonly socket: dgram.Socket, readonly target: { host: string; port: number }) {
    socket.on('message', (m) => this.inbox.push({ text: m.toString('latin1'), at: Date.now() }));
  }

  static async open(localIp: string, target: { host: string; port: number }): Promise<SipClient> {
    const s = dgram.createSocket('udp4');
    s.bind(0, localIp);
    await once(s, 'listening');
    return new SipClient(s, target);
  }

  get local(): { address: string; port: number } {
    const a = this.socket.address();
    return { address: a.address, port: a.port };
  }

  sendRaw(text: string | Buffer): void {
    this.socket.send(typeof text === 'string' ? Buffer.from(text, 'latin1') : text, this.target.port, this.target.host);
  }

  /** Wait for a response whose text satisfies `match` (default: any final response). */
  async response(match: (r: RawResponse) => boolean, timeoutMs = 3000): Promise<RawResponse> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const i = this.inbox.findIndex((m) => {
        const r = parseResponse(m.text);
        return r !== undefined && match(r);
      });
      if (i >= 0) return parseResponse(this.inbox.splice(i, 1)[0].text)!;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no matching response in ${timeoutMs} ms; got:\n${this.inbox.map((m) => m.text.split('\r\n')[0]).join('\n')}`);
  }

  /** Anything at all received within `ms`? (for "no answer" checks) */
  async quietFor(ms: number): Promise<string[]> {
    const start = this.inbox.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.inbox.slice(start).map((m) => m.text);
  }

  close(): void {
    this.socket.close();
  }
}

/** Parse `Digest a="b", c=d` into a map (values unquoted). */
export function parseChallenge(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.replace(/^Digest\s+/i, '').matchAll(/([a-zA-Z-]+)\s*=\s*("([^"]*)"|[^,\s]+)/g)) out[m[1].toLowerCase()] = m[3] ?? m[2];
  return out;
}

/** RFC 2617 / 7616 digest response with qop=auth, computed from scratch. */
export function digestAuthorization(ch: Record<string, string>, o: { username: string; password: string; method: string; uri: string; nc?: number; algorithm?: 'MD5' | 'SHA-256' }): string {
  const alg = o.algorithm ?? (ch.algorithm === 'SHA-256' ? 'SHA-256' : 'MD5');
  const h = (s: string) => createHash(alg === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const ha1 = h(`${o.username}:${ch.realm}:${o.password}`);
  const ha2 = h(`${o.method}:${o.uri}`);
  const response = h(`${ha1}:${ch.nonce}:${nc}:${cnonce}:auth:${ha2}`);
  return `Digest username="${o.username}", realm="${ch.realm}", nonce="${ch.nonce}", uri="${o.uri}", response="${response}", algorithm=${alg}, cnonce="${cnonce}", qop=auth, nc=${nc}, opaque="${ch.opaque}"`;
}

export function registerMessage(o: { ext: string; box: { host: string; port: number }; local: { address: string; port: number }; callId: string; cseq: number; expires?: number; contact?: string; authorization?: string; extra?: string[] }): string {
  const uri = `sip:${o.box.host}:${o.box.port}`;
  const lines = [
    `REGISTER ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP ${o.local.address}:${o.local.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    `From: <sip:${o.ext}@${o.box.host}>;tag=${o.callId.slice(0, 8)}`,
    `To: <sip:${o.ext}@${o.box.host}>`,
    `Call-ID: ${o.callId}`,
    `CSeq: ${o.cseq} REGISTER`,
    `Contact: ${o.contact ?? `<sip:${o.ext}@${o.local.address}:${o.local.port}>`}`,
    'Max-Forwards: 70',
    ...(o.expires !== undefined ? [`Expires: ${o.expires}`] : []),
    ...(o.authorization ? [`Authorization: ${o.authorization}`] : []),
    ...(o.extra ?? []),
    'Content-Length: 0',
    '',
    '',
  ];
  return lines.join('\r\n');
}

// The SIP fuzzing rig shared by fuzz.test.ts (fast suite) and scripts/fuzz-sip.ts (npm run
// fuzz:sip): valid INVITE/REGISTER/BYE/ACK/CANCEL/OPTIONS seeds and a 200 OK, a seeded
// mutator (bit flips, byte edits, cut/duplicated/swapped lines, hostile header values), and
// the real receive path of the box: SipTransport (bytes in, as its socket hands them over) ->
// EdgeGuard -> codec -> SipEndpoint -> transactions -> AuthGuard/Registrar on a real LMDB, a
// dialog owner for in-dialog requests, and answers sent out of the real UDP socket.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SipTransport } from './transport.ts';
import { SipEndpoint, type DialogOwner } from './endpoint.ts';
import { AuthGuard } from './auth-guard.ts';
import { Registrar } from './registrar.ts';
import { EdgeGuard } from './edge-guard.ts';
import { BanList } from './ban-list.ts';
import type { Remote } from './message.ts';
import { Store } from '../store/store.ts';
import { parseConfig } from '../config/load.ts';

const SDP = ['v=0', 'o=- 1 1 IN IP4 127.0.9.1', 's=-', 'c=IN IP4 127.0.9.1', 't=0 0', 'm=audio 40000 RTP/AVP 0 8 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', ''].join('\r\n');

const msg = (start: string, headers: string[], body = '') => [start, ...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
const common = (method: string, seq: number, toTag = '') => [
  'Via: SIP/2.0/UDP 127.0.9.1:5070;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  `To: "Bob" <sip:1001@box.invalid>${toTag}`,
  'From: "Alice" <sip:1002@box.invalid>;tag=1928301774',
  'Call-ID: a84b4c76e66710@127.0.9.1',
  `CSeq: ${seq} ${method}`,
];

/** Valid messages the mutations start from. */
export const SEEDS: string[] = [
  msg('INVITE sip:1001@box.invalid SIP/2.0', [...common('INVITE', 314159), 'Contact: <sip:1002@127.0.9.1:5070>', 'Content-Type: application/sdp', 'User-Agent: Phone/1.0'], SDP),
  msg('INVITE sip:1001@box.invalid SIP/2.0', [...common('INVITE', 314160), 'Contact: <sip:1002@127.0.9.1:5070>', 'Proxy-Authorization: Digest username="1002", realm="fuzz.box", nonce="AAABnonce", uri="sip:1001@box.invalid", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001, opaque="op"', 'Content-Type: application/sdp'], SDP),
  msg('REGISTER sip:box.invalid SIP/2.0', [...common('REGISTER', 1).map((h) => h.replace('To: "Bob" <sip:1001', 'To: <sip:1002')), 'Contact: <sip:1002@127.0.9.1:5070>;expires=3600', 'Expires: 3600']),
  msg('REGISTER sip:box.invalid SIP/2.0', [...common('REGISTER', 2).map((h) => h.replace('To: "Bob" <sip:1001', 'To: <sip:1002')), 'Contact: <sip:1002@127.0.9.1:5070>', 'Authorization: Digest username="1002", realm="fuzz.box", nonce="AAABnonce", uri="sip:box.invalid", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, cnonce="0a4f113b", qop=auth, nc=00000001, opaque="op"']),
  msg('BYE sip:1001@127.0.0.1 SIP/2.0', common('BYE', 314161, ';tag=fuzzdialog')),
  msg('ACK sip:1001@127.0.0.1 SIP/2.0', common('ACK', 314159, ';tag=fuzzdialog')),
  msg('CANCEL sip:1001@box.invalid SIP/2.0', common('CANCEL', 314159)),
  msg('OPTIONS sip:box.invalid SIP/2.0', [...common('OPTIONS', 7), 'Accept: application/sdp']),
  msg('SIP/2.0 200 OK', [...common('INVITE', 1, ';tag=x'), 'Contact: <sip:1001@127.0.9.2>', 'Content-Type: application/sdp'], SDP),
];

/** mulberry32: a small seeded PRNG, so a failure can be replayed from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = [
  '', ' ', '\t', '0', '-1', '4294967296', '99999999999999999999', '2147483648', 'NaN', '%00', '%', '%%%', '\0', '\x7f', '\xff\xfe',
  '<', '>', '<<<sip:a@b>>>', '"', '"unterminated', ';', ';;;;', ',', ',,,', '=', 'a'.repeat(70_000), 'A'.repeat(1024), '\r\n', '\r\n\r\n', '\n', '\r',
  'sip:', 'sips:', 'tel:+1', 'sip:@', 'sip:a@[::1', 'sip:a@[::1]:99999', 'SIP/2.0/UDP', 'SIP/3.0/UDP h', 'SIP/2.0/UDP [::1]:0', '__proto__', 'constructor',
  'Digest', 'Digest ,,,', 'Digest username=', 'Digest realm="fuzz.box", nonce="', '*', '0 INVITE', '1 ACK', 'INVITE', 'é中文', '\u2028',
];
const NAMES = ['Via', 'v', 'To', 't', 'From', 'f', 'Call-ID', 'i', 'CSeq', 'Contact', 'm', 'Content-Length', 'l', 'Max-Forwards', 'Expires', 'Route', 'Record-Route', 'Authorization', 'Proxy-Authorization', 'Content-Type', 'c', 'Refer-To', 'Replaces', 'User-Agent', 'X-Fuzz', '__proto__'];
const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'REGISTER', 'OPTIONS', 'INFO', 'UPDATE', 'REFER', 'NOTIFY', 'SUBSCRIBE', 'PRACK', 'MESSAGE', 'PUBLISH', 'FOO', 'invite', ''];

/** One mutated message from `seed` (a few stacked mutations). */
export function mutate(seed: string, rnd: () => number): Buffer {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  // Most messages start a transaction of their own (a fresh branch); some repeat one (a retransmission).
  let text = rnd() < 0.8 ? seed.replace('z9hG4bK776asdhds', `z9hG4bK${Math.floor(rnd() * 2 ** 48).toString(36)}`) : seed;
  const rounds = 1 + Math.floor(rnd() * 4);
  for (let r = 0; r < rounds; r++) {
    const lines = text.split('\r\n');
    const i = Math.floor(rnd() * lines.length);
    switch (Math.floor(rnd() * 14)) {
      case 0: { // flip a bit
        const b = Buffer.from(text, 'latin1');
        if (b.length) b[Math.floor(rnd() * b.length)] ^= 1 << Math.floor(rnd() * 8);
        text = b.toString('latin1');
        break;
      }
      case 1: { // random byte inserted
        const at = Math.floor(rnd() * text.length);
        text = text.slice(0, at) + String.fromCharCode(Math.floor(rnd() * 256)) + text.slice(at);
        break;
      }
      case 2: { // a span deleted
        const at = Math.floor(rnd() * text.length);
        text = text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 40));
        break;
      }
      case 3: // truncated
        text = text.slice(0, Math.floor(rnd() * text.length));
        break;
      case 4: // a line removed
        lines.splice(i, 1);
        text = lines.join('\r\n');
        break;
      case 5: // a line repeated, maybe many times
        lines.splice(i, 0, ...Array(1 + Math.floor(rnd() * (rnd() < 0.1 ? 200 : 3))).fill(lines[i] ?? ''));
        text = lines.join('\r\n');
        break;
      case 6: { // two lines swapped
        const j = Math.floor(rnd() * lines.length);
        [lines[i], lines[j]] = [lines[j], lines[i]];
        text = lines.join('\r\n');
        break;
      }
      case 7: { // a header value replaced by a hostile one
        const c = (lines[i] ?? '').indexOf(':');
        if (i > 0 && c > 0) lines[i] = `${lines[i].slice(0, c + 1)} ${pick(HOSTILE)}`;
        text = lines.join('\r\n');
        break;
      }
      case 8: // a hostile header added
        lines.splice(1 + Math.floor(rnd() * Math.max(1, lines.length - 1)), 0, `${pick(NAMES)}: ${pick(HOSTILE)}`);
        text = lines.join('\r\n');
        break;
      case 9: { // the start line's method or URI changed
        const parts = lines[0].split(' ');
        if (rnd() < 0.5) parts[0] = pick(METHODS);
        else parts[1] = pick(HOSTILE);
        lines[0] = parts.join(' ');
        text = lines.join('\r\n');
        break;
      }
      case 10: // a hostile value spliced in anywhere
        {
          const at = Math.floor(rnd() * text.length);
          text = text.slice(0, at) + pick(HOSTILE) + text.slice(at);
        }
        break;
      case 11: // line endings changed
        text = rnd() < 0.5 ? text.replace(/\r\n/g, '\n') : text.replace(/\r\n/, '\r\n ');
        break;
      case 12: // a deep Via stack
        lines.splice(1, 0, `Via: ${Array.from({ length: 1 + Math.floor(rnd() * 40) }, (_, k) => `SIP/2.0/UDP 10.${k}.0.1;branch=z9hG4bK${k}`).join(',')}`);
        text = lines.join('\r\n');
        break;
      default: { // a numeric field pushed to an edge
        text = text.replace(/\d+/, () => pick(['0', '4294967295', '4294967296', '-1', '999999999999999999999', '00000000000000000001']));
      }
    }
  }
  return Buffer.from(text, 'latin1');
}

export interface FuzzRig {
  feed(bytes: Buffer, remote: Remote): void;
  counts(): { transactions: number; dialogs: number; bans: number };
  transport: SipTransport;
  endpoint: SipEndpoint;
  close(): Promise<void>;
}

/** The receive path of the box on a loopback socket, with its own LMDB in a temp dir. */
export async function startFuzzRig(): Promise<FuzzRig> {
  const dir = mkdtempSync(join(tmpdir(), 'sip-fuzz-'));
  const store = new Store(dir);
  const quiet = { warn() {}, error() {}, info() {}, debug() {} };
  // 127.0.9.0/24 is the allow-listed "LAN" (parsed all the way down); other sources meet the rate limits and bans.
  const config = parseConfig({ extensions: [{ number: '1001', password: 'secret1001' }, { number: '1002', password: 'secret1002' }], security: { allowList: ['127.0.9.0/24'] } });
  const bans = new BanList(store, { log: quiet });
  let udpPort = 0;
  const edge = new EdgeGuard({ config: () => config, bans, self: () => ({ hosts: ['127.0.0.1'], ports: [udpPort] }), log: quiet });
  const transport = new SipTransport({ bindAddress: '127.0.0.1', udpPort: 0, tcpPort: 0, maxMessageBytes: 65_535, log: quiet, gate: edge });
  await transport.listen();
  udpPort = transport.ports.udp;
  const endpoint = new SipEndpoint(transport, { publicAddress: '127.0.0.1', userAgent: 'FuzzBox', log: quiet });
  const auth = new AuthGuard(endpoint, {
    realm: 'fuzz.box', secret: Buffer.alloc(32, 7), nonceTtlMs: 300_000, maxFailures: 3, algorithms: ['MD5', 'SHA-256'],
    lookupPassword: (u) => config.extensions.find((e) => e.number === u)?.password, onFailure: (a, u) => edge.authFailed(a, u),
  });
  const registrar = new Registrar(store, endpoint, auth, { minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxContacts: () => 5, extensionExists: (e) => e === '1001' || e === '1002', log: quiet });
  // The seeds' dialog: in-dialog requests reach an owner that answers them, as a call leg would.
  const owner: DialogOwner = {
    onDialogRequest: (rq, tx) => endpoint.respond(tx, rq.method === 'BYE' ? 200 : 488, 'OK'),
    onDialogAck: () => {},
    onStray2xx: () => {},
  };
  endpoint.registerDialog('a84b4c76e66710@127.0.9.1', 'fuzzdialog', '1928301774', owner);
  endpoint.setRequestHandler((rq, tx) => {
    switch (rq.method) {
      case 'REGISTER':
        void registrar.handle(rq, tx).catch(() => {
          if (!tx.hasFinalResponse) endpoint.respond(tx, 500, 'Server Internal Error');
        });
        return;
      case 'INVITE':
        if (auth.check(rq, tx, true).ok) endpoint.respond(tx, 486, 'Busy Here');
        return;
      case 'OPTIONS':
        endpoint.respond(tx, 200, 'OK');
        return;
      default:
        endpoint.respond(tx, 405, 'Method Not Allowed');
    }
  });
  const onBytes = (transport as unknown as { onBytes(b: Buffer, r: Remote): void }).onBytes.bind(transport);
  return {
    transport,
    endpoint,
    feed: (bytes, remote) => onBytes(bytes, remote),
    counts: () => ({ transactions: endpoint.transactions.counts.server + endpoint.transactions.counts.client, dialogs: endpoint.dialogCount, bans: bans.active().length }),
    close: async () => {
      endpoint.close();
      await transport.close();
      bans.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A sender address: mostly the allow-listed LAN, one in ten from 10,000 other loopback
 *  addresses (rate-limited and bannable; few enough that the per-address tables are full
 *  half-way through a 1,000,000-message run, so memory measured after that is what leaks). */
export function remoteFor(rnd: () => number): Remote {
  const lan = rnd() < 0.9;
  return { protocol: 'UDP', address: lan ? `127.0.9.${1 + Math.floor(rnd() * 250)}` : `127.0.${10 + Math.floor(rnd() * 40)}.${1 + Math.floor(rnd() * 250)}`, port: 1024 + Math.floor(rnd() * 60000) };
}

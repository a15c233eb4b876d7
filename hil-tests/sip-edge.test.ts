// The SIP edge over the wire: RFC 4475 torture messages sent to the running box, and the
// answers a B2BUA owes in error paths (400, 404, 405, 416, 481, 483, 488, 513), over UDP and
// TCP. The box must answer, never crash, and stay usable afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { SipClient, parseResponse } from './harness/sip-client.ts';

const FIXTURES = resolve(import.meta.dirname, '../system/sip/fixtures/rfc4475');
let box: BoxProcess;
const target = () => ({ host: '127.0.0.1', port: box.sipPort });

before(async () => {
  box = await startBoxProcess({
    extensions: [{ number: '1001', password: 'secret1001' }],
    trunks: [{ name: 'carrier', kind: 'static', host: '127.0.0.2' }],
    dids: [{ number: '5550100', trunk: 'carrier', destination: 'ext:1001' }],
    sip: { maxMessageBytes: 16384 },
  });
});

after(async () => {
  assert.equal(await box.stop(), 0);
});

function invite(o: { to: string; local: { address: string; port: number }; sdp?: string; extra?: string[]; callId?: string }): { text: string; callId: string } {
  const callId = o.callId ?? randomBytes(8).toString('hex');
  const body = o.sdp ?? '';
  const text = [
    `INVITE sip:${o.to}@127.0.0.1:${box.sipPort} SIP/2.0`,
    `Via: SIP/2.0/UDP ${o.local.address}:${o.local.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
    `From: <sip:caller@${o.local.address}>;tag=${randomBytes(4).toString('hex')}`,
    `To: <sip:${o.to}@127.0.0.1>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:caller@${o.local.address}:${o.local.port}>`,
    ...(o.extra ?? ['Max-Forwards: 70']),
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
  return { text, callId };
}

const sdp = (codecs: string, rtpmaps: string[]) =>
  ['v=0', 'o=- 1 1 IN IP4 127.0.0.2', 's=-', 'c=IN IP4 127.0.0.2', 't=0 0', `m=audio 40000 RTP/AVP ${codecs}`, ...rtpmaps, ''].join('\r\n');

test('every RFC 4475 torture message gets the answer it deserves and the box keeps running', async () => {
  const manifest = JSON.parse(readFileSync(join(FIXTURES, 'manifest.json'), 'utf8')) as { name: string; file: string; expect: string }[];
  const c = await SipClient.open('127.0.0.9', target());
  const outcomes: string[] = [];
  for (const f of manifest) {
    const bytes = readFileSync(join(FIXTURES, f.file));
    const text = bytes.toString('latin1');
    const isRequest = !text.startsWith('SIP/');
    const isAck = /^ACK /.test(text);
    const callId = /^(?:Call-ID|i)\s*:\s*(\S+)/im.exec(text)?.[1];
    c.sendRaw(bytes);
    const got = await c.quietFor(300);
    const answer = got.map((t) => parseResponse(t)).find((r) => r && (!callId || r.text.includes(callId)));
    if (f.expect === 'reject' && isRequest && !isAck && answer) {
      assert.ok([400, 505, 513].includes(answer.status), `${f.name}: rejected with ${answer.status}`);
    }
    if (f.expect === 'accept' && isRequest && !isAck && answer) {
      assert.ok(![400, 505, 500].includes(answer.status), `${f.name}: a valid message is not refused as malformed (${answer.status})`);
    }
    outcomes.push(`${f.name}:${answer?.status ?? '-'}`);
  }
  c.close();
  // Still alive and answering.
  const probe = await SipClient.open('127.0.0.9', target());
  const callId = randomBytes(6).toString('hex');
  probe.sendRaw(`OPTIONS sip:127.0.0.1:${box.sipPort} SIP/2.0\r\nVia: SIP/2.0/UDP ${probe.local.address}:${probe.local.port};branch=z9hG4bKopt${callId}\r\nFrom: <sip:probe@127.0.0.9>;tag=1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`);
  assert.equal((await probe.response((r) => r.text.includes(callId))).status, 200, `outcomes: ${outcomes.join(' ')}`);
  probe.close();
  const status = await box.status();
  assert.ok(status.sip.malformed >= manifest.filter((m) => m.expect === 'reject').length - 1, `malformed counted: ${status.sip.malformed}`);
  assert.equal(box.child.exitCode, null, 'the daemon did not exit');
});

test('garbage, a truncated message and a message over the size limit are answered or dropped without harm', async () => {
  const c = await SipClient.open('127.0.0.9', target());
  c.sendRaw(randomBytes(1200));
  c.sendRaw('INVITE sip:x@y SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5;branch=z9hG4bKt1\r\nCall-ID: t1\r\n');
  const big = `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:${c.local.port};branch=z9hG4bKbig\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: big1\r\nCSeq: 1 OPTIONS\r\nX-Pad: ${'a'.repeat(20000)}\r\nContent-Length: 0\r\n\r\n`;
  c.sendRaw(big);
  const r = await c.response((x) => x.text.includes('big1'));
  assert.equal(r.status, 513);
  c.close();
  assert.equal(box.child.exitCode, null);
});

test('Max-Forwards 0 is answered 483 and nothing is forwarded', async () => {
  const c = await SipClient.open('127.0.0.2', target());
  const m = invite({ to: '5550100', local: c.local, sdp: sdp('0', ['a=rtpmap:0 PCMU/8000']), extra: ['Max-Forwards: 0'] });
  c.sendRaw(m.text);
  assert.equal((await c.response((r) => r.status >= 200 && r.text.includes(m.callId))).status, 483);
  c.close();
});

test('an offer without a common codec is answered 488, and an INVITE without SDP too', async () => {
  const c = await SipClient.open('127.0.0.2', target());
  const g729 = invite({ to: '5550100', local: c.local, sdp: sdp('18', ['a=rtpmap:18 G729/8000']) });
  c.sendRaw(g729.text);
  assert.equal((await c.response((r) => r.status >= 200 && r.text.includes(g729.callId))).status, 488);
  const noSdp = invite({ to: '5550100', local: c.local });
  c.sendRaw(noSdp.text);
  assert.equal((await c.response((r) => r.status >= 200 && r.text.includes(noSdp.callId))).status, 488);
  c.close();
});

test('an unknown DID is 404 and an unregistered extension is 480', async () => {
  const c = await SipClient.open('127.0.0.2', target());
  const unknown = invite({ to: '999', local: c.local, sdp: sdp('0', ['a=rtpmap:0 PCMU/8000']) });
  c.sendRaw(unknown.text);
  assert.equal((await c.response((r) => r.status >= 200 && r.text.includes(unknown.callId))).status, 404);
  const offline = invite({ to: '5550100', local: c.local, sdp: sdp('0', ['a=rtpmap:0 PCMU/8000']) });
  c.sendRaw(offline.text);
  assert.equal((await c.response((r) => r.status >= 200 && r.text.includes(offline.callId))).status, 480);
  c.close();
});

test('a caller that is neither a trunk nor authenticated is challenged with 407', async () => {
  const c = await SipClient.open('127.0.0.9', target());
  const m = invite({ to: '1001', local: c.local, sdp: sdp('0', ['a=rtpmap:0 PCMU/8000']) });
  c.sendRaw(m.text);
  const r = await c.response((x) => x.status >= 200 && x.text.includes(m.callId));
  assert.equal(r.status, 407);
  assert.ok(r.headers.get('proxy-authenticate')?.[0]?.startsWith('Digest '));
  c.close();
});

test('a BYE for an unknown dialog is 481, an unknown method 405, a tel: URI 416', async () => {
  const c = await SipClient.open('127.0.0.2', target());
  const id = randomBytes(6).toString('hex');
  const base = (method: string, uri: string, toTag = '') =>
    `${method} ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP ${c.local.address}:${c.local.port};branch=z9hG4bK${randomBytes(5).toString('hex')}\r\nFrom: <sip:a@127.0.0.2>;tag=f1\r\nTo: <sip:b@127.0.0.1>${toTag}\r\nCall-ID: ${id}-${method}\r\nCSeq: 5 ${method}\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
  c.sendRaw(base('BYE', `sip:b@127.0.0.1:${box.sipPort}`, ';tag=nope'));
  assert.equal((await c.response((r) => r.text.includes(`${id}-BYE`))).status, 481);
  c.sendRaw(base('PUBLISH', `sip:b@127.0.0.1:${box.sipPort}`));
  assert.equal((await c.response((r) => r.text.includes(`${id}-PUBLISH`))).status, 405);
  const tel = invite({ to: '5550100', local: c.local, sdp: sdp('0', ['a=rtpmap:0 PCMU/8000']) }).text.replace(/^INVITE sip:[^ ]+/, 'INVITE tel:+15550100');
  c.sendRaw(tel);
  assert.equal((await c.response((r) => r.status >= 200 && r.text.includes('INVITE'))).status, 416);
  c.close();
});

test('SIP over TCP: two messages in one segment and one split across segments are both answered', async () => {
  const sock = net.connect(box.sipPort, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  const local = { address: '127.0.0.1', port: sock.localPort! };
  const opt = (n: number) =>
    `OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP ${local.address}:${local.port};branch=z9hG4bKtcp${n}\r\nFrom: <sip:a@127.0.0.1>;tag=t\r\nTo: <sip:b@127.0.0.1>\r\nCall-ID: tcp-${n}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
  let got = '';
  sock.on('data', (d) => (got += d.toString('latin1')));
  sock.write(opt(1) + opt(2));
  const third = opt(3);
  sock.write(third.slice(0, 40));
  await new Promise((r) => setTimeout(r, 100));
  sock.write(third.slice(40));
  for (let i = 0; i < 50 && (got.match(/SIP\/2\.0 200/g) ?? []).length < 3; i++) await new Promise((r) => setTimeout(r, 50));
  sock.destroy();
  assert.equal((got.match(/SIP\/2\.0 200/g) ?? []).length, 3, got);
  for (const n of [1, 2, 3]) assert.ok(got.includes(`Call-ID: tcp-${n}`));
});

// Focused tests of the SIP codec: framing, header forms, mandatory headers, scalar checks,
// and makeResponse. The RFC 4475 corpus and the fuzz are in torture.test.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, encode, makeResponse, parseNameAddr, type DecodeResult } from './codec.ts';
import { isRequest, type SipRequest } from './message.ts';

const HEADERS: [string, string][] = [
  ['Via', 'SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKabc;rport'],
  ['Max-Forwards', '70'],
  ['From', '"Alice" <sip:alice@example.com>;tag=a1'],
  ['To', '<sip:bob@example.com>'],
  ['Call-ID', 'call-1@192.0.2.10'],
  ['CSeq', '7 INVITE'],
  ['Contact', '<sip:alice@192.0.2.10:5060>'],
  ['Content-Type', 'application/sdp'],
];
const BODY = 'v=0\r\n';

/** An INVITE with the given headers replaced (value) or removed (null), and body. */
function invite(changes: Record<string, string | null> = {}, body = BODY, startLine = 'INVITE sip:bob@example.com SIP/2.0'): string {
  const lines = HEADERS.filter(([n]) => changes[n] !== null).map(([n, v]) => `${n}: ${changes[n] ?? v}`);
  for (const [n, v] of Object.entries(changes)) if (v !== null && !HEADERS.some(([h]) => h === n)) lines.push(`${n}: ${v}`);
  if (!('Content-Length' in changes)) lines.push(`Content-Length: ${body.length}`);
  return `${startLine}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

function ok(r: DecodeResult): SipRequest {
  assert.ok(r.ok, r.ok ? '' : `${r.code}: ${r.reason}`);
  assert.ok(isRequest(r.message));
  return r.message;
}

function failed(r: DecodeResult) {
  assert.equal(r.ok, false, 'the message was accepted');
  return r as DecodeResult & { ok: false };
}

describe('decode', () => {
  test('a plain INVITE decodes with parsed Via, From, To, CSeq and its body', () => {
    const m = ok(decode(Buffer.from(invite(), 'latin1')));
    assert.equal(m.method, 'INVITE');
    assert.equal(m.uri, 'sip:bob@example.com');
    assert.deepEqual(m.headers.via, [{ version: '2.0', protocol: 'UDP', host: '192.0.2.10', port: 5060, params: { branch: 'z9hG4bKabc', rport: null } }]);
    assert.deepEqual(m.headers.from, { name: '"Alice"', uri: 'sip:alice@example.com', params: { tag: 'a1' } });
    assert.deepEqual(m.headers.to, { uri: 'sip:bob@example.com', params: {} });
    assert.deepEqual(m.headers.cseq, { seq: 7, method: 'INVITE' });
    assert.equal(m.headers['call-id'], 'call-1@192.0.2.10');
    assert.equal(m.content, BODY);
  });

  test('a body longer than Content-Length is truncated to it', () => {
    const m = ok(decode(invite({ 'Content-Length': '3' }, 'v=0\r\nextra')));
    assert.equal(m.content, 'v=0');
  });

  test('a body shorter than Content-Length is a coded 400 with an answerable partial', () => {
    const r = failed(decode(invite({ 'Content-Length': '500' })));
    assert.equal(r.code, 'CC_SIP_BAD_CONTENT_LENGTH');
    assert.equal(r.status, 400);
    assert.equal(r.partial?.headers.via[0].host, '192.0.2.10');
    assert.equal(r.partial?.headers['call-id'], 'call-1@192.0.2.10');
  });

  test('a negative or non-numeric Content-Length is rejected', () => {
    for (const v of ['-1', 'five', '1 2']) assert.equal(failed(decode(invite({ 'Content-Length': v }))).code, 'CC_SIP_BAD_CONTENT_LENGTH', v);
  });

  test('without Content-Length the whole rest of the datagram is the body', () => {
    const text = invite({}, BODY).replace(/Content-Length: \d+\r\n/, '');
    assert.equal(ok(decode(text)).content, BODY);
  });

  test('compact header forms are expanded to their long names', () => {
    const text = [
      'OPTIONS sip:bob@example.com SIP/2.0',
      'v: SIP/2.0/TCP host.example.com;branch=z9hG4bK1',
      'f: <sip:alice@example.com>;tag=1',
      't: sip:bob@example.com',
      'i: compact-1',
      'CSeq: 1 OPTIONS',
      'm: <sip:alice@host.example.com>',
      'c: text/plain',
      'k: path',
      'l: 2',
      '',
      'hi',
    ].join('\r\n');
    const m = ok(decode(text));
    assert.equal(m.headers.via[0].host, 'host.example.com');
    assert.equal(m.headers.from.params.tag, '1');
    assert.equal(m.headers.to.uri, 'sip:bob@example.com');
    assert.equal(m.headers['call-id'], 'compact-1');
    assert.deepEqual(m.headers.contact, [{ uri: 'sip:alice@host.example.com', params: {} }]);
    assert.equal(m.headers['content-type'], 'text/plain');
    assert.equal(m.headers.supported, 'path');
    assert.equal(m.content, 'hi');
  });

  test('header names are case-insensitive and repeated Via lines are kept in order', () => {
    const text = invite({ Via: 'SIP/2.0/UDP first.example.com;branch=z9hG4bK1', vIA: 'SIP/2.0/TCP second.example.com;branch=z9hG4bK2' });
    assert.deepEqual(ok(decode(text)).headers.via.map((v) => v.host), ['first.example.com', 'second.example.com']);
  });

  test('folded header lines are unfolded', () => {
    const text = invite({ Via: 'SIP/2.0/UDP\r\n   folded.example.com\r\n ;branch=z9hG4bK1' });
    assert.equal(ok(decode(text)).headers.via[0].host, 'folded.example.com');
  });

  test('an IPv6 sent-by in Via is parsed with its port', () => {
    const via = ok(decode(invite({ Via: 'SIP/2.0/UDP [2001:db8::1]:5062;branch=z9hG4bK1;received=2001:db8::2' }))).headers.via[0];
    assert.deepEqual([via.host, via.port, via.params.received], ['[2001:db8::1]', 5062, '2001:db8::2']);
  });

  test('extension headers stay strings, even when named like Object.prototype members', () => {
    const m = ok(decode(invite({ 'X-Custom': 'a;b=c', constructor: 'c' }).replace('\r\n\r\n', '\r\n__proto__: p\r\n\r\n')));
    assert.equal(m.headers['x-custom'], 'a;b=c');
    assert.equal(Object.getPrototypeOf(m.headers), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(m.headers, '__proto__')?.value, 'p');
    assert.equal(m.headers.constructor, 'c');
  });

  test('leading CRLFs before the start line are ignored', () => {
    assert.equal(ok(decode('\r\n\r\n\r\n' + invite())).method, 'INVITE');
  });

  test('a message with bare LF line endings is tolerated', () => {
    const m = ok(decode(invite({}, 'v=0\n').replace(/\r\n/g, '\n')));
    assert.equal(m.headers['call-id'], 'call-1@192.0.2.10');
    assert.equal(m.content, 'v=0\n');
  });

  test('a message over the size limit is a 513 with an answerable partial', () => {
    const text = invite();
    const r = failed(decode(Buffer.from(text, 'latin1'), text.length - 1));
    assert.equal(r.code, 'CC_SIP_TOO_LARGE');
    assert.equal(r.status, 513);
    assert.equal(r.partial?.headers.via[0].host, '192.0.2.10');
    assert.equal(ok(decode(text, text.length)).method, 'INVITE');
  });

  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    test(`a request without ${name} is rejected as missing a mandatory header`, () => {
      const r = failed(decode(invite({ [name]: null })));
      assert.equal(r.code, 'CC_SIP_MISSING_HEADER');
      assert.equal(r.status, 400);
      if (name === 'Via') assert.equal(r.partial, undefined, 'nowhere to send an answer');
      else assert.equal(r.partial?.headers.via[0].host, '192.0.2.10');
    });
  }

  test('an unparsable mandatory header is reported like a missing one', () => {
    for (const [name, value] of [['From', 'not a uri'], ['To', '<sip:bob@example.com'], ['CSeq', 'INVITE 7'], ['Via', 'SIP/2.0/UDP']]) {
      assert.equal(failed(decode(invite({ [name]: value }))).code, 'CC_SIP_MISSING_HEADER', `${name}: ${value}`);
    }
  });

  test('a CSeq method that differs from the request method is a CSeq mismatch', () => {
    const r = failed(decode(invite({ CSeq: '7 BYE' })));
    assert.equal(r.code, 'CC_SIP_CSEQ_MISMATCH');
    assert.equal(r.status, 400);
    assert.deepEqual(r.partial?.headers.cseq, { seq: 7, method: 'BYE' });
  });

  test('a CSeq number of 2**31 or more is rejected', () => {
    assert.equal(failed(decode(invite({ CSeq: `${2 ** 31} INVITE` }))).code, 'CC_SIP_MISSING_HEADER');
    assert.equal(ok(decode(invite({ CSeq: `${2 ** 31 - 1} INVITE` }))).headers.cseq.seq, 2 ** 31 - 1);
  });

  test('a garbage or out-of-range Max-Forwards is malformed, leading zeros are not', () => {
    for (const v of ['seventy', '-1', '256', '7 0', '']) assert.equal(failed(decode(invite({ 'Max-Forwards': v }))).code, 'CC_SIP_MALFORMED', v);
    assert.equal(ok(decode(invite({ 'Max-Forwards': '0070' }))).headers['max-forwards'], '0070');
  });

  test('a repeated single-value header is rejected', () => {
    const text = invite().replace('Call-ID: call-1@192.0.2.10\r\n', 'Call-ID: call-1@192.0.2.10\r\nCall-ID: call-2\r\n');
    assert.equal(failed(decode(text)).code, 'CC_SIP_MALFORMED');
  });

  test('an unsupported SIP version is a 505 with an answerable partial', () => {
    const r = failed(decode(invite({}, BODY, 'INVITE sip:bob@example.com SIP/3.0')));
    assert.equal(r.code, 'CC_SIP_UNSUPPORTED_VERSION');
    assert.equal(r.status, 505);
    assert.equal(r.partial?.method, 'INVITE');
  });

  test('a malformed request line is a 400 that can still be answered', () => {
    for (const line of ['INVITE  sip:bob@example.com SIP/2.0', 'INVITE <sip:bob@example.com> SIP/2.0', 'INVITE sip:bob@example.com?Route=x SIP/2.0']) {
      const r = failed(decode(invite({}, BODY, line)));
      assert.equal(r.code, 'CC_SIP_MALFORMED', line);
      assert.equal(r.partial?.headers.via[0].host, '192.0.2.10', line);
    }
  });

  test('a header line without a colon is malformed', () => {
    assert.equal(failed(decode(invite().replace('Max-Forwards: 70', 'Max-Forwards 70'))).code, 'CC_SIP_MALFORMED');
  });

  test('responses decode, and a status code outside 100-699 is rejected without a partial', () => {
    const response = (code: string) => invite({}, '', `SIP/2.0 ${code} Whatever`);
    const m = decode(response('180'));
    assert.ok(m.ok && !isRequest(m.message));
    assert.equal(m.message.status, 180);
    assert.equal(m.message.reason, 'Whatever');
    for (const code of ['099', '700', '1800']) assert.equal(failed(decode(response(code))).partial, undefined, code);
  });

  test('an empty message or one without an end of headers is malformed', () => {
    assert.equal(failed(decode('\r\n\r\n')).code, 'CC_SIP_MALFORMED');
    assert.equal(failed(decode('INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n')).code, 'CC_SIP_MALFORMED');
  });

  test('a decoded message re-encodes to bytes that decode to the same message', () => {
    const m = ok(decode(invite()));
    assert.deepEqual(decode(encode(m)), { ok: true, message: m });
  });
});

describe('parseNameAddr', () => {
  test('parses name-addr and addr-spec forms, and refuses malformed ones', () => {
    assert.deepEqual(parseNameAddr('Alice <sip:alice@example.com>;tag=x'), { name: 'Alice', uri: 'sip:alice@example.com', params: { tag: 'x' } });
    assert.deepEqual(parseNameAddr('sip:bob@example.com;tag=y'), { uri: 'sip:bob@example.com', params: { tag: 'y' } });
    for (const bad of ['Bell, Alexander <sip:a@b>', '< sip:a@b >', 'sip:a@b?x=y', '"unterminated <sip:a@b>', 'no-scheme']) {
      assert.equal(parseNameAddr(bad), undefined, bad);
    }
  });
});

describe('makeResponse', () => {
  test('copies Via, From, To, Call-ID and CSeq from the request', () => {
    const rq = ok(decode(invite({ Via: 'SIP/2.0/UDP a.example.com;branch=z9hG4bK1, SIP/2.0/TCP b.example.com;branch=z9hG4bK2' })));
    const rs = makeResponse(rq, 486, 'Busy Here');
    assert.equal(rs.status, 486);
    assert.equal(rs.reason, 'Busy Here');
    assert.equal(rs.version, '2.0');
    assert.deepEqual(rs.headers.via, rq.headers.via);
    assert.deepEqual(rs.headers.from, rq.headers.from);
    assert.deepEqual(rs.headers.to, rq.headers.to);
    assert.equal(rs.headers['call-id'], rq.headers['call-id']);
    assert.deepEqual(rs.headers.cseq, rq.headers.cseq);
    assert.equal(rs.content, '');
  });

  test('gives the response its own To, so adding a tag leaves the request alone', () => {
    const rq = ok(decode(invite()));
    const rs = makeResponse(rq, 200, 'OK');
    rs.headers.to.params.tag = 'b2';
    assert.equal(rq.headers.to.params.tag, undefined);
  });

  test('copies Record-Route into 2xx answers only, and adds extra headers and a body', () => {
    const rq = ok(decode(invite({ 'Record-Route': '<sip:proxy.example.com;lr>' })));
    assert.deepEqual(makeResponse(rq, 200, 'OK').headers['record-route'], [{ uri: 'sip:proxy.example.com;lr', params: {} }]);
    assert.equal(makeResponse(rq, 180, 'Ringing').headers['record-route'], undefined);
    const rs = makeResponse(rq, 200, 'OK', { headers: { 'content-type': 'application/sdp' }, content: 'v=0\r\n' });
    assert.equal(rs.headers['content-type'], 'application/sdp');
    const back = decode(encode(rs));
    assert.ok(back.ok && !isRequest(back.message));
    assert.equal(back.message.status, 200);
    assert.equal(back.message.content, 'v=0\r\n');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chooseCrypto, formatCryptoAttribute, parseCryptoAttribute, srtpVerdict, withSdes } from './sdes.ts';
import { parseSdp } from './sdp.ts';

const key30 = randomBytes(30).toString('base64');

test('parses the RFC 4568 example line with lifetime and ignores the lifetime', () => {
  const r = parseCryptoAttribute('1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20');
  assert.ok(r.ok);
  assert.equal(r.crypto.tag, 1);
  assert.equal(r.crypto.suite, 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(Buffer.from(r.crypto.keyBase64, 'base64').length, 30);
});

test('format then parse gives the same key', () => {
  const c = { tag: 7, suite: 'AES_CM_128_HMAC_SHA1_32' as const, keyBase64: key30 };
  assert.equal(formatCryptoAttribute(c), `7 AES_CM_128_HMAC_SHA1_32 inline:${key30}`);
  const r = parseCryptoAttribute(formatCryptoAttribute(c));
  assert.deepEqual(r, { ok: true, crypto: c });
});

test('bad lines are coded results, never throws', () => {
  const cases: [string, string][] = [
    ['', 'CC_SDES_MALFORMED'],
    ['1 AES_CM_128_HMAC_SHA1_80', 'CC_SDES_MALFORMED'],
    ['x AES_CM_128_HMAC_SHA1_80 inline:' + key30, 'CC_SDES_MALFORMED'],
    ['1 AES_CM_128_HMAC_SHA1_80 inline:%%%notbase64', 'CC_SDES_MALFORMED'],
    ['1 AES_CM_128_HMAC_SHA1_80 inline:' + randomBytes(16).toString('base64'), 'CC_SDES_MALFORMED'],
    ['1 AES_CM_128_HMAC_SHA1_80 uri:http://x', 'CC_SDES_MALFORMED'],
    ['1 AES_CM_128_HMAC_SHA1_80 inline:' + key30 + '|junk', 'CC_SDES_MALFORMED'],
    ['1 F8_128_HMAC_SHA1_80 inline:' + key30, 'CC_SDES_UNSUPPORTED'],
    ['1 AES_CM_128_HMAC_SHA1_80 inline:' + key30 + '|2^20|1:4', 'CC_SDES_UNSUPPORTED'],
    ['1 AES_CM_128_HMAC_SHA1_80 inline:' + key30 + ' UNENCRYPTED_SRTP', 'CC_SDES_UNSUPPORTED'],
    ['1 AES_CM_128_HMAC_SHA1_80 inline:' + key30 + ';inline:' + key30, 'CC_SDES_UNSUPPORTED'],
    ['1 ' + 'A'.repeat(2000), 'CC_SDES_MALFORMED'],
  ];
  for (const [line, code] of cases) {
    const r = parseCryptoAttribute(line);
    assert.equal(r.ok, false, line);
    if (!r.ok) assert.equal(r.code, code, line);
  }
  assert.equal(parseCryptoAttribute(undefined as unknown as string).ok, false);
});

test('chooseCrypto takes the first usable line in offer order', () => {
  const r = chooseCrypto(['1 AEAD_AES_999 inline:' + key30, '2 AES_CM_128_HMAC_SHA1_32 inline:' + key30, '3 AES_CM_128_HMAC_SHA1_80 inline:' + key30]);
  assert.ok(r.ok);
  assert.equal(r.crypto.tag, 2);
  assert.equal(chooseCrypto([]).ok, false);
});

test('policy: SAVP needs good crypto, plain is refused only when mandatory, AVP+crypto is best effort', () => {
  const good = ['1 AES_CM_128_HMAC_SHA1_80 inline:' + key30];
  const bad = ['1 AES_CM_128_HMAC_SHA1_80 inline:short'];
  assert.equal(srtpVerdict('RTP/SAVP', good, 'optional').kind, 'srtp');
  assert.equal(srtpVerdict('RTP/SAVP', good, 'mandatory').kind, 'srtp');
  assert.deepEqual(srtpVerdict('RTP/SAVP', bad, 'optional'), { kind: 'refuse', status: 488, code: 'CC_SDES_MALFORMED', reason: 'key is 3 bytes, AES_CM_128_HMAC_SHA1_80 needs 30' });
  assert.equal(srtpVerdict('RTP/SAVP', [], 'optional').kind, 'refuse');
  assert.equal(srtpVerdict('RTP/SAVP', good, 'off').kind, 'refuse');
  assert.equal(srtpVerdict('RTP/AVP', [], 'optional').kind, 'plain');
  assert.equal(srtpVerdict('RTP/AVP', [], 'off').kind, 'plain');
  const m = srtpVerdict('RTP/AVP', [], 'mandatory');
  assert.equal(m.kind === 'refuse' && m.code, 'CC_SDES_REQUIRED');
  const be = srtpVerdict('RTP/AVP', good, 'optional');
  assert.equal(be.kind === 'srtp' && be.profile, 'RTP/AVP');
  assert.equal(srtpVerdict('RTP/AVP', bad, 'optional').kind, 'plain');
  assert.equal(srtpVerdict('RTP/AVP', bad, 'mandatory').kind, 'refuse');
  assert.equal(srtpVerdict('RTP/AVP', good, 'off').kind, 'plain');
  assert.equal(srtpVerdict('UDP/TLS/RTP/SAVPF', good, 'optional').kind, 'refuse');
});

test('parseSdp keeps the audio m-line crypto values; withSdes adds ours and the profile', () => {
  const sdp = ['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 4000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key30}`, 'a=sendrecv', 'm=video 0 RTP/AVP 96', ''].join('\r\n');
  const p = parseSdp(sdp);
  assert.ok(p.ok);
  assert.deepEqual(p.offer.crypto, [`1 AES_CM_128_HMAC_SHA1_80 inline:${key30}`]);
  const plain = ['v=0', 'o=- 1 1 IN IP4 10.0.0.2', 's=-', 'c=IN IP4 10.0.0.2', 't=0 0', 'm=audio 5000 RTP/AVP 0 101', 'a=sendrecv', 'm=video 0 RTP/AVP 96', ''].join('\r\n');
  const ours = { tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80' as const, keyBase64: key30 };
  const secured = withSdes(plain, ours, 'RTP/SAVP');
  const q = parseSdp(secured);
  assert.ok(q.ok);
  assert.equal(q.offer.protocol, 'RTP/SAVP');
  assert.deepEqual(q.offer.crypto, [formatCryptoAttribute(ours)]);
  assert.ok(secured.indexOf('a=crypto') < secured.indexOf('m=video'));
  assert.equal(withSdes(secured, ours, 'RTP/SAVP'), secured);
});

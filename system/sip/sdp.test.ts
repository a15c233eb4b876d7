import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSdp, negotiateCodec, buildSdp, answerDirection, isHold } from './sdp.ts';
import type { AudioOffer, SdpParseResult } from './sdp.ts';

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

const BARESIP_OFFER = crlf([
  'v=0',
  'o=- 1246178426 2048829498 IN IP4 192.168.1.100',
  's=-',
  'c=IN IP4 192.168.1.100',
  't=0 0',
  'm=audio 11776 RTP/AVP 0 8 101',
  'b=AS:93',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=rtcp-rsize',
  'a=rtcp:11777',
  'a=ptime:20',
  'a=sendrecv',
  'a=label:1',
]);

const SIPP_OFFER = crlf([
  'v=0',
  'o=user1 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
]);

const OURS = [
  { name: 'PCMA', clockRate: 8000 },
  { name: 'PCMU', clockRate: 8000 },
];

function offerOf(r: SdpParseResult): AudioOffer {
  if (!r.ok) assert.fail(`expected ok, got ${r.code}: ${r.reason}`);
  return r.offer;
}

function withDirection(dir: string, conn = '192.0.2.10'): string {
  return crlf(['v=0', 'o=- 1 2 IN IP4 192.0.2.10', 's=-', `c=IN IP4 ${conn}`, 't=0 0', 'm=audio 4000 RTP/AVP 0', `a=${dir}`]);
}

test('a typical baresip offer parses into address, port, codecs, telephone-event and attributes', () => {
  const o = offerOf(parseSdp(BARESIP_OFFER));
  assert.equal(o.connectionAddress, '192.168.1.100');
  assert.equal(o.port, 11776);
  assert.deepEqual(o.codecs, [
    { payloadType: 0, name: 'PCMU', clockRate: 8000 },
    { payloadType: 8, name: 'PCMA', clockRate: 8000 },
  ]);
  assert.deepEqual(o.telephoneEvent, { payloadType: 101, name: 'telephone-event', clockRate: 8000, fmtp: '0-15' });
  assert.equal(o.direction, 'sendrecv');
  assert.equal(o.holdByZeroAddress, false);
  assert.equal(o.ptime, 20);
  assert.equal(o.rtcpMux, false);
  assert.equal(o.rtcpPort, 11777);
  assert.equal(o.sessionId, '1246178426');
  assert.equal(o.sessionVersion, '2048829498');
  assert.deepEqual(o.otherMedia, []);
  assert.equal(o.mediaIndex, 0);
  assert.equal(o.protocol, 'RTP/AVP');
});

test('the sipp default offer parses, and static payload type 0 is known without rtpmap', () => {
  const o = offerOf(parseSdp(SIPP_OFFER));
  assert.equal(o.connectionAddress, '127.0.0.1');
  assert.equal(o.port, 6000);
  assert.deepEqual(o.codecs, [{ payloadType: 0, name: 'PCMU', clockRate: 8000 }]);
  assert.equal(o.telephoneEvent, undefined);
  assert.equal(o.direction, 'sendrecv');
  const bare = offerOf(parseSdp(SIPP_OFFER.replace('a=rtpmap:0 PCMU/8000\r\n', '')));
  assert.deepEqual(bare.codecs, [{ payloadType: 0, name: 'PCMU', clockRate: 8000 }]);
  const statics = offerOf(parseSdp(SIPP_OFFER.replace('RTP/AVP 0', 'RTP/AVP 9 18 8')));
  assert.deepEqual(statics.codecs.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`), ['9 G722/8000', '18 G729/8000', '8 PCMA/8000']);
});

test('LF line endings, trailing spaces, unknown lines and b= lines are tolerated', () => {
  const text = BARESIP_OFFER.replace(/\r\n/g, '   \n').replace('t=0 0', 't=0 0\nx=whatever\nnot an sdp line\nb=CT:128');
  const o = offerOf(parseSdp(text));
  assert.equal(o.port, 11776);
  assert.equal(o.codecs.length, 2);
  assert.equal(o.telephoneEvent?.payloadType, 101);
});

test('a dynamic payload type without rtpmap is skipped and opus keeps its channel count', () => {
  const o = offerOf(
    parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 111 96 0', 'a=rtpmap:111 opus/48000/2', 'a=fmtp:111 useinbandfec=1'])),
  );
  assert.deepEqual(o.codecs, [
    { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' },
    { payloadType: 0, name: 'PCMU', clockRate: 8000 },
  ]);
});

test('an IPv6 media-level c= line wins over the session-level one', () => {
  const o = offerOf(
    parseSdp(crlf(['v=0', 'o=- 1 1 IN IP6 2001:db8::1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 5004 RTP/AVP 0', 'c=IN IP6 2001:db8::2', 'a=rtcp-mux'])),
  );
  assert.equal(o.connectionAddress, '2001:db8::2');
  assert.equal(o.rtcpMux, true);
});

test('media-level direction wins over session-level direction', () => {
  const o = offerOf(parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=inactive', 'm=audio 5004 RTP/AVP 0', 'a=sendonly'])));
  assert.equal(o.direction, 'sendonly');
  const s = offerOf(parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=recvonly', 'm=audio 5004 RTP/AVP 0'])));
  assert.equal(s.direction, 'recvonly');
});

test('with several audio m-lines the first with a non-zero port is used and the rest are kept as other media', () => {
  const o = offerOf(
    parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 0 RTP/AVP 0', 'm=video 5006 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=audio 5004 RTP/AVP 8', 'a=sendonly'])),
  );
  assert.equal(o.mediaIndex, 2);
  assert.equal(o.port, 5004);
  assert.deepEqual(o.codecs, [{ payloadType: 8, name: 'PCMA', clockRate: 8000 }]);
  assert.equal(o.direction, 'sendonly');
  assert.deepEqual(o.otherMedia, [
    { kind: 'audio', proto: 'RTP/AVP', formats: '0', index: 0 },
    { kind: 'video', proto: 'RTP/AVP', formats: '96', index: 1 },
  ]);
  const allRejected = offerOf(parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'm=audio 0 RTP/AVP 0', 'm=audio 0 RTP/AVP 8'])));
  assert.equal(allRejected.mediaIndex, 0);
  assert.equal(allRejected.port, 0);
});

test('malformed descriptions give CC_SDP_MALFORMED and a video-only one gives CC_SDP_NO_AUDIO', () => {
  const bad = [
    '',
    'garbage\r\n',
    SIPP_OFFER.replace('v=0\r\n', ''),
    SIPP_OFFER.replace('m=audio 6000 RTP/AVP 0\r\n', ''),
    SIPP_OFFER.replace('6000', '70000'),
    SIPP_OFFER.replace('6000', '-1'),
    SIPP_OFFER.replace('6000', 'abc'),
    SIPP_OFFER.replace('c=IN IP4 127.0.0.1', 'c=IN IP4'),
    SIPP_OFFER.replace('c=IN IP4 127.0.0.1\r\n', ''),
    SIPP_OFFER.replace(/o=.*\r\n/, ''),
    42 as unknown as string,
  ];
  for (const text of bad) {
    const r = parseSdp(text);
    assert.equal(r.ok, false, JSON.stringify(text));
    if (!r.ok) assert.equal(r.code, 'CC_SDP_MALFORMED', JSON.stringify(text));
  }
  const video = parseSdp(SIPP_OFFER.replace('m=audio 6000 RTP/AVP 0', 'm=video 6000 RTP/AVP 96'));
  assert.deepEqual(video.ok ? undefined : video.code, 'CC_SDP_NO_AUDIO');
});

test('negotiation picks by our preference and keeps the remote payload type', () => {
  const o = offerOf(parseSdp(BARESIP_OFFER));
  assert.deepEqual(negotiateCodec(o.codecs, OURS), { payloadType: 8, name: 'PCMA', clockRate: 8000 });
  assert.deepEqual(negotiateCodec(o.codecs, [{ name: 'pcmu', clockRate: 8000 }]), { payloadType: 0, name: 'PCMU', clockRate: 8000 });
  const dynamic = [{ payloadType: 97, name: 'pcma', clockRate: 8000 }, { payloadType: 0, name: 'PCMU', clockRate: 8000 }];
  assert.equal(negotiateCodec(dynamic, OURS)?.payloadType, 97);
  assert.equal(negotiateCodec([{ payloadType: 96, name: 'PCMA', clockRate: 16000 }], OURS), undefined);
});

test('negotiation returns undefined for a G729-only offer', () => {
  const o = offerOf(parseSdp(SIPP_OFFER.replace('RTP/AVP 0', 'RTP/AVP 18').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:18 G729/8000')));
  assert.deepEqual(o.codecs, [{ payloadType: 18, name: 'G729', clockRate: 8000 }]);
  assert.equal(negotiateCodec(o.codecs, OURS), undefined);
});

test('hold is detected for sendonly, inactive and c=0.0.0.0 but not for sendrecv or recvonly', () => {
  assert.equal(isHold(offerOf(parseSdp(withDirection('sendonly')))), true);
  assert.equal(isHold(offerOf(parseSdp(withDirection('inactive')))), true);
  const zero = offerOf(parseSdp(withDirection('sendrecv', '0.0.0.0')));
  assert.equal(zero.holdByZeroAddress, true);
  assert.equal(zero.direction, 'sendrecv');
  assert.equal(isHold(zero), true);
  assert.equal(isHold(offerOf(parseSdp(withDirection('sendrecv')))), false);
  assert.equal(isHold(offerOf(parseSdp(withDirection('recvonly')))), false);
});

test('answer direction follows RFC 3264 section 6.1', () => {
  assert.equal(answerDirection('sendonly'), 'recvonly');
  assert.equal(answerDirection('recvonly'), 'sendonly');
  assert.equal(answerDirection('inactive'), 'inactive');
  assert.equal(answerDirection('sendrecv'), 'sendrecv');
});

test('a built description parses back to the same values', () => {
  const text = buildSdp({
    sessionId: '4242',
    sessionVersion: 7,
    originAddress: '10.1.2.3',
    connectionAddress: '10.1.2.4',
    port: 40000,
    codecs: [{ payloadType: 8, name: 'PCMA', clockRate: 8000 }, { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' }],
    telephoneEvent: { payloadType: 101, name: 'telephone-event', clockRate: 8000 },
    direction: 'recvonly',
    ptime: 20,
    rtcpMux: true,
  });
  assert.match(text, /^v=0\r\no=- 4242 7 IN IP4 10\.1\.2\.3\r\ns=-\r\nc=IN IP4 10\.1\.2\.4\r\nt=0 0\r\nm=audio 40000 RTP\/AVP 8 111 101\r\n/);
  assert.ok(text.endsWith('\r\n'));
  assert.ok(!/[^\r]\n/.test(text), 'every line ends in CRLF');
  assert.match(text, /a=fmtp:101 0-16\r\n/);
  const o = offerOf(parseSdp(text));
  assert.equal(o.sessionId, '4242');
  assert.equal(o.sessionVersion, '7');
  assert.equal(o.connectionAddress, '10.1.2.4');
  assert.equal(o.port, 40000);
  assert.deepEqual(o.codecs, [{ payloadType: 8, name: 'PCMA', clockRate: 8000 }, { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' }]);
  assert.deepEqual(o.telephoneEvent, { payloadType: 101, name: 'telephone-event', clockRate: 8000, fmtp: '0-16' });
  assert.equal(o.direction, 'recvonly');
  assert.equal(o.ptime, 20);
  assert.equal(o.rtcpMux, true);

  const v6 = offerOf(parseSdp(buildSdp({ sessionId: '1', sessionVersion: 1, originAddress: '2001:db8::1', connectionAddress: '2001:db8::1', port: 5000, codecs: [{ payloadType: 0, name: 'PCMU', clockRate: 8000 }], direction: 'sendrecv' })));
  assert.equal(v6.connectionAddress, '2001:db8::1');
});

test('an answer mirrors a video m-line as rejected with port 0 in its original position', () => {
  const offerText = crlf([
    'v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0',
    'm=video 5006 RTP/AVP 96 97', 'a=rtpmap:96 H264/90000', 'a=rtpmap:97 VP8/90000',
    'm=audio 5004 RTP/AVP 0 8 101', 'a=rtpmap:101 telephone-event/8000',
  ]);
  const offer = offerOf(parseSdp(offerText));
  const codec = negotiateCodec(offer.codecs, OURS);
  assert.ok(codec);
  const answer = buildSdp({
    sessionId: '99', sessionVersion: 1, originAddress: '10.0.0.9', connectionAddress: '10.0.0.9', port: 30000,
    codecs: [codec], telephoneEvent: offer.telephoneEvent, direction: answerDirection(offer.direction), mirror: offer,
  });
  const mLines = answer.split('\r\n').filter((l) => l.startsWith('m='));
  assert.deepEqual(mLines, ['m=video 0 RTP/AVP 96 97', 'm=audio 30000 RTP/AVP 8 101']);
  const back = offerOf(parseSdp(answer));
  assert.equal(back.mediaIndex, 1);
  assert.deepEqual(back.otherMedia, [{ kind: 'video', proto: 'RTP/AVP', formats: '96 97', index: 0 }]);
});

/** Deterministic PRNG so a failing mutation can be replayed. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('2,000 random mutations of a valid description never throw and give well-formed results', () => {
  const rnd = mulberry32(0x5d9);
  const pick = (n: number) => Math.floor(rnd() * n);
  const base = crlf([
    ...BARESIP_OFFER.trimEnd().split('\r\n'),
    'm=video 5006 RTP/AVP 96', 'c=IN IP6 2001:db8::5', 'a=rtpmap:96 H264/90000', 'a=sendonly',
    'm=audio 7000 RTP/AVP 111 0', 'a=rtpmap:111 opus/48000/2', 'a=rtcp-mux',
  ]);
  let oks = 0;
  for (let i = 0; i < 2000; i++) {
    let lines = base.split('\r\n');
    const steps = 1 + pick(4);
    for (let s = 0; s < steps; s++) {
      const at = pick(lines.length);
      switch (pick(6)) {
        case 0: lines.splice(at, 1); break;
        case 1: lines.splice(at, 0, lines[at] ?? ''); break;
        case 2: lines[at] = (lines[at] ?? '').slice(0, pick((lines[at] ?? '').length + 1)); break;
        case 3: {
          const l = lines[at] ?? '';
          const p = pick(l.length + 1);
          lines[at] = l.slice(0, p) + String.fromCharCode(pick(256)) + l.slice(p + 1);
          break;
        }
        case 4: lines = lines.join('\r\n').slice(0, pick(base.length)).split('\r\n'); break;
        default: lines.splice(at, 0, Array.from({ length: pick(40) }, () => String.fromCharCode(pick(65536))).join('')); break;
      }
    }
    const text = lines.join(pick(2) ? '\r\n' : '\n');
    let r: SdpParseResult;
    assert.doesNotThrow(() => { r = parseSdp(text); }, `mutation ${i}: ${JSON.stringify(text)}`);
    r = r!;
    if (!r.ok) {
      assert.ok(r.code === 'CC_SDP_MALFORMED' || r.code === 'CC_SDP_NO_AUDIO');
      assert.ok(!r.reason.startsWith('internal'), `mutation ${i} hit the safety net: ${r.reason}`);
      continue;
    }
    oks++;
    const o = r.offer;
    assert.ok(Number.isInteger(o.port) && o.port >= 0 && o.port <= 65535);
    assert.ok(o.port === 0 || o.connectionAddress !== '');
    assert.ok(o.codecs.every((c) => c.name.toLowerCase() !== 'telephone-event' && c.payloadType >= 0 && c.payloadType <= 127));
    // Whatever parsed must survive a build -> parse round trip.
    if (o.port !== 0 && o.codecs.length > 0) {
      const again = parseSdp(buildSdp({
        sessionId: '1', sessionVersion: 1, originAddress: '10.0.0.1', connectionAddress: o.connectionAddress, port: o.port,
        codecs: o.codecs, telephoneEvent: o.telephoneEvent, direction: answerDirection(o.direction), ptime: o.ptime, mirror: o,
      }));
      assert.ok(again.ok, `mutation ${i}: rebuilt answer did not parse`);
      assert.equal(again.offer.mediaIndex, o.mediaIndex);
      assert.deepEqual(again.offer.codecs, o.codecs);
    }
  }
  assert.ok(oks > 200, `only ${oks} mutations parsed; the fuzz is not exercising the success path`);
});

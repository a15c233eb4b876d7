import { test } from 'node:test';
import assert from 'node:assert/strict';
import { legSdp, remoteMediaOf, type LegSdpInput } from './leg-sdp.ts';
import { parseSdp, type AudioOffer, type MediaDirection } from '../sip/sdp.ts';

function input(over: Partial<LegSdpInput> = {}): LegSdpInput {
  return {
    sessionId: '123456',
    version: 3,
    address: '192.0.2.50',
    port: 20000,
    rtcpPort: 20001,
    codecs: { codec: { name: 'PCMU', payloadType: 0 }, telephoneEventPayloadType: 101 },
    direction: 'sendrecv',
    ...over,
  };
}

function parsed(sdp: string): AudioOffer {
  const r = parseSdp(sdp);
  if (!r.ok) assert.fail(`our own SDP does not parse: ${r.code} ${r.reason}\n${sdp}`);
  return r.offer;
}

const crlf = (lines: string[]) => lines.join('\r\n') + '\r\n';

function offerWith(media: string[], session: string[] = ['c=IN IP4 198.51.100.9']): AudioOffer {
  return parsed(crlf(['v=0', 'o=- 1 1 IN IP4 198.51.100.9', 's=-', ...session, 't=0 0', ...media]));
}

// legSdp

test('our SDP parses back to the same address, port, codec and telephone-event', () => {
  const o = parsed(legSdp(input()));
  assert.equal(o.connectionAddress, '192.0.2.50');
  assert.equal(o.port, 20000);
  assert.deepEqual(o.codecs, [{ payloadType: 0, name: 'PCMU', clockRate: 8000 }]);
  assert.equal(o.telephoneEvent?.payloadType, 101);
  assert.equal(o.telephoneEvent?.clockRate, 8000);
  assert.equal(o.direction, 'sendrecv');
  assert.equal(o.ptime, 20);
  assert.equal(o.protocol, 'RTP/AVP');
  assert.equal(o.rtcpMux, false);
  assert.equal(o.holdByZeroAddress, false);
  assert.equal(o.sessionId, '123456');
  assert.equal(o.sessionVersion, '3');
});

test('the remote payload type numbers are kept, including dynamic ones', () => {
  const o = parsed(legSdp(input({ codecs: { codec: { name: 'PCMA', payloadType: 8 }, telephoneEventPayloadType: 96 } })));
  assert.deepEqual(o.codecs.map((c) => [c.payloadType, c.name]), [[8, 'PCMA']]);
  assert.equal(o.telephoneEvent?.payloadType, 96);
});

test('without a telephone-event payload type only the codec is offered', () => {
  const sdp = legSdp(input({ codecs: { codec: { name: 'PCMA', payloadType: 8 } } }));
  const o = parsed(sdp);
  assert.equal(o.telephoneEvent, undefined);
  assert.match(sdp, /^m=audio 20000 RTP\/AVP 8\r$/m);
  assert.doesNotMatch(sdp, /telephone-event/);
});

test('every direction asked for is written and parses back', () => {
  for (const direction of ['sendrecv', 'sendonly', 'recvonly', 'inactive'] as MediaDirection[]) {
    assert.equal(parsed(legSdp(input({ direction }))).direction, direction);
  }
});

test('an RTCP port other than RTP+1 is announced with a=rtcp and parses back', () => {
  const sdp = legSdp(input({ port: 20000, rtcpPort: 20007 }));
  assert.match(sdp, /^a=rtcp:20007\r$/m);
  assert.equal(parsed(sdp).rtcpPort, 20007);
});

test('an RTCP port of RTP+1 is the default and needs no a=rtcp', () => {
  const sdp = legSdp(input({ port: 20000, rtcpPort: 20001 }));
  assert.doesNotMatch(sdp, /a=rtcp:/);
  assert.equal(parsed(sdp).rtcpPort, undefined);
});

test('the session version is written as given', () => {
  assert.equal(parsed(legSdp(input({ version: 0 }))).sessionVersion, '0');
  assert.equal(parsed(legSdp(input({ version: 42 }))).sessionVersion, '42');
});

test('an IPv6 address is written as IP6 and parses back', () => {
  const sdp = legSdp(input({ address: '2001:db8::5' }));
  assert.match(sdp, /^c=IN IP6 2001:db8::5\r$/m);
  assert.equal(parsed(sdp).connectionAddress, '2001:db8::5');
});

test('the SDP is CRLF-terminated and starts with v=0', () => {
  const sdp = legSdp(input());
  assert.ok(sdp.startsWith('v=0\r\n'));
  assert.ok(sdp.endsWith('\r\n'));
  assert.doesNotMatch(sdp.replace(/\r\n/g, ''), /[\r\n]/);
});

test('an answer mirrors the offer layout: other m-lines come back rejected in their places', () => {
  const offer = offerWith(['m=video 5000 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'm=audio 4000 RTP/AVP 0 8', 'm=application 6000 UDP/BFCP *']);
  assert.equal(offer.mediaIndex, 1);
  const sdp = legSdp(input({ answering: offer }));
  const mLines = sdp.split('\r\n').filter((l) => l.startsWith('m='));
  assert.deepEqual(mLines, ['m=video 0 RTP/AVP 96', 'm=audio 20000 RTP/AVP 0 101', 'm=application 0 UDP/BFCP *']);
  const back = parsed(sdp);
  assert.equal(back.mediaIndex, 1);
  assert.equal(back.port, 20000);
});

test('an offer (no answering) has a single audio m-line', () => {
  const mLines = legSdp(input()).split('\r\n').filter((l) => l.startsWith('m='));
  assert.deepEqual(mLines, ['m=audio 20000 RTP/AVP 0 101']);
});

// remoteMediaOf

test('remoteMediaOf gives the remote address, RTP port and a=rtcp port', () => {
  const o = offerWith(['m=audio 4000 RTP/AVP 0', 'a=rtcp:4005']);
  assert.deepEqual(remoteMediaOf(o), { address: '198.51.100.9', port: 4000, rtcpPort: 4005 });
});

test('remoteMediaOf leaves the RTCP port undefined when the remote did not announce one', () => {
  const o = offerWith(['m=audio 4000 RTP/AVP 0']);
  assert.deepEqual(remoteMediaOf(o), { address: '198.51.100.9', port: 4000, rtcpPort: undefined });
});

test('with rtcp-mux, RTCP goes to the RTP port', () => {
  const o = offerWith(['m=audio 4000 RTP/AVP 0', 'a=rtcp:4005', 'a=rtcp-mux']);
  assert.deepEqual(remoteMediaOf(o), { address: '198.51.100.9', port: 4000, rtcpPort: 4000 });
});

test('a media-level c= wins over the session-level one', () => {
  const o = offerWith(['m=audio 4000 RTP/AVP 0', 'c=IN IP4 203.0.113.77']);
  assert.equal(remoteMediaOf(o)?.address, '203.0.113.77');
});

test('a rejected stream (port 0) has no remote media', () => {
  assert.equal(remoteMediaOf(offerWith(['m=audio 0 RTP/AVP 0'])), undefined);
  assert.equal(remoteMediaOf(offerWith(['m=audio 0 RTP/AVP 0'], [])), undefined, 'port 0 without any c=');
});

test('an old-style hold (c=0.0.0.0) has no remote media', () => {
  const o = offerWith(['m=audio 4000 RTP/AVP 0', 'a=sendonly'], ['c=IN IP4 0.0.0.0']);
  assert.equal(o.holdByZeroAddress, true);
  assert.equal(remoteMediaOf(o), undefined);
});

test('a hold by direction alone keeps the remote media address', () => {
  const o = offerWith(['m=audio 4000 RTP/AVP 0', 'a=sendonly']);
  assert.deepEqual(remoteMediaOf(o), { address: '198.51.100.9', port: 4000, rtcpPort: undefined });
});

test('our own SDP is understood by remoteMediaOf', () => {
  assert.deepEqual(remoteMediaOf(parsed(legSdp(input({ rtcpPort: 20009 })))), { address: '192.0.2.50', port: 20000, rtcpPort: 20009 });
});

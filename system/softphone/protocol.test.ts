// The softphone protocol's validation: what a page may send, and the coded refusals (with
// the request id when it had one) for everything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MESSAGE_BYTES, parseRequest } from './protocol.ts';

const callId = '0b6f3c1e-8d5a-4c2b-9a7e-2f1d3c4b5a69';
const rq = (id: unknown, method: unknown, params: unknown) => JSON.stringify({ id, method, params });

/** Shaped as mediasoup-client 3.24 sends its 'produce' event for Chromium's PCMU (codecs as seen in a run; ids and SSRC made up). */
const chromiumPcmu = {
  mid: '0',
  codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000, channels: 1, parameters: {}, rtcpFeedback: [] }],
  headerExtensions: [
    { uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1, encrypt: false, parameters: {} },
    { uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time', id: 4, encrypt: false, parameters: {} },
    { uri: 'urn:ietf:params:rtp-hdrext:ssrc-audio-level', id: 10, encrypt: false, parameters: {} },
  ],
  encodings: [{ ssrc: 2934721956, dtx: false }],
  rtcp: { cname: 'xk1AJ9mHqz0mHk7f', reducedSize: true },
  msid: '7d1c8a8e-5b1f-4a3e-8f0b-0c9d2e7f6a15 0f3a8c2e-1d4b-4e6a-9c7f-5b2a1e8d3c4f',
};

test('each request a softphone page sends is accepted with its parameters', () => {
  const cases: [string, object][] = [
    ['connectTransport', { callId, transportId: 'c5b0b1f4-2e8a-4d8b-b0f6-8c1b7d9a3e21', dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AB:CD' }] } }],
    ['produce', { callId, transportId: 'c5b0b1f4', kind: 'audio', rtpParameters: chromiumPcmu }],
    ['answer', { callId, rtpCapabilities: { codecs: [{ kind: 'audio', mimeType: 'audio/PCMU', preferredPayloadType: 0, clockRate: 8000, channels: 1, parameters: {}, rtcpFeedback: [] }], headerExtensions: [{ kind: 'audio', uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', preferredId: 1, preferredEncrypt: false, direction: 'sendrecv' }] } }],
    ['hangup', { callId }],
    ['hold', { callId, on: true }],
    ['dtmf', { callId, digits: '12*#a' }],
  ];
  for (const [method, params] of cases) {
    const r = parseRequest(rq(7, method, params));
    assert.ok(r.ok, `${method}: ${!r.ok && r.message}`);
    assert.equal(r.ok && r.request.method, method);
    assert.equal(r.ok && r.request.id, 7);
  }
});

test('a message that is not JSON, too large, or has no id is refused without an id to answer', () => {
  for (const raw of ['{', 'null', '[]', rq(-1, 'hangup', { callId }), rq('7', 'hangup', { callId }), 'x'.repeat(MAX_MESSAGE_BYTES + 1)]) {
    const r = parseRequest(raw);
    assert.equal(r.ok, false, raw.slice(0, 40));
    assert.equal(!r.ok && r.code, 'CC_SOFTPHONE_BAD_REQUEST');
    assert.equal(!r.ok && r.id, null);
  }
});

test('an unknown method or bad parameters are refused with the request id, naming what was wrong', () => {
  const unknown = parseRequest(rq(3, 'transfer', { callId }));
  assert.deepEqual(unknown.ok ? undefined : [unknown.id, unknown.message], [3, 'unknown method "transfer"']);
  const bad: [string, object, RegExp][] = [
    ['hangup', { callId: 'not-a-leg-id' }, /callId/],
    ['hangup', { callId, extra: 1 }, /extra|additional/i],
    ['hold', { callId, on: 'yes' }, /on/],
    ['dtmf', { callId, digits: '12x' }, /digits/],
    ['dtmf', { callId, digits: '' }, /digits/],
    ['dtmf', { callId, digits: '1'.repeat(33) }, /digits/],
    ['produce', { callId, transportId: 't', kind: 'video', rtpParameters: chromiumPcmu }, /kind/],
    ['produce', { callId, transportId: 't', kind: 'audio', rtpParameters: { ...chromiumPcmu, codecs: [] } }, /codecs/],
    ['connectTransport', { callId, transportId: 't', dtlsParameters: { fingerprints: [] } }, /fingerprints/],
    ['connectTransport', { callId, transportId: 't', dtlsParameters: { role: 'boss', fingerprints: [{ algorithm: 'sha-256', value: 'AB' }] } }, /role/],
  ];
  for (const [method, params, why] of bad) {
    const r = parseRequest(rq(9, method, params));
    assert.equal(r.ok, false, `${method} ${JSON.stringify(params).slice(0, 60)} should be refused`);
    assert.equal(!r.ok && r.id, 9);
    assert.match(!r.ok ? r.message : '', why);
  }
});

test('the envelope takes exactly id, method and params', () => {
  const r = parseRequest(JSON.stringify({ id: 1, method: 'hangup', params: { callId }, token: 'x' }));
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.id, 1);
  assert.ok(parseRequest(Buffer.from(rq(2, 'hangup', { callId }))).ok, 'a Buffer (as ws delivers) is read as UTF-8');
});

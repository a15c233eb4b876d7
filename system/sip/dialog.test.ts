import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { Dialog, dialogKey, newCallId, newTag, type DialogInit } from './dialog.ts';
import { T1, T2 } from './transactions.ts';
import type { SipRequest, SipResponse, Via } from './message.ts';

function init(over: Partial<DialogInit> = {}): DialogInit {
  return {
    callId: 'abc@192.0.2.1',
    localTag: 'local-tag',
    remoteTag: 'remote-tag',
    localUri: { name: '"Box"', uri: 'sip:box@192.0.2.1', params: {} },
    remoteUri: { uri: 'sip:1001@192.0.2.20', params: { foo: 'bar' } },
    remoteTarget: 'sip:1001@192.0.2.20:5062',
    routeSet: [],
    localSeq: 10,
    remoteSeq: 5,
    remote: { protocol: 'UDP', address: '192.0.2.20', port: 5062 },
    contact: { uri: 'sip:192.0.2.1:5060', params: {} },
    ...over,
  };
}

const via = (branch = 'z9hG4bKtest'): Via => ({ version: '2.0', protocol: 'UDP', host: '192.0.2.1', port: 5060, params: { branch } });

function incoming(method: string, seq: number): SipRequest {
  return {
    method,
    uri: 'sip:box@192.0.2.1',
    version: '2.0',
    headers: {
      via: [via()],
      to: { uri: 'sip:box@192.0.2.1', params: { tag: 'local-tag' } },
      from: { uri: 'sip:1001@192.0.2.20', params: { tag: 'remote-tag' } },
      'call-id': 'abc@192.0.2.1',
      cseq: { seq, method },
    },
    content: '',
  };
}

function ok200(seq: number): SipResponse {
  return {
    status: 200,
    reason: 'OK',
    version: '2.0',
    headers: {
      via: [via()],
      to: { uri: 'sip:box@192.0.2.1', params: { tag: 'local-tag' } },
      from: { uri: 'sip:1001@192.0.2.20', params: { tag: 'remote-tag' } },
      'call-id': 'abc@192.0.2.1',
      cseq: { seq, method: 'INVITE' },
    },
    content: '',
  };
}

/** Mocked setTimeout; `clock.at(ms)` ticks 1 ms at a time so chained timers fire at their own times. */
function fakeClock(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  return {
    at(ms: number) {
      for (; now < ms; now++) t.mock.timers.tick(1);
    },
  };
}

// identity helpers

test('tags and Call-IDs are fresh each time, and a Call-ID names its host', () => {
  assert.match(newTag(), /^[0-9a-f]{12}$/);
  assert.notEqual(newTag(), newTag());
  assert.match(newCallId('192.0.2.1'), /^[A-Za-z0-9_-]+@192\.0\.2\.1$/);
  assert.notEqual(newCallId('h'), newCallId('h'));
});

test('the dialog key is Call-ID, local tag and remote tag', () => {
  const d = new Dialog(init());
  assert.equal(d.key, dialogKey('abc@192.0.2.1', 'local-tag', 'remote-tag'));
  assert.notEqual(dialogKey('c', 'a', 'b'), dialogKey('c', 'b', 'a'));
});

// createRequest

test('each new in-dialog request takes the next local CSeq', () => {
  const d = new Dialog(init({ localSeq: 10 }));
  assert.deepEqual(d.createRequest('BYE', via()).headers.cseq, { seq: 11, method: 'BYE' });
  assert.deepEqual(d.createRequest('INFO', via()).headers.cseq, { seq: 12, method: 'INFO' });
  assert.equal(d.localSeq, 12);
});

test('an ACK reuses the sequence number it is given and leaves the counter alone', () => {
  const d = new Dialog(init({ localSeq: 10 }));
  const invite = d.createRequest('INVITE', via());
  const ack = d.createRequest('ACK', via('z9hG4bKack'), { seq: invite.headers.cseq.seq });
  assert.deepEqual(ack.headers.cseq, { seq: 11, method: 'ACK' });
  assert.equal(d.localSeq, 11);
  assert.deepEqual(d.createRequest('BYE', via()).headers.cseq, { seq: 12, method: 'BYE' });
});

test('a request goes to the remote target with our tag on From and theirs on To', () => {
  const d = new Dialog(init());
  const rq = d.createRequest('BYE', via());
  assert.equal(rq.method, 'BYE');
  assert.equal(rq.uri, 'sip:1001@192.0.2.20:5062');
  assert.equal(rq.version, '2.0');
  assert.deepEqual(rq.headers.from, { name: '"Box"', uri: 'sip:box@192.0.2.1', params: { tag: 'local-tag' } });
  assert.deepEqual(rq.headers.to, { uri: 'sip:1001@192.0.2.20', params: { foo: 'bar', tag: 'remote-tag' } });
  assert.equal(rq.headers['call-id'], 'abc@192.0.2.1');
  assert.equal(rq.headers['max-forwards'], '70');
  assert.deepEqual(rq.headers.via, [via()]);
  assert.equal(rq.content, '');
});

test('building a request does not put tags into the dialog URIs themselves', () => {
  const i = init();
  const d = new Dialog(i);
  d.createRequest('BYE', via());
  assert.deepEqual(d.localUri.params, {});
  assert.deepEqual(d.remoteUri.params, { foo: 'bar' });
});

test('a changed remote target is used by the next request', () => {
  const d = new Dialog(init());
  d.remoteTarget = 'sip:1001@198.51.100.7:5070';
  assert.equal(d.createRequest('BYE', via()).uri, 'sip:1001@198.51.100.7:5070');
});

test('the route set is sent as Route when there is one, and left out when empty', () => {
  const routes = [
    { uri: 'sip:p1.example;lr', params: {} },
    { uri: 'sip:p2.example;lr', params: {} },
  ];
  assert.deepEqual(new Dialog(init({ routeSet: routes })).createRequest('BYE', via()).headers.route, routes);
  assert.equal('route' in new Dialog(init()).createRequest('BYE', via()).headers, false);
});

test('Contact is sent only on INVITE and UPDATE', () => {
  const d = new Dialog(init());
  for (const m of ['INVITE', 'UPDATE']) assert.deepEqual(d.createRequest(m, via()).headers.contact, [{ uri: 'sip:192.0.2.1:5060', params: {} }], m);
  for (const m of ['ACK', 'BYE', 'INFO', 'OPTIONS', 'NOTIFY']) assert.equal(d.createRequest(m, via()).headers.contact, undefined, m);
});

test('extra headers and a body are added to the request', () => {
  const d = new Dialog(init());
  const rq = d.createRequest('INFO', via(), { headers: { 'content-type': 'application/dtmf-relay' }, content: 'Signal=5\r\n' });
  assert.equal(rq.headers['content-type'], 'application/dtmf-relay');
  assert.equal(rq.content, 'Signal=5\r\n');
});

// acceptRemoteSeq

test('an incoming request with a higher CSeq is accepted and recorded', () => {
  const d = new Dialog(init({ remoteSeq: 5 }));
  assert.equal(d.acceptRemoteSeq(incoming('INFO', 6)), true);
  assert.equal(d.remoteSeq, 6);
  assert.equal(d.acceptRemoteSeq(incoming('BYE', 100)), true, 'gaps are allowed');
  assert.equal(d.remoteSeq, 100);
});

test('an incoming request with an equal or lower CSeq is out of order and not recorded', () => {
  const d = new Dialog(init({ remoteSeq: 5 }));
  assert.equal(d.acceptRemoteSeq(incoming('INFO', 5)), false);
  assert.equal(d.acceptRemoteSeq(incoming('INFO', 4)), false);
  assert.equal(d.remoteSeq, 5);
});

test('ACK and CANCEL are accepted whatever their CSeq and do not move the counter', () => {
  const d = new Dialog(init({ remoteSeq: 5 }));
  assert.equal(d.acceptRemoteSeq(incoming('ACK', 5)), true);
  assert.equal(d.acceptRemoteSeq(incoming('CANCEL', 1)), true);
  assert.equal(d.remoteSeq, 5);
});

test('a first request from a remote that has not sent one yet (remote CSeq 0) is accepted', () => {
  const d = new Dialog(init({ remoteSeq: 0 }));
  assert.equal(d.acceptRemoteSeq(incoming('BYE', 1)), true);
});

// retransmit2xx

test('a 2xx over UDP is retransmitted at T1 doubling up to T2 until the ACK', (t) => {
  const clock = fakeClock(t);
  const d = new Dialog(init());
  const sent: number[] = [];
  let timedOut = 0;
  const rs = ok200(11);
  d.retransmit2xx(rs, (r) => void sent.push(r.status), false, () => void timedOut++);
  assert.equal(d.awaitingAck, true);
  assert.equal(sent.length, 0, 'the first 2xx is sent by the caller, not here');
  // again at 500, 1500, 3500, 7500, 11500, 15500 (T1, 2T1, 4T1, then T2)
  const counts = [499, 500, 1499, 1500, 3500, 7499, 7500, 11500, 15500].map((ms) => (clock.at(ms), sent.length));
  assert.deepEqual(counts, [0, 1, 1, 2, 3, 3, 4, 5, 6]);
  assert.equal(T1, 500);
  assert.equal(T2, 4000);
  assert.equal(d.ackReceived(incoming('ACK', 11)), true);
  assert.equal(d.awaitingAck, false);
  clock.at(40_000);
  assert.equal(sent.length, 6);
  assert.equal(timedOut, 0);
});

test('the 2xx retransmitted is the same response each time', (t) => {
  const clock = fakeClock(t);
  const d = new Dialog(init());
  const rs = ok200(11);
  const sent: SipResponse[] = [];
  d.retransmit2xx(rs, (r) => void sent.push(r), false, () => undefined);
  clock.at(3500);
  assert.equal(sent.length, 3);
  for (const r of sent) assert.equal(r, rs);
  d.stop2xxRetransmission();
});

test('an ACK with another CSeq does not stop the retransmission', (t) => {
  const clock = fakeClock(t);
  const d = new Dialog(init());
  let sent = 0;
  d.retransmit2xx(ok200(11), () => void sent++, false, () => undefined);
  assert.equal(d.ackReceived(incoming('ACK', 10)), false);
  assert.equal(d.ackReceived(incoming('ACK', 12)), false);
  assert.equal(d.awaitingAck, true);
  clock.at(1500);
  assert.equal(sent, 2);
  d.stop2xxRetransmission();
});

test('an ACK with nothing pending is not acknowledging anything', () => {
  const d = new Dialog(init());
  assert.equal(d.ackReceived(incoming('ACK', 11)), false);
});

test('without an ACK the retransmission gives up after 64*T1 (32 s) and reports the timeout once', (t) => {
  const clock = fakeClock(t);
  const d = new Dialog(init());
  let sent = 0;
  let timedOut = 0;
  d.retransmit2xx(ok200(11), () => void sent++, false, () => void timedOut++);
  clock.at(31_999);
  assert.equal(timedOut, 0);
  const before = sent;
  clock.at(32_000);
  assert.equal(timedOut, 1);
  assert.equal(d.awaitingAck, false);
  clock.at(60_000);
  assert.equal(sent, before, 'no retransmission after giving up');
  assert.equal(timedOut, 1);
});

test('over a reliable transport the 2xx is not retransmitted, but the ACK timeout still runs', (t) => {
  const clock = fakeClock(t);
  const d = new Dialog(init({ remote: { protocol: 'TCP', address: '192.0.2.20', port: 5062 } }));
  let sent = 0;
  let timedOut = 0;
  d.retransmit2xx(ok200(11), () => void sent++, true, () => void timedOut++);
  clock.at(31_999);
  assert.equal(sent, 0);
  assert.equal(timedOut, 0);
  clock.at(32_000);
  assert.equal(timedOut, 1);
});

test('over a reliable transport the ACK cancels the timeout', (t) => {
  const clock = fakeClock(t);
  const d = new Dialog(init());
  let timedOut = 0;
  d.retransmit2xx(ok200(11), () => undefined, true, () => void timedOut++);
  assert.equal(d.ackReceived(incoming('ACK', 11)), true);
  clock.at(40_000);
  assert.equal(timedOut, 0);
});

test('a new 2xx replaces the pending one: only its CSeq is acknowledged and the old timers stop', (t) => {
  const clock = fakeClock(t);
  const d = new Dialog(init());
  const sent: number[] = [];
  let timedOut = 0;
  d.retransmit2xx(ok200(11), (r) => void sent.push(r.headers.cseq.seq), false, () => void timedOut++);
  clock.at(600);
  d.retransmit2xx(ok200(12), (r) => void sent.push(r.headers.cseq.seq), false, () => void timedOut++);
  assert.equal(d.ackReceived(incoming('ACK', 11)), false);
  clock.at(1100);
  assert.deepEqual(sent, [11, 12]);
  assert.equal(d.ackReceived(incoming('ACK', 12)), true);
  clock.at(40_000);
  assert.deepEqual(sent, [11, 12]);
  assert.equal(timedOut, 0);
});

test('stop2xxRetransmission stops everything without reporting a timeout', (t) => {
  const clock = fakeClock(t);
  const d = new Dialog(init());
  let sent = 0;
  let timedOut = 0;
  d.retransmit2xx(ok200(11), () => void sent++, false, () => void timedOut++);
  d.stop2xxRetransmission();
  d.stop2xxRetransmission();
  clock.at(40_000);
  assert.deepEqual([sent, timedOut], [0, 0]);
  assert.equal(d.awaitingAck, false);
});

import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { ClientTransaction, ServerTransaction, TransactionLayer, T1, T2, T4, newBranch, type TransactionWire } from './transactions.ts';
import type { Remote, SipRequest, SipResponse } from './message.ts';

const UDP: Remote = { protocol: 'UDP', address: '192.0.2.20', port: 5060 };
const TCP: Remote = { protocol: 'TCP', address: '192.0.2.20', port: 5060 };

type Sent = { message: SipRequest | SipResponse; remote: Remote };

function fakeWire(): TransactionWire & { sent: Sent[] } {
  const sent: Sent[] = [];
  return { sent, send: (message, remote) => void sent.push({ message, remote }) };
}

function isRq(m: SipRequest | SipResponse): m is SipRequest {
  return (m as SipRequest).method !== undefined;
}

function request(method: string, opts: { branch?: string; protocol?: 'UDP' | 'TCP'; seq?: number; route?: boolean } = {}): SipRequest {
  const rq: SipRequest = {
    method,
    uri: 'sip:1001@192.0.2.20',
    version: '2.0',
    headers: {
      via: [{ version: '2.0', protocol: opts.protocol ?? 'UDP', host: '192.0.2.1', port: 5060, params: { branch: opts.branch ?? newBranch() } }],
      to: { uri: 'sip:1001@192.0.2.20', params: {} },
      from: { uri: 'sip:box@192.0.2.1', params: { tag: 'from-tag' } },
      'call-id': 'call-1@192.0.2.1',
      cseq: { seq: opts.seq ?? 1, method },
      'max-forwards': '70',
    },
    content: '',
  };
  if (opts.route) rq.headers.route = [{ uri: 'sip:proxy.example;lr', params: {} }];
  return rq;
}

/** A response to `rq` (same Via, Call-ID, CSeq), with a To tag on anything but 100. */
function response(rq: SipRequest, status: number, toTag = 'to-tag'): SipResponse {
  return {
    status,
    reason: `R${status}`,
    version: '2.0',
    headers: {
      via: rq.headers.via,
      to: { ...rq.headers.to, params: status === 100 ? {} : { tag: toTag } },
      from: rq.headers.from,
      'call-id': rq.headers['call-id'],
      cseq: { ...rq.headers.cseq, method: rq.method === 'ACK' ? 'INVITE' : rq.method },
    },
    content: '',
  };
}

/**
 * Mocked setTimeout plus an absolute clock: `clock.at(ms)` runs every timer due up to then.
 * It ticks one millisecond at a time: one big mock tick would run a timer armed inside a
 * callback relative to the end of the tick, not to when its parent fired.
 */
function fakeClock(t: TestContext) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  let now = 0;
  return {
    at(ms: number) {
      assert.ok(ms >= now, 'the clock only goes forward');
      for (; now < ms; now++) t.mock.timers.tick(1);
    },
  };
}

function client(rq: SipRequest, remote: Remote) {
  const wire = fakeWire();
  const responses: SipResponse[] = [];
  let terminated = 0;
  const tx = new ClientTransaction(rq, remote, wire, (rs) => void responses.push(rs), () => void terminated++);
  return { tx, wire, responses, terminated: () => terminated };
}

function server(rq: SipRequest, remote: Remote) {
  const wire = fakeWire();
  let terminated = 0;
  const tx = new ServerTransaction(rq, remote, wire, () => void terminated++);
  return { tx, wire, terminated: () => terminated };
}

/** Send counts observed at the given absolute times. */
function sendsAt(clock: ReturnType<typeof fakeClock>, wire: { sent: Sent[] }, times: number[]): number[] {
  return times.map((ms) => (clock.at(ms), wire.sent.length));
}

test('the timer constants are the RFC 3261 defaults', () => {
  assert.deepEqual([T1, T2, T4], [500, 4000, 5000]);
});

test('newBranch carries the RFC 3261 magic cookie and is fresh each time', () => {
  const a = newBranch();
  assert.match(a, /^z9hG4bK[A-Za-z0-9_-]+$/);
  assert.notEqual(a, newBranch());
});

// INVITE client transaction

test('an INVITE client transaction over UDP retransmits at 500, 1500 and 3500 ms (T1 doubling)', (t) => {
  const clock = fakeClock(t);
  const c = client(request('INVITE'), UDP);
  c.tx.start();
  assert.equal(c.wire.sent.length, 1);
  assert.deepEqual(sendsAt(clock, c.wire, [499, 500, 1499, 1500, 3499, 3500, 7499, 7500]), [1, 2, 2, 3, 3, 4, 4, 5]);
  for (const s of c.wire.sent) assert.equal(s.message, c.tx.request);
});

test('INVITE retransmissions are not capped at T2 (Timer A keeps doubling)', (t) => {
  const clock = fakeClock(t);
  const c = client(request('INVITE'), UDP);
  c.tx.start();
  // sends at 0, 500, 1500, 3500, 7500, 15500, 31500
  assert.deepEqual(sendsAt(clock, c.wire, [7500, 11500, 15499, 15500, 31499, 31500]), [5, 5, 5, 6, 6, 7]);
});

test('an INVITE client transaction over TCP never retransmits', (t) => {
  const clock = fakeClock(t);
  const c = client(request('INVITE', { protocol: 'TCP' }), TCP);
  c.tx.start();
  clock.at(31_999);
  assert.equal(c.wire.sent.length, 1);
});

test('a provisional response stops INVITE retransmission and is passed up', (t) => {
  const clock = fakeClock(t);
  const c = client(request('INVITE'), UDP);
  c.tx.start();
  clock.at(500);
  assert.equal(c.wire.sent.length, 2);
  c.tx.receive(response(c.tx.request, 180));
  assert.equal(c.tx.state, 'proceeding');
  assert.deepEqual(c.responses.map((r) => r.status), [180]);
  clock.at(31_000);
  assert.equal(c.wire.sent.length, 2);
});

test('a ringing INVITE (provisional received) does not time out locally after 32 s', (t) => {
  const clock = fakeClock(t);
  const c = client(request('INVITE'), UDP);
  c.tx.start();
  c.tx.receive(response(c.tx.request, 180));
  clock.at(60_000);
  assert.deepEqual(c.responses.map((r) => r.status), [180]);
  assert.equal(c.tx.state, 'proceeding');
});

test('a 4xx to an INVITE is ACKed with the same branch and the To tag of the response', (t) => {
  fakeClock(t);
  const invite = request('INVITE', { seq: 7, route: true });
  const c = client(invite, UDP);
  c.tx.start();
  c.tx.receive(response(invite, 486, 'callee-tag'));
  assert.deepEqual(c.responses.map((r) => r.status), [486]);
  assert.equal(c.tx.state, 'completed');
  const ack = c.wire.sent[1].message;
  assert.ok(isRq(ack));
  assert.equal(ack.method, 'ACK');
  assert.equal(ack.uri, invite.uri);
  assert.equal(ack.headers.via.length, 1);
  assert.equal(ack.headers.via[0].params.branch, invite.headers.via[0].params.branch);
  assert.equal(ack.headers.to.params.tag, 'callee-tag');
  assert.deepEqual(ack.headers.from, invite.headers.from);
  assert.equal(ack.headers['call-id'], invite.headers['call-id']);
  assert.deepEqual(ack.headers.cseq, { seq: 7, method: 'ACK' });
  assert.deepEqual(ack.headers.route, invite.headers.route);
  assert.equal(c.wire.sent[1].remote, UDP);
});

test('a retransmitted 4xx is ACKed again but not passed up twice', (t) => {
  const clock = fakeClock(t);
  const c = client(request('INVITE'), UDP);
  c.tx.start();
  c.tx.receive(response(c.tx.request, 404));
  clock.at(2000);
  c.tx.receive(response(c.tx.request, 404));
  const acks = c.wire.sent.filter((s) => isRq(s.message) && s.message.method === 'ACK');
  assert.equal(acks.length, 2);
  assert.equal(c.responses.length, 1);
  assert.equal(c.wire.sent.length, 3, 'no INVITE retransmission after the final response');
});

test('a completed INVITE client transaction over UDP lingers 32 s (Timer D) to ACK retransmissions, then terminates', (t) => {
  const clock = fakeClock(t);
  const c = client(request('INVITE'), UDP);
  c.tx.start();
  c.tx.receive(response(c.tx.request, 503));
  clock.at(31_999);
  assert.equal(c.terminated(), 0);
  clock.at(32_000);
  assert.equal(c.tx.state, 'terminated');
  assert.equal(c.terminated(), 1);
});

test('a 4xx to an INVITE over TCP is ACKed and terminates the transaction at once', (t) => {
  fakeClock(t);
  const c = client(request('INVITE', { protocol: 'TCP' }), TCP);
  c.tx.start();
  c.tx.receive(response(c.tx.request, 486));
  assert.equal(c.wire.sent.length, 2);
  assert.equal(c.tx.state, 'terminated');
  assert.equal(c.terminated(), 1);
});

test('a 2xx to an INVITE is passed up, not ACKed by the transaction, and ends it after 64*T1 in Accepted', (t) => {
  const clock = fakeClock(t);
  const c = client(request('INVITE'), UDP);
  c.tx.start();
  c.tx.receive(response(c.tx.request, 200));
  assert.deepEqual(c.responses.map((r) => r.status), [200]);
  assert.equal(c.wire.sent.length, 1);
  assert.equal(c.tx.state, 'accepted');
  c.tx.receive(response(c.tx.request, 200));
  assert.deepEqual(c.responses.map((r) => r.status), [200, 200], 'a retransmitted 2xx goes to the TU (the dialog re-ACKs)');
  clock.at(40_000);
  assert.equal(c.wire.sent.length, 1);
  assert.equal(c.tx.state, 'terminated');
  assert.equal(c.terminated(), 1);
});

test('an INVITE with no answer at all gets a local 408 after 32 s (Timer B)', (t) => {
  const clock = fakeClock(t);
  const invite = request('INVITE', { seq: 3 });
  const c = client(invite, UDP);
  c.tx.start();
  clock.at(31_999);
  assert.equal(c.responses.length, 0);
  clock.at(32_000);
  assert.equal(c.responses.length, 1);
  const rs = c.responses[0];
  assert.equal(rs.status, 408);
  assert.equal(rs.headers['call-id'], invite.headers['call-id']);
  assert.deepEqual(rs.headers.cseq, { seq: 3, method: 'INVITE' });
  assert.equal(c.tx.state, 'terminated');
  assert.equal(c.terminated(), 1);
});

test('an INVITE over TCP with no answer also gets a local 408 after 32 s', (t) => {
  const clock = fakeClock(t);
  const c = client(request('INVITE', { protocol: 'TCP' }), TCP);
  c.tx.start();
  clock.at(32_000);
  assert.deepEqual(c.responses.map((r) => r.status), [408]);
});

test('a response after termination is ignored', (t) => {
  const clock = fakeClock(t);
  const c = client(request('INVITE'), UDP);
  c.tx.start();
  clock.at(32_000);
  c.tx.receive(response(c.tx.request, 486));
  assert.deepEqual(c.responses.map((r) => r.status), [408]);
  assert.equal(c.wire.sent.filter((s) => isRq(s.message) && s.message.method === 'ACK').length, 0);
});

// non-INVITE client transaction

test('non-INVITE retransmissions double from T1 and cap at T2 (4 s)', (t) => {
  const clock = fakeClock(t);
  const c = client(request('OPTIONS'), UDP);
  c.tx.start();
  // sends at 0, 500, 1500, 3500, then every 4000: 7500, 11500, 15500 ...
  assert.deepEqual(sendsAt(clock, c.wire, [500, 1500, 3500, 7499, 7500, 11499, 11500, 15500, 19500]), [2, 3, 4, 4, 5, 5, 6, 7, 8]);
});

test('a non-INVITE request keeps being retransmitted after a provisional', (t) => {
  const clock = fakeClock(t);
  const c = client(request('BYE'), UDP);
  c.tx.start();
  c.tx.receive(response(c.tx.request, 100));
  assert.equal(c.tx.state, 'proceeding');
  clock.at(9500);
  assert.equal(c.wire.sent.length, 4, 'sends at 0, 500, then every T2: 4500, 8500');
});

test('after a provisional, non-INVITE retransmissions are every T2', (t) => {
  const clock = fakeClock(t);
  const c = client(request('BYE'), UDP);
  c.tx.start();
  clock.at(600);
  c.tx.receive(response(c.tx.request, 100));
  assert.deepEqual(sendsAt(clock, c.wire, [1500, 5499, 5500]), [3, 3, 4]);
});

test('a final response to a non-INVITE stops retransmission, is not ACKed, and Timer K ends it after T4', (t) => {
  const clock = fakeClock(t);
  const c = client(request('OPTIONS'), UDP);
  c.tx.start();
  c.tx.receive(response(c.tx.request, 200));
  assert.equal(c.tx.state, 'completed');
  clock.at(4999);
  assert.equal(c.wire.sent.length, 1);
  assert.equal(c.terminated(), 0);
  clock.at(5000);
  assert.equal(c.terminated(), 1);
  assert.deepEqual(c.responses.map((r) => r.status), [200]);
});

test('a non-INVITE request with no answer gets a local 408 after 32 s (Timer F)', (t) => {
  const clock = fakeClock(t);
  const c = client(request('REGISTER'), UDP);
  c.tx.start();
  c.tx.receive(response(c.tx.request, 100));
  clock.at(32_000);
  assert.deepEqual(c.responses.map((r) => r.status), [100, 408]);
  assert.equal(c.tx.state, 'terminated');
});

// INVITE server transaction

test('a 4xx from an INVITE server transaction over UDP is retransmitted until the ACK (Timer G)', (t) => {
  const clock = fakeClock(t);
  const invite = request('INVITE');
  const s = server(invite, UDP);
  s.tx.respond(response(invite, 100));
  s.tx.respond(response(invite, 486));
  assert.equal(s.tx.state, 'completed');
  assert.equal(s.wire.sent.length, 2);
  // 486 again at 500, 1500, 3500, 7500, 11500 (T1 doubling capped at T2)
  assert.deepEqual(sendsAt(clock, s.wire, [499, 500, 1500, 3500, 7500, 11499, 11500]), [2, 3, 4, 5, 6, 6, 7]);
  for (const x of s.wire.sent.slice(1)) assert.equal((x.message as SipResponse).status, 486);
  s.tx.receive(request('ACK', { branch: invite.headers.via[0].params.branch! }));
  assert.equal(s.tx.state, 'confirmed');
  clock.at(20_000);
  assert.equal(s.wire.sent.length, 7);
});

test('after the ACK an INVITE server transaction over UDP terminates after T4 (Timer I)', (t) => {
  const clock = fakeClock(t);
  const invite = request('INVITE');
  const s = server(invite, UDP);
  s.tx.respond(response(invite, 404));
  clock.at(1000);
  s.tx.receive(request('ACK', { branch: invite.headers.via[0].params.branch! }));
  clock.at(5999);
  assert.equal(s.terminated(), 0);
  clock.at(6000);
  assert.equal(s.tx.state, 'terminated');
  assert.equal(s.terminated(), 1);
});

test('an INVITE server transaction that never gets its ACK terminates after 32 s (Timer H)', (t) => {
  const clock = fakeClock(t);
  const invite = request('INVITE');
  const s = server(invite, UDP);
  s.tx.respond(response(invite, 480));
  clock.at(31_999);
  assert.equal(s.terminated(), 0);
  clock.at(32_000);
  assert.equal(s.terminated(), 1);
  const count = s.wire.sent.length;
  clock.at(40_000);
  assert.equal(s.wire.sent.length, count, 'no retransmission after termination');
});

test('a 4xx from an INVITE server transaction over TCP is not retransmitted', (t) => {
  const clock = fakeClock(t);
  const invite = request('INVITE', { protocol: 'TCP' });
  const s = server(invite, TCP);
  s.tx.respond(response(invite, 486));
  clock.at(31_000);
  assert.equal(s.wire.sent.length, 1);
  s.tx.receive(request('ACK', { protocol: 'TCP', branch: invite.headers.via[0].params.branch! }));
  clock.at(31_001);
  assert.equal(s.tx.state, 'terminated', 'Timer I is zero over a reliable transport');
});

test('an INVITE retransmission is absorbed by resending the last response', (t) => {
  fakeClock(t);
  const invite = request('INVITE');
  const s = server(invite, UDP);
  s.tx.receive(invite);
  assert.equal(s.wire.sent.length, 0, 'nothing to resend before the first response');
  s.tx.respond(response(invite, 180));
  s.tx.receive(invite);
  assert.deepEqual(s.wire.sent.map((x) => (x.message as SipResponse).status), [180, 180]);
  s.tx.respond(response(invite, 486));
  s.tx.receive(invite);
  assert.deepEqual(s.wire.sent.map((x) => (x.message as SipResponse).status), [180, 180, 486, 486]);
  assert.equal(s.wire.sent[3].remote, UDP);
});

test('a server transaction sends only one final response', (t) => {
  fakeClock(t);
  const invite = request('INVITE');
  const s = server(invite, UDP);
  s.tx.respond(response(invite, 486));
  s.tx.respond(response(invite, 200));
  assert.deepEqual(s.wire.sent.map((x) => (x.message as SipResponse).status), [486]);
  assert.equal(s.tx.lastResponse?.status, 486);
});

test('a 2xx moves an INVITE server transaction to accepted, where retransmissions are left to the dialog', (t) => {
  const clock = fakeClock(t);
  const invite = request('INVITE');
  const s = server(invite, UDP);
  assert.equal(s.tx.hasFinalResponse, false);
  s.tx.respond(response(invite, 200));
  assert.equal(s.tx.state, 'accepted');
  assert.equal(s.tx.hasFinalResponse, true);
  s.tx.receive(invite);
  clock.at(31_999);
  assert.equal(s.wire.sent.length, 1, 'no Timer G for a 2xx and retransmitted INVITEs are absorbed');
  assert.equal(s.terminated(), 0);
  clock.at(32_000);
  assert.equal(s.tx.state, 'terminated');
});

// non-INVITE server transaction

test('a non-INVITE server transaction resends its final response to a retransmitted request', (t) => {
  fakeClock(t);
  const bye = request('BYE');
  const s = server(bye, UDP);
  s.tx.respond(response(bye, 200));
  assert.equal(s.tx.state, 'completed');
  s.tx.receive(bye);
  s.tx.receive(bye);
  assert.deepEqual(s.wire.sent.map((x) => (x.message as SipResponse).status), [200, 200, 200]);
});

test('a non-INVITE server transaction over UDP lingers 32 s (Timer J) without retransmitting on its own', (t) => {
  const clock = fakeClock(t);
  const rq = request('OPTIONS');
  const s = server(rq, UDP);
  s.tx.respond(response(rq, 200));
  clock.at(31_999);
  assert.equal(s.wire.sent.length, 1);
  assert.equal(s.terminated(), 0);
  clock.at(32_000);
  assert.equal(s.terminated(), 1);
});

test('a non-INVITE server transaction over TCP terminates with its final response', (t) => {
  fakeClock(t);
  const rq = request('OPTIONS', { protocol: 'TCP' });
  const s = server(rq, TCP);
  s.tx.respond(response(rq, 100));
  assert.equal(s.tx.state, 'proceeding');
  s.tx.respond(response(rq, 200));
  assert.equal(s.tx.state, 'terminated');
  assert.equal(s.terminated(), 1);
});

// TransactionLayer

test('the layer matches a response to its client transaction by branch and method', (t) => {
  fakeClock(t);
  const wire = fakeWire();
  const layer = new TransactionLayer(wire);
  const branch = newBranch();
  const invite = request('INVITE', { branch });
  const cancel = request('CANCEL', { branch });
  const got: string[] = [];
  layer.sendRequest(invite, UDP, (rs) => void got.push(`INVITE ${rs.status}`));
  layer.sendRequest(cancel, UDP, (rs) => void got.push(`CANCEL ${rs.status}`));
  assert.deepEqual(layer.counts, { server: 0, client: 2 });
  assert.equal(layer.receiveResponse(response(cancel, 200)), true);
  assert.equal(layer.receiveResponse(response(invite, 487)), true);
  assert.deepEqual(got, ['CANCEL 200', 'INVITE 487']);
});

test('a response that matches no client transaction is a stray', (t) => {
  fakeClock(t);
  const layer = new TransactionLayer(fakeWire());
  const invite = request('INVITE');
  layer.sendRequest(invite, UDP, () => undefined);
  assert.equal(layer.receiveResponse(response(request('INVITE'), 200)), false, 'unknown branch');
  const otherMethod = response(invite, 200);
  otherMethod.headers.cseq = { seq: 1, method: 'BYE' };
  assert.equal(layer.receiveResponse(otherMethod), false, 'same branch, other method');
});

test('a second 2xx to an INVITE (another fork) is still passed to the caller of sendRequest', (t) => {
  fakeClock(t);
  const layer = new TransactionLayer(fakeWire());
  const invite = request('INVITE');
  const got: string[] = [];
  layer.sendRequest(invite, UDP, (rs) => void got.push(`${rs.status} ${rs.headers.to.params.tag}`));
  assert.equal(layer.receiveResponse(response(invite, 200, 'fork-a')), true);
  assert.equal(layer.receiveResponse(response(invite, 200, 'fork-b')), true);
  assert.deepEqual(got, ['200 fork-a', '200 fork-b']);
});

test('a retransmitted request and the ACK of a non-2xx find their server transaction', (t) => {
  fakeClock(t);
  const layer = new TransactionLayer(fakeWire());
  const invite = request('INVITE');
  const tx = layer.createServer(invite, UDP);
  assert.equal(layer.findServer(structuredClone(invite)), tx);
  assert.equal(layer.findServer(request('ACK', { branch: invite.headers.via[0].params.branch! })), tx);
  assert.equal(layer.findServer(request('ACK')), undefined, 'an ACK for a 2xx carries a new branch');
});

test('a CANCEL finds the INVITE server transaction with the same branch', (t) => {
  fakeClock(t);
  const layer = new TransactionLayer(fakeWire());
  const invite = request('INVITE');
  const tx = layer.createServer(invite, UDP);
  const cancel = request('CANCEL', { branch: invite.headers.via[0].params.branch! });
  assert.equal(layer.findInviteForCancel(cancel), tx);
  assert.equal(layer.findServer(cancel), undefined, 'the CANCEL is a transaction of its own');
  assert.equal(layer.findInviteForCancel(request('CANCEL')), undefined);
});

test('requests from RFC 2543 peers (no magic cookie) are matched by Call-ID, CSeq, From tag and Via', (t) => {
  fakeClock(t);
  const layer = new TransactionLayer(fakeWire());
  const invite = request('INVITE', { branch: 'old-style-1' });
  const tx = layer.createServer(invite, UDP);
  assert.equal(layer.findServer(structuredClone(invite)), tx);
  assert.equal(layer.findServer(request('INVITE', { branch: 'old-style-1', seq: 2 })), undefined);
});

test('transactions are removed from the layer when they terminate', (t) => {
  const clock = fakeClock(t);
  const layer = new TransactionLayer(fakeWire());
  const options = request('OPTIONS');
  const stx = layer.createServer(options, TCP);
  const invite = request('INVITE');
  layer.sendRequest(invite, UDP, () => undefined);
  const bye = request('BYE');
  layer.sendRequest(bye, UDP, () => undefined);
  assert.deepEqual(layer.counts, { server: 1, client: 2 });
  stx.respond(response(options, 200));
  assert.deepEqual(layer.counts, { server: 0, client: 2 });
  layer.receiveResponse(response(invite, 200));
  assert.deepEqual(layer.counts, { server: 0, client: 2 }, 'the INVITE stays Accepted for 64*T1');
  layer.receiveResponse(response(bye, 200));
  clock.at(T4);
  assert.deepEqual(layer.counts, { server: 0, client: 1 });
  clock.at(64 * 500 + 1);
  assert.deepEqual(layer.counts, { server: 0, client: 0 });
});

test('closeAll terminates every live transaction and stops their timers', (t) => {
  const clock = fakeClock(t);
  const wire = fakeWire();
  const layer = new TransactionLayer(wire);
  const invite = request('INVITE');
  layer.createServer(invite, UDP).respond(response(invite, 486));
  const got: number[] = [];
  layer.sendRequest(request('INVITE'), UDP, (rs) => void got.push(rs.status));
  const before = wire.sent.length;
  layer.closeAll();
  assert.deepEqual(layer.counts, { server: 0, client: 0 });
  clock.at(40_000);
  assert.equal(wire.sent.length, before);
  assert.deepEqual(got, []);
});

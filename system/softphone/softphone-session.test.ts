// A softphone session without sockets or mediasoup: it rings the page once at a time, sends
// one reply per request (coded errors for unknown calls and bad messages), routes requests to
// the leg, and when the page goes its ringing calls are refused. The hub keeps one page per
// agent: a newer page closes the older one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Call } from '../calls/call.ts';
import type { BrowserLeg } from '../calls/browser-leg.ts';
import type { WebRtcOffer } from '../../media/webrtc-leg-media.ts';
import { SoftphoneSession } from './softphone-session.ts';
import { SoftphoneHub } from './softphone-hub.ts';

const log = { info: () => undefined, warn: () => undefined };
const offer = { routerRtpCapabilities: {}, send: {}, recv: {} } as unknown as WebRtcOffer;

function socket() {
  const sent: any[] = [];
  const closed: [number, string][] = [];
  return { sent, closed, send: (t: string) => void sent.push(JSON.parse(t)), close: (c: number, r: string) => void closed.push([c, r]) };
}

function fakeLeg(id: string) {
  const calls: string[] = [];
  const leg = {
    id, side: 'callee', state: 'ringing', info: { callId: 'box-call', caller: { number: '139' } },
    hangup: () => calls.push('hangup'),
    lost: (why: string) => calls.push(`lost:${why}`),
  };
  return { leg: leg as unknown as BrowserLeg, calls };
}

const fakeCall = () => Object.assign(new EventEmitter(), { id: 'box-call', parties: { caller: { number: '139' } }, tags: { agents: [] } }) as unknown as Call;
const legId = '0b6f3c1e-8d5a-4c2b-9a7e-2f1d3c4b5a69';

test('a ring reaches the page as one incoming event, and a second call is refused while the first rings', () => {
  const s = socket();
  const session = new SoftphoneSession('w1', '127.0.0.1', s, log);
  const call = fakeCall();
  const { leg } = fakeLeg(legId);
  assert.equal(session.lineFor(call).ring(leg, offer), true);
  assert.deepEqual(s.sent.map((m) => m.event), ['incoming']);
  assert.equal(s.sent[0].data.callId, legId);
  assert.equal(session.busy, true);
  assert.equal(session.lineFor(fakeCall()).ring(fakeLeg('another').leg, offer), false, 'one call at a time');
});

test('each request gets exactly one reply: hangup reaches the leg, an unknown call and a bad message are coded errors', async () => {
  const s = socket();
  const session = new SoftphoneSession('w1', '127.0.0.1', s, log);
  const { leg, calls } = fakeLeg(legId);
  session.lineFor(fakeCall()).ring(leg, offer);
  s.sent.length = 0;
  await session.handle(JSON.stringify({ id: 1, method: 'hangup', params: { callId: legId } }));
  await session.handle(JSON.stringify({ id: 2, method: 'hangup', params: { callId: '11111111-2222-3333-4444-555555555555' } }));
  await session.handle('{oops');
  assert.deepEqual(calls, ['hangup']);
  assert.deepEqual(s.sent, [
    { id: 1, ok: true, result: {} },
    { id: 2, ok: false, error: { code: 'CC_SOFTPHONE_NO_SUCH_CALL', message: 'no call 11111111-2222-3333-4444-555555555555 on this softphone' } },
    { id: null, ok: false, error: { code: 'CC_SOFTPHONE_BAD_REQUEST', message: 'not JSON' } },
  ]);
});

test('when the page goes, its legs are lost (the call is refused or ends) and nothing more is sent', () => {
  const s = socket();
  const session = new SoftphoneSession('w1', '127.0.0.1', s, log);
  const { leg, calls } = fakeLeg(legId);
  session.lineFor(fakeCall()).ring(leg, offer);
  session.close('softphone closed');
  assert.deepEqual(calls, ['lost:softphone closed']);
  assert.equal(session.lineFor(fakeCall()).ring(fakeLeg('x').leg, offer), false, 'a closed page is never rung');
});

test('the hub keeps one page per agent: a newer page closes the older (4001, CC_SOFTPHONE_REPLACED) and only the live one is reachable', () => {
  const hub = new SoftphoneHub(log);
  const first = socket();
  const a = hub.open('w1', '10.0.0.5', first);
  const second = socket();
  const b = hub.open('w1', '10.0.0.6', second);
  assert.deepEqual(first.closed, [[4001, 'CC_SOFTPHONE_REPLACED']]);
  assert.equal(first.sent.at(-1).data.code, 'CC_SOFTPHONE_REPLACED');
  assert.equal(a.isClosed, true);
  assert.equal(hub.live('w1'), true);
  hub.gone(a); // the old socket's close event comes later: it must not remove the new page
  assert.equal(hub.live('w1'), true);
  const agent = { id: 'w1', extension: '2101', device: 'browser' as const, skills: {}, queues: [] };
  const candidate = hub.candidate(agent, fakeCall(), 15_000);
  assert.equal(candidate?.kind, 'browser');
  assert.deepEqual(candidate?.party, { kind: 'extension', id: '2101', number: '2101', uri: 'webrtc:w1', address: '10.0.0.6' });
  hub.gone(b);
  assert.equal(hub.live('w1'), false);
  assert.equal(hub.candidate(agent, fakeCall(), 15_000), undefined);
});

// The pure decisions of dial-out from the browser softphone: who may dial, the wrap-up after,
// what the dial plan's answer means, and the callee resolved with the toll-fraud policy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../config/load.ts';
import { securityConfig } from '../config/security-schema.ts';
import { classesFor, outboundVerdict } from './call-policy.ts';
import { dialAdmission, dialCodecs, dialRouteVerdict, dialWrapUpSec, resolveDial, DialError, type DialRouting } from './browser-dial.ts';
import { routeCall } from './routing.ts';
import type { TrunkConfig } from '../config/schema.ts';

const cfg = parseConfig({
  extensions: [{ number: '2601', password: 'pw-2601-x' }, { number: '2602', password: 'pw-2602-x' }],
  trunks: [{ name: 'upstream', kind: 'static', host: '127.0.0.3', port: 5080, maxChannels: 1 }],
  dialPlan: [{ prefix: '9', trunk: 'upstream', strip: 1 }],
  queues: [{ name: 'care', wrapUpSec: 45, overflow: 'hangup' }, { name: 'sales', wrapUpSec: 90, overflow: 'hangup' }, { name: 'other', wrapUpSec: 300, overflow: 'hangup' }],
  agents: [
    { id: 'b1', extension: '2601', device: 'browser', queues: [{ queue: 'care' }, { queue: 'sales' }] },
    { id: 'b2', extension: '2602', device: 'browser', queues: [] },
  ],
});
const [b1, b2] = cfg.agents;

test('an agent may dial when available, on a break or in wrap-up (which the dial ends); not when busy or logged out', () => {
  assert.deepEqual(dialAdmission('available'), { ok: true });
  assert.deepEqual(dialAdmission('break'), { ok: true, leave: 'break' });
  assert.deepEqual(dialAdmission('wrap-up'), { ok: true, leave: 'wrap-up' });
  for (const s of ['ringing', 'on-call'] as const) assert.deepEqual(dialAdmission(s), { ok: false, code: 'CC_WORKSPACE_BUSY', status: 409 });
  for (const s of ['logged-out', undefined] as const) assert.deepEqual(dialAdmission(s), { ok: false, code: 'CC_WORKSPACE_NOT_LOGGED_IN', status: 409 });
});

test('the wrap-up after a dialled call is the longest of the agent\'s queues, else 10 s', () => {
  assert.equal(dialWrapUpSec(cfg, b1), 90);
  assert.equal(dialWrapUpSec(cfg, b2), 10);
});

test('the dial plan\'s answer: extensions and trunks go, the rest is refused with a code', () => {
  const v = (n: string) => dialRouteVerdict(routeCall(cfg, { kind: 'extension', extension: '2601' }, n), '2601', n);
  assert.deepEqual(v('2602'), { ok: true, route: { kind: 'extension', extension: '2602' } });
  const t = v('913800138000');
  assert.ok(t.ok && t.route.kind === 'trunk' && t.route.number === '13800138000');
  assert.deepEqual(v('2601'), { ok: false, code: 'CC_WORKSPACE_DIAL_SELF', status: 409, message: 'that is your own extension' });
  const none = v('7777');
  assert.ok(!none.ok && none.code === 'CC_WORKSPACE_DIAL_NO_ROUTE' && none.status === 404, JSON.stringify(none));
  const queue = dialRouteVerdict({ kind: 'queue', queue: 'care' }, '2601', '600');
  assert.ok(!queue.ok && queue.code === 'CC_WORKSPACE_DIAL_NO_ROUTE' && queue.status === 409);
});

test('the callee is resolved as the agent\'s extension dials it: registered phone, toll class on trunks, the trunk\'s channels', () => {
  const toll = securityConfig(cfg.security).tollFraud;
  const channels = new Map<string, number>();
  const r: DialRouting = {
    config: cfg,
    registrar: { lookup: (ext: string) => (ext === '2602' ? [{ contact: 'sip:2602@127.0.0.9:5070', remote: { protocol: 'UDP', address: '127.0.0.9', port: 5070 } }] : []) } as unknown as DialRouting['registrar'],
    publicAddress: '127.0.0.1',
    tollGuard: { admit: (src, _trunk, number) => outboundVerdict({ number, extension: src.extension, allowed: classesFor(toll, src.extension, cfg.agents), blocked: false, extensionConcurrent: 0, extensionLastHour: 0, trunkLastHour: 0, burstCount: 1 }, toll) },
    takeChannel: (t: TrunkConfig) => {
      const used = channels.get(t.name) ?? 0;
      if (used >= (t.maxChannels ?? Infinity)) return false;
      channels.set(t.name, used + 1);
      return true;
    },
    releaseChannel: (t: TrunkConfig) => void channels.set(t.name, (channels.get(t.name) ?? 1) - 1),
  };
  const ext = resolveDial(r, b1, '2602');
  assert.deepEqual([ext.destination.party.kind, ext.destination.party.number, ext.destination.isPhone, ext.destination.target.requestUri], ['extension', '2602', true, 'sip:2602@127.0.0.9:5070']);
  assert.equal(ext.destination.target.from.uri, 'sip:2601@127.0.0.1');
  assert.throws(() => resolveDial(r, b2, '2601'), (e: DialError) => e.code === 'CC_WORKSPACE_DIAL_UNREACHABLE');
  // International is not in the default class of service: the policy's own code, 403.
  assert.throws(() => resolveDial(r, b1, '90044201234567'), (e: DialError) => e.code === 'CC_CALL_CLASS_FORBIDDEN' && e.status === 403 && /international/.test(e.message));
  const mobile = resolveDial(r, b1, '913800138000');
  assert.deepEqual([mobile.destination.party.kind, mobile.destination.party.number, mobile.destination.isPhone], ['trunk', '13800138000', false]);
  // One channel: the second call finds the trunk busy until the first releases it.
  assert.throws(() => resolveDial(r, b2, '913800138001'), (e: DialError) => e.code === 'CC_WORKSPACE_DIAL_UNREACHABLE' && e.status === 503);
  mobile.release?.();
  mobile.release?.();
  assert.equal(channels.get('upstream'), 0, 'released once');
  resolveDial(r, b2, '913800138001').release?.();
});

test('a browser caller\'s codecs are the first configured G.711 with telephone-event', () => {
  assert.deepEqual(dialCodecs({ media: { ...cfg.media, codecs: ['PCMA', 'PCMU'] } }), { codec: { name: 'PCMA', payloadType: 8 }, telephoneEventPayloadType: 101 });
  assert.deepEqual(dialCodecs({ media: { ...cfg.media, codecs: ['PCMU'] } }), { codec: { name: 'PCMU', payloadType: 0 }, telephoneEventPayloadType: 101 });
});

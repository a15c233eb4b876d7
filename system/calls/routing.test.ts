import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identifyTrunk, routeCall, dial, calledNumber, type CallSource } from './routing.ts';
import { parseConfig } from '../config/load.ts';
import type { BoxConfig, TrunkConfig } from '../config/schema.ts';

type RoutingConfig = Pick<BoxConfig, 'dids' | 'dialPlan' | 'extensions' | 'trunks' | 'queues' | 'conferences'>;

const carrierA: TrunkConfig = { name: 'carrierA', kind: 'static', host: '198.51.100.10', sourceAddresses: ['198.51.100.10', '198.51.100.11'] };
const carrierB: TrunkConfig = { name: 'carrierB', kind: 'static', host: '203.0.113.5' };
const voip: TrunkConfig = { name: 'voip', kind: 'register', host: 'sip.example.net', username: 'u', password: 'p' };

function config(over: Partial<RoutingConfig> = {}): RoutingConfig {
  return {
    trunks: [carrierA, carrierB, voip],
    extensions: [
      { number: '1001', password: 'secret1' },
      { number: '1002', password: 'secret2' },
    ],
    dids: [],
    dialPlan: [],
    queues: [],
    conferences: [],
    ...over,
  };
}

const fromTrunk = (trunk: TrunkConfig): CallSource => ({ kind: 'trunk', trunk });
const fromExtension = (extension: string): CallSource => ({ kind: 'extension', extension });

// identifyTrunk

test('a trunk is identified by any of its listed source addresses', () => {
  const trunks = [carrierA, carrierB];
  assert.equal(identifyTrunk(trunks, '198.51.100.10'), carrierA);
  assert.equal(identifyTrunk(trunks, '198.51.100.11'), carrierA);
});

test('a trunk without source addresses is identified by its host', () => {
  assert.equal(identifyTrunk([carrierA, carrierB], '203.0.113.5'), carrierB);
});

test('an address that belongs to no trunk identifies nothing', () => {
  assert.equal(identifyTrunk([carrierA, carrierB], '192.0.2.99'), undefined);
  assert.equal(identifyTrunk([], '198.51.100.10'), undefined);
});

test('explicit source addresses replace the host: the host alone no longer identifies the trunk', () => {
  const t: TrunkConfig = { name: 't', kind: 'static', host: '192.0.2.1', sourceAddresses: ['192.0.2.2'] };
  assert.equal(identifyTrunk([t], '192.0.2.1'), undefined);
  assert.equal(identifyTrunk([t], '192.0.2.2'), t);
});

// routeCall from a trunk (DIDs)

test('an exact DID wins over the catch-all DID', () => {
  const cfg = config({
    dids: [
      { number: '*', destination: 'ext:1002' },
      { number: '5550100', destination: 'ext:1001' },
    ],
  });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550100'), { kind: 'extension', extension: '1001' });
});

test('the catch-all DID takes any called number without an exact DID', () => {
  const cfg = config({ dids: [{ number: '5550100', destination: 'ext:1001' }, { number: '*', destination: 'ext:1002' }] });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5559999'), { kind: 'extension', extension: '1002' });
});

test('a trunk call to a number with no DID and no catch-all is rejected with 404', () => {
  const cfg = config({ dids: [{ number: '5550100', destination: 'ext:1001' }] });
  const r = routeCall(cfg, fromTrunk(carrierA), '5550199');
  assert.equal(r.kind, 'reject');
  assert.equal(r.kind === 'reject' && r.status, 404);
});

test('a DID for one trunk does not match calls from another trunk', () => {
  const cfg = config({ dids: [{ number: '5550100', trunk: 'carrierA', destination: 'ext:1001' }] });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550100'), { kind: 'extension', extension: '1001' });
  const r = routeCall(cfg, fromTrunk(carrierB), '5550100');
  assert.equal(r.kind === 'reject' && r.status, 404);
});

test('a trunk-specific DID and a DID for any trunk on the same number: the first listed that fits the trunk wins', () => {
  const cfg = config({
    dids: [
      { number: '5550100', trunk: 'carrierB', destination: 'ext:1002' },
      { number: '5550100', destination: 'ext:1001' },
    ],
  });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierB), '5550100'), { kind: 'extension', extension: '1002' });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550100'), { kind: 'extension', extension: '1001' });
});

test('a trunk-specific catch-all only catches calls from its own trunk', () => {
  const cfg = config({ dids: [{ number: '*', trunk: 'carrierA', destination: 'ext:1001' }] });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '123'), { kind: 'extension', extension: '1001' });
  assert.equal(routeCall(cfg, fromTrunk(carrierB), '123').kind, 'reject');
});

test('an exact DID for another trunk does not hide the catch-all for this trunk', () => {
  const cfg = config({
    dids: [
      { number: '5550100', trunk: 'carrierA', destination: 'ext:1001' },
      { number: '*', destination: 'ext:1002' },
    ],
  });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierB), '5550100'), { kind: 'extension', extension: '1002' });
});

test('a "dial:" DID with no number sends the called number through the dial plan', () => {
  const cfg = config({
    dids: [{ number: '*', destination: 'dial:' }],
    dialPlan: [{ prefix: '0', trunk: 'voip' }],
  });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '0201234567'), { kind: 'trunk', trunk: voip, number: '0201234567' });
});

test('a "dial:NUMBER" DID dials that number through the dial plan, not the called one', () => {
  const cfg = config({
    dids: [{ number: '5550100', destination: 'dial:0307654321' }],
    dialPlan: [{ prefix: '0', trunk: 'carrierB', strip: 1, prepend: '+49' }],
  });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550100'), { kind: 'trunk', trunk: carrierB, number: '+49307654321' });
});

test('a "dial:" DID whose number matches no dial rule is rejected with 404', () => {
  const cfg = config({ dids: [{ number: '*', destination: 'dial:' }], dialPlan: [{ prefix: '9', trunk: 'voip' }] });
  const r = routeCall(cfg, fromTrunk(carrierA), '0201234567');
  assert.equal(r.kind === 'reject' && r.status, 404);
});

// routeCall from an extension

test('an extension calling another extension rings that extension', () => {
  assert.deepEqual(routeCall(config(), fromExtension('1001'), '1002'), { kind: 'extension', extension: '1002' });
});

test('an extension calling itself gets 486 Busy Here', () => {
  const r = routeCall(config(), fromExtension('1001'), '1001');
  assert.equal(r.kind, 'reject');
  assert.equal(r.kind === 'reject' && r.status, 486);
});

test('an extension dialling an outside number goes through the dial plan', () => {
  const cfg = config({ dialPlan: [{ prefix: '0', trunk: 'voip', strip: 1 }] });
  assert.deepEqual(routeCall(cfg, fromExtension('1001'), '0201234567'), { kind: 'trunk', trunk: voip, number: '201234567' });
});

test('an extension dialling an unknown number with no matching rule gets 404', () => {
  const r = routeCall(config(), fromExtension('1001'), '1099');
  assert.equal(r.kind, 'reject');
  assert.equal(r.kind === 'reject' && r.status, 404);
});

test('a configured extension number is never sent out through a dial rule that would also match it', () => {
  const cfg = config({ dialPlan: [{ prefix: '1', trunk: 'voip' }] });
  assert.deepEqual(routeCall(cfg, fromExtension('1001'), '1002'), { kind: 'extension', extension: '1002' });
});

// dial

test('the longest matching prefix wins regardless of rule order', () => {
  const cfg = config({
    dialPlan: [
      { prefix: '0', trunk: 'carrierA' },
      { prefix: '00', trunk: 'carrierB' },
      { prefix: '', trunk: 'voip' },
    ],
  });
  assert.equal((dial(cfg, '0049301234') as { trunk: TrunkConfig }).trunk, carrierB);
  assert.equal((dial(cfg, '0301234') as { trunk: TrunkConfig }).trunk, carrierA);
  assert.equal((dial(cfg, '5551234') as { trunk: TrunkConfig }).trunk, voip);
});

test('among rules with the same prefix the first listed wins', () => {
  const cfg = config({ dialPlan: [{ prefix: '0', trunk: 'carrierB' }, { prefix: '0', trunk: 'carrierA' }] });
  assert.deepEqual(dial(cfg, '0301234'), { kind: 'trunk', trunk: carrierB, number: '0301234' });
});

test('a rule strips leading digits before prepending its prefix', () => {
  const cfg = config({ dialPlan: [{ prefix: '00', trunk: 'voip', strip: 2, prepend: '+' }] });
  assert.deepEqual(dial(cfg, '0049301234'), { kind: 'trunk', trunk: voip, number: '+49301234' });
});

test('a rule without strip or prepend passes the number unchanged', () => {
  const cfg = config({ dialPlan: [{ prefix: '9', trunk: 'carrierA' }] });
  assert.deepEqual(dial(cfg, '95551234'), { kind: 'trunk', trunk: carrierA, number: '95551234' });
});

test('stripping the whole number with nothing to prepend is rejected with 484 Address Incomplete', () => {
  const cfg = config({ dialPlan: [{ prefix: '9', trunk: 'carrierA', strip: 1 }] });
  const r = dial(cfg, '9');
  assert.equal(r.kind, 'reject');
  assert.equal(r.kind === 'reject' && r.status, 484);
});

test('stripping more digits than the number has, with nothing to prepend, is rejected with 484', () => {
  const cfg = config({ dialPlan: [{ prefix: '9', trunk: 'carrierA', strip: 5 }] });
  const r = dial(cfg, '91');
  assert.equal(r.kind === 'reject' && r.status, 484);
});

test('a rule whose trunk is not configured is rejected with 503', () => {
  const cfg = config({ dialPlan: [{ prefix: '0', trunk: 'gone' }] });
  const r = dial(cfg, '0301234');
  assert.equal(r.kind, 'reject');
  assert.equal(r.kind === 'reject' && r.status, 503);
});

test('a number no rule matches is rejected with 404', () => {
  const r = dial(config({ dialPlan: [{ prefix: '0', trunk: 'voip' }] }), '5551234');
  assert.equal(r.kind === 'reject' && r.status, 404);
});

test('an empty dial plan routes nothing', () => {
  assert.equal(dial(config(), '0301234').kind, 'reject');
});

// calledNumber

test('calledNumber removes tel-style visual separators', () => {
  assert.equal(calledNumber('+49-30-1234.5678'), '+493012345678');
  assert.equal(calledNumber('(030) 123 456'), '030123456');
});

test('calledNumber %-decodes the user part before removing separators', () => {
  assert.equal(calledNumber('%2B49%2030%20123'), '+4930123');
  assert.equal(calledNumber('%23123%2A'), '#123*');
});

test('calledNumber of a missing user part is the empty string', () => {
  assert.equal(calledNumber(undefined), '');
  assert.equal(calledNumber(''), '');
});

test('calledNumber leaves digits, *, # and + untouched', () => {
  assert.equal(calledNumber('*21#'), '*21#');
  assert.equal(calledNumber('+15551234'), '+15551234');
});

test('calledNumber does not throw on a malformed %-escape and routes on the user part as written', () => {
  for (const user of ['12%zz34', '100%', '%E0%A4%A']) {
    let out: unknown;
    assert.doesNotThrow(() => (out = calledNumber(user)), `calledNumber(${JSON.stringify(user)})`);
    assert.equal(out, user);
  }
  assert.equal(calledNumber('030-12%zz'), '03012%zz', 'separators are still removed');
});

// box-answered destinations

test('a DID can send trunk callers to a queue or a conference room', () => {
  const cfg = config({ dids: [{ number: '5550100', destination: 'queue:sales' }, { number: '5550200', destination: 'conf:board' }] });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550100'), { kind: 'queue', queue: 'sales' });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550200'), { kind: 'conference', room: 'board' });
});

test('extensions reach a queue or a room by its internal number; extensions win over them', () => {
  const q = parseConfig({ queues: [{ name: 'sales', number: '600', overflow: 'hangup' }], conferences: [{ name: 'board', number: '700' }] });
  const cfg = config({ queues: q.queues, conferences: q.conferences });
  assert.deepEqual(routeCall(cfg, fromExtension('1001'), '600'), { kind: 'queue', queue: 'sales' });
  assert.deepEqual(routeCall(cfg, fromExtension('1001'), '700'), { kind: 'conference', room: 'board' });
  assert.deepEqual(routeCall(cfg, fromExtension('1001'), '1002'), { kind: 'extension', extension: '1002' });
  assert.equal(routeCall(cfg, fromExtension('1001'), '601').kind, 'reject');
});

test('a DID can answer trunk callers with an IVR flow, and extensions reach a flow by its internal number', () => {
  const cfg = { ...config({ dids: [{ number: '5550300', destination: 'ivr:main' }] }), ivr: { numbers: [{ number: '800', flow: 'main' }] } };
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550300'), { kind: 'ivr', flow: 'main' });
  assert.deepEqual(routeCall(cfg, fromExtension('1001'), '800'), { kind: 'ivr', flow: 'main' });
  assert.equal(routeCall(cfg, fromExtension('1001'), '801').kind, 'reject');
});

test('a DID business-hours rule sends callers to the open, closed or holiday destination as the schedule says', () => {
  const cfg = config({ dids: [
    { number: '5550400', destination: 'queue:sales', hours: { schedule: 'office', closed: 'ivr:after-hours', holiday: 'ext:1002' } },
    { number: '5550401', destination: 'queue:sales', hours: { schedule: 'office', closed: 'ivr:after-hours' } },
  ] });
  const at = (state: 'open' | 'closed' | 'holiday') => (schedule: string) => (assert.equal(schedule, 'office'), state);
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550400', at('open')), { kind: 'queue', queue: 'sales' });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550400', at('closed')), { kind: 'ivr', flow: 'after-hours' });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550400', at('holiday')), { kind: 'extension', extension: '1002' });
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550401', at('holiday')), { kind: 'ivr', flow: 'after-hours' }, 'no holiday destination: the closed one');
  assert.deepEqual(routeCall(cfg, fromTrunk(carrierA), '5550400'), { kind: 'queue', queue: 'sales' }, 'without a schedule clock the DID is open');
});

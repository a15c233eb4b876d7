import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyNumber, classesFor, outboundVerdict, type OutboundFacts } from './call-policy.ts';
import { securityConfig } from '../config/security-schema.ts';

const toll = securityConfig(undefined).tollFraud;

test('Chinese numbers are classified as documented', () => {
  const cases: [string, string][] = [
    ['110', 'emergency'], ['119', 'emergency'], ['120', 'emergency'], ['122', 'emergency'], ['112', 'emergency'],
    ['0044207946000', 'international'], ['+14155550100', 'international'], ['001', 'international'],
    ['+8613812345678', 'national'], ['008613812345678', 'national'], ['+861065529988', 'national'],
    ['13812345678', 'national'], ['19912345678', 'national'], ['01065529988', 'national'], ['075512345678', 'national'],
    ['4008123123', 'national'], ['8008101818', 'national'],
    ['65529988', 'local'], ['6552998', 'local'], ['114', 'local'], ['10086', 'local'], ['12315', 'local'], ['95588', 'local'], ['96166', 'local'],
    ['1680123', 'premium'], ['16812345', 'premium'], ['0211680123', 'premium'], ['1790913800138000', 'premium'], ['1795101065529988', 'premium'],
    ['*7213800138000', 'premium'], ['#21#', 'premium'], ['0123456789012345', 'international'],
  ];
  for (const [n, cls] of cases) assert.equal(classifyNumber(n), cls, n);
});

test('class of service: own entry, else the agent\'s, else the default (local, national)', () => {
  const t = { ...toll, classes: { '1001': ['local' as const, 'international' as const], bob: ['premium' as const] } };
  assert.deepEqual(classesFor(t, '1001', []), ['local', 'international']);
  assert.deepEqual(classesFor(t, '1002', [{ id: 'bob', extension: '1002' }]), ['premium']);
  assert.deepEqual(classesFor(t, '1003', [{ id: 'bob', extension: '1002' }]), ['local', 'national']);
});

const facts = (o: Partial<OutboundFacts>): OutboundFacts => ({
  number: '65529988', extension: '1001', allowed: toll.defaultClasses, blocked: false,
  extensionConcurrent: 0, extensionLastHour: 0, trunkLastHour: 0, burstCount: 1, ...o,
});

test('an extension with the default class of service may call local and national numbers, not 00 or premium', () => {
  assert.equal(outboundVerdict(facts({}), toll).ok, true);
  assert.equal(outboundVerdict(facts({ number: '13812345678' }), toll).ok, true);
  const intl = outboundVerdict(facts({ number: '0044207946000' }), toll);
  assert.deepEqual(intl.ok ? undefined : [intl.status, intl.code], [403, 'CC_CALL_CLASS_FORBIDDEN']);
  const prem = outboundVerdict(facts({ number: '16812345' }), toll);
  assert.deepEqual(prem.ok ? undefined : [prem.status, prem.code], [403, 'CC_CALL_CLASS_FORBIDDEN']);
});

test('limits: concurrent, hourly, trunk hourly, a block and a burst; emergency calls pass them all', () => {
  const code = (f: Partial<OutboundFacts>, t = toll) => {
    const v = outboundVerdict(facts(f), t);
    return v.ok ? 'ok' : v.code;
  };
  assert.equal(code({ extensionConcurrent: toll.maxConcurrentPerExtension }), 'CC_CALL_LIMIT_CONCURRENT');
  assert.equal(code({ extensionConcurrent: toll.maxConcurrentPerExtension - 1 }), 'ok');
  assert.equal(code({ extensionLastHour: toll.maxPerHourPerExtension }), 'CC_CALL_LIMIT_HOURLY');
  assert.equal(code({ trunkLastHour: 5 }, { ...toll, maxPerHourPerTrunk: 5 }), 'CC_CALL_TRUNK_HOURLY');
  assert.equal(code({ trunkLastHour: 1e6 }), 'ok', 'no trunk hourly limit by default');
  assert.equal(code({ blocked: true }), 'CC_CALL_EXTENSION_BLOCKED');
  assert.equal(code({ burstCount: toll.burstCalls }), 'ok');
  const burst = outboundVerdict(facts({ burstCount: toll.burstCalls + 1 }), toll);
  assert.equal(!burst.ok && burst.code === 'CC_CALL_TOLL_BURST' && burst.block, true);
  for (const f of [{ blocked: true }, { burstCount: 1000 }, { extensionConcurrent: 1000 }, { allowed: [] }]) assert.equal(code({ ...f, number: '110' }), 'ok');
  assert.equal(code({ extension: undefined, number: '0044207946000' }), 'ok', 'a trunk-to-trunk route is the admin\'s DID rule, not a class of service');
});

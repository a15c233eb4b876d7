import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig, defaultConfig, ConfigError } from './load.ts';
import type { BoxConfig } from './schema.ts';

/** The ConfigError thrown by parseConfig(doc); fails the test when it does not throw one. */
function problemsOf(doc: unknown): string[] {
  try {
    parseConfig(doc);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'CC_CONFIG_INVALID');
    assert.equal(err.name, 'ConfigError');
    return err.problems;
  }
  assert.fail('expected parseConfig to throw');
}

function assertProblem(problems: string[], pattern: RegExp): void {
  assert.ok(problems.some((p) => pattern.test(p)), `no problem matches ${pattern}: ${JSON.stringify(problems)}`);
}

// Sections added by later areas, at their defaults (each area tests its own section).
const DEFAULTS = parseConfig({});
const LATER = Object.fromEntries((['recordings', 'reports', 'security', 'monitoring', 'workspace', 'time', 'email', 'interactions', 'tickets'] as const).filter((k) => k in DEFAULTS).map((k) => [k, DEFAULTS[k]]));

const FULL: BoxConfig = {
  ...LATER,
  sip: { bindAddress: '10.0.0.2', publicAddress: '203.0.113.2', udpPort: 5070, tcpPort: 5071, tls: false, tlsPort: 5072, maxMessageBytes: 8192, userAgent: 'Test/1' },
  http: { host: '127.0.0.1', port: 8080, tls: false, tlsPort: 9443 },
  media: { listenIp: '10.0.0.2', announcedAddress: '203.0.113.2', rtpMinPort: 30000, rtpMaxPort: 30999, workers: 2, workerNiceness: 0, codecs: ['PCMA'] },
  qa: { sampling: { enabled: false, schedule: '0 2 * * *', randomPerAgentPerWeek: 3, shortTalkSec: 5, longHoldSec: 60, abandoned: false, transfers: false, overtalkPct: 20, agitation: 75, silencePct: 50 } },
  calls: { noAnswerTimeoutSec: 30, deadMediaTimeoutSec: 0, maxCalls: 50, onHold: 'relay', dtmfEvents: false },
  recording: { enabled: false, encrypt: true },
  acd: { crossQueueFairness: false, breakReasons: ['lunch', 'missed-call'], handleTimeSamples: 20 },
  backup: { enabled: false, mountDir: '/mnt/disks', marker: '.box-backup', schedule: '30 3 * * 1-5', keep: 3, pollIntervalMs: 500 },
  agents: [{ id: 'alice', name: 'Alice', extension: '1001', skills: { english: 5 }, queues: [{ queue: 'sales', penalty: 0 }] }],
  queues: [{
    name: 'sales', number: '600', strategy: 'round-robin', ringTimeoutSec: 20, progressiveStepSec: 5, wrapUpSec: 15, afterNoAnswer: 'break',
    maxLength: 10, maxWaitSec: 300, overflow: 'ext:1002', joinEmpty: true, leaveWhenEmpty: false, announceEverySec: 45,
    periodicEverySec: 90, exitKey: '0', exitDestination: 'callback', language: 'zh', requiredSkills: [{ skill: 'english', minLevel: 3 }],
    relaxation: [{ afterSec: 60, minLevelDrop: 1 }], weight: 1,
  }],
  conferences: [{ name: 'board', number: '700', maxParties: 8 }],
  registrar: { realm: 'office.example', minExpires: 30, maxExpires: 7200, defaultExpires: 600, nonceTtlSec: 120, digestAlgorithms: ['SHA-256', 'MD5'], maxAuthFailures: 5 },
  extensions: [
    { number: '1001', password: 'pass1001', displayName: 'Alice', maxContacts: 2 },
    { number: '1002', password: 'pass1002' },
  ],
  trunks: [
    { name: 'carrier', kind: 'static', host: '198.51.100.10', port: 5060, transport: 'udp', sourceAddresses: ['198.51.100.10', '198.51.100.11'], maxChannels: 30 },
    { name: 'voip', kind: 'register', host: 'sip.example.net', transport: 'tcp', username: 'box', password: 'pw', registerExpires: 300 },
  ],
  dids: [
    { number: '5550100', trunk: 'carrier', destination: 'ext:1001' },
    { number: '*', destination: 'dial:' },
  ],
  dialPlan: [
    { prefix: '0', trunk: 'voip', strip: 1, prepend: '+49' },
    { prefix: '', trunk: 'carrier' },
  ],
};

// defaults

test('an empty document gets every default', () => {
  const cfg = parseConfig({});
  assert.deepEqual(cfg.sip, { bindAddress: '0.0.0.0', udpPort: 5060, tcpPort: 5060, tls: true, tlsPort: 5061, maxMessageBytes: 65535, userAgent: 'CallCenterBox/0.1' });
  assert.deepEqual(cfg.http, { host: '0.0.0.0', port: 8080, tls: true, tlsPort: 8443 });
  assert.deepEqual(cfg.media, { listenIp: '0.0.0.0', rtpMinPort: 20000, rtpMaxPort: 29999, workers: 0, workerNiceness: 0, codecs: ['PCMU', 'PCMA'] });
  assert.deepEqual(cfg.calls, { noAnswerTimeoutSec: 60, deadMediaTimeoutSec: 60, maxCalls: 2000, onHold: 'music', dtmfEvents: true });
  assert.equal(cfg.registrar.realm, 'callcenter.box');
  assert.deepEqual(cfg.registrar.digestAlgorithms, ['MD5']);
  assert.deepEqual([cfg.extensions, cfg.trunks, cfg.dids, cfg.dialPlan], [[], [], [], []]);
});

test('defaultConfig is the empty document with defaults filled in', () => {
  assert.deepEqual(defaultConfig(), parseConfig({}));
});

test('defaults fill the gaps of a partial section and keep the values given', () => {
  const cfg = parseConfig({ sip: { udpPort: 5080 }, calls: { maxCalls: 10 } });
  assert.equal(cfg.sip.udpPort, 5080);
  assert.equal(cfg.sip.tcpPort, 5060);
  assert.equal(cfg.calls.maxCalls, 10);
  assert.equal(cfg.calls.noAnswerTimeoutSec, 60);
});

test('optional fields without a default stay absent', () => {
  const cfg = parseConfig({});
  assert.equal('publicAddress' in cfg.sip, false);
  assert.equal('announcedAddress' in cfg.media, false);
});

test('parsing does not modify the document it is given', () => {
  const doc = { sip: { udpPort: 5080 }, trunks: [] };
  const before = structuredClone(doc);
  parseConfig(doc);
  assert.deepEqual(doc, before);
});

// documents that are not objects

test('non-object documents are refused with a clear message', () => {
  for (const doc of [null, undefined, [], [{}], 'config', '', 42, 0, true]) {
    const problems = problemsOf(doc);
    assert.deepEqual(problems, ['the document must be a JSON object'], `document ${JSON.stringify(doc)}`);
  }
});

test('the error message of a ConfigError lists its problems', () => {
  try {
    parseConfig(null);
    assert.fail('expected a throw');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /invalid configuration: the document must be a JSON object/);
  }
});

test('a ConfigError with many problems names the first ten and counts the rest', () => {
  const e = new ConfigError(Array.from({ length: 13 }, (_, i) => `p${i}`));
  assert.match(e.message, /p9/);
  assert.doesNotMatch(e.message, /p10/);
  assert.match(e.message, /\(\+3 more\)/);
  assert.equal(e.problems.length, 13);
});

// schema validation

test('a value outside its schema range is refused and the problem names its path', () => {
  assertProblem(problemsOf({ sip: { udpPort: 0 } }), /^\/sip\/udpPort: /);
  assertProblem(problemsOf({ media: { codecs: ['G729'] } }), /^\/media\/codecs\/0: /);
});

test('an invalid array entry names its index in the path', () => {
  const problems = problemsOf({ extensions: [{ number: '1001', password: 'okay' }, { number: 'x', password: 'okay' }] });
  assertProblem(problems, /^\/extensions\/1\/number: /);
});

test('every schema problem is reported, not just the first', () => {
  const problems = problemsOf({ sip: { udpPort: 0 }, http: { port: 70000 } });
  assertProblem(problems, /^\/sip\/udpPort/);
  assertProblem(problems, /^\/http\/port/);
});

// cross-checks

test('a duplicate trunk name is refused', () => {
  const t = { name: 'carrier', kind: 'static', host: '198.51.100.10' };
  assertProblem(problemsOf({ trunks: [t, { ...t, host: '198.51.100.20' }] }), /^\/trunks: duplicate trunk name carrier$/);
});

test('a duplicate extension number is refused', () => {
  const e = { number: '1001', password: 'secret' };
  assertProblem(problemsOf({ extensions: [e, { ...e, password: 'other' }] }), /^\/extensions: duplicate extension 1001$/);
});

test('a DID naming an unknown trunk is refused', () => {
  assertProblem(problemsOf({ dids: [{ number: '5550100', trunk: 'nope', destination: 'dial:' }] }), /^\/dids\/5550100: unknown trunk nope$/);
});

test('a DID ringing an unknown extension is refused', () => {
  assertProblem(problemsOf({ dids: [{ number: '*', destination: 'ext:1009' }] }), /^\/dids\/\*: unknown extension 1009$/);
});

test('a dial rule naming an unknown trunk is refused', () => {
  assertProblem(problemsOf({ dialPlan: [{ prefix: '0', trunk: 'nope' }] }), /^\/dialPlan\/0: unknown trunk nope$/);
});

test('a registering trunk without username or password is refused', () => {
  assertProblem(problemsOf({ trunks: [{ name: 'voip', kind: 'register', host: 'sip.example.net' }] }), /^\/trunks\/voip: .*username and password/);
  assertProblem(problemsOf({ trunks: [{ name: 'voip', kind: 'register', host: 'h', username: 'u' }] }), /^\/trunks\/voip: /);
  assertProblem(problemsOf({ trunks: [{ name: 'voip', kind: 'register', host: 'h', password: 'p' }] }), /^\/trunks\/voip: /);
  assertProblem(problemsOf({ trunks: [{ name: 'voip', kind: 'register', host: 'h', username: '', password: 'p' }] }), /^\/trunks\/voip: /);
});

test('a static trunk needs no credentials', () => {
  assert.equal(parseConfig({ trunks: [{ name: 'carrier', kind: 'static', host: '198.51.100.10' }] }).trunks.length, 1);
});

test('rtpMinPort above rtpMaxPort is refused', () => {
  assertProblem(problemsOf({ media: { rtpMinPort: 30000, rtpMaxPort: 20000 } }), /^\/media: rtpMinPort > rtpMaxPort$/);
});

test('rtpMinPort equal to rtpMaxPort is accepted', () => {
  assert.equal(parseConfig({ media: { rtpMinPort: 30000, rtpMaxPort: 30000 } }).media.rtpMinPort, 30000);
});

test('all cross-check problems are reported together', () => {
  const problems = problemsOf({
    trunks: [{ name: 'voip', kind: 'register', host: 'h' }],
    dids: [{ number: '1', trunk: 'x', destination: 'ext:99' }],
    dialPlan: [{ prefix: '9', trunk: 'y' }],
    media: { rtpMinPort: 30000, rtpMaxPort: 20000 },
  });
  assert.equal(problems.length, 5, JSON.stringify(problems));
});

test('a DID or dial rule referring to a trunk defined in the same document is accepted', () => {
  const cfg = parseConfig({
    trunks: [{ name: 'carrier', kind: 'static', host: '198.51.100.10' }],
    extensions: [{ number: '1001', password: 'secret' }],
    dids: [{ number: '5550100', trunk: 'carrier', destination: 'ext:1001' }],
    dialPlan: [{ prefix: '0', trunk: 'carrier' }],
  });
  assert.equal(cfg.dids[0].destination, 'ext:1001');
});

// round trip

test('a valid full document round-trips unchanged', () => {
  const cfg = parseConfig(structuredClone(FULL));
  assert.deepEqual(cfg, FULL);
});

test('a parsed configuration parses again to itself', () => {
  const once = parseConfig({ trunks: FULL.trunks, extensions: FULL.extensions, dids: FULL.dids, dialPlan: FULL.dialPlan });
  assert.deepEqual(parseConfig(JSON.parse(JSON.stringify(once))), once);
});

// queues, agents, conference rooms

test('queue, agent and room references are cross-checked and all reported', () => {
  const problems = problemsOf({
    extensions: [{ number: '1001', password: 'pass1001' }],
    queues: [
      { name: 'sales', number: '1001', overflow: 'queue:sales' },
      { name: 'sales', overflow: 'queue:nowhere', exitKey: '0' },
      { name: 'support', number: '700', overflow: 'ext:1999' },
    ],
    conferences: [{ name: 'room', number: '700' }],
    agents: [
      { id: 'a1', extension: '1002', queues: [{ queue: 'billing' }] },
      { id: 'a1', extension: '1001' },
    ],
    dids: [{ number: '1', destination: 'queue:ghost' }, { number: '2', destination: 'conf:ghost' }],
  });
  for (const p of [
    /duplicate queue name sales/, /number 1001 is also an extension/, /unknown or own queue sales/, /unknown or own queue nowhere/,
    /exitKey needs exitDestination/, /unknown extension 1999/, /number 700 is also used by \/queues\/support/,
    /\/agents\/a1: unknown extension 1002/, /\/agents\/a1: unknown queue billing/, /duplicate agent id a1/,
    /unknown queue ghost/, /unknown conference room ghost/,
  ]) assertProblem(problems, p);
});

test('a queue gets its defaults: longest-idle, 15 s ring, 10 s wrap-up, break after no answer', () => {
  const cfg = parseConfig({ queues: [{ name: 'q', overflow: 'hangup' }] });
  const q = cfg.queues[0];
  assert.equal(q.strategy, 'longest-idle');
  assert.equal(q.ringTimeoutSec, 15);
  assert.equal(q.wrapUpSec, 10);
  assert.equal(q.afterNoAnswer, 'break');
  assert.equal(cfg.acd.crossQueueFairness, true);
  assert.ok(cfg.acd.breakReasons.includes('missed-call'));
  assert.deepEqual(problemsOf({ queues: [{ name: 'q', overflow: 'hangup', strategy: 'best' }] }).length > 0, true);
});

// Unit tests of the edge defence's parts: token buckets and sliding counters, growing bans,
// the message screen (scanners, limits, loops), and the guard with its ban list on a real LMDB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RateLimiter, SlidingCounter } from './rate-limiter.ts';
import { nextBan } from './ban-policy.ts';
import { screenMessage, type ScreenLimits } from './message-screen.ts';
import { decode } from './codec.ts';
import type { SipMessage } from './message.ts';
import { Store } from '../store/store.ts';
import { BanList } from './ban-list.ts';
import { EdgeGuard, headerLines } from './edge-guard.ts';
import { parseConfig } from '../config/load.ts';
import { listAudit } from '../audit/audit-log.ts';
import { OverloadMonitor, overloadVerdict } from './overload.ts';

test('a token bucket allows the burst, then the rate, and counts refusals in a row', () => {
  const r = new RateLimiter();
  const lim = { rate: 10, burst: 5 };
  for (let i = 0; i < 5; i++) assert.equal(r.take('a', lim, 0), 0);
  assert.equal(r.take('a', lim, 0), 1);
  assert.equal(r.take('a', lim, 0), 2);
  assert.equal(r.take('b', lim, 0), 0, 'other keys have their own bucket');
  assert.equal(r.take('a', lim, 100), 0, 'one token back after 100 ms at 10/s');
  assert.equal(r.take('a', lim, 100), 1);
});

test('the rate limiter keeps a bounded number of keys', () => {
  const r = new RateLimiter(100);
  for (let i = 0; i < 10_000; i++) r.take(`k${i}`, { rate: 1, burst: 1 }, 0);
  assert.ok(r.size <= 100, String(r.size));
});

test('a sliding counter forgets events older than the window', () => {
  const c = new SlidingCounter();
  assert.equal(c.add('x', 0, 1000), 1);
  assert.equal(c.add('x', 500, 1000), 2);
  assert.equal(c.add('x', 1200, 1000), 2);
  assert.equal(c.count('x', 2600, 1000), 0);
});

test('bans double for repeat offences within a day, up to the maximum', () => {
  assert.deepEqual(nextBan(undefined, 0, 300_000, 86_400_000), { offences: 1, durationMs: 300_000 });
  assert.deepEqual(nextBan({ offences: 1, lastOffenceAt: 0 }, 600_000, 300_000, 86_400_000), { offences: 2, durationMs: 600_000 });
  assert.deepEqual(nextBan({ offences: 3, lastOffenceAt: 0 }, 1, 300_000, 86_400_000), { offences: 4, durationMs: 2_400_000 });
  assert.deepEqual(nextBan({ offences: 40, lastOffenceAt: 0 }, 1, 300_000, 86_400_000), { offences: 41, durationMs: 86_400_000 });
  assert.deepEqual(nextBan({ offences: 5, lastOffenceAt: 0 }, 25 * 3600_000, 300_000, 86_400_000), { offences: 1, durationMs: 300_000 });
});

const LIMITS: ScreenLimits = { maxHeaders: 30, maxVias: 4, dropScanners: true, extraScanners: ['evil-dialer'], self: { hosts: ['10.0.0.1'], ports: [5060] } };

function msg(lines: string[]): SipMessage {
  const text = [...lines, 'Content-Length: 0', '', ''].join('\r\n');
  const r = decode(text);
  assert.ok(r.ok, text);
  return r.message;
}
const base = (method: string, extra: string[] = [], via = 'Via: SIP/2.0/UDP 10.0.0.9:5062;branch=z9hG4bKa') => [
  `${method} sip:1001@10.0.0.1 SIP/2.0`, via, 'From: <sip:a@10.0.0.9>;tag=1', 'To: <sip:1001@10.0.0.1>', 'Call-ID: c1', `CSeq: 1 ${method}`, 'Max-Forwards: 70', ...extra,
];

test('the screen drops scanners silently, answers over-limit and looping requests, passes the rest', () => {
  assert.deepEqual(screenMessage(msg(base('OPTIONS')), LIMITS), { action: 'pass' });
  for (const ua of ['friendly-scanner', 'sipvicious 0.3', 'sipcli/v1.8', 'VaxSIPUserAgent/3.1', 'Evil-Dialer 2']) {
    const v = screenMessage(msg(base('REGISTER', [`User-Agent: ${ua}`])), LIMITS);
    assert.equal(v.action === 'drop' && v.scanner, true, ua);
  }
  const fromName = screenMessage(msg(['OPTIONS sip:100@10.0.0.1 SIP/2.0', 'Via: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKb', 'From: "sipvicious"<sip:100@1.1.1.1>;tag=1', 'To: <sip:100@10.0.0.1>', 'Call-ID: c2', 'CSeq: 1 OPTIONS']), LIMITS);
  assert.equal(fromName.action, 'drop');
  assert.deepEqual(screenMessage(msg(base('INVITE', Array.from({ length: 30 }, (_, i) => `X-H${i}: v`))), LIMITS).action, 'answer');
  const vias = screenMessage(msg(base('INVITE', [], 'Via: ' + Array.from({ length: 5 }, (_, i) => `SIP/2.0/UDP 10.9.0.${i};branch=z9hG4bK${i}`).join(', '))), LIMITS);
  assert.deepEqual(vias, { action: 'answer', status: 483, reason: 'Too Many Hops (Via)' });
  const loop = screenMessage(msg(base('INVITE', [], 'Via: SIP/2.0/UDP 10.0.0.7;branch=z9hG4bKx, SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKmine')), LIMITS);
  assert.deepEqual(loop, { action: 'answer', status: 482, reason: 'Loop Detected' });
  const mf0 = msg(base('INVITE').map((l) => (l.startsWith('Max-Forwards') ? 'Max-Forwards: 0' : l)));
  assert.deepEqual(screenMessage(mf0, LIMITS), { action: 'answer', status: 483, reason: 'Too Many Hops' });
  const opt0 = msg(base('OPTIONS').map((l) => (l.startsWith('Max-Forwards') ? 'Max-Forwards: 0' : l)));
  assert.deepEqual(screenMessage(opt0, LIMITS), { action: 'pass' }, 'an OPTIONS with Max-Forwards 0 is for us (RFC 3261 11)');
  assert.deepEqual(screenMessage(msg(base('REGISTER', ['User-Agent: friendly-scanner'])), { ...LIMITS, dropScanners: false }), { action: 'pass' });
});

test('header lines (after the start line) are counted up to the blank line', () => {
  assert.equal(headerLines(Buffer.from('A\r\nB: 1\r\nC: 2\r\n\r\nbody\r\nmore\r\n'), 100), 2);
  assert.equal(headerLines(Buffer.from('A\r\n' + 'X: 1\r\n'.repeat(500)), 50), 50);
});

test('the guard bans a guessing address after maxAuthFailures, persists it with event and audit rows, and never bans the allow-list or a trunk', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'edge-'));
  let now = 1_000_000;
  const store = new Store(dir);
  try {
    const cfg = parseConfig({ trunks: [{ name: 'carrier', kind: 'static', host: '192.0.2.10' }], security: { maxAuthFailures: 3, allowList: ['10.1.0.0/16'], requestsPerSecond: 10, requestBurst: 20 } });
    const bans = new BanList(store, { now: () => now });
    const guard = new EdgeGuard({ config: () => cfg, bans, self: () => ({ hosts: ['10.0.0.1'], ports: [5060] }), now: () => now });
    const remote = (address: string) => ({ protocol: 'UDP' as const, address, port: 5060 });
    const bytes = Buffer.from(base('OPTIONS').join('\r\n') + '\r\n\r\n');
    guard.authFailed('203.0.113.5', '100');
    guard.authFailed('203.0.113.5', '101');
    assert.equal(guard.admitBytes(bytes, remote('203.0.113.5')), true);
    guard.authFailed('203.0.113.5', '102');
    assert.equal(guard.admitBytes(bytes, remote('203.0.113.5')), false, 'banned after 3 failures');
    assert.equal(guard.admitConnection('203.0.113.5'), false);
    for (let i = 0; i < 10; i++) guard.authFailed('10.1.2.3', 'x');
    for (let i = 0; i < 10; i++) guard.authFailed('192.0.2.10', 'x');
    assert.equal(guard.admitBytes(bytes, remote('10.1.2.3')), true, 'allow-listed subnet');
    assert.equal(guard.admitBytes(bytes, remote('192.0.2.10')), true, 'trunk host');
    await store.transaction(() => undefined); // LMDB commits transactions in order: the bans queued before it are written
    const row = store.tables.sipBans.get('source:203.0.113.5') as any;
    assert.equal(row.until - row.since, 300_000);
    assert.match(row.reason, /3 failed authentications/);
    const events = [...store.tables.events.getRange()].map((e) => e.value as any).filter((e) => e.type === 'sip-ban');
    assert.equal(events.length, 1);
    assert.deepEqual(listAudit(store).map((a) => [a.action, a.target]), [['sip-ban', '203.0.113.5']]);
    // A flood: 20 allowed (the burst), then refused; another 20 refused in a row is a ban.
    let admitted = 0;
    for (let i = 0; i < 60; i++) if (guard.admitBytes(bytes, remote('198.51.100.1'))) admitted++;
    assert.equal(admitted, 20);
    assert.equal(bans.banned('source', '198.51.100.1'), true);
    // After the ban ends, the address is heard again; a second offence is banned twice as long.
    now += 300_001;
    assert.equal(guard.admitBytes(bytes, remote('203.0.113.5')), true);
    for (let i = 0; i < 3; i++) guard.authFailed('203.0.113.5', 'y');
    const again = bans.active().find((b) => b.id === '203.0.113.5')!;
    assert.equal(again.offences, 2);
    assert.equal(again.until! - again.since, 600_000);
    // A restart reads the bans back; a lift removes one with its audit row.
    await store.transaction(() => undefined); // LMDB commits transactions in order: the bans queued before it are written
    const reread = new BanList(store, { now: () => now });
    assert.equal(reread.banned('source', '203.0.113.5'), true);
    assert.equal(await reread.lift('source', '203.0.113.5', 'admin', '10.1.2.3'), true);
    assert.equal(await reread.lift('source', '203.0.113.5', 'admin'), false);
    assert.equal(new BanList(store, { now: () => now }).banned('source', '203.0.113.5'), false);
    assert.deepEqual(listAudit(store).map((a) => a.action).slice(-1), ['sip-ban-lift']);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('overload verdict: lag or calls over their ceiling give the Retry-After; 0 turns a ceiling off', () => {
  const l = { maxLagMs: 500, maxCalls: 10, retryAfterSec: 7 };
  assert.equal(overloadVerdict(100, 9, l), undefined);
  assert.equal(overloadVerdict(501, 0, l), 7);
  assert.equal(overloadVerdict(0, 10, l), 7);
  assert.equal(overloadVerdict(10_000, 10_000, { maxLagMs: 0, maxCalls: 0, retryAfterSec: 7 }), undefined);
});

test('the overload monitor ignores one long stall (start-up hashing, a GC pause) but trips on a saturated event loop', async () => {
  const block = (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until);
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const monitor = new OverloadMonitor({ limits: () => ({ maxLagMs: 100, maxCalls: 0, retryAfterSec: 5 }), calls: () => 0 });
  try {
    block(1500);
    await sleep(2300);
    assert.equal(monitor.check(), undefined, `one stall is not overload (lag now ${monitor.lagMs} ms)`);
    // Saturated: the loop is busy 400 ms at a time for 3.5 s.
    const saturatedUntil = Date.now() + 3500;
    while (Date.now() < saturatedUntil) {
      block(400);
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(monitor.check(), 5, `a saturated loop is overload (lag ${monitor.lagMs} ms)`);
    assert.equal(monitor.refused, 1);
  } finally {
    monitor.close();
  }
});

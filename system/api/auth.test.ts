// Sign-in and access building blocks without a server: lockout and its doubling, the
// per-address throttle, API tokens (hashed at rest, scoped, revocable, expiring), scope
// derivation and cookie handling. A real LMDB store in a temp directory; the clock is injected.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { hashPassword } from '../users/passwords.ts';
import { Sessions, MAX_FAILURES, LOCKOUT_MS } from './sessions.ts';
import { ApiTokens } from './auth-tokens.ts';
import { SignInThrottle, parseCookies, scopeOf, sessionCookie } from './auth.ts';

let dir: string;
let store: Store;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'auth-test-'));
  store = new Store(dir);
  await store.transaction(() => {
    store.tables.config.put('user:alice', { username: 'alice', role: 'agent', passwordHash: hashPassword('right-password'), createdAt: 0, mustChangePassword: false });
  });
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('five wrong passwords lock the name for a minute, even against the right one; the next lockout lasts twice as long', () => {
  const sessions = new Sessions(store);
  const t0 = 1_000_000;
  for (let i = 0; i < MAX_FAILURES; i++) assert.equal(sessions.signIn('alice', 'wrong', t0 + i), 'invalid');
  assert.equal(sessions.signIn('alice', 'right-password', t0 + 10), 'locked');
  assert.equal(sessions.lockedFor('alice', t0 + 10), LOCKOUT_MS - 6);
  const t1 = t0 + LOCKOUT_MS + 5;
  for (let i = 0; i < MAX_FAILURES; i++) assert.equal(sessions.signIn('alice', 'wrong', t1 + i), 'invalid');
  assert.equal(sessions.signIn('alice', 'right-password', t1 + LOCKOUT_MS + 10), 'locked', 'the second lockout is longer than a minute');
  const ok = sessions.signIn('alice', 'right-password', t1 + 2 * LOCKOUT_MS + 10);
  assert.equal(typeof ok, 'object');
});

test('a success clears the failures; an unknown user fails like a wrong password', () => {
  const sessions = new Sessions(store);
  const t0 = 5_000_000;
  for (let i = 0; i < MAX_FAILURES - 1; i++) sessions.signIn('alice', 'wrong', t0 + i);
  assert.equal(typeof sessions.signIn('alice', 'right-password', t0 + 10), 'object');
  for (let i = 0; i < MAX_FAILURES - 1; i++) assert.equal(sessions.signIn('alice', 'wrong', t0 + 20 + i), 'invalid');
  assert.equal(typeof sessions.signIn('alice', 'right-password', t0 + 30), 'object', 'four new failures do not lock');
  assert.equal(sessions.signIn('mallory', 'x', t0), 'invalid');
});

test('a browser session carries a CSRF token, a bearer session none; sessions expire when idle', () => {
  const sessions = new Sessions(store, 1000);
  const b = sessions.signIn('alice', 'right-password', 0, 'browser');
  const a = sessions.signIn('alice', 'right-password', 0, 'bearer');
  assert.ok(typeof b === 'object' && b.kind === 'browser' && b.csrf && b.csrf.length >= 32);
  assert.ok(typeof a === 'object' && a.kind === 'bearer' && a.csrf === undefined);
  assert.equal(sessions.check(a.token, 900)?.username, 'alice');
  assert.equal(sessions.check(a.token, 1800)?.username, 'alice', 'use restarts the idle clock');
  assert.equal(sessions.check(a.token, 2900), undefined);
  sessions.signOutUser('alice');
  assert.equal(sessions.check(b.token, 100), undefined);
});

test('the sign-in throttle lets a burst through, then one attempt per refill interval', () => {
  const t = new SignInThrottle(3, 6); // 3 at once, then one every 10 s
  assert.deepEqual([t.take('a', 0), t.take('a', 0), t.take('a', 0)], [0, 0, 0]);
  assert.equal(t.take('a', 0), 10_000);
  assert.equal(t.take('b', 0), 0, 'another address has its own bucket');
  assert.equal(t.take('a', 5_000), 5_000);
  assert.equal(t.take('a', 10_000), 0);
});

test('an API token is stored hashed, works with its scopes only, and stops when revoked or expired', async () => {
  const tokens = new ApiTokens(store);
  const { token, info } = await tokens.create({ name: 'crm', scopes: ['customers:read', 'acd:read'], by: 'admin' });
  assert.match(token, /^cct_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  const stored = store.tables.config.get(`api-token:${info.id}`) as Record<string, unknown>;
  assert.ok(!JSON.stringify(stored).includes(token.slice(21)), 'the secret is not stored');
  const s = tokens.check(token);
  assert.deepEqual([s?.role, s?.kind, s?.username, s?.scopes], ['api', 'api-token', 'token:crm', ['customers:read', 'acd:read']]);
  assert.equal(tokens.check(token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A')), undefined, 'a wrong secret fails');
  assert.deepEqual(tokens.list().map((t) => [t.name, 'hash' in t]), [['crm', false]]);
  const short = await tokens.create({ name: 'temp', scopes: ['acd:read'], by: 'admin', expiresAt: 2000 }, 1000);
  assert.ok(tokens.check(short.token, 1999));
  assert.equal(tokens.check(short.token, 2000), undefined);
  assert.equal(await tokens.revoke(info.id, 'admin'), true);
  assert.equal(tokens.check(token), undefined);
  assert.equal(await tokens.revoke(info.id, 'admin'), false);
});

test('a route\'s token scope comes from its area and method unless declared', () => {
  assert.equal(scopeOf('GET', '/api/acd/queues'), 'acd:read');
  assert.equal(scopeOf('POST', '/api/acd/agents/:id/:action'), 'acd:write');
  assert.equal(scopeOf('PUT', '/api/customers/:number'), 'customers:write');
  assert.equal(scopeOf('GET', '/api/openapi.json', '*'), '*');
});

test('the session cookie is HttpOnly and SameSite=Strict, Secure over HTTPS, and clearing it expires it', () => {
  assert.equal(sessionCookie('abc', true), 'cc_session=abc; Path=/; HttpOnly; SameSite=Strict; Secure');
  assert.equal(sessionCookie('abc', false), 'cc_session=abc; Path=/; HttpOnly; SameSite=Strict');
  assert.match(sessionCookie('', true), /^cc_session=; .*Max-Age=0$/);
  assert.deepEqual(parseCookies('a=1; cc_session=xyz; b=2=3'), { a: '1', cc_session: 'xyz', b: '2=3' });
  assert.deepEqual(parseCookies('cc_session=first; cc_session=second'), { cc_session: 'first' });
});

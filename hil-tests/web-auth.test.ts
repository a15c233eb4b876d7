// Sign-in hardening on the real daemon served as the appliance serves it (HTTPS with the
// self-signed certificate made at first start, plain HTTP redirecting): the session cookie's
// flags, CSRF and cross-origin refusals, sign-out, API tokens and their scopes, the OpenAPI
// document, user-name lockout and per-address sign-in throttling. Requests trust only the
// box's own certificate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { freePort } from './harness/ports.ts';
import { adminPassword, boxCertificate, browserSignIn, httpsCall, type BrowserSession } from './harness/api.ts';

let box: BoxProcess;
let tlsPort: number;
let ca: Buffer;
let admin: BrowserSession;

before(async () => {
  tlsPort = await freePort();
  box = await startBoxProcess({
    http: { tls: true, tlsPort },
    recording: { enabled: false },
    extensions: [{ number: '2001', password: 'pw-2001' }],
    queues: [{ name: 'q1', strategy: 'linear', overflow: 'hangup' }],
    agents: [{ id: 'agent1', extension: '2001', queues: [{ queue: 'q1' }] }],
  });
  ca = boxCertificate(box);
  admin = await browserSignIn(tlsPort, ca, 'admin', adminPassword(box));
  for (const [username, role] of [['agent1', 'agent'], ['sup1', 'supervisor']]) {
    const r = await admin.call('POST', '/api/users', { username, role, password: `${username}-password` });
    assert.equal(r.status, 201, r.text);
  }
});

after(async () => {
  await box?.stop();
});

const call = (method: string, path: string, opts?: Parameters<typeof httpsCall>[4]) => httpsCall(tlsPort, ca, method, path, opts);

test('the plain HTTP port answers every request with a redirect to the same path over HTTPS', async () => {
  for (const [method, path] of [['GET', '/'], ['GET', '/api/acd/queues?x=1'], ['POST', '/api/session']]) {
    const r = await fetch(`http://127.0.0.1:${box.httpPort}${path}`, { method, redirect: 'manual' });
    assert.equal(r.status, 308, `${method} ${path}`);
    assert.equal(r.headers.get('location'), `https://127.0.0.1:${tlsPort}${path}`);
  }
});

test('HTTPS uses the self-signed certificate made at first start, naming the box\'s addresses, and sends the security headers', async () => {
  const cert = new X509Certificate(ca);
  assert.match(cert.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
  assert.match(cert.subjectAltName ?? '', /DNS:localhost/);
  assert.ok(box.logs.some((l) => l.includes('self-signed HTTPS certificate generated')));
  const fingerprint = JSON.parse(box.logs.find((l) => l.includes('HTTPS certificate (SHA-256 fingerprint)'))!).fingerprint;
  assert.equal(fingerprint, cert.fingerprint256, 'the log shows the fingerprint a user can compare in the browser');
  const page = await call('GET', '/');
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /default-src 'self'.*frame-ancestors 'none'/);
  assert.equal(page.headers['x-frame-options'], 'DENY');
  assert.equal(page.headers['x-content-type-options'], 'nosniff');
});

test('a browser sign-in sets an HttpOnly, SameSite=Strict, Secure session cookie and returns a CSRF token, never the session token', async () => {
  assert.match(admin.setCookie, /^cc_session=[A-Za-z0-9_-]{32}; Path=\/; HttpOnly; SameSite=Strict; Secure$/);
  const again = await call('POST', '/api/session', { body: { username: 'sup1', password: 'sup1-password', cookie: true } });
  assert.equal(again.status, 200);
  assert.deepEqual(Object.keys(again.body).sort(), ['csrfToken', 'role', 'username']);
  assert.ok(!again.text.includes(String(again.headers['set-cookie']).split(';')[0].split('=')[1]), 'the body does not carry the cookie\'s token');
  const me = await admin.call('GET', '/api/session');
  assert.deepEqual([me.status, me.body.username, me.body.kind, me.body.csrfToken], [200, 'admin', 'browser', admin.csrf]);
});

test('with the cookie, reads need no CSRF token, but a change without it or with a wrong one is refused and changes nothing', async () => {
  assert.equal((await admin.call('GET', '/api/acd/queues', undefined, { csrf: false })).status, 200);
  const body = { name: 'Wang Fang', priority: 5 };
  const missing = await admin.call('PUT', '/api/customers/13900000001', body, { csrf: false });
  assert.deepEqual([missing.status, missing.body.code], [403, 'CC_API_CSRF']);
  const wrong = await admin.call('PUT', '/api/customers/13900000001', body, { csrf: 'x'.repeat(32) });
  assert.deepEqual([wrong.status, wrong.body.code], [403, 'CC_API_CSRF']);
  const other = await browserSignIn(tlsPort, ca, 'sup1', 'sup1-password');
  const someoneElses = await admin.call('PUT', '/api/customers/13900000001', body, { csrf: other.csrf });
  assert.deepEqual([someoneElses.status, someoneElses.body.code], [403, 'CC_API_CSRF'], 'the token is bound to its session');
  assert.equal((await admin.call('GET', '/api/customers/13900000001')).status, 404, 'nothing was written');
  const ok = await admin.call('PUT', '/api/customers/13900000001', body);
  assert.equal(ok.status, 200, ok.text);
  assert.equal((await admin.call('GET', '/api/customers/13900000001')).body.name, 'Wang Fang');
});

test('a cookie-borne request from a page of another origin is refused, even a read', async () => {
  const read = await admin.call('GET', '/api/acd/queues', undefined, { origin: 'https://evil.example' });
  assert.deepEqual([read.status, read.body.code], [403, 'CC_API_ORIGIN']);
  const write = await admin.call('PUT', '/api/customers/13900000009', { priority: 0 }, { origin: 'https://evil.example' });
  assert.deepEqual([write.status, write.body.code], [403, 'CC_API_ORIGIN']);
  const same = await admin.call('GET', '/api/acd/queues', undefined, { origin: `https://127.0.0.1:${tlsPort}` });
  assert.equal(same.status, 200);
});

test('a cookie session is not a bearer token, and a bearer session is not a cookie', async () => {
  const cookieToken = admin.cookie.split('=')[1];
  const asBearer = await call('GET', '/api/acd/queues', { headers: { authorization: `Bearer ${cookieToken}` } });
  assert.equal(asBearer.status, 401);
  const bearer = await call('POST', '/api/session', { body: { username: 'sup1', password: 'sup1-password' } });
  assert.equal(typeof bearer.body.token, 'string');
  assert.equal(bearer.headers['set-cookie'], undefined, 'an API client gets no cookie');
  const asCookie = await call('GET', '/api/acd/queues', { headers: { cookie: `cc_session=${bearer.body.token}` } });
  assert.equal(asCookie.status, 401);
  assert.equal((await call('GET', '/api/acd/queues', { headers: { authorization: `Bearer ${bearer.body.token}` } })).status, 200);
});

test('signing out clears the cookie and ends the session', async () => {
  const s = await browserSignIn(tlsPort, ca, 'sup1', 'sup1-password');
  assert.equal((await s.call('GET', '/api/session')).status, 200);
  const out = await s.call('DELETE', '/api/session');
  assert.equal(out.status, 200);
  assert.match(String(out.headers['set-cookie']), /^cc_session=; .*Max-Age=0/);
  const after = await s.call('GET', '/api/session');
  assert.deepEqual([after.status, after.body.code], [401, 'CC_API_UNAUTHENTICATED']);
});

test('an API token works with its scopes only, never reaches admin routes, and stops when revoked', async () => {
  const bad = await admin.call('POST', '/api/tokens', { name: 'crm', scopes: ['users:write'] });
  assert.equal(bad.status, 400, 'a scope outside the list cannot be granted');
  const made = await admin.call('POST', '/api/tokens', { name: 'crm', scopes: ['acd:read', 'customers:read', 'history:read'] });
  assert.equal(made.status, 201, made.text);
  const token = made.body.token as string;
  const listed = await admin.call('GET', '/api/tokens');
  assert.ok(!listed.text.includes(token.slice(21)), 'the list never shows the secret');
  const t = (method: string, path: string, body?: unknown) => call(method, path, { body, headers: { authorization: `Bearer ${token}` } });
  assert.equal((await t('GET', '/api/acd/queues')).status, 200);
  assert.equal((await t('GET', '/api/customers/13900000001')).body.name, 'Wang Fang');
  assert.equal((await t('GET', '/api/history/13900000001')).status, 200);
  assert.equal((await t('GET', '/api/openapi.json')).status, 200);
  for (const [method, path, body, scope] of [
    ['PUT', '/api/customers/13900000001', { priority: 9 }, 'customers:write'],
    ['POST', '/api/acd/agents/agent1/login', undefined, 'acd:write'],
    ['POST', '/api/users', { username: 'evil', role: 'admin', password: 'evil-password' }, 'users:write'],
    ['POST', '/api/tokens', { name: 'more', scopes: ['acd:write'] }, 'tokens:write'],
    ['GET', '/api/tokens', undefined, 'tokens:read'],
    ['GET', '/api/workspace', undefined, 'workspace:read'],
  ] as const) {
    const r = await t(method, path, body);
    assert.deepEqual([r.status, r.body.code, r.body.message], [403, 'CC_API_SCOPE', `the token needs scope ${scope}`], `${method} ${path}`);
  }
  assert.equal((await admin.call('GET', '/api/customers/13900000001')).body.priority, 5, 'the refused write changed nothing');
  const writer = await admin.call('POST', '/api/tokens', { name: 'erp', scopes: ['customers:write'], expiresInDays: 30 });
  const w = writer.body.token as string;
  const put = await call('PUT', '/api/customers/13900000002', { body: { name: 'Li Lei', priority: 0 }, headers: { authorization: `Bearer ${w}` } });
  assert.deepEqual([put.status, put.body.updatedBy], [200, 'token:erp'], 'a token needs no CSRF token and is named in what it writes');
  assert.equal((await admin.call('DELETE', `/api/tokens/${made.body.info.id}`)).status, 200);
  const revoked = await t('GET', '/api/acd/queues');
  assert.deepEqual([revoked.status, revoked.body.code], [401, 'CC_API_UNAUTHENTICATED']);
  const events = (await box.read<any>('events')).map((e) => e.value.type);
  assert.ok(events.includes('api-token-created') && events.includes('api-token-revoked'));
  const audit = (await admin.call('GET', '/api/audit?limit=5000')).body as { action: string; actor: string; target: string; detail?: any }[];
  const created = audit.find((a) => a.action === 'api-token-create' && a.target.includes('(crm)'));
  assert.deepEqual([created?.actor, created?.detail?.scopes], ['admin', ['acd:read', 'customers:read', 'history:read']]);
  assert.ok(audit.some((a) => a.action === 'api-token-revoke' && a.target === `${made.body.info.id} (crm)`), 'revocation is audited');
  assert.ok(!JSON.stringify((await box.read<any>('config')).filter((r) => String(r.key).startsWith('api-token:'))).includes(w.slice(21)), 'LMDB holds no secret');
});

test('OpenAPI is generated from the route schemas, with each route\'s roles and token scope', async () => {
  assert.equal((await call('GET', '/api/openapi.json')).status, 401);
  const doc = (await admin.call('GET', '/api/openapi.json')).body;
  assert.equal(doc.openapi, '3.0.3');
  const put = doc.paths['/api/customers/{number}'].put;
  assert.deepEqual(put['x-roles'], ['admin', 'supervisor', 'agent']);
  assert.equal(put['x-scope'], 'customers:write');
  assert.deepEqual(put.requestBody.content['application/json'].schema.properties.priority, { minimum: 0, maximum: 100, default: 0, type: 'integer' });
  assert.deepEqual(doc.paths['/api/session'].post.security, [], 'sign-in is open');
  assert.deepEqual(doc.paths['/api/tokens'].post['x-roles'], ['admin']);
  assert.ok(doc.components.securitySchemes.bearer && doc.components.securitySchemes.cookie);
});

test('five wrong passwords lock the user name (the right one then gets 429 with Retry-After); other users can still sign in', async () => {
  for (let i = 0; i < 5; i++) {
    const r = await call('POST', '/api/session', { body: { username: 'agent1', password: 'wrong-password' } });
    assert.deepEqual([r.status, r.body.code], [401, 'CC_API_BAD_CREDENTIALS']);
  }
  const locked = await call('POST', '/api/session', { body: { username: 'agent1', password: 'agent1-password', cookie: true } });
  assert.deepEqual([locked.status, locked.body.code], [429, 'CC_API_LOCKED']);
  const retry = Number(locked.headers['retry-after']);
  assert.ok(retry > 50 && retry <= 60, `Retry-After ${retry}`);
  assert.equal(locked.headers['set-cookie'], undefined);
  assert.equal((await call('POST', '/api/session', { body: { username: 'sup1', password: 'sup1-password' } })).status, 200);
});

test('sign-in attempts from one address are throttled (429 CC_API_RATE_LIMITED), whatever the user names', async () => {
  const statuses: number[] = [];
  let limited: Awaited<ReturnType<typeof call>> | undefined;
  for (let i = 0; i < 30 && !limited; i++) {
    const r = await call('POST', '/api/session', { body: { username: `nobody${i}`, password: 'guess' } });
    statuses.push(r.status);
    if (r.status === 429) limited = r;
  }
  assert.ok(limited, `never throttled: ${statuses.join(',')}`);
  assert.equal(limited.body.code, 'CC_API_RATE_LIMITED');
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  // 20 at once per address; the lockout test and this one's own attempts used them up.
  assert.ok(statuses.length <= 20, `throttled after ${statuses.length} attempts`);
  const evenRight = await call('POST', '/api/session', { body: { username: 'sup1', password: 'sup1-password' } });
  assert.equal(evenRight.status, 429, 'the right password waits too (no password oracle while throttled)');
});

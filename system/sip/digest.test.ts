import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  DigestAuthenticator,
  answerChallenge,
  parseDigestHeader,
  type AuthorizationHeader,
  type DigestChallenge,
} from './digest.ts';

// Independent reference implementation of the RFC 2617 / RFC 7616 request-digest (qop=auth).
function refResponse(p: {
  hash: 'md5' | 'sha256';
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  nc: string;
  cnonce: string;
}): string {
  const H = (s: string) => createHash(p.hash).update(s).digest('hex');
  const ha1 = H(`${p.username}:${p.realm}:${p.password}`);
  const ha2 = H(`${p.method}:${p.uri}`);
  return H(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${ha2}`);
}

const REALM = 'box';
const SECRET = Buffer.from('0123456789abcdef0123456789abcdef');
const TTL = 60_000;
const USERS: Record<string, string> = { '1001': 'secret-1001', Mufasa: 'Circle Of Life' };
const lookup = (u: string) => (Object.hasOwn(USERS, u) ? USERS[u] : undefined);

function setup(opts: { maxTrackedNonces?: number; realm?: string } = {}) {
  const clock = { t: 1_700_000_000_000 };
  const auth = new DigestAuthenticator({
    realm: opts.realm ?? REALM,
    secret: SECRET,
    nonceTtlMs: TTL,
    now: () => clock.t,
    ...(opts.maxTrackedNonces !== undefined ? { maxTrackedNonces: opts.maxTrackedNonces } : {}),
  });
  return { auth, clock };
}

function challengeFor(auth: DigestAuthenticator, algorithm: 'MD5' | 'SHA-256'): DigestChallenge {
  const c = auth.challenges().find((x) => x.algorithm === algorithm);
  assert.ok(c);
  return c;
}

/** A header shaped like the sip package's parse: quoted values keep their quotes. */
function header(
  c: DigestChallenge,
  o: { username?: string; password?: string; method?: string; uri?: string; nc?: string; cnonce?: string } = {},
  overrides: Record<string, string | undefined> = {},
): AuthorizationHeader {
  const username = o.username ?? '1001';
  const uri = o.uri ?? 'sip:box';
  const nc = o.nc ?? '00000001';
  const cnonce = o.cnonce ?? 'abc123';
  const response = refResponse({
    hash: c.algorithm === 'SHA-256' ? 'sha256' : 'md5',
    username,
    realm: c.realm,
    password: o.password ?? USERS[username] ?? 'x',
    method: o.method ?? 'REGISTER',
    uri,
    nonce: c.nonce,
    nc,
    cnonce,
  });
  const h: AuthorizationHeader = {
    scheme: 'Digest',
    username: `"${username}"`,
    realm: `"${c.realm}"`,
    nonce: `"${c.nonce}"`,
    uri: `"${uri}"`,
    response: `"${response}"`,
    qop: 'auth',
    nc,
    cnonce: `"${cnonce}"`,
    algorithm: c.algorithm,
    opaque: `"${c.opaque}"`,
  };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete h[k];
    else h[k] = v;
  }
  return h;
}

test('a correct MD5 response is accepted', () => {
  const { auth } = setup();
  const v = auth.verify(header(challengeFor(auth, 'MD5')), 'REGISTER', 'sip:box', lookup);
  assert.deepEqual(v, { ok: true, username: '1001' });
});

test('a correct SHA-256 response is accepted', () => {
  const { auth } = setup();
  const v = auth.verify(header(challengeFor(auth, 'SHA-256')), 'REGISTER', 'sip:box', lookup);
  assert.deepEqual(v, { ok: true, username: '1001' });
});

test('an MD5 response without an algorithm parameter is accepted as MD5', () => {
  const { auth } = setup();
  const h = header(challengeFor(auth, 'MD5'), {}, { algorithm: undefined });
  assert.deepEqual(auth.verify(h, 'REGISTER', 'sip:box', lookup), { ok: true, username: '1001' });
});

test('unquoted parameter values are accepted as well as quoted ones', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'SHA-256');
  const h = header(c);
  for (const k of Object.keys(h)) if (k !== 'scheme') h[k] = h[k]!.replace(/^"|"$/g, '');
  assert.equal(auth.verify(h, 'REGISTER', 'sip:box', lookup).ok, true);
});

test('the challenges offer SHA-256 first and then MD5, with qop auth and our realm', () => {
  const { auth } = setup();
  const cs = auth.challenges();
  assert.deepEqual(
    cs.map((c) => c.algorithm),
    ['SHA-256', 'MD5'],
  );
  for (const c of cs) {
    assert.equal(c.realm, REALM);
    assert.equal(c.qop, 'auth');
    assert.equal(c.stale, false);
    assert.match(c.nonce, /^[A-Za-z0-9_-]{43}$/);
  }
  assert.ok(auth.challenges(true).every((c) => c.stale));
});

test('the reference helper reproduces the RFC 2617 section 3.5 worked example', () => {
  assert.equal(
    refResponse({
      hash: 'md5',
      username: 'Mufasa',
      realm: 'testrealm@host.com',
      password: 'Circle Of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
      nc: '00000001',
      cnonce: '0a4f113b',
    }),
    '6629fae49393a05397450978507c4ef1',
  );
});

test('answerChallenge reproduces the RFC 2617 section 3.5 worked example response', () => {
  const value = answerChallenge(
    {
      scheme: 'Digest',
      realm: '"testrealm@host.com"',
      qop: '"auth,auth-int"',
      nonce: '"dcd98b7102dd2f0e8b11d0f600bfb0c093"',
      opaque: '"5ccc069c403ebaf9f0171e9517f40e41"',
    },
    { username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: '0a4f113b' },
  );
  const h = parseDigestHeader(value);
  assert.ok(h);
  assert.equal(h.response, '"6629fae49393a05397450978507c4ef1"');
  assert.equal(h.nc, '00000001');
  assert.equal(h.qop, 'auth');
  assert.equal(h.cnonce, '"0a4f113b"');
  assert.equal(h.opaque, '"5ccc069c403ebaf9f0171e9517f40e41"');
  assert.equal(h.algorithm, undefined);
});

test('answerChallenge reproduces the RFC 7616 section 3.9.1 SHA-256 example response', () => {
  const value = answerChallenge(
    {
      scheme: 'Digest',
      realm: '"http-auth@example.org"',
      qop: '"auth, auth-int"',
      algorithm: 'SHA-256',
      nonce: '"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"',
      opaque: '"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
    },
    {
      username: 'Mufasa',
      password: 'Circle of Life',
      method: 'GET',
      uri: '/dir/index.html',
      nc: 1,
      cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
    },
  );
  assert.equal(
    parseDigestHeader(value)?.response,
    '"753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"',
  );
});

test('a response computed by the independent helper with the RFC 2617 example credentials is accepted', () => {
  const { auth } = setup({ realm: 'testrealm@host.com' });
  const c = challengeFor(auth, 'MD5');
  const h = header(c, { username: 'Mufasa', method: 'GET', uri: '/dir/index.html', cnonce: '0a4f113b' });
  assert.deepEqual(auth.verify(h, 'GET', '/dir/index.html', lookup), { ok: true, username: 'Mufasa' });
});

test('a wrong password is rejected as bad-response', () => {
  const { auth } = setup();
  const h = header(challengeFor(auth, 'MD5'), { password: 'wrong' });
  assert.deepEqual(auth.verify(h, 'REGISTER', 'sip:box', lookup), { ok: false, reason: 'bad-response', username: '1001' });
});

test('a response computed for another method is rejected as bad-response', () => {
  const { auth } = setup();
  const h = header(challengeFor(auth, 'SHA-256'), { method: 'INVITE' });
  assert.equal(auth.verify(h, 'REGISTER', 'sip:box', lookup).ok, false);
});

test('the same nonce count used twice is a replay the second time', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  assert.equal(auth.verify(header(c, { nc: '00000001' }), 'REGISTER', 'sip:box', lookup).ok, true);
  const v = auth.verify(header(c, { nc: '00000001' }), 'REGISTER', 'sip:box', lookup);
  assert.deepEqual(v, { ok: false, reason: 'replay', username: '1001' });
});

test('a lower nonce count is a replay and a higher one is accepted', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'SHA-256');
  assert.equal(auth.verify(header(c, { nc: '00000005' }), 'REGISTER', 'sip:box', lookup).ok, true);
  assert.equal(verifyReason(auth, header(c, { nc: '00000004' })), 'replay');
  assert.equal(auth.verify(header(c, { nc: '00000006' }), 'REGISTER', 'sip:box', lookup).ok, true);
  assert.equal(auth.verify(header(c, { nc: '0000000a' }), 'REGISTER', 'sip:box', lookup).ok, true);
  assert.equal(verifyReason(auth, header(c, { nc: '00000009' })), 'replay');
});

test('a failed response does not consume the nonce count', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  assert.equal(verifyReason(auth, header(c, { password: 'nope' })), 'bad-response');
  assert.equal(auth.verify(header(c), 'REGISTER', 'sip:box', lookup).ok, true);
});

test('a nonce count that is not 8 hex digits, or zero, is malformed', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  for (const nc of ['1', '0000001', '000000001', '0000000g', '00000000']) {
    assert.equal(verifyReason(auth, header(c, { nc })), 'malformed', nc);
  }
});

test('a tampered nonce is rejected as bad-nonce', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  const flipped = c.nonce[5] === 'A' ? 'B' : 'A';
  const tampered = { ...c, nonce: c.nonce.slice(0, 5) + flipped + c.nonce.slice(6) };
  assert.equal(verifyReason(auth, header(tampered)), 'bad-nonce');
  assert.equal(verifyReason(auth, header({ ...c, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093' })), 'bad-nonce');
});

test('a nonce signed with another secret is rejected as bad-nonce', () => {
  const { auth } = setup();
  const other = new DigestAuthenticator({ realm: REALM, secret: Buffer.alloc(32, 7), nonceTtlMs: TTL });
  const c = { ...challengeFor(other, 'MD5'), opaque: challengeFor(auth, 'MD5').opaque };
  assert.equal(verifyReason(auth, header(c)), 'bad-nonce');
});

test('a wrong opaque is rejected as bad-nonce', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  assert.equal(verifyReason(auth, header({ ...c, opaque: 'nope' })), 'bad-nonce');
  assert.equal(verifyReason(auth, header(c, {}, { opaque: undefined })), 'bad-nonce');
});

test('an expired nonce is rejected as stale-nonce with stale set', () => {
  const { auth, clock } = setup();
  const c = challengeFor(auth, 'SHA-256');
  clock.t += TTL - 1;
  assert.equal(auth.verify(header(c), 'REGISTER', 'sip:box', lookup).ok, true);
  clock.t += 2;
  const v = auth.verify(header(c, { nc: '00000002' }), 'REGISTER', 'sip:box', lookup);
  assert.deepEqual(v, { ok: false, reason: 'stale-nonce', username: '1001', stale: true });
});

test('an expired nonce with a wrong password is bad-response, not stale', () => {
  const { auth, clock } = setup();
  const c = challengeFor(auth, 'MD5');
  clock.t += TTL + 1;
  assert.equal(verifyReason(auth, header(c, { password: 'nope' })), 'bad-response');
});

test('an unknown user is rejected as unknown-user', () => {
  const { auth } = setup();
  const v = auth.verify(header(challengeFor(auth, 'MD5'), { username: '9999' }), 'REGISTER', 'sip:box', lookup);
  assert.deepEqual(v, { ok: false, reason: 'unknown-user', username: '9999' });
});

test('a lookup that throws is treated as an unknown user', () => {
  const { auth } = setup();
  const v = auth.verify(header(challengeFor(auth, 'MD5')), 'REGISTER', 'sip:box', () => {
    throw new Error('db down');
  });
  assert.equal(v.ok ? 'ok' : v.reason, 'unknown-user');
});

test('a wrong realm is rejected as wrong-realm', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  assert.equal(verifyReason(auth, header({ ...c, realm: 'elsewhere' })), 'wrong-realm');
});

test('a uri that does not match the Request-URI is rejected as uri-mismatch', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  assert.equal(verifyReason(auth, header(c, { uri: 'sip:other' })), 'uri-mismatch');
});

test('the uri matches the Request-URI loosely, ignoring angle brackets and whitespace', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  const v = auth.verify(header(c, { uri: '<sip:box>' }), 'REGISTER', ' sip:box ', lookup);
  assert.equal(v.ok, true);
});

test('a response without qop is rejected as malformed', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  assert.equal(verifyReason(auth, header(c, {}, { qop: undefined })), 'malformed');
  assert.equal(verifyReason(auth, header(c, {}, { qop: undefined, nc: undefined, cnonce: undefined })), 'malformed');
  assert.equal(verifyReason(auth, header(c, {}, { qop: 'auth-int' })), 'malformed');
  assert.equal(verifyReason(auth, header(c, {}, { cnonce: undefined })), 'malformed');
});

test('an unsupported algorithm is rejected as unsupported-algorithm', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  for (const algorithm of ['MD5-sess', 'SHA-256-sess', 'SHA-512-256', 'AKAv1-MD5', '']) {
    assert.equal(verifyReason(auth, header(c, {}, { algorithm })), 'unsupported-algorithm', algorithm);
  }
});

test('a missing header is reported as missing', () => {
  const { auth } = setup();
  assert.deepEqual(auth.verify(undefined, 'REGISTER', 'sip:box', lookup), { ok: false, reason: 'missing' });
});

test('garbage header objects never throw and are malformed', () => {
  const { auth } = setup();
  const c = challengeFor(auth, 'MD5');
  const good = header(c);
  const throwing = Object.defineProperty({ scheme: 'Digest' }, 'username', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  });
  const garbage: unknown[] = [
    {},
    { scheme: 'Digest' },
    { scheme: 'Basic', username: '"1001"' },
    { ...good, scheme: 'Basic' },
    { ...good, scheme: 42 },
    { ...good, username: undefined },
    { ...good, nonce: undefined },
    { ...good, response: undefined },
    { ...good, uri: undefined },
    { ...good, response: '"not-hex"' },
    { ...good, username: 1001 },
    { ...good, nc: 1 },
    { ...good, realm: null },
    { ...good, response: { toString: () => 'x' } },
    { ...good, response: '"' + 'a'.repeat(100_000) + '"' },
    { ...good, Username: '"1001"' },
    { ...good, nonce: '""' },
    [],
    throwing,
    Object.create(null),
  ];
  for (const [i, g] of garbage.entries()) {
    const v = auth.verify(g as AuthorizationHeader, 'REGISTER', 'sip:box', lookup);
    assert.equal(v.ok, false);
    assert.equal(v.ok ? '' : v.reason, 'malformed', `garbage #${i}`);
  }
  for (const g of ['Digest', 42, true, Symbol('x'), () => 1]) {
    assert.doesNotThrow(() => auth.verify(g as unknown as AuthorizationHeader, 'REGISTER', 'sip:box', lookup));
    assert.equal(auth.verify(g as unknown as AuthorizationHeader, 'REGISTER', 'sip:box', lookup).ok, false);
  }
  for (const nonce of ['"', '"%%%"', '"' + 'A'.repeat(44) + '"', '"=="']) {
    assert.equal(verifyReason(auth, { ...good, nonce }), 'bad-nonce', nonce);
  }
  assert.equal(auth.verify(null as unknown as AuthorizationHeader, 'REGISTER', 'sip:box', lookup).ok, false);
  assert.doesNotThrow(() => auth.verify(good, undefined as unknown as string, 'sip:box', lookup));
  assert.doesNotThrow(() => auth.verify(good, 'REGISTER', undefined as unknown as string, lookup));
});

test('answerChallenge output parsed back verifies for both algorithms', () => {
  for (const algorithm of ['MD5', 'SHA-256'] as const) {
    const { auth } = setup();
    const c = challengeFor(auth, algorithm);
    const challenge = parseDigestHeader(DigestAuthenticator.formatChallenge(c));
    assert.ok(challenge);
    for (const nc of [1, 2, 3]) {
      const value = answerChallenge(challenge, { username: '1001', password: 'secret-1001', method: 'REGISTER', uri: 'sip:box', nc });
      const parsed = parseDigestHeader(value);
      assert.ok(parsed, value);
      assert.deepEqual(auth.verify(parsed, 'REGISTER', 'sip:box', lookup), { ok: true, username: '1001' }, value);
    }
    const again = parseDigestHeader(
      answerChallenge(challenge, { username: '1001', password: 'secret-1001', method: 'REGISTER', uri: 'sip:box', nc: 2 }),
    );
    assert.ok(again);
    assert.equal(verifyReason(auth, again), 'replay');
  }
});

test('answerChallenge answers a challenge without qop in RFC 2069 style', () => {
  const value = answerChallenge(
    { scheme: 'Digest', realm: '"carrier"', nonce: '"n0nce"' },
    { username: 'trunk', password: 'pw', method: 'REGISTER', uri: 'sip:carrier.example', nc: 1 },
  );
  const h = parseDigestHeader(value);
  assert.ok(h);
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const expected = md5(`${md5('trunk:carrier:pw')}:n0nce:${md5('REGISTER:sip:carrier.example')}`);
  assert.equal(h.response, `"${expected}"`);
  assert.equal(h.qop, undefined);
  assert.equal(h.nc, undefined);
  assert.equal(h.cnonce, undefined);
});

test('answerChallenge refuses a challenge it cannot answer', () => {
  const opts = { username: 'u', password: 'p', method: 'REGISTER', uri: 'sip:x', nc: 1 };
  assert.throws(() => answerChallenge({ scheme: 'Digest', realm: 'r', nonce: 'n', algorithm: 'MD5-sess' }, opts));
  assert.throws(() => answerChallenge({ scheme: 'Digest', realm: 'r', nonce: 'n', qop: '"auth-int"' }, opts));
  assert.throws(() => answerChallenge({ scheme: 'Digest', nonce: 'n' }, opts));
  assert.throws(() => answerChallenge({ scheme: 'Digest', realm: 'r', nonce: 'n', qop: 'auth' }, { ...opts, nc: 0 }));
});

test('formatChallenge includes stale=TRUE only when the challenge is stale', () => {
  const { auth } = setup();
  const [fresh] = auth.challenges(false);
  const [stale] = auth.challenges(true);
  assert.ok(fresh && stale);
  const f = DigestAuthenticator.formatChallenge(fresh);
  const s = DigestAuthenticator.formatChallenge(stale);
  assert.doesNotMatch(f, /stale/i);
  assert.match(s, /, stale=TRUE$/);
  assert.equal(
    f,
    `Digest realm="box", nonce="${fresh.nonce}", opaque="${fresh.opaque}", algorithm=SHA-256, qop="auth"`,
  );
});

test('the tracked nonce map stays bounded by maxTrackedNonces', () => {
  const { auth, clock } = setup({ maxTrackedNonces: 3 });
  for (let i = 0; i < 10; i++) {
    assert.equal(auth.verify(header(challengeFor(auth, 'MD5')), 'REGISTER', 'sip:box', lookup).ok, true);
    assert.ok(auth.trackedNonceCount <= 3);
  }
  clock.t += TTL + 1;
  assert.equal(auth.verify(header(challengeFor(auth, 'MD5')), 'REGISTER', 'sip:box', lookup).ok, true);
  assert.equal(auth.trackedNonceCount, 1);
});

test('the constructor rejects a short secret and a non-positive ttl', () => {
  assert.throws(() => new DigestAuthenticator({ realm: 'r', secret: Buffer.alloc(4), nonceTtlMs: 1000 }));
  assert.throws(() => new DigestAuthenticator({ realm: 'r', secret: SECRET, nonceTtlMs: 0 }));
});

function verifyReason(auth: DigestAuthenticator, h: AuthorizationHeader): string {
  const v = auth.verify(h, 'REGISTER', 'sip:box', lookup);
  return v.ok ? 'ok' : v.reason;
}

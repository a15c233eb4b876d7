// The registrar over the wire: digest challenges (SHA-256 and MD5), bindings stored in LMDB,
// several contacts, Min-Expires, unregistering, nonce-count replay, wrong passwords, expiry.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { SipClient, digestAuthorization, parseChallenge, registerMessage, type RawResponse } from './harness/sip-client.ts';

let box: BoxProcess;
const target = () => ({ host: '127.0.0.1', port: box.sipPort });

before(async () => {
  box = await startBoxProcess({
    extensions: [
      { number: '1001', password: 'secret1001' },
      { number: '1002', password: 'secret1002' },
      { number: '1003', password: 'secret1003' },
    ],
    registrar: { digestAlgorithms: ['SHA-256', 'MD5'], maxAuthFailures: 3, minExpires: 10 },
  });
});

after(async () => {
  await box.stop();
});

async function bindings(ext: string): Promise<any[]> {
  return ((await box.read<any[]>('registrations')).find((r) => r.key === ext)?.value ?? []) as any[];
}

/** REGISTER, answer the challenge with `password`, return the final response. */
async function register(c: SipClient, ext: string, password: string, o: { algorithm?: 'MD5' | 'SHA-256'; expires?: number; callId?: string; contact?: string } = {}): Promise<RawResponse> {
  const callId = o.callId ?? randomBytes(8).toString('hex');
  c.sendRaw(registerMessage({ ext, box: target(), local: c.local, callId, cseq: 1, expires: o.expires, contact: o.contact }));
  const challenge = await c.response((r) => r.status === 401 && r.text.includes(callId));
  const offered = (challenge.headers.get('www-authenticate') ?? []).map(parseChallenge);
  const ch = offered.find((x) => x.algorithm === (o.algorithm ?? 'SHA-256'))!;
  const authorization = digestAuthorization(ch, { username: ext, password, method: 'REGISTER', uri: `sip:${target().host}:${target().port}` });
  c.sendRaw(registerMessage({ ext, box: target(), local: c.local, callId, cseq: 2, expires: o.expires, contact: o.contact, authorization }));
  return c.response((r) => r.status >= 200 && r.text.includes(callId) && r.text.includes('CSeq: 2'));
}

test('a REGISTER without credentials is challenged with SHA-256 first, then MD5', async () => {
  const c = await SipClient.open('127.0.0.1', target());
  const callId = randomBytes(8).toString('hex');
  c.sendRaw(registerMessage({ ext: '1001', box: target(), local: c.local, callId, cseq: 1 }));
  const r = await c.response((x) => x.text.includes(callId));
  c.close();
  assert.equal(r.status, 401);
  const algs = (r.headers.get('www-authenticate') ?? []).map((v) => parseChallenge(v).algorithm);
  assert.deepEqual(algs, ['SHA-256', 'MD5']);
  assert.ok((r.headers.get('www-authenticate') ?? []).every((v) => /qop="auth"/.test(v) && /nonce="/.test(v)));
});

test('an extension registers with SHA-256 digest and the binding is stored in LMDB', async () => {
  const c = await SipClient.open('127.0.0.1', target());
  const r = await register(c, '1001', 'secret1001', { algorithm: 'SHA-256', expires: 120 });
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('contact')?.[0] ?? '', /expires=1[12]\d/);
  const stored = await bindings('1001');
  assert.equal(stored.length, 1);
  assert.equal(stored[0].remote.port, c.local.port, 'the flow the REGISTER came from is kept for NAT');
  c.close();
});

test('MD5 works too, and one extension can hold several contacts', async () => {
  const a = await SipClient.open('127.0.0.1', target());
  const b = await SipClient.open('127.0.0.1', target());
  assert.equal((await register(a, '1003', 'secret1003', { algorithm: 'MD5' })).status, 200);
  const r = await register(b, '1003', 'secret1003', { algorithm: 'MD5' });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('contact')?.length ?? 0, 1, 'one Contact header line');
  assert.equal((r.headers.get('contact')![0].match(/<sip:/g) ?? []).length, 2, 'listing both bindings');
  assert.equal((await bindings('1003')).length, 2);
  a.close();
  b.close();
});

test('an Expires below Min-Expires is answered 423 with Min-Expires', async () => {
  const c = await SipClient.open('127.0.0.1', target());
  const r = await register(c, '1002', 'secret1002', { expires: 5 });
  c.close();
  assert.equal(r.status, 423);
  assert.deepEqual(r.headers.get('min-expires'), ['10']);
  assert.equal((await bindings('1002')).length, 0);
});

test('Expires: 0 removes one contact and Contact: * removes them all', async () => {
  const a = await SipClient.open('127.0.0.1', target());
  const b = await SipClient.open('127.0.0.1', target());
  await register(a, '1002', 'secret1002');
  await register(b, '1002', 'secret1002');
  assert.equal((await bindings('1002')).length, 2);
  assert.equal((await register(a, '1002', 'secret1002', { expires: 0 })).status, 200);
  assert.deepEqual((await bindings('1002')).map((x) => x.remote.port), [b.local.port]);
  assert.equal((await register(b, '1002', 'secret1002', { expires: 0, contact: '*' })).status, 200);
  assert.equal((await bindings('1002')).length, 0);
  a.close();
  b.close();
});

test('a reused nonce count is refused as a replay and re-challenged', async () => {
  const c = await SipClient.open('127.0.0.1', target());
  const callId = randomBytes(8).toString('hex');
  c.sendRaw(registerMessage({ ext: '1001', box: target(), local: c.local, callId, cseq: 1 }));
  const ch = parseChallenge((await c.response((r) => r.text.includes(callId))).headers.get('www-authenticate')![0]);
  const authorization = digestAuthorization(ch, { username: '1001', password: 'secret1001', method: 'REGISTER', uri: `sip:${target().host}:${target().port}`, nc: 1 });
  c.sendRaw(registerMessage({ ext: '1001', box: target(), local: c.local, callId, cseq: 2, authorization }));
  assert.equal((await c.response((r) => r.text.includes('CSeq: 2'))).status, 200);
  c.sendRaw(registerMessage({ ext: '1001', box: target(), local: c.local, callId, cseq: 3, authorization }));
  assert.equal((await c.response((r) => r.text.includes('CSeq: 3'))).status, 401);
  c.close();
});

test('a wrong password is challenged again, then forbidden after three tries, and nothing is stored', async () => {
  const c = await SipClient.open('127.0.0.5', target());
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await register(c, '1002', 'not-the-password', { algorithm: 'MD5' })).status);
  c.close();
  assert.deepEqual(statuses, [401, 401, 403]);
  assert.equal((await bindings('1002')).length, 0);
});

test('a binding disappears from LMDB when it expires', async () => {
  const c = await SipClient.open('127.0.0.1', target());
  assert.equal((await register(c, '1002', 'secret1002', { expires: 10 })).status, 200);
  assert.equal((await bindings('1002')).length, 1);
  c.close();
  let left = 1;
  for (let i = 0; i < 40 && left > 0; i++) {
    await new Promise((r) => setTimeout(r, 500));
    left = (await bindings('1002')).length;
  }
  assert.equal(left, 0, 'swept within 20 s of a 10 s registration');
  const events = (await box.read<any>('events')).map((e) => e.value.type);
  assert.ok(events.includes('registration-expired'));
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { SipCertificate, checkPair } from './tls-certificate.ts';

function pair(dir: string, name: string, days = 30): { cert: string; key: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(days), '-subj', `/CN=${name}`, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.crt`)], { stdio: 'ignore' });
  return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
}

test('checkPair: a good pair passes; mismatch, garbage, expired and not-yet-valid are coded refusals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipcert-'));
  try {
    const a = pair(dir, 'a', 2);
    const b = pair(dir, 'b');
    const ok = checkPair(a.cert, a.key);
    assert.ok(ok.ok);
    assert.match(ok.info.subject, /CN=a/);
    assert.equal(ok.info.selfSigned, true);
    const code = (r: ReturnType<typeof checkPair>) => (r.ok ? 'ok' : r.code);
    assert.equal(code(checkPair(a.cert, b.key)), 'CC_SIP_TLS_KEY_MISMATCH');
    assert.equal(code(checkPair('hello', a.key)), 'CC_SIP_TLS_CERT_PARSE');
    assert.equal(code(checkPair('-----BEGIN CERTIFICATE-----\nQUFB\n-----END CERTIFICATE-----\n', a.key)), 'CC_SIP_TLS_CERT_PARSE');
    assert.equal(code(checkPair(a.cert, '-----BEGIN PRIVATE KEY-----\nQUFB\n-----END PRIVATE KEY-----\n')), 'CC_SIP_TLS_KEY_PARSE');
    assert.equal(code(checkPair(a.cert, a.key, Date.now() + 3 * 86_400_000)), 'CC_SIP_TLS_EXPIRED');
    assert.equal(code(checkPair(a.cert, a.key, Date.now() - 86_400_000)), 'CC_SIP_TLS_NOT_YET_VALID');
    assert.equal(code(checkPair(undefined as unknown as string, a.key)), 'CC_SIP_TLS_CERT_PARSE');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SipCertificate: made at first load, kept at the next, a replacement is on disk (key 0600) before the listener gets it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipcert-'));
  const log = pino({ level: 'silent' });
  try {
    const first = await SipCertificate.load(join(dir, 'sip-tls'), log);
    assert.equal(first.current.selfSigned, true);
    const again = await SipCertificate.load(join(dir, 'sip-tls'), log);
    assert.equal(again.current.fingerprint, first.current.fingerprint, 'the second start reuses the certificate');
    const n = pair(dir, 'new');
    let applied: string | undefined;
    const bad = again.replace(n.cert, pair(dir, 'other').key, () => (applied = 'bad'));
    assert.equal(bad.ok, false);
    assert.equal(applied, undefined);
    const r = again.replace(n.cert, n.key, (_key, cert) => (applied = cert.toString()));
    assert.ok(r.ok);
    assert.equal((applied as string | undefined)?.trim(), n.cert.trim());
    assert.equal(readFileSync(join(dir, 'sip-tls', 'cert.pem'), 'utf8').trim(), n.cert.trim());
    assert.equal(statSync(join(dir, 'sip-tls', 'key.pem')).mode & 0o777, 0o600);
    const reloaded = await SipCertificate.load(join(dir, 'sip-tls'), log);
    assert.match(reloaded.current.subject, /CN=new/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

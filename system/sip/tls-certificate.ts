// The certificate of SIP over TLS: made self-signed at first start into `<data dir>/sip-tls/`
// exactly as the web's (api/web-tls.ts: openssl, EC P-256, key mode 0600), read at start, and
// replaceable by an admin with a PEM pair that is checked first (both parse, the key belongs to
// the certificate, it is valid now). A replacement is written to disk (temporary files renamed
// over the old ones) before the transport takes it, so a restart keeps it.
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import type { Logger } from 'pino';
import { ensureCertificate } from '../api/web-tls.ts';

export const SipTlsErrorCodes = {
  CC_SIP_TLS_CERT_PARSE: 'the certificate is not a PEM X.509 certificate',
  CC_SIP_TLS_KEY_PARSE: 'the private key is not a PEM private key (unencrypted)',
  CC_SIP_TLS_KEY_MISMATCH: 'the private key does not belong to the certificate',
  CC_SIP_TLS_NOT_YET_VALID: 'the certificate is not valid yet',
  CC_SIP_TLS_EXPIRED: 'the certificate has expired',
  CC_SIP_TLS_UNUSABLE: 'TLS cannot use this certificate and key',
} as const;
export type SipTlsErrorCode = keyof typeof SipTlsErrorCodes;

export interface SipCertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** SHA-256, colon-separated hex (what a phone's certificate view shows). */
  fingerprint: string;
  selfSigned: boolean;
}

export type PairCheck = { ok: true; info: SipCertificateInfo } | { ok: false; code: SipTlsErrorCode; message: string };

const MAX_PEM = 64 * 1024;

export function describe(cert: X509Certificate): SipCertificateInfo {
  return {
    subject: cert.subject,
    issuer: cert.issuer,
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    fingerprint: cert.fingerprint256,
    selfSigned: cert.subject === cert.issuer && cert.checkIssued(cert),
  };
}

/** Check a PEM certificate (chain: leaf first) and key for use by the TLS listener. Pure apart from the clock. */
export function checkPair(certPem: string, keyPem: string, now = Date.now()): PairCheck {
  const fail = (code: SipTlsErrorCode): PairCheck => ({ ok: false, code, message: SipTlsErrorCodes[code] });
  if (typeof certPem !== 'string' || certPem.length > MAX_PEM || !certPem.includes('-----BEGIN CERTIFICATE-----')) return fail('CC_SIP_TLS_CERT_PARSE');
  if (typeof keyPem !== 'string' || keyPem.length > MAX_PEM || !/-----BEGIN (?:EC |RSA )?PRIVATE KEY-----/.test(keyPem)) return fail('CC_SIP_TLS_KEY_PARSE');
  let cert: X509Certificate;
  let key: KeyObject;
  try {
    cert = new X509Certificate(certPem);
  } catch {
    return fail('CC_SIP_TLS_CERT_PARSE');
  }
  try {
    key = createPrivateKey({ key: keyPem, format: 'pem' });
  } catch {
    return fail('CC_SIP_TLS_KEY_PARSE');
  }
  if (!cert.checkPrivateKey(key)) return fail('CC_SIP_TLS_KEY_MISMATCH');
  if (Date.parse(cert.validFrom) > now) return fail('CC_SIP_TLS_NOT_YET_VALID');
  if (Date.parse(cert.validTo) <= now) return fail('CC_SIP_TLS_EXPIRED');
  try {
    tls.createSecureContext({ cert: certPem, key: keyPem });
  } catch {
    return fail('CC_SIP_TLS_UNUSABLE');
  }
  return { ok: true, info: describe(cert) };
}

/** The SIP certificate files and the listener that uses them. */
export class SipCertificate {
  private constructor(
    private readonly dir: string,
    private info: SipCertificateInfo,
    private pem: { cert: Buffer; key: Buffer },
  ) {}

  /** Read `<dir>/cert.pem` + `key.pem`, making a self-signed pair first if there is none. */
  static async load(dir: string, log: Logger): Promise<SipCertificate> {
    const m = await ensureCertificate(dir, log);
    return new SipCertificate(dir, describe(new X509Certificate(m.cert)), { cert: m.cert, key: m.key });
  }

  get current(): SipCertificateInfo {
    return this.info;
  }

  get material(): { cert: Buffer; key: Buffer } {
    return this.pem;
  }

  /** Check and store a new pair; `apply` (the transport) gets it once it is on disk. */
  replace(certPem: string, keyPem: string, apply: (key: Buffer, cert: Buffer) => void, now = Date.now()): PairCheck {
    const check = checkPair(certPem, keyPem, now);
    if (!check.ok) return check;
    const cert = Buffer.from(certPem.trim() + '\n');
    const key = Buffer.from(keyPem.trim() + '\n');
    const keyPath = join(this.dir, 'key.pem');
    const certPath = join(this.dir, 'cert.pem');
    writeFileSync(keyPath + '.new', key, { mode: 0o600 });
    chmodSync(keyPath + '.new', 0o600);
    writeFileSync(certPath + '.new', cert);
    renameSync(keyPath + '.new', keyPath);
    renameSync(certPath + '.new', certPath);
    apply(key, cert);
    this.pem = { cert, key };
    this.info = check.info;
    return check;
  }
}

// Certificates for TLS tests, made with openssl (as the box makes its own): a test CA, a
// leaf it signed for given IP addresses, and a self-signed leaf. EC P-256, valid two days.
// Each pair also comes as one PEM holding certificate and key (what baresip's
// sip_certificate takes). The SHA-256 fingerprint is X509Certificate's (colon hex).
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  certPem: string;
  keyPem: string;
  /** certificate + key in one file (baresip sip_certificate). */
  bundleFile: string;
  certFile: string;
  fingerprint: string;
}

function ec(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function finish(dir: string, name: string): TestCert {
  const certPem = readFileSync(join(dir, `${name}.pem`), 'utf8');
  const keyPem = readFileSync(join(dir, `${name}.key`), 'utf8');
  const bundleFile = join(dir, `${name}-bundle.pem`);
  writeFileSync(bundleFile, certPem + keyPem);
  return { certPem, keyPem, bundleFile, certFile: join(dir, `${name}.pem`), fingerprint: new X509Certificate(certPem).fingerprint256 };
}

/** A CA and a leaf it signed naming `ips` (subjectAltName IP entries). */
export function makeCaAndLeaf(ips: string[], dir = mkdtempSync(join(tmpdir(), 'test-ca-'))): { dir: string; ca: TestCert; leaf: TestCert } {
  ec(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Test SIP CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  ec(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${ips[0]}`], dir);
  writeFileSync(join(dir, 'leaf.ext'), `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  ec(['x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '2', '-extfile', 'leaf.ext'], dir);
  return { dir, ca: finish(dir, 'ca'), leaf: finish(dir, 'leaf') };
}

/** A self-signed certificate naming `ips`. */
export function makeSelfSigned(ips: string[], dir = mkdtempSync(join(tmpdir(), 'test-cert-'))): TestCert & { dir: string } {
  ec(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'self.key', '-out', 'self.pem', '-days', '2', '-subj', `/CN=${ips[0]}`,
    '-addext', `subjectAltName=${ips.map((ip) => `IP:${ip}`).join(',')}`], dir);
  return { dir, ...finish(dir, 'self') };
}

// HTTPS for the LAN appliance: a self-signed certificate made at first start into
// `<data dir>/tls/` (key mode 0600) with the box's names and addresses as subject alternative
// names, and the plain-HTTP listener that only redirects to HTTPS. node:crypto cannot issue
// X.509 certificates, so the Debian `openssl` command makes it (EC P-256, 10 years; ~15 ms)
// instead of an npm package. An admin can replace the two files with a CA-issued pair.
import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

const run = promisify(execFile);

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
  /** SHA-256 fingerprint (colon-separated hex) to compare with the browser's certificate view. */
  fingerprint: string;
  generated: boolean;
}

/** The names a LAN client may use to reach the box. */
function altNames(): string[] {
  const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
  const host = os.hostname();
  if (/^[a-zA-Z0-9.-]{1,253}$/.test(host)) names.add(`DNS:${host}`);
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (!a.internal && !a.address.includes('%')) names.add(`IP:${a.address}`);
  }
  return [...names];
}

/** Read the certificate from `dir`, making a self-signed one first if there is none. */
export async function ensureCertificate(dir: string, log: Logger): Promise<TlsMaterial> {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  let generated = false;
  if (!existsSync(keyPath) || !existsSync(certPath)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const started = Date.now();
    try {
      await run('openssl', [
        'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '3650',
        '-subj', '/CN=callcenter-box/O=Call-center appliance (self-signed)',
        '-addext', `subjectAltName=${altNames().join(',')}`,
        '-addext', 'basicConstraints=critical,CA:FALSE',
        '-addext', 'extendedKeyUsage=serverAuth',
        '-keyout', keyPath, '-out', certPath,
      ], { timeout: 20_000 });
    } catch (err) {
      throw Object.assign(new Error(`cannot make the HTTPS certificate in ${dir}: ${(err as Error).message}`), { code: 'CC_API_TLS_CERT' });
    }
    chmodSync(keyPath, 0o600);
    generated = true;
    log.info({ dir, ms: Date.now() - started }, 'self-signed HTTPS certificate generated');
  }
  const key = readFileSync(keyPath);
  const cert = readFileSync(certPath);
  const fingerprint = new X509Certificate(cert).fingerprint256 ?? createHash('sha256').update(cert).digest('hex');
  return { key, cert, fingerprint, generated };
}

/** The redirect target for a plain-HTTP request: same host name, HTTPS port, same path. */
export function httpsLocation(hostHeader: string | undefined, fallbackHost: string, tlsPort: number, url: string): string {
  let host = fallbackHost;
  if (hostHeader && /^[a-zA-Z0-9.\-:[\]]{1,300}$/.test(hostHeader)) {
    host = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.split(':')[0];
  }
  if (host.includes(':') && !host.startsWith('[')) host = `[${host}]`;
  const path = url.startsWith('/') ? url : '/';
  return `https://${host}${tlsPort === 443 ? '' : `:${tlsPort}`}${path}`;
}

/** A plain-HTTP server that answers every request with 308 to the HTTPS port. */
export async function startRedirect(host: string, port: number, tlsPort: number): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const local = req.socket.localAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    res.writeHead(308, { location: httpsLocation(req.headers.host, local, tlsPort, req.url ?? '/'), 'content-length': '0', connection: 'close' });
    res.end();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

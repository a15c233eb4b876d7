// The box's HTTP API from a test: sign in as the first-start admin (its password is read from
// the daemon's log, as an operator would) and call routes with the bearer token (an API
// client's session; works on boxes started with `http.tls: false`, the harness default). Over
// HTTPS: requests that trust only the box's self-signed certificate, and browser-style
// sessions (cookie + CSRF token).
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BoxProcess } from './box-process.ts';

export interface ApiClient {
  token: string;
  call<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export async function signIn(box: BoxProcess, username = 'admin', password?: string): Promise<ApiClient> {
  const pw = password ?? adminPassword(box);
  const raw = async (method: string, path: string, body: unknown, token?: string) => {
    const res = await fetch(`http://${box.host}:${box.httpPort}${path}`, {
      method,
      headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const session = await raw('POST', '/api/session', { username, password: pw });
  if (session.status !== 200) throw new Error(`sign-in as ${username} failed: ${session.status} ${JSON.stringify(session.body)}`);
  const token = session.body.token as string;
  return { token, call: (method, path, body) => raw(method, path, body, token) };
}

/** The admin password the daemon printed on its first start. */
export function adminPassword(box: BoxProcess): string {
  const line = box.logs.find((l) => l.includes('admin password generated'));
  if (!line) throw new Error('the box printed no admin password (not a first start?)');
  return JSON.parse(line).password;
}

export interface HttpAnswer<T = any> {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: T;
}

/** One HTTPS request to the box on 127.0.0.1, trusting only the box's own certificate. */
export function httpsCall<T = any>(port: number, ca: Buffer, method: string, path: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer<T>> {
  const payload = opts.body !== undefined ? JSON.stringify(opts.body) : undefined;
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1', port, path, method, ca, servername: 'localhost',
      headers: { ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}), ...opts.headers },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let body: any;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          body = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** The box's self-signed certificate, made at its first start in the data directory. */
export function boxCertificate(box: BoxProcess): Buffer {
  return readFileSync(join(box.dataDir, 'data', 'tls', 'cert.pem'));
}

export interface BrowserSession {
  /** `cc_session=…` as a browser would send it. */
  cookie: string;
  csrf: string;
  setCookie: string;
  /** A request as the web app makes it: the cookie, and the CSRF token unless `csrf: false`. */
  call<T = any>(method: string, path: string, body?: unknown, opts?: { csrf?: boolean | string; origin?: string }): Promise<HttpAnswer<T>>;
}

/** Sign in over HTTPS the way the web app does (`cookie: true`): a session cookie and a CSRF token. */
export async function browserSignIn(port: number, ca: Buffer, username: string, password: string): Promise<BrowserSession> {
  const r = await httpsCall(port, ca, 'POST', '/api/session', { body: { username, password, cookie: true } });
  if (r.status !== 200) throw new Error(`browser sign-in as ${username} failed: ${r.status} ${r.text}`);
  const setCookie = [r.headers['set-cookie'] ?? []].flat()[0] ?? '';
  const cookie = setCookie.split(';')[0];
  const csrf = r.body.csrfToken as string;
  return {
    cookie, csrf, setCookie,
    call: (method, path, body, opts = {}) => httpsCall(port, ca, method, path, {
      body,
      headers: {
        cookie,
        ...(opts.csrf === false ? {} : { 'x-csrf-token': typeof opts.csrf === 'string' ? opts.csrf : csrf }),
        ...(opts.origin ? { origin: opts.origin } : {}),
      },
    }),
  };
}

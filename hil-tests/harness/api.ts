// The box's HTTP API from a test: sign in as the first-start admin (its password is read from
// the daemon's log, as an operator would) and call routes with the bearer token.
import type { BoxProcess } from './box-process.ts';

export interface ApiClient {
  token: string;
  call<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export async function signIn(box: BoxProcess, username = 'admin', password?: string): Promise<ApiClient> {
  const pw = password ?? adminPassword(box);
  const raw = async (method: string, path: string, body: unknown, token?: string) => {
    const res = await fetch(`http://127.0.0.1:${box.httpPort}${path}`, {
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

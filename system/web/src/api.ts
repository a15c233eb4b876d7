// The box's REST API from the page: the session cookie goes by itself (same origin), the
// CSRF token of the session goes in X-CSRF-Token on every change. Errors come back as
// ApiError with the box's stable code (CC_...), which the UI turns into a catalogue message.
import { syncServerTime } from './clock.ts';

export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly retryAfterSec?: number, readonly body?: unknown) {
    super(message);
  }
}

let csrfToken: string | undefined;
let onUnauthenticated: (() => void) | undefined;

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called once when a request finds the session gone (expired, signed out elsewhere). */
export function whenSignedOut(fn: () => void): void {
  onUnauthenticated = fn;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const sentAt = Date.now();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method !== 'GET' && csrfToken ? { 'x-csrf-token': csrfToken } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, 'NETWORK', 'network error');
  }
  const text = await res.text();
  let data: any;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data?.code ?? `HTTP_${res.status}`, data?.message ?? res.statusText, Number(res.headers.get('retry-after')) || undefined, data);
    if (res.status === 401 && path !== '/api/session') onUnauthenticated?.();
    throw err;
  }
  if (data && typeof data.serverTime === 'number') syncServerTime(data.serverTime, sentAt);
  return data as T;
}

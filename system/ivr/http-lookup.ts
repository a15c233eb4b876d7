// The HTTP lookup of an IVR flow: ask an external system (CRM/ERP) about the caller with the
// caller's number and the collected variables, and read values out of its JSON answer. Every
// failure is a result, never a throw: timeout (connect, headers and body all count), network
// error, a status other than 2xx, an answer that is not a JSON object, or one too large.

export interface HttpLookupRequest {
  url: string;
  method: 'GET' | 'POST';
  timeoutMs: number;
  /** GET: added to the query string; POST: sent as the JSON body. */
  params: Record<string, string>;
}

export type HttpLookupResult =
  | { ok: true; status: number; body: Record<string, unknown>; ms: number }
  | { ok: false; error: 'timeout' | 'network' | 'status' | 'bad-json' | 'too-large'; status?: number; detail: string; ms: number };

export type HttpLookup = (req: HttpLookupRequest) => Promise<HttpLookupResult>;

const MAX_BODY = 256 * 1024;

export const httpLookup: HttpLookup = async (req) => {
  const started = Date.now();
  const ms = () => Date.now() - started;
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return { ok: false, error: 'network', detail: `bad URL ${req.url}`, ms: 0 };
  }
  if (req.method === 'GET') for (const [k, v] of Object.entries(req.params)) url.searchParams.append(k, v);
  let text: string;
  let status: number;
  try {
    const res = await fetch(url, {
      method: req.method,
      headers: { accept: 'application/json', 'user-agent': 'CallCenterBox-IVR/0.1', ...(req.method === 'POST' ? { 'content-type': 'application/json' } : {}) },
      body: req.method === 'POST' ? JSON.stringify(req.params) : undefined,
      signal: AbortSignal.timeout(req.timeoutMs),
      redirect: 'follow',
    });
    status = res.status;
    const length = Number(res.headers.get('content-length') ?? 0);
    if (length > MAX_BODY) {
      await res.body?.cancel();
      return { ok: false, error: 'too-large', status, detail: `${length} bytes`, ms: ms() };
    }
    text = await res.text();
    if (status < 200 || status > 299) return { ok: false, error: 'status', status, detail: `HTTP ${status}`, ms: ms() };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
    return { ok: false, error: timedOut ? 'timeout' : 'network', detail: timedOut ? `no answer within ${req.timeoutMs} ms` : (e.cause?.code ?? e.message), ms: ms() };
  }
  if (text.length > MAX_BODY) return { ok: false, error: 'too-large', status, detail: `${text.length} bytes`, ms: ms() };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: 'bad-json', status, detail: (err as Error).message, ms: ms() };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: 'bad-json', status, detail: 'the answer is not a JSON object', ms: ms() };
  return { ok: true, status, body: body as Record<string, unknown>, ms: ms() };
};

/** The value at a dotted path ("customer.tier", "orders.0.id") as a variable value; undefined when absent. */
export function pick(body: unknown, path: string): string | undefined {
  let at: unknown = body;
  for (const key of path.split('.')) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  if (at === null || at === undefined) return undefined;
  return typeof at === 'object' ? JSON.stringify(at) : String(at);
}

// What a configuration change changed, for the audit row: one entry per changed leaf path
// with its value before and after. Arrays of named things (extensions, agents, queues...)
// are compared by their `number`/`id`/`name` rather than by position, so adding one agent
// is one entry, not a shifted list. Secrets (any member named password/secret) are never
// written out: their entries say only that they changed. Pure.

export interface ConfigChange {
  /** JSON-pointer-like path: /agents/a1/queues, /sip/udpPort. */
  path: string;
  before?: unknown;
  after?: unknown;
}

const SECRET = /password|secret/i;
const MASK = '[secret]';
const ID_KEYS = ['id', 'number', 'name', 'prefix'] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The member that names the items of this array, if every item has a distinct one. */
function idKey(a: unknown[], b: unknown[]): string | undefined {
  const items = [...a, ...b];
  if (!items.length || !items.every(isObject)) return undefined;
  for (const k of ID_KEYS) {
    const ok = (xs: unknown[]) => {
      const seen = new Set<unknown>();
      for (const x of xs as Record<string, unknown>[]) {
        const v = x[k];
        if ((typeof v !== 'string' && typeof v !== 'number') || seen.has(v)) return false;
        seen.add(v);
      }
      return true;
    };
    if (ok(a) && ok(b)) return k;
  }
  return undefined;
}

function masked(v: unknown, secretPath: boolean): unknown {
  if (v === undefined) return undefined;
  if (secretPath) return MASK;
  if (Array.isArray(v)) return v.map((x) => masked(x, false));
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, masked(x, SECRET.test(k))]));
  return v;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function diffConfig(before: unknown, after: unknown, maxChanges = 500): ConfigChange[] {
  const out: ConfigChange[] = [];
  const walk = (a: unknown, b: unknown, path: string, secret: boolean) => {
    if (out.length >= maxChanges || same(a, b)) return;
    if (isObject(a) && isObject(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk(a[k], b[k], `${path}/${k}`, secret || SECRET.test(k));
      return;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
      const key = idKey(a, b);
      if (key) {
        const byId = (xs: unknown[]) => new Map((xs as Record<string, unknown>[]).map((x) => [String(x[key]), x]));
        const ma = byId(a);
        const mb = byId(b);
        for (const id of new Set([...ma.keys(), ...mb.keys()])) walk(ma.get(id), mb.get(id), `${path}/${id}`, secret);
        return;
      }
    }
    out.push({ path: path || '/', before: masked(a, secret), after: masked(b, secret) });
  };
  walk(before ?? {}, after ?? {}, '', false);
  if (out.length >= maxChanges) out.push({ path: '…', after: `more than ${maxChanges} changes; the rest are not listed` });
  return out;
}

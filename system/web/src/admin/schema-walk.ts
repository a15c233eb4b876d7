// Reading the box's configuration schema (JSON Schema made by TypeBox, served by GET
// /api/config/schema) for the admin forms: what kind of input a node needs, the empty value
// of a new list item, and the problems the API reported under a JSON path. Pure: no DOM.

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  patternProperties?: Record<string, JsonSchema>;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  maxItems?: number;
}

export type FieldKind =
  | { kind: 'object'; schema: JsonSchema }
  | { kind: 'list'; item: JsonSchema }
  /** A record: free keys (menu keys, skill names, variable names), each with a value of one schema. */
  | { kind: 'map'; key: JsonSchema; value: JsonSchema }
  | { kind: 'choices'; options: string[]; multiple: boolean }
  | { kind: 'text'; secret: boolean }
  | { kind: 'number'; integer: boolean; min?: number; max?: number }
  | { kind: 'boolean' }
  | { kind: 'strings' }
  | { kind: 'json' };

const SECRET = /password|secret/i;

/** The literal options of a union of constants (e.g. strategy: 'ring-all' | 'linear' | ...). */
export function literalOptions(schema: JsonSchema): string[] | undefined {
  if (!schema.anyOf?.length) return undefined;
  const options = schema.anyOf.map((s) => s.const);
  return options.every((o) => typeof o === 'string') ? (options as string[]) : undefined;
}

/** How a field named `name` with this schema is edited. */
export function fieldKind(schema: JsonSchema, name = ''): FieldKind {
  const options = literalOptions(schema);
  if (options) return { kind: 'choices', options, multiple: false };
  // A pattern or a fixed word (a DID: digits or '*') is typed as text.
  if (schema.anyOf?.length && schema.anyOf.every((s) => s.type === 'string' || typeof s.const === 'string')) return { kind: 'text', secret: SECRET.test(name) };
  switch (schema.type) {
    case 'object': {
      if (schema.properties && !schema.patternProperties) return { kind: 'object', schema };
      const [pattern, value] = Object.entries(schema.patternProperties ?? {})[0] ?? [];
      if (value && !schema.properties && ['string', 'integer', 'number', 'boolean'].includes(String(value.type))) return { kind: 'map', key: { type: 'string', pattern }, value };
      return { kind: 'json' };
    }
    case 'array': {
      const item = schema.items ?? {};
      const itemOptions = literalOptions(item);
      if (itemOptions) return { kind: 'choices', options: itemOptions, multiple: true };
      if (item.type === 'string') return { kind: 'strings' };
      if (item.type === 'object' && item.properties && !item.patternProperties) return { kind: 'list', item };
      return { kind: 'json' };
    }
    case 'string':
      return { kind: 'text', secret: SECRET.test(name) };
    case 'integer':
    case 'number':
      return { kind: 'number', integer: schema.type === 'integer', min: schema.minimum, max: schema.maximum };
    case 'boolean':
      return { kind: 'boolean' };
    default:
      return { kind: 'json' };
  }
}

/** A new list item: each required member at its default, else an empty value of its type. */
export function emptyValue(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return structuredClone(schema.default);
  const options = literalOptions(schema);
  if (options) return options[0];
  switch (schema.type) {
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const key of schema.required ?? []) out[key] = emptyValue(schema.properties?.[key] ?? {});
      return out;
    }
    case 'array':
      return [];
    case 'string':
      return '';
    case 'integer':
    case 'number':
      return schema.minimum ?? 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}

export interface Problem {
  path: string;
  message: string;
}

/** Problems reported exactly at `path` (a JSON Pointer such as /queues/0/maxWaitSec). */
export function problemsAt(problems: readonly Problem[], path: string): Problem[] {
  return problems.filter((p) => p.path === path);
}

/** Problems at `path` or anywhere below it (to mark a collapsed item or a section). */
export function problemsUnder(problems: readonly Problem[], path: string): Problem[] {
  return problems.filter((p) => p.path === path || p.path.startsWith(`${path}/`));
}

/** `value` with `next` written at `path` (a list of keys and indexes); the input is not changed. */
export function setAt<T>(value: T, path: readonly (string | number)[], next: unknown): T {
  if (!path.length) return next as T;
  const [head, ...rest] = path;
  const base: any = Array.isArray(value) ? [...value] : { ...(value as object | undefined) };
  const child = rest.length ? setAt(base[head!], rest, next) : next;
  if (child === undefined && !Array.isArray(base)) delete base[head!];
  else base[head!] = child;
  return base;
}

/** A field's value as typed into an input, converted for the schema (undefined clears an optional field). */
export function parseInput(kind: FieldKind, raw: string): unknown {
  if (kind.kind === 'number') return raw.trim() === '' ? undefined : Number(raw);
  if (kind.kind === 'strings') return raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (kind.kind === 'json') {
    try {
      return raw.trim() === '' ? undefined : JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw;
}

// Turns a config document (embedded defaults, an LMDB document or a JSON file) into a
// validated BoxConfig, or a coded error that names every offending field. Pure: reading the
// file is the caller's job.
import { Value } from '@sinclair/typebox/value';
import { BoxConfigSchema, type BoxConfig } from './schema.ts';

export const ConfigErrorCodes = {
  CC_CONFIG_INVALID: 'the configuration document is invalid; the box keeps (or refuses to start without) the last good one',
} as const;

export class ConfigError extends Error {
  readonly code: keyof typeof ConfigErrorCodes = 'CC_CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (+${problems.length - 10} more)` : ''}`);
    this.name = 'ConfigError';
  }
}

/** Defaults filled in, then validated, then cross-checked (references between sections). */
export function parseConfig(doc: unknown): BoxConfig {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(['the document must be a JSON object']);
  const withDefaults = Value.Default(BoxConfigSchema, structuredClone(doc));
  const problems = [...Value.Errors(BoxConfigSchema, withDefaults)].map((e) => `${e.path || '/'}: ${e.message}`);
  if (problems.length) throw new ConfigError(problems);
  const cfg = withDefaults as BoxConfig;
  problems.push(...crossCheck(cfg));
  if (problems.length) throw new ConfigError(problems);
  return cfg;
}

function crossCheck(cfg: BoxConfig): string[] {
  const out: string[] = [];
  const trunks = new Set<string>();
  for (const t of cfg.trunks) {
    if (trunks.has(t.name)) out.push(`/trunks: duplicate trunk name ${t.name}`);
    trunks.add(t.name);
    if (t.kind === 'register' && (!t.username || !t.password)) out.push(`/trunks/${t.name}: a registering trunk needs username and password`);
  }
  const exts = new Set<string>();
  for (const e of cfg.extensions) {
    if (exts.has(e.number)) out.push(`/extensions: duplicate extension ${e.number}`);
    exts.add(e.number);
  }
  for (const d of cfg.dids) {
    if (d.trunk && !trunks.has(d.trunk)) out.push(`/dids/${d.number}: unknown trunk ${d.trunk}`);
    if (d.destination.startsWith('ext:') && !exts.has(d.destination.slice(4))) out.push(`/dids/${d.number}: unknown extension ${d.destination.slice(4)}`);
  }
  for (const r of cfg.dialPlan) if (!trunks.has(r.trunk)) out.push(`/dialPlan/${r.prefix}: unknown trunk ${r.trunk}`);
  if (cfg.media.rtpMinPort > cfg.media.rtpMaxPort) out.push('/media: rtpMinPort > rtpMaxPort');
  return out;
}

export function defaultConfig(): BoxConfig {
  return parseConfig({});
}

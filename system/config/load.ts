// Turns a config document (embedded defaults, an LMDB document or a JSON file) into a
// validated BoxConfig, or a coded error that names every offending field. Pure: reading the
// file is the caller's job.
import { Value } from '@sinclair/typebox/value';
import { BoxConfigSchema, type BoxConfig } from './schema.ts';

export const ConfigErrorCodes = {
  CC_CONFIG_INVALID: 'the configuration document is invalid; the box keeps (or refuses to start without) the last good one',
  CC_CONFIG_UNKNOWN_SECTION: 'the admin API was asked to change a configuration section that does not exist',
  CC_CONFIG_IMPORT_INVALID: 'a configuration file to import has problems (each with its path in the file); nothing was imported',
} as const;

export class ConfigError extends Error {
  readonly code: keyof typeof ConfigErrorCodes = 'CC_CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? ` (+${problems.length - 10} more)` : ''}`);
    this.name = 'ConfigError';
  }
}

/** One of ConfigError's problems ("/queues/0/strategy: Expected ...") as { path, message }. */
export function configProblem(text: string): { path: string; message: string } {
  const at = text.indexOf(': ');
  return at > 0 && text.startsWith('/') ? { path: text.slice(0, at), message: text.slice(at + 2) } : { path: '/', message: text };
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
  out.push(...crossCheckAcd(cfg, exts));
  out.push(...crossCheckHours(cfg, exts));
  if (cfg.media.rtpMinPort > cfg.media.rtpMaxPort) out.push('/media: rtpMinPort > rtpMaxPort');
  return out;
}

/** Queues, agents and conference rooms: unique names, and every reference resolves. */
function crossCheckAcd(cfg: BoxConfig, exts: Set<string>): string[] {
  const out: string[] = [];
  const queues = new Set<string>();
  const rooms = new Set<string>();
  const numbers = new Map<string, string>();
  const claimNumber = (number: string | undefined, owner: string) => {
    if (!number) return;
    if (exts.has(number)) out.push(`${owner}: number ${number} is also an extension`);
    else if (numbers.has(number)) out.push(`${owner}: number ${number} is also used by ${numbers.get(number)}`);
    else numbers.set(number, owner);
  };
  for (const q of cfg.queues) {
    if (queues.has(q.name)) out.push(`/queues: duplicate queue name ${q.name}`);
    queues.add(q.name);
    claimNumber(q.number, `/queues/${q.name}`);
  }
  for (const c of cfg.conferences) {
    if (rooms.has(c.name)) out.push(`/conferences: duplicate room name ${c.name}`);
    rooms.add(c.name);
    claimNumber(c.number, `/conferences/${c.name}`);
  }
  const checkExit = (where: string, dest: string | undefined, self?: string) => {
    if (!dest) return;
    if (dest.startsWith('queue:') && (!queues.has(dest.slice(6)) || dest.slice(6) === self)) out.push(`${where}: unknown or own queue ${dest.slice(6)}`);
    if (dest.startsWith('ext:') && !exts.has(dest.slice(4))) out.push(`${where}: unknown extension ${dest.slice(4)}`);
  };
  for (const q of cfg.queues) {
    checkExit(`/queues/${q.name}/overflow`, q.overflow, q.name);
    if (q.exitDestination !== 'callback') checkExit(`/queues/${q.name}/exitDestination`, q.exitDestination, q.name);
    if (q.exitKey && !q.exitDestination) out.push(`/queues/${q.name}: exitKey needs exitDestination`);
  }
  for (const d of cfg.dids) {
    if (d.destination.startsWith('queue:') && !queues.has(d.destination.slice(6))) out.push(`/dids/${d.number}: unknown queue ${d.destination.slice(6)}`);
    if (d.destination.startsWith('conf:') && !rooms.has(d.destination.slice(5))) out.push(`/dids/${d.number}: unknown conference room ${d.destination.slice(5)}`);
  }
  const agents = new Set<string>();
  for (const a of cfg.agents) {
    if (agents.has(a.id)) out.push(`/agents: duplicate agent id ${a.id}`);
    agents.add(a.id);
    if (!exts.has(a.extension)) out.push(`/agents/${a.id}: unknown extension ${a.extension}`);
    for (const m of a.queues) if (!queues.has(m.queue)) out.push(`/agents/${a.id}: unknown queue ${m.queue}`);
  }
  return out;
}

/** Time zone, schedules, DID business-hours rules and IVR numbers. IVR flows live in LMDB, so
 *  an `ivr:` destination is checked when a call arrives (404 for an unknown flow), not here. */
function crossCheckHours(cfg: BoxConfig, exts: Set<string>): string[] {
  const out: string[] = [];
  if (cfg.timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: cfg.timeZone });
    } catch {
      out.push(`/timeZone: unknown time zone ${cfg.timeZone}`);
    }
  }
  const schedules = new Set<string>();
  for (const s of cfg.schedules ?? []) {
    if (schedules.has(s.name)) out.push(`/schedules: duplicate schedule name ${s.name}`);
    schedules.add(s.name);
    const ranges = [...Object.entries(s.weekly).map(([day, list]) => [`weekly/${day}`, list ?? []] as const), ...s.exceptions.map((e, i) => [`exceptions/${i}`, e.hours] as const)];
    for (const [where, list] of ranges) list.forEach((r, i) => r.from >= r.to && out.push(`/schedules/${s.name}/${where}/${i}: from ${r.from} is not before to ${r.to}`));
    for (const [kind, list] of [['holidays', s.holidays], ['exceptions', s.exceptions]] as const) {
      list.forEach((d, i) => {
        if (Number.isNaN(Date.parse(`${d.date}T00:00:00Z`)) || new Date(`${d.date}T00:00:00Z`).toISOString().slice(0, 10) !== d.date) out.push(`/schedules/${s.name}/${kind}/${i}/date: no such date ${d.date}`);
        if (d.to !== undefined && d.to < d.date) out.push(`/schedules/${s.name}/${kind}/${i}/to: ${d.to} is before ${d.date}`);
      });
    }
  }
  const queues = new Set(cfg.queues.map((q) => q.name));
  const rooms = new Set(cfg.conferences.map((c) => c.name));
  const checkDestination = (where: string, dest: string) => {
    if (dest.startsWith('ext:') && !exts.has(dest.slice(4))) out.push(`${where}: unknown extension ${dest.slice(4)}`);
    if (dest.startsWith('queue:') && !queues.has(dest.slice(6))) out.push(`${where}: unknown queue ${dest.slice(6)}`);
    if (dest.startsWith('conf:') && !rooms.has(dest.slice(5))) out.push(`${where}: unknown conference room ${dest.slice(5)}`);
  };
  for (const d of cfg.dids) {
    if (!d.hours) continue;
    if (!schedules.has(d.hours.schedule)) out.push(`/dids/${d.number}/hours: unknown schedule ${d.hours.schedule}`);
    checkDestination(`/dids/${d.number}/hours/closed`, d.hours.closed);
    if (d.hours.holiday) checkDestination(`/dids/${d.number}/hours/holiday`, d.hours.holiday);
  }
  const taken = new Set([...exts, ...cfg.queues.map((q) => q.number), ...cfg.conferences.map((c) => c.number)].filter((n): n is string => n !== undefined));
  for (const n of cfg.ivr?.numbers ?? []) {
    if (taken.has(n.number)) out.push(`/ivr/numbers/${n.number}: number is also an extension, queue, room or another IVR number`);
    taken.add(n.number);
  }
  return out;
}

export function defaultConfig(): BoxConfig {
  return parseConfig({});
}

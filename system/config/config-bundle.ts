// The configuration as one JSON file, for moving to a new box or keeping a copy: the stored
// configuration document, the box users (with their scrypt hashes, never plain passwords)
// and the newest published version of every IVR flow. Recordings, CDRs, customers and logs
// are data, not configuration: they move with a backup.
//
// Importing is planned before it is applied: planImport checks the whole bundle (the
// configuration as parseConfig would, each user, each flow against the imported
// configuration) and says what would change, what needs a restart, which users would be
// added or updated and which flows would get a new version. Nothing is applied unless the
// plan has no problems. Users missing from the bundle are kept, never deleted. Pure.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, configProblem, parseConfig } from './load.ts';
import type { BoxConfig } from './schema.ts';
import { diffConfig, type ConfigChange } from '../audit/config-diff.ts';
import type { StoredUser } from '../users/bootstrap-admin.ts';
import type { Flow } from '../ivr/flow-schema.ts';
import type { FlowContext, FlowProblem } from '../ivr/flow-validate.ts';
import { validateFlow } from '../ivr/flow-validate.ts';

export const BUNDLE_KIND = 'callcenter-config';
export const BUNDLE_FORMAT = 1;

const UserSchema = Type.Object({
  username: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' }),
  role: Type.Union([Type.Literal('admin'), Type.Literal('supervisor'), Type.Literal('agent'), Type.Literal('technician')]),
  passwordHash: Type.String({ pattern: '^scrypt\\$[0-9]+\\$[0-9]+\\$[0-9]+\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]+$', maxLength: 512 }),
  createdAt: Type.Integer({ minimum: 0 }),
  mustChangePassword: Type.Boolean(),
  disabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: true });

/** The file's outer shape; the configuration and the flows inside are checked by their own validators. */
export const BundleSchema = Type.Object({
  kind: Type.Literal(BUNDLE_KIND),
  format: Type.Literal(BUNDLE_FORMAT),
  exportedAt: Type.String({ maxLength: 64 }),
  exportedBy: Type.Optional(Type.String({ maxLength: 64 })),
  config: Type.Record(Type.String(), Type.Unknown()),
  users: Type.Array(UserSchema, { maxItems: 5000 }),
  ivrFlows: Type.Array(Type.Unknown(), { maxItems: 500 }),
}, { additionalProperties: false });

export type ConfigBundle = Static<typeof BundleSchema>;

/** Sections the running box reads only at start (see Box.updateConfig): a change needs a restart. */
export const RESTART_SECTIONS = ['sip', 'media', 'registrar', 'http', 'extensions', 'trunks', 'recording'];

export interface ImportPlan {
  ok: boolean;
  /** Every reason the bundle cannot be imported, with the JSON path inside the bundle. */
  problems: FlowProblem[];
  warnings: FlowProblem[];
  /** What the stored configuration document would change (secrets masked). */
  changes: ConfigChange[];
  /** Top-level sections among the changes that take effect at the next start. */
  restartRequired: string[];
  users: { add: string[]; update: string[]; keep: string[] };
  flows: { publish: string[]; unchanged: string[] };
}

export interface ImportPlanned extends ImportPlan {
  ok: true;
  config: BoxConfig;
  doc: Record<string, unknown>;
  usersToWrite: StoredUser[];
  flowsToPublish: Flow[];
}

export interface CurrentState {
  /** The stored configuration document (what updateConfig mutates). */
  doc: Record<string, unknown>;
  users: StoredUser[];
  /** The newest published flow of each name. */
  flows: Flow[];
}

export function exportBundle(current: CurrentState, now: Date, by: string): ConfigBundle {
  return {
    kind: BUNDLE_KIND,
    format: BUNDLE_FORMAT,
    exportedAt: now.toISOString(),
    exportedBy: by,
    config: structuredClone(current.doc),
    users: current.users.map((u) => ({ ...u })).sort((a, b) => a.username.localeCompare(b.username)),
    ivrFlows: current.flows.map((f) => structuredClone(f)).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * What importing `input` over `current` would do. `flowContext` gives what a flow may refer
 * to on a box running the given configuration (queues, schedules, prompts...).
 */
export function planImport(input: unknown, current: CurrentState, flowContext: (cfg: BoxConfig) => FlowContext): ImportPlan | ImportPlanned {
  const empty = { warnings: [], changes: [], restartRequired: [], users: { add: [], update: [], keep: [] }, flows: { publish: [], unchanged: [] } };
  if (!Value.Check(BundleSchema, input)) {
    const problems = [...Value.Errors(BundleSchema, input)].slice(0, 100).map((e) => ({ path: e.path || '/', message: e.message }));
    return { ok: false, problems, ...empty };
  }
  const bundle = input;
  const problems: FlowProblem[] = [];
  const warnings: FlowProblem[] = [];
  let config: BoxConfig | undefined;
  try {
    config = parseConfig(bundle.config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const { path, message } of err.problems.map(configProblem)) problems.push({ path: `/config${path === '/' ? '' : path}`, message });
  }
  const changes = diffConfig(current.doc, bundle.config);
  const restartRequired = [...new Set(changes.map((c) => c.path.split('/')[1] ?? '').filter((s) => RESTART_SECTIONS.includes(s)))].sort();

  const seen = new Set<string>();
  const existing = new Map(current.users.map((u) => [u.username, u]));
  const users = { add: [] as string[], update: [] as string[], keep: [] as string[] };
  bundle.users.forEach((u, i) => {
    if (seen.has(u.username)) problems.push({ path: `/users/${i}/username`, message: `duplicate user ${u.username}` });
    seen.add(u.username);
    const had = existing.get(u.username);
    if (!had) users.add.push(u.username);
    else if (!sameJson({ ...had }, { ...u })) users.update.push(u.username);
  });
  for (const name of existing.keys()) if (!seen.has(name)) users.keep.push(name);
  if (!bundle.users.some((u) => u.role === 'admin' && u.disabled !== true) && ![...existing.values()].some((u) => u.role === 'admin' && !u.disabled && !seen.has(u.username)))
    problems.push({ path: '/users', message: 'the box would have no administrator' });

  const flows = { publish: [] as string[], unchanged: [] as string[] };
  const flowsToPublish: Flow[] = [];
  const latest = new Map(current.flows.map((f) => [f.name, f]));
  const names = new Set<string>();
  bundle.ivrFlows.forEach((doc, i) => {
    const check = validateFlow(doc, config ? flowContext(config) : {});
    const at = (p: FlowProblem) => ({ path: `/ivrFlows/${i}${p.path}`, message: p.message });
    warnings.push(...check.warnings.map(at));
    if (!check.ok) return void problems.push(...check.errors.map(at));
    if (names.has(check.flow.name)) return void problems.push({ path: `/ivrFlows/${i}/name`, message: `duplicate flow ${check.flow.name}` });
    names.add(check.flow.name);
    const had = latest.get(check.flow.name);
    if (had && sameJson(had, check.flow)) flows.unchanged.push(check.flow.name);
    else {
      flows.publish.push(check.flow.name);
      flowsToPublish.push(check.flow);
    }
  });

  const plan: ImportPlan = { ok: problems.length === 0, problems, warnings, changes, restartRequired, users, flows };
  if (!plan.ok || !config) return { ...plan, ok: false };
  const byName = new Map(bundle.users.map((u) => [u.username, u as StoredUser]));
  return {
    ...plan,
    ok: true,
    config,
    doc: structuredClone(bundle.config),
    usersToWrite: [...users.add, ...users.update].map((n) => byName.get(n)!),
    flowsToPublish,
  };
}

/** The plan as the API answers it (without the documents it would write). */
export function planReport(plan: ImportPlan | ImportPlanned): ImportPlan {
  const { ok, problems, warnings, changes, restartRequired, users, flows } = plan;
  return { ok, problems, warnings, changes, restartRequired, users, flows };
}

// Validates an IVR flow document: the TypeBox schema per node type (so every problem names
// the JSON path of the offending field, e.g. /nodes/main/choices/1), then references (nodes,
// queues, schedules, extensions, prompts) against the box it will run on. Errors refuse the
// document; warnings (unreachable nodes, loops without caller input, words the recogniser
// does not know) are reported and the flow may still be published. Pure.
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FlowSchema, INPUT_NODES, NODE_SCHEMAS, NodeId, successors, type Flow, type IvrNode, type NodeType } from './flow-schema.ts';
import { hasPlaceholders, parsePriority, parseSkills } from './template.ts';

export interface FlowProblem {
  /** JSON Pointer into the document ('' is the document itself). */
  path: string;
  message: string;
}

export type FlowCheck = { ok: true; flow: Flow; warnings: FlowProblem[] } | { ok: false; errors: FlowProblem[]; warnings: FlowProblem[] };

/** What the flow may refer to on this box; a check whose set is absent is skipped. */
export interface FlowContext {
  queues?: ReadonlySet<string>;
  schedules?: ReadonlySet<string>;
  extensions?: ReadonlySet<string>;
  /** Whether the prompt set has prompt `id` in `lang`. */
  prompt?: (id: string, lang: Flow['language']) => boolean;
  /** Whether the speech recogniser knows a word (speech nodes; unknown words are warnings). */
  speechWord?: (word: string) => boolean;
}

const MAX_PROBLEMS = 100;
/** The flow with its nodes left open: each node is checked against its own type's schema. */
const Shell = Type.Object({ ...FlowSchema.properties, nodes: Type.Record(NodeId, Type.Unknown(), { minProperties: 1, maxProperties: 500, additionalProperties: false }) }, { additionalProperties: false });
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const pointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

export function validateFlow(doc: unknown, ctx: FlowContext = {}): FlowCheck {
  if (!isObject(doc)) return { ok: false, errors: [{ path: '', message: 'a flow must be a JSON object' }], warnings: [] };
  const flow = Value.Default(Shell, structuredClone(doc)) as Record<string, unknown>;
  const errors: FlowProblem[] = [...Value.Errors(Shell, flow)].map((e) => ({ path: e.path, message: e.message }));
  const nodes = isObject(flow.nodes) ? flow.nodes : {};
  for (const [id, n] of Object.entries(nodes)) {
    const at = `/nodes/${pointer(id)}`;
    if (!isObject(n)) {
      errors.push({ path: at, message: 'a node must be an object' });
      continue;
    }
    const type = n.type;
    if (typeof type !== 'string' || !Object.hasOwn(NODE_SCHEMAS, type)) {
      errors.push({ path: `${at}/type`, message: `unknown node type ${JSON.stringify(type)}; expected one of ${Object.keys(NODE_SCHEMAS).join(', ')}` });
      continue;
    }
    const schema = NODE_SCHEMAS[type as NodeType];
    nodes[id] = Value.Default(schema, n);
    for (const e of Value.Errors(schema, nodes[id])) errors.push({ path: at + e.path, message: e.message });
  }
  if (errors.length) return { ok: false, errors: unique(errors), warnings: [] };
  const valid = flow as unknown as Flow;
  const problems = crossCheck(valid, ctx);
  if (problems.errors.length) return { ok: false, errors: unique(problems.errors), warnings: problems.warnings };
  return { ok: true, flow: valid, warnings: problems.warnings };
}

function unique(list: FlowProblem[]): FlowProblem[] {
  const seen = new Set<string>();
  return list.filter((p) => !seen.has(p.path + p.message) && seen.add(p.path + p.message)).slice(0, MAX_PROBLEMS);
}

function crossCheck(flow: Flow, ctx: FlowContext): { errors: FlowProblem[]; warnings: FlowProblem[] } {
  const errors: FlowProblem[] = [];
  const warnings: FlowProblem[] = [];
  const err = (path: string, message: string) => errors.push({ path, message });
  if (!flow.nodes[flow.start]) err('/start', `no node "${flow.start}"`);
  for (const [id, n] of Object.entries(flow.nodes)) {
    const at = `/nodes/${id}`;
    for (const ref of successors(id, n)) if (!flow.nodes[ref.to]) err(ref.path, `no node "${ref.to}"`);
    checkPrompts(at, n, flow.language, ctx, err);
    checkNode(at, n, ctx, err, (path, message) => warnings.push({ path, message }));
  }
  if (errors.length) return { errors, warnings };
  // Reachability from the start node.
  const reached = new Set<string>([flow.start]);
  const todo = [flow.start];
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    for (const { to } of successors(id, flow.nodes[id])) {
      if (reached.has(to)) continue;
      reached.add(to);
      todo.push(to);
    }
  }
  for (const id of Object.keys(flow.nodes)) if (!reached.has(id)) warnings.push({ path: `/nodes/${id}`, message: `unreachable: no path from the start node "${flow.start}" leads here` });
  for (const loop of loopsWithoutInput(flow)) {
    warnings.push({ path: `/nodes/${loop[0]}`, message: `nodes ${loop.join(' -> ')} form a loop that asks the caller nothing; the loop guard hangs up after ${flow.maxStepsWithoutInput} steps` });
  }
  return { errors, warnings };
}

type Report = (path: string, message: string) => void;

function checkPrompts(at: string, n: IvrNode, lang: Flow['language'], ctx: FlowContext, err: Report): void {
  if (!ctx.prompt) return;
  const lists: [string, readonly string[] | undefined][] = [['prompts', 'prompts' in n ? n.prompts : undefined]];
  if (n.type === 'menu') lists.push(['invalidPrompts', n.invalidPrompts], ['timeoutPrompts', n.timeoutPrompts]);
  if (n.type === 'collect') lists.push(['invalidPrompts', n.invalidPrompts]);
  if (n.type === 'speech') lists.push(['noMatchPrompts', n.noMatchPrompts]);
  for (const [field, list] of lists) {
    (list ?? []).forEach((ref, i) => {
      if (ref === 'beep' || ref.startsWith('digits:') || ref.startsWith('silence:')) return;
      if (!ctx.prompt!(ref, lang)) err(`${at}/${field}/${i}`, `no prompt "${ref}" in language ${lang}`);
    });
  }
}

function checkNode(at: string, n: IvrNode, ctx: FlowContext, err: Report, warn: Report): void {
  switch (n.type) {
    case 'collect':
      if (n.minLength > n.maxLength) err(`${at}/minLength`, `minLength ${n.minLength} is more than maxLength ${n.maxLength}`);
      if (n.pattern !== undefined && !compiles(n.pattern)) err(`${at}/pattern`, 'not a valid regular expression');
      break;
    case 'condition':
      n.rules.forEach((r, i) => {
        const needsValue = r.op !== 'empty' && r.op !== 'present';
        if (needsValue && r.value === undefined) err(`${at}/rules/${i}/value`, `operator ${r.op} needs a value`);
        if (r.value === undefined || hasPlaceholders(r.value)) return;
        if (r.op === 'matches' && !compiles(r.value)) err(`${at}/rules/${i}/value`, 'not a valid regular expression');
        if ((r.op === 'lt' || r.op === 'gt') && !Number.isFinite(Number(r.value))) err(`${at}/rules/${i}/value`, `operator ${r.op} compares numbers; "${r.value}" is not one`);
      });
      break;
    case 'queue':
      if (ctx.queues && !ctx.queues.has(n.queue)) err(`${at}/queue`, `no queue "${n.queue}" in the configuration`);
      if (n.priority !== undefined && !hasPlaceholders(n.priority) && parsePriority(n.priority) === undefined) err(`${at}/priority`, 'a priority is a whole number 0..100 (or a {variable})');
      if (n.skills !== undefined && !hasPlaceholders(n.skills) && !parseSkills(n.skills)) err(`${at}/skills`, 'skills are "name:level,name:level" with levels 1..10 (or {variables})');
      break;
    case 'time':
      if (ctx.schedules && !ctx.schedules.has(n.schedule)) err(`${at}/schedule`, `no schedule "${n.schedule}" in the configuration`);
      break;
    case 'transfer':
      if (!hasPlaceholders(n.to)) {
        if (!/^(ext:[0-9]{2,10}|dial:[0-9*#+]{1,32})$/.test(n.to)) err(`${at}/to`, 'expected "ext:NUMBER" or "dial:NUMBER"');
        else if (n.to.startsWith('ext:') && ctx.extensions && !ctx.extensions.has(n.to.slice(4))) err(`${at}/to`, `no extension ${n.to.slice(4)}`);
      }
      break;
    case 'http':
      try {
        new URL(n.url.replace(/\{[a-zA-Z_][a-zA-Z0-9_]*\}/g, 'x'));
      } catch {
        err(`${at}/url`, 'not a valid URL');
      }
      break;
    case 'speech': {
      const owner = new Map<string, number>();
      n.keywords.forEach((k, i) =>
        k.phrases.forEach((p, j) => {
          if (owner.has(p) && owner.get(p) !== i) err(`${at}/keywords/${i}/phrases/${j}`, `phrase "${p}" also leads elsewhere (keywords/${owner.get(p)})`);
          owner.set(p, i);
          const unknown = ctx.speechWord ? p.split(' ').filter((w) => !ctx.speechWord!(w)) : [];
          if (unknown.length) warn(`${at}/keywords/${i}/phrases/${j}`, `the speech recogniser does not know ${unknown.join(', ')}`);
        }),
      );
      break;
    }
    default:
      break;
  }
}

function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/** Strongly connected groups of nodes that never wait for the caller (Tarjan). */
function loopsWithoutInput(flow: Flow): string[][] {
  const passive = Object.keys(flow.nodes).filter((id) => !INPUT_NODES.has(flow.nodes[id].type));
  const isPassive = new Set(passive);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const { to } of successors(v, flow.nodes[v])) {
      if (!isPassive.has(to)) continue;
      if (!index.has(to)) {
        visit(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) === index.get(v)) {
      const group: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      const selfLoop = group.length === 1 && successors(v, flow.nodes[v]).some((s) => s.to === v);
      if (group.length > 1 || selfLoop) out.push(group.reverse());
    }
  };
  for (const v of passive) if (!index.has(v)) visit(v);
  return out;
}

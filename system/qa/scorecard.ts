// Scorecards (评分表): sections (attitude, accuracy, compliance, ...) of weighted criteria of
// three kinds — yes/no, a scale (e.g. 0–5), and critical ("fail the whole call") — as a
// TypeBox schema, and their validation with the JSON path of every problem. Versions are
// kept by qa-book.ts; this file is pure and imports only TypeBox.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const ScorecardName = Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' });
const Id = Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' });
const Label = Type.String({ minLength: 1, maxLength: 200 });
const Weight = Type.Number({ exclusiveMinimum: 0, maximum: 1000 });
const common = {
  id: Id,
  label: Label,
  description: Type.Optional(Type.String({ maxLength: 1000 })),
  /** The scorer may answer N/A; the criterion then leaves the denominator. */
  na: Type.Boolean({ default: false }),
};

export const CRITERION_SCHEMAS = {
  /** Met (true) earns the weight, not met (false) nothing. */
  'yes-no': Type.Object({ kind: Type.Literal('yes-no'), ...common, weight: Weight }, { additionalProperties: false }),
  /** An integer from min to max earns weight × (value − min) / (max − min). */
  scale: Type.Object({
    kind: Type.Literal('scale'), ...common, weight: Weight,
    min: Type.Integer({ minimum: 0, maximum: 100, default: 0 }),
    max: Type.Integer({ minimum: 1, maximum: 100, default: 5 }),
  }, { additionalProperties: false }),
  /** Not met (false) fails the whole call: score 0, flagged. No weight of its own. */
  critical: Type.Object({ kind: Type.Literal('critical'), ...common }, { additionalProperties: false }),
} as const;
export type CriterionKind = keyof typeof CRITERION_SCHEMAS;
export type YesNoCriterion = Static<(typeof CRITERION_SCHEMAS)['yes-no']>;
export type ScaleCriterion = Static<(typeof CRITERION_SCHEMAS)['scale']>;
export type CriticalCriterion = Static<(typeof CRITERION_SCHEMAS)['critical']>;
export type Criterion = YesNoCriterion | ScaleCriterion | CriticalCriterion;

/** The document a supervisor edits (PUT /api/qa/scorecards/:name). */
export const ScorecardSchema = Type.Object({
  name: ScorecardName,
  title: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  sections: Type.Array(Type.Object({
    id: Id,
    title: Label,
    criteria: Type.Array(Type.Unknown(), { minItems: 1, maxItems: 100 }),
  }, { additionalProperties: false }), { minItems: 1, maxItems: 50 }),
}, { additionalProperties: false });

export interface Section {
  id: string;
  title: string;
  criteria: Criterion[];
}
export interface Scorecard {
  name: string;
  title: string;
  description?: string;
  sections: Section[];
}

/** A stored version: immutable once written; a score names the version it used. */
export interface ScorecardVersion extends Scorecard {
  version: number;
  savedAt: number;
  savedBy: string;
  /** Deleted: kept for the scores that used it, offered for no new score. */
  retired?: boolean;
}

export interface Problem {
  /** JSON Pointer into the document ('' is the document itself). */
  path: string;
  message: string;
}

export type ScorecardCheck = { ok: true; scorecard: Scorecard } | { ok: false; errors: Problem[] };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function validateScorecard(doc: unknown): ScorecardCheck {
  if (!isObject(doc)) return { ok: false, errors: [{ path: '', message: 'a scorecard must be a JSON object' }] };
  const card = Value.Default(ScorecardSchema, structuredClone(doc)) as Record<string, unknown>;
  const errors: Problem[] = [...Value.Errors(ScorecardSchema, card)].map((e) => ({ path: e.path, message: e.message }));
  const sections = Array.isArray(card.sections) ? card.sections : [];
  const sectionIds = new Set<string>();
  const criterionIds = new Map<string, string>();
  let weighted = 0;
  sections.forEach((s: unknown, i) => {
    if (!isObject(s)) return;
    if (typeof s.id === 'string') {
      if (sectionIds.has(s.id)) errors.push({ path: `/sections/${i}/id`, message: `section id "${s.id}" is used twice` });
      sectionIds.add(s.id);
    }
    const criteria = Array.isArray(s.criteria) ? s.criteria : [];
    criteria.forEach((c: unknown, j) => {
      const at = `/sections/${i}/criteria/${j}`;
      if (!isObject(c)) return void errors.push({ path: at, message: 'a criterion must be an object' });
      const kind = c.kind;
      if (typeof kind !== 'string' || !Object.hasOwn(CRITERION_SCHEMAS, kind)) {
        return void errors.push({ path: `${at}/kind`, message: `unknown criterion kind ${JSON.stringify(kind)}; expected one of ${Object.keys(CRITERION_SCHEMAS).join(', ')}` });
      }
      const schema = CRITERION_SCHEMAS[kind as CriterionKind];
      const filled = Value.Default(schema, c) as Record<string, unknown>;
      criteria[j] = filled;
      const before = errors.length;
      for (const e of Value.Errors(schema, filled)) errors.push({ path: at + e.path, message: e.message });
      if (errors.length > before) return;
      const id = filled.id as string;
      if (criterionIds.has(id)) errors.push({ path: `${at}/id`, message: `criterion id "${id}" is also used at ${criterionIds.get(id)}` });
      else criterionIds.set(id, at);
      if (kind === 'scale' && (filled.max as number) <= (filled.min as number)) errors.push({ path: `${at}/max`, message: 'max must be greater than min' });
      if (kind !== 'critical') weighted++;
    });
  });
  if (!errors.length && weighted === 0) errors.push({ path: '/sections', message: 'a scorecard needs at least one weighted (yes-no or scale) criterion' });
  if (errors.length) return { ok: false, errors: unique(errors) };
  return { ok: true, scorecard: card as unknown as Scorecard };
}

function unique(list: Problem[]): Problem[] {
  const seen = new Set<string>();
  return list.filter((p) => !seen.has(p.path + p.message) && seen.add(p.path + p.message)).slice(0, 100);
}

/** Every criterion with the section it sits in, in document order. */
export function criteriaOf(card: Scorecard): { section: Section; criterion: Criterion }[] {
  return card.sections.flatMap((section) => section.criteria.map((criterion) => ({ section, criterion })));
}

// The score of one call against one scorecard version, pure: each answered criterion earns
// part of its weight (yes-no: all or nothing; scale: in proportion), N/A criteria leave the
// denominator, the score is 100 × earned / possible rounded to two decimals, and a critical
// criterion answered "not met" fails the whole call (score 0, `failed`). Answers that do not
// fit the scorecard are refused with one problem per criterion, never guessed.
import { criteriaOf, type Scorecard } from './scorecard.ts';
import type { Problem } from './scorecard.ts';

/** true = met / yes, false = not met / no, a number on a scale criterion, 'na' = not applicable. */
export type Answer = boolean | number | 'na';
export type Answers = Record<string, Answer>;

export interface CriterionResult {
  section: string;
  /** Points earned and possible; both 0 for an N/A or critical criterion. */
  earned: number;
  possible: number;
  na: boolean;
  /** A critical criterion answered not met. */
  failedCall: boolean;
}

export interface ScoreResult {
  /** 0–100, two decimals; 0 when failed. */
  score: number;
  /** What the weights alone give (equal to score unless a critical criterion failed). */
  weightedScore: number;
  failed: boolean;
  /** The critical criteria that failed the call. */
  failedBy: string[];
  earned: number;
  possible: number;
  criteria: Record<string, CriterionResult>;
}

export type ScoreCheck = { ok: true; result: ScoreResult } | { ok: false; code: 'CC_QA_ANSWERS_INVALID' | 'CC_QA_NOTHING_SCORED'; problems: Problem[] };

const round2 = (x: number) => Math.round(x * 100) / 100;

export function scoreCall(card: Scorecard, answers: Answers): ScoreCheck {
  const problems: Problem[] = [];
  const criteria: Record<string, CriterionResult> = {};
  const known = new Set<string>();
  let earned = 0;
  let possible = 0;
  const failedBy: string[] = [];
  for (const { section, criterion: c } of criteriaOf(card)) {
    known.add(c.id);
    const at = `/answers/${c.id}`;
    const a = Object.hasOwn(answers, c.id) ? answers[c.id] : undefined;
    const row: CriterionResult = { section: section.id, earned: 0, possible: 0, na: false, failedCall: false };
    if (a === undefined) {
      problems.push({ path: at, message: `"${c.label}" is not answered` });
      continue;
    }
    if (a === 'na') {
      if (!c.na) problems.push({ path: at, message: `"${c.label}" may not be answered N/A` });
      row.na = true;
      criteria[c.id] = row;
      continue;
    }
    if (c.kind === 'scale') {
      if (typeof a !== 'number' || !Number.isInteger(a) || a < c.min || a > c.max) {
        problems.push({ path: at, message: `"${c.label}" needs a whole number from ${c.min} to ${c.max}` });
        continue;
      }
      row.possible = c.weight;
      row.earned = (c.weight * (a - c.min)) / (c.max - c.min);
    } else {
      if (typeof a !== 'boolean') {
        problems.push({ path: at, message: `"${c.label}" needs true (met) or false (not met)` });
        continue;
      }
      if (c.kind === 'yes-no') {
        row.possible = c.weight;
        row.earned = a ? c.weight : 0;
      } else if (!a) {
        row.failedCall = true;
        failedBy.push(c.id);
      }
    }
    earned += row.earned;
    possible += row.possible;
    criteria[c.id] = row;
  }
  for (const id of Object.keys(answers)) if (!known.has(id)) problems.push({ path: `/answers/${id}`, message: `the scorecard has no criterion "${id}"` });
  if (problems.length) return { ok: false, code: 'CC_QA_ANSWERS_INVALID', problems };
  if (possible === 0) return { ok: false, code: 'CC_QA_NOTHING_SCORED', problems: [{ path: '/answers', message: 'every weighted criterion is N/A' }] };
  const weightedScore = round2((100 * earned) / possible);
  const failed = failedBy.length > 0;
  return { ok: true, result: { score: failed ? 0 : weightedScore, weightedScore, failed, failedBy, earned, possible, criteria } };
}

// The contract every strategy file implements, and the ordering helpers they share. A strategy
// only orders: eligibility (membership, availability, skills, skip list) and the penalty tier
// are decided before it is called (see index.ts). Pure; imports only types.
import type { Candidate } from '../acd-types.ts';

export interface OrderContext {
  /** Uniform [0, 1) source (random strategy). */
  random: () => number;
  /** round-robin memory: member-list index of the agent last offered a call in this queue,
   *  -1 when there is none or it is no longer a member. */
  lastOfferedIndex: number;
}

/** Orders eligible candidates best first and returns their agent ids. `candidates` come in
 *  member-list order; a strategy may stop at `limit` ids (ring-all ignores it). */
export type Strategy = (candidates: readonly Candidate[], ctx: OrderContext, limit: number) => string[];

export type CandidateOrder = (a: Candidate, b: Candidate) => number;

export const longestIdleFirst: CandidateOrder = (a, b) =>
  a.agent.idleSinceMs - b.agent.idleSinceMs || a.memberIndex - b.memberIndex;

export function ids(candidates: readonly Candidate[], limit = Infinity): string[] {
  const n = Math.min(limit, candidates.length);
  const out = new Array<string>(n);
  for (let i = 0; i < n; i++) out[i] = candidates[i].agent.id;
  return out;
}

/** The `limit` best candidates under `order`: one linear pass for a single pick, a sort of a
 *  copy otherwise (the caller's array is never reordered). */
export function topBy(candidates: readonly Candidate[], order: CandidateOrder, limit: number): string[] {
  if (candidates.length === 0 || limit <= 0) return [];
  if (limit === 1) {
    let best = candidates[0];
    for (let i = 1; i < candidates.length; i++) if (order(candidates[i], best) < 0) best = candidates[i];
    return [best.agent.id];
  }
  return ids([...candidates].sort(order), limit);
}

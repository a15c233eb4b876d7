// skills-based: the best proficiency in the call's required skills first (sum of levels);
// ties longest-idle, then member order. Eligibility (minimum levels, relaxation) is skills.ts.
import type { Strategy } from './order.ts';
import { longestIdleFirst, topBy } from './order.ts';

export const skillsBased: Strategy = (candidates, _ctx, limit) =>
  topBy(candidates, (a, b) => b.proficiency - a.proficiency || longestIdleFirst(a, b), limit);

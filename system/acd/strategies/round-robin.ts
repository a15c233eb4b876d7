// round-robin with memory: continue with the first eligible member after the agent last offered
// a call in this queue (by member-list position), wrapping to the top of the list.
import type { Strategy } from './order.ts';
import { ids } from './order.ts';

export const roundRobin: Strategy = (candidates, ctx, limit) => {
  // candidates are in member-list order: find the first one past the remembered position.
  let start = 0;
  while (start < candidates.length && candidates[start].memberIndex <= ctx.lastOfferedIndex) start++;
  if (start === 0 || start === candidates.length) return ids(candidates, limit);
  return ids(candidates.slice(start).concat(candidates.slice(0, start)), limit);
};

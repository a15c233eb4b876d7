// fewest-calls: the agent who took the fewest calls first; ties longest-idle, then member order.
import type { Strategy } from './order.ts';
import { longestIdleFirst, topBy } from './order.ts';

export const fewestCalls: Strategy = (candidates, _ctx, limit) =>
  topBy(candidates, (a, b) => a.agent.callsTaken - b.agent.callsTaken || longestIdleFirst(a, b), limit);

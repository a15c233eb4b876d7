// least-talk-time: the agent with the least talk time first; ties longest-idle, then member order.
import type { Strategy } from './order.ts';
import { longestIdleFirst, topBy } from './order.ts';

export const leastTalkTime: Strategy = (candidates, _ctx, limit) =>
  topBy(candidates, (a, b) => a.agent.talkTimeMs - b.agent.talkTimeMs || longestIdleFirst(a, b), limit);

// longest-idle: the agent idle the longest (earliest idleSinceMs) first; ties in member order.
import type { Strategy } from './order.ts';
import { longestIdleFirst, topBy } from './order.ts';

export const longestIdle: Strategy = (candidates, _ctx, limit) => topBy(candidates, longestIdleFirst, limit);

// linear (top-down): always the first eligible agent in member-list order.
import type { Strategy } from './order.ts';
import { ids } from './order.ts';

export const linear: Strategy = (candidates, _ctx, limit) => ids(candidates, limit);

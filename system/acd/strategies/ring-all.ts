// ring-all: every eligible agent of the best tier rings at once (member-list order); `limit`
// does not apply.
import type { Strategy } from './order.ts';
import { ids } from './order.ts';

export const ringAll: Strategy = (candidates) => ids(candidates);

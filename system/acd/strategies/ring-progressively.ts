// ring-progressively: ordered like linear (member-list order). The runtime rings the first,
// then adds the next every QueueSpec.progressiveStepSec; this file only orders.
import type { Strategy } from './order.ts';
import { ids } from './order.ts';

export const ringProgressively: Strategy = (candidates, _ctx, limit) => ids(candidates, limit);

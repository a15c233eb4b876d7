// RBAC matrix rows for the live wallboard (system/wallboard, system/api/wallboard-routes.ts).
import { STAFF, type Cell } from './cells.ts';

export const WALLBOARD: Record<string, Cell> = {
  'GET /api/wallboard': { roles: STAFF, ok: [200] },
  'PUT /api/wallboard/thresholds': {
    roles: STAFF,
    body: () => ({ longestWaitSec: { amber: 60, red: 120 }, waiting: { amber: 5, red: 10 }, serviceLevelPct: { amber: 90, red: 80 }, serviceLevelSec: 20 }),
    ok: [200],
  },
};

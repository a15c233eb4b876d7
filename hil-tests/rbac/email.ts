// RBAC matrix rows for the email channel's routes (system/api/email-routes.ts).
import { DESK, STAFF, type Cell } from './cells.ts';

const NO_SUCH = '00000000-0000-4000-8000-000000000000';

export const EMAIL: Record<string, Cell> = {
  'GET /api/email/interactions/:id': { roles: DESK, path: `/api/email/interactions/${NO_SUCH}`, ok: [404] },
  'POST /api/email/deliveries/:id/retry': { roles: DESK, path: `/api/email/deliveries/${NO_SUCH}/retry`, ok: [404] },
  'GET /api/email/deliveries': { roles: STAFF, ok: [200] },
};

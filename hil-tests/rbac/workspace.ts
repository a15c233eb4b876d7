// RBAC matrix rows for the agent workspace's call actions (system/api/workspace-call-routes.ts).
import { DESK, type Cell } from './cells.ts';

export const WORKSPACE: Record<string, Cell> = {
  'GET /api/workspace/dispositions': { roles: DESK, ok: [200] },
  'GET /api/workspace/calls/:callId': { roles: DESK, ok: [404] },
  'PUT /api/workspace/calls/:callId/wrap-up': { roles: DESK, body: () => ({ disposition: 'resolved', notes: 'rbac' }), ok: [404] },
};

// RBAC matrix rows for the agent workspace's call actions (system/api/workspace-call-routes.ts)
// and a user's own password change (system/api/password-routes.ts).
import { ALL, DESK, type Cell } from './cells.ts';

export const WORKSPACE: Record<string, Cell> = {
  'GET /api/workspace/dispositions': { roles: DESK, ok: [200] },
  'GET /api/workspace/quick-dial': { roles: DESK, ok: [200] },
  'POST /api/workspace/dial': { roles: DESK, body: () => ({ number: '2001' }), ok: [404, 409] },
  'GET /api/workspace/calls/:callId': { roles: DESK, ok: [404] },
  'POST /api/workspace/calls/:callId/transfer': { roles: DESK, path: '/api/workspace/calls/00000000-0000-4000-8000-000000000000/transfer', body: () => ({ number: '2001' }), ok: [404] },
  'POST /api/workspace/calls/:callId/leave': { roles: DESK, path: '/api/workspace/calls/00000000-0000-4000-8000-000000000000/leave', body: () => ({}), ok: [404] },
  'PUT /api/workspace/calls/:callId/wrap-up': { roles: DESK, body: () => ({ disposition: 'resolved', notes: 'rbac' }), ok: [404] },
  'GET /api/session/password': { roles: ALL, ok: [200] },
  'POST /api/session/password': { roles: ALL, body: () => ({ current: 'not-the-password', next: 'a-new-password' }), ok: [403] },
};

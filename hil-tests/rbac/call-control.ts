// RBAC matrix rows for live calls: listing, adding/dropping parties (multi-party calls) and
// supervisor listen/whisper/barge (system/api/call-control-routes.ts). The sample call id is
// no live call, so an allowed role gets 404 CC_CALL_NOT_FOUND after the role check.
import { DESK, STAFF, type Cell } from './cells.ts';

const CALL = '/api/calls/00000000-0000-4000-8000-000000000000';

export const CALL_CONTROL: Record<string, Cell> = {
  'GET /api/calls': { roles: STAFF, ok: [200] },
  'POST /api/calls/:id/parties': { roles: DESK, path: `${CALL}/parties`, body: () => ({ number: '1002' }), ok: [404] },
  'DELETE /api/calls/:id/parties/:party': { roles: DESK, path: `${CALL}/parties/p1`, ok: [404] },
  'POST /api/calls/:id/monitor': { roles: STAFF, path: `${CALL}/monitor`, body: () => ({ mode: 'listen', from: '1003' }), ok: [404] },
  'PUT /api/calls/:id/monitor/:monitorId': { roles: STAFF, path: `${CALL}/monitor/m1`, body: () => ({ mode: 'barge' }), ok: [404] },
};

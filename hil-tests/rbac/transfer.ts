// RBAC matrix rows for the workspace's blind and consultative transfers, their target list and the stored consultations
// (system/api/workspace-call-routes.ts, system/calls/workspace-transfer.ts).
import { DESK, type Cell } from './cells.ts';

export const TRANSFER: Record<string, Cell> = {
  'GET /api/workspace/transfer-targets': { roles: DESK, ok: [200] },
  'GET /api/workspace/consultations': { roles: DESK, ok: [200] },
  'POST /api/workspace/calls/:callId/consult': { roles: DESK, path: '/api/workspace/calls/00000000-0000-4000-8000-000000000000/consult', body: () => ({ kind: 'number', target: '2001' }), ok: [404] },
  'POST /api/workspace/calls/:callId/consult/:action': { roles: DESK, path: '/api/workspace/calls/00000000-0000-4000-8000-000000000000/consult/cancel', body: () => ({}), ok: [404] },
  'POST /api/workspace/calls/:callId/blind-transfer': { roles: DESK, path: '/api/workspace/calls/00000000-0000-4000-8000-000000000000/blind-transfer', body: () => ({ kind: 'number', target: '2001' }), ok: [404] },
};

// RBAC matrix rows for recording search, playback and retention.
import { A, DESK, STAFF, type Cell } from './cells.ts';

export const RECORDINGS: Record<string, Cell> = {
  'GET /api/recordings': { roles: DESK, ok: [200] },
  'GET /api/recordings/:callId': { roles: DESK, ok: [404] },
  'GET /api/recordings/:callId/audio': { roles: DESK, ok: [404] },
  'GET /api/recordings/:callId/download': { roles: STAFF, ok: [404] },
  'GET /api/recordings/:callId/peaks': { roles: DESK, ok: [404] },
  'GET /api/recordings/:callId/analytics': { roles: DESK, ok: [404] },
  'GET /api/recordings/:callId/transcript': { roles: DESK, ok: [404] },
  'POST /api/recordings/:callId/transcript': { roles: STAFF, ok: [404] },
  'PUT /api/recordings/:callId/hold': { roles: STAFF, body: () => ({ hold: true, reason: 'rbac' }), ok: [404] },
  'POST /api/recordings/retention/run': { roles: [A], ok: [200] },
};

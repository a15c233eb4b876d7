// RBAC matrix rows for quality scoring (system/qa). Sample paths use a call id with no CDR,
// so scoring, disputing and resolving answer 404 with a QA code to an allowed role.
import { G, DESK, STAFF, type Cell } from './cells.ts';

const CARD = { title: 'Matrix card', sections: [{ id: 's', title: 'S', criteria: [{ id: 'c', kind: 'yes-no', label: 'C', weight: 1 }] }] };

export const QUALITY: Record<string, Cell> = {
  'GET /api/qa/scorecards': { roles: STAFF, ok: [200] },
  'GET /api/qa/scorecards/:name': { roles: STAFF, ok: [200, 404] },
  'GET /api/qa/scorecards/:name/versions': { roles: STAFF, ok: [200, 404] },
  'PUT /api/qa/scorecards/:name': { roles: STAFF, body: () => CARD, ok: [200] },
  'DELETE /api/qa/scorecards/:name': { roles: STAFF, ok: [200, 404] },
  'GET /api/qa/reviews': { roles: STAFF, ok: [200] },
  'POST /api/qa/sampling/run': { roles: STAFF, body: () => ({}), ok: [200] },
  'GET /api/qa/scores/:callId': { roles: DESK, ok: [404] },
  'PUT /api/qa/scores/:callId': { roles: STAFF, body: () => ({ scorecard: 'main', answers: { c: true } }), ok: [404] },
  'GET /api/qa/my-scores': { roles: [G], ok: [200] },
  'POST /api/qa/scores/:callId/dispute': { roles: [G], body: () => ({ reason: 'matrix' }), ok: [404] },
  'POST /api/qa/scores/:callId/resolve': { roles: STAFF, body: () => ({ outcome: 'upheld', note: 'matrix' }), ok: [404] },
  'GET /api/qa/report': { roles: STAFF, ok: [200] },
};

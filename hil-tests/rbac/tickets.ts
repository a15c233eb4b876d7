// RBAC matrix rows for tickets (system/tickets). Sample paths use a ticket id that does not
// exist, so reads and changes answer 404 CC_TICKET_NOT_FOUND to an allowed role; creation
// answers 201 (each call makes a ticket).
import { DESK, STAFF, unique, type Cell } from './cells.ts';

const NONE = '/api/tickets/T-999999';

export const TICKETS: Record<string, Cell> = {
  'GET /api/tickets': { roles: DESK, ok: [200] },
  'GET /api/tickets/options': { roles: DESK, ok: [200] },
  'GET /api/tickets/deliveries': { roles: STAFF, ok: [200] },
  'POST /api/tickets': { roles: DESK, body: (role) => ({ subject: unique(`matrix ${role} `), customer: { number: '13900000001' } }), ok: [201] },
  'GET /api/tickets/:id': { roles: DESK, path: NONE, ok: [404] },
  'PATCH /api/tickets/:id': { roles: DESK, path: NONE, body: () => ({ priority: 'high' }), ok: [404] },
  'PUT /api/tickets/:id/status': { roles: DESK, path: `${NONE}/status`, body: () => ({ state: 'in-progress' }), ok: [404] },
  'POST /api/tickets/:id/comments': { roles: DESK, path: `${NONE}/comments`, body: () => ({ text: 'matrix' }), ok: [404] },
};

// RBAC matrix rows for chats and emails in the ACD (system/interactions, system/api/interaction-routes.ts).
// The visitor's /chat/widget.js and /chat/ws are outside /api/ (open by design: chat-routes.ts).
import { DESK, STAFF, type Cell } from './cells.ts';

const NO_SUCH = '00000000-0000-4000-8000-000000000000';

export const INTERACTIONS: Record<string, Cell> = {
  'GET /api/interactions/mine': { roles: DESK, ok: [200] },
  'GET /api/interactions': { roles: STAFF, ok: [200] },
  'GET /api/interactions/counts': { roles: STAFF, ok: [200] },
  'GET /api/interactions/search': { roles: DESK, path: '/api/interactions/search?q=order', ok: [200] },
  'GET /api/interactions/:id': { roles: DESK, path: `/api/interactions/${NO_SUCH}`, ok: [404] },
  'POST /api/interactions/:id/reply': { roles: DESK, path: `/api/interactions/${NO_SUCH}/reply`, body: () => ({ text: 'hello' }), ok: [404] },
  'POST /api/interactions/:id/:action': { roles: DESK, path: `/api/interactions/${NO_SUCH}/accept`, ok: [404] },
  'GET /api/interactions/events': { roles: DESK },
};

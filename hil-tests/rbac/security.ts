// RBAC matrix rows for the SIP edge defence (bans, allow-list): admin only.
import { A, type Cell } from './cells.ts';

export const SECURITY: Record<string, Cell> = {
  'GET /api/security/bans': { roles: [A], ok: [200] },
  'POST /api/security/bans': { roles: [A], body: () => ({ address: '192.0.2.77', minutes: 1 }), ok: [201] },
  'DELETE /api/security/bans/:kind/:id': { roles: [A], path: '/api/security/bans/source/192.0.2.78', ok: [404] },
  'PUT /api/security/allow-list': { roles: [A], body: () => ({ entries: ['192.0.2.0/28'] }), ok: [200] },
};

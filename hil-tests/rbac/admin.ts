// RBAC matrix rows for the admin pages (configuration, users, import/export).
import type { Cell } from './cells.ts';

export const ADMIN: Record<string, Cell> = {
  'GET /api/config': { roles: ['admin'], ok: [200] },
  'GET /api/config/export': { roles: ['admin'], ok: [200] },
  'GET /api/config/schema': { roles: ['admin'], ok: [200] },
  // A section name that does not exist: allowed callers get 404, nothing changes.
  'PUT /api/config/sections/:section': { roles: ['admin'], path: '/api/config/sections/noSuchSection', body: () => ({ value: 1 }), ok: [404] },
  // An empty object is not a bundle: allowed callers get the plan's problems.
  'POST /api/config/import': { roles: ['admin'], body: () => ({}), ok: [422] },
};

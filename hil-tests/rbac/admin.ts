// RBAC matrix rows for the admin pages (configuration, users, import/export).
import type { Cell } from './cells.ts';

export const ADMIN: Record<string, Cell> = {
  'GET /api/users': { roles: ['admin'], ok: [200] },
  // A user that does not exist: allowed callers get 404, nobody is changed.
  'PATCH /api/users/:username': { roles: ['admin'], path: '/api/users/nobody-here', body: () => ({ disabled: false }), ok: [404] },
  'POST /api/users/:username/password': { roles: ['admin'], path: '/api/users/nobody-here/password', body: () => ({ password: 'long-enough-password' }), ok: [404] },
  'DELETE /api/users/:username': { roles: ['admin'], path: '/api/users/nobody-here', ok: [404] },
  'GET /api/config': { roles: ['admin'], ok: [200] },
  'GET /api/config/export': { roles: ['admin'], ok: [200] },
  'GET /api/config/schema': { roles: ['admin'], ok: [200] },
  // A section name that does not exist: allowed callers get 404, nothing changes.
  'PUT /api/config/sections/:section': { roles: ['admin'], path: '/api/config/sections/noSuchSection', body: () => ({ value: 1 }), ok: [404] },
  // An empty object is not a bundle: allowed callers get the plan's problems.
  'POST /api/config/import': { roles: ['admin'], body: () => ({}), ok: [422] },
};

// RBAC matrix rows for firmware updates (system/api/update-routes.ts). Off the appliance
// image (as in this test) allowed callers get 409 CC_UPDATE_NOT_ON_APPLIANCE.
import type { Cell } from './cells.ts';

export const IMAGE: Record<string, Cell> = {
  'GET /api/updates': { roles: ['admin'], ok: [409] },
  'POST /api/updates': { roles: ['admin'], body: () => ({}), ok: [409, 415] },
  'POST /api/updates/reboot': { roles: ['admin'], body: () => ({}), ok: [409] },
  // Bundles on attached disks: the listing works anywhere; applying a bundle that is not there is 404.
  'GET /api/updates/disk': { roles: ['admin'], ok: [200] },
  'POST /api/updates/disk': { roles: ['admin'], body: () => ({ disk: 'no-such-disk', file: 'none.ccupdate' }), ok: [404] },
};

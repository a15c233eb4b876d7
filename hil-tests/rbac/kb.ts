// RBAC matrix rows for the knowledge base (system/kb). Sample paths use the article id
// 'agent1' (SAMPLE's id), which a writer's PUT creates and DELETE retires, so reads and
// deletes answer 200 or 404 depending on the order the roles run in.
import { DESK, STAFF, type Cell } from './cells.ts';

const ARTICLE = () => ({ title: 'Matrix article', body: 'Matrix body', tags: ['matrix'] });

export const KB: Record<string, Cell> = {
  'GET /api/kb/articles': { roles: DESK, ok: [200] },
  'POST /api/kb/articles': { roles: STAFF, body: ARTICLE, ok: [201] },
  'GET /api/kb/articles/:id': { roles: DESK, ok: [200, 404] },
  'PUT /api/kb/articles/:id': { roles: STAFF, body: ARTICLE, ok: [200] },
  'DELETE /api/kb/articles/:id': { roles: STAFF, ok: [200, 404] },
  'GET /api/kb/articles/:id/versions': { roles: DESK, ok: [200, 404] },
  'GET /api/kb/search': { roles: DESK, path: '/api/kb/search?q=matrix', ok: [200] },
  'GET /api/kb/suggest': { roles: DESK, path: '/api/kb/suggest?queue=q1', ok: [200] },
  'GET /api/kb/articles/:id/attachments/:name': { roles: DESK, ok: [404] },
  'PUT /api/kb/articles/:id/attachments/:name': { roles: STAFF, body: () => ({ type: 'text/plain', data: 'aGVsbG8=' }), ok: [200, 404] },
  'DELETE /api/kb/articles/:id/attachments/:name': { roles: STAFF, ok: [404] },
  'GET /api/kb/import/disks': { roles: STAFF, ok: [200] },
  'POST /api/kb/import': { roles: STAFF, body: () => ({ disk: 'no-such-disk', folder: '' }), ok: [400] },
};

// RBAC matrix rows for reports (system/reports).
import { STAFF, type Cell } from './cells.ts';

export const REPORTS: Record<string, Cell> = {
  'GET /api/reports/queues': { roles: STAFF, ok: [200] },
  'GET /api/reports/queues.csv': { roles: STAFF, ok: [200] },
  'GET /api/reports/agents': { roles: STAFF, ok: [200] },
  'GET /api/reports/agents.csv': { roles: STAFF, ok: [200] },
  'GET /api/reports/speech': { roles: STAFF, ok: [200] },
};

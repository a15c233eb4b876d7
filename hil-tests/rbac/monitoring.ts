// RBAC matrix rows for monitoring, /metrics, alerts, system logs and the technician console.
// /metrics is 'local' here (the test calls from loopback); off the box it needs a bearer
// token (an API token with metrics:read, or an admin's or technician's session), checked by
// system/api/monitoring-routes.ts and tested in hil-tests/monitoring.test.ts.
import { A, T, type Cell } from './cells.ts';

export const MONITORING: Record<string, Cell> = {
  'GET /metrics': { roles: 'local', ok: [200] },
  'GET /api/monitoring': { roles: [A, T], ok: [200] },
  'POST /api/monitoring/readings': { roles: [A, T], body: () => ({ readings: [{ metric: 'cpuTempC', subject: 'rbac-matrix', value: null }] }), ok: [200] },
  'GET /api/logs': { roles: [A, T], ok: [200] },
  'GET /api/console': { roles: [T] },
};

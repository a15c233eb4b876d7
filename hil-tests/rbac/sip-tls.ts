// RBAC matrix rows for the certificate of SIP over TLS: admin only. The PUT sends a body
// that parses but is no certificate, so an admin gets the coded 400 (nothing is replaced).
import { A, type Cell } from './cells.ts';

export const SIP_TLS: Record<string, Cell> = {
  'GET /api/sip/tls': { roles: [A], ok: [200, 404] },
  'PUT /api/sip/tls/certificate': { roles: [A], body: () => ({ certificate: 'x'.repeat(60), key: 'y'.repeat(60) }), ok: [400, 404] },
};

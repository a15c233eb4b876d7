// GET /api/events (WebSocket, token in the query): live agent state changes and queue-log
// rows as JSON messages `{ kind: 'agent' | 'queue', ... }`, sent after they are persisted.
// Agents receive their own state changes and queue rows; other roles receive everything.
// Admins and supervisors also receive the wallboard's deltas `{ kind: 'wallboard', seq, ... }`.
// Admins and technicians receive monitoring alerts as they are raised and cleared `{ kind: 'alert', alert }`.
import type { FastifyInstance } from 'fastify';
import type { Box } from '../box.ts';
import type { AgentRecord } from '../acd/agent-book.ts';
import { ROLES } from './auth.ts';

export function liveEvents(app: FastifyInstance, box: Box): void {
  app.get('/api/events', { websocket: true, config: { roles: ROLES } }, (socket, req) => {
    const session = req.session!;
    const mine = (agent: unknown) => session.role !== 'agent' || agent === session.username;
    const send = (msg: object) => {
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(msg));
    };
    const onAgent = (record: AgentRecord) => mine(record.id) && send({ kind: 'agent', record });
    const onQueue = (event: Record<string, unknown>) => (session.role !== 'agent' || event.agent === undefined || mine(event.agent)) && send({ kind: 'queue', event });
    box.acd.on('agent', onAgent);
    box.acd.on('queueEvent', onQueue);
    const onWallboard = (delta: object) => send(delta);
    const wallboard = session.role === 'admin' || session.role === 'supervisor';
    if (wallboard) box.wallboard.on('delta', onWallboard);
    const offAlert = session.role === 'admin' || session.role === 'technician' ? box.monitoring?.onAlert((alert) => send({ kind: 'alert', alert })) : undefined;
    const offTickets = box.tickets.subscribe(session, send);
    send({ kind: 'hello', username: session.username, role: session.role });
    socket.on('close', () => {
      box.acd.off('agent', onAgent);
      box.acd.off('queueEvent', onQueue);
      if (wallboard) box.wallboard.off('delta', onWallboard);
      offAlert?.();
      offTickets();
    });
  });
}

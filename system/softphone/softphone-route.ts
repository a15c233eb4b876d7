// GET /api/softphone: the WebSocket of an agent's browser softphone (the browser's session
// cookie, or a bearer token in the query as for /api/events; the API's access hook has
// already checked it and the role). Only a configured agent may
// open one; the socket is kept alive by pings (a page that stops answering is dropped, and
// its calls with it). Registered by system/api/server.ts. Imports: api (types), softphone.
import type { FastifyInstance } from 'fastify';
import type { Box } from '../box.ts';
import { SoftphoneErrorCodes } from './errors.ts';
import type { SoftphoneEvent } from './protocol.ts';

/** A page that answers no ping for this long is dropped. */
const PING_MS = 15_000;

export function softphoneRoute(app: FastifyInstance, box: Box): void {
  app.get('/api/softphone', { websocket: true, config: { roles: ['agent'] } }, (socket, req) => {
    const user = req.session!;
    const agent = box.config.agents.find((a) => a.id === user.username);
    if (user.role !== 'agent' || !agent) {
      const closed: SoftphoneEvent = { event: 'closed', data: { code: 'CC_SOFTPHONE_NOT_AN_AGENT', message: SoftphoneErrorCodes.CC_SOFTPHONE_NOT_AN_AGENT } };
      socket.send(JSON.stringify(closed));
      socket.close(4003, 'CC_SOFTPHONE_NOT_AN_AGENT');
      return;
    }
    const session = box.softphones.open(agent.id, req.socket.remoteAddress ?? '', {
      send: (text) => {
        if (socket.readyState === socket.OPEN) socket.send(text);
      },
      close: (code, reason) => socket.close(code, reason),
    });
    let alive = true;
    const ping = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, PING_MS);
    ping.unref();
    socket.on('pong', () => (alive = true));
    socket.on('message', (data: Buffer) => {
      alive = true;
      void session.handle(data);
    });
    socket.on('close', () => {
      clearInterval(ping);
      box.softphones.gone(session);
    });
    const ready: SoftphoneEvent = { event: 'ready', data: { agentId: agent.id, device: agent.device ?? 'phone' } };
    socket.send(JSON.stringify(ready));
  });
}

// Chats and emails for the agent workspace and supervision (system/interactions): an agent's
// own open interactions, accepting / declining an offer, replying, closing, one interaction's
// thread, transcript search (agents: only interactions they took part in), and for admins and
// supervisors every open interaction with the per-channel counts and each agent's load. Live
// changes come on the WebSocket GET /api/interactions/events as `{ kind: 'interaction',
// interaction }` (agents: only theirs). The acting agent is the signed-in user. Schema-first;
// errors answer with their CC_IX_ code (InteractionError carries the status).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import type { Interaction } from '../interactions/interaction-types.ts';
import { InteractionError } from '../interactions/errors.ts';

const IdParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const ActionParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }), action: Type.Union([Type.Literal('accept'), Type.Literal('decline'), Type.Literal('close')]) });
const ReplyBody = Type.Object({ text: Type.String({ minLength: 1, maxLength: 20000 }) }, { additionalProperties: false });
const SearchQuery = Type.Object({ q: Type.String({ minLength: 1, maxLength: 200 }), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) });

const DESK = ['admin', 'supervisor', 'agent'] as const;
const STAFF = ['admin', 'supervisor'] as const;

/** Whether `user` took part in the interaction (is its agent or wrote in it). */
function involved(ix: Interaction, user: string): boolean {
  return ix.agent === user || ix.messages.some((m) => m.agent === user);
}

export function interactionRoutes(app: FastifyInstance, box: Box): void {
  const hub = box.interactions;

  app.get('/api/interactions/mine', { config: { roles: DESK } }, async (req) => ({ interactions: hub.list({ agent: req.session!.username }) }));

  app.get('/api/interactions', { config: { roles: STAFF } }, async () => ({
    interactions: hub.list(),
    counts: hub.counts(),
    agents: hub.agentLoads(),
  }));

  app.get('/api/interactions/counts', { config: { roles: STAFF } }, async () => ({ counts: hub.counts() }));

  app.get('/api/interactions/search', { config: { roles: DESK }, schema: { querystring: SearchQuery } }, async (req) => {
    const { q, limit } = req.query as { q: string; limit?: number };
    const s = req.session!;
    return { interactions: hub.search(q, { agent: s.role === 'agent' ? s.username : undefined, limit }) };
  });

  app.get('/api/interactions/:id', { config: { roles: DESK }, schema: { params: IdParams } }, async (req) => {
    const { id } = req.params as { id: string };
    const ix = hub.get(id);
    const s = req.session!;
    if (!ix) throw new InteractionError('CC_IX_NOT_FOUND', `no interaction ${id}`);
    if (s.role === 'agent' && !involved(ix, s.username)) throw new InteractionError('CC_IX_NOT_YOURS', `interaction ${id} is not yours`);
    return ix;
  });

  app.post('/api/interactions/:id/reply', { config: { roles: DESK }, schema: { params: IdParams, body: ReplyBody } }, async (req) => {
    const { id } = req.params as { id: string };
    const { text } = req.body as { text: string };
    return hub.reply(id, req.session!.username, { text });
  });

  app.post('/api/interactions/:id/:action', { config: { roles: DESK }, schema: { params: ActionParams } }, async (req) => {
    const { id, action } = req.params as { id: string; action: 'accept' | 'decline' | 'close' };
    const user = req.session!.username;
    if (action === 'accept') return hub.accept(id, user);
    if (action === 'decline') return hub.decline(id, user);
    return hub.closeInteraction(id, user);
  });

  app.get('/api/interactions/events', { websocket: true, config: { roles: DESK } }, (socket, req) => {
    const s = req.session!;
    const seen = new Set<string>();
    const onChange = (ix: Interaction) => {
      // Agents get their own, and the change that took one away from them (declined, requeued).
      if (s.role === 'agent') {
        if (ix.agent === s.username) seen.add(ix.id);
        else if (!seen.delete(ix.id)) return;
      }
      if (socket.readyState === socket.OPEN) socket.send(JSON.stringify({ kind: 'interaction', interaction: ix }));
    };
    hub.on('changed', onChange);
    for (const ix of hub.list(s.role === 'agent' ? { agent: s.username } : {})) seen.add(ix.id);
    socket.send(JSON.stringify({ kind: 'hello', username: s.username }));
    socket.on('close', () => hub.off('changed', onChange));
  });
}

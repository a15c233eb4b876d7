// GET /api/history/:number — the previous calls of a phone number (newest first) from the
// CDRs, for the workspace's screen pop and for CRM integrations (API scope history:read).
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { requireRole } from './auth.ts';
import { CallHistoryIndex } from './history-index.ts';

const CallSummary = Type.Object({
  callId: Type.String(),
  direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  other: Type.String(),
  startedAt: Type.Integer(),
  answeredAt: Type.Optional(Type.Integer()),
  endedAt: Type.Integer(),
  durationMs: Type.Integer(),
  talkMs: Type.Integer(),
  disposition: Type.String(),
  hangupCause: Type.Optional(Type.String()),
  queue: Type.Optional(Type.String()),
  agents: Type.Optional(Type.Array(Type.String())),
  ivr: Type.Optional(Type.Object({ flow: Type.String(), path: Type.Array(Type.String()), variables: Type.Optional(Type.Record(Type.String(), Type.String())) })),
  transfers: Type.Optional(Type.Integer()),
  wrapUp: Type.Optional(Type.Object({ disposition: Type.Object({ code: Type.String(), en: Type.String(), zh: Type.String() }), notes: Type.String(), agent: Type.String(), savedAt: Type.Integer() })),
});

export function historyRoutes(app: FastifyInstance, box: Box): void {
  const index = new CallHistoryIndex(box.store);
  void index.start();
  app.addHook('onClose', async () => index.close());
  app.get('/api/history/:number', {
    preHandler: requireRole('admin', 'supervisor', 'agent'),
    schema: {
      summary: 'Previous calls of a number (as caller or callee), newest first',
      params: Type.Object({ number: Type.String({ pattern: '^[0-9*#+]{1,32}$' }) }),
      querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) }, { additionalProperties: false }),
      response: { 200: Type.Array(CallSummary) },
    },
  }, async (req) => {
    const { number } = req.params as { number: string };
    const { limit } = req.query as { limit: number };
    return index.calls(number, limit);
  });
}

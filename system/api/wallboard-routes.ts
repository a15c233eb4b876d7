// The live wallboard over HTTP (admin, supervisor): the snapshot for a page's first paint
// (GET /api/wallboard: the model as of delta `seq`; later deltas come on /api/events as
// `{ kind: 'wallboard', seq, ... }`), and the supervisor's colour thresholds (PUT, stored with
// an event and an audit row, pushed to every open wallboard). Schema-first; coded errors.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { WallboardError } from '../wallboard/errors.ts';
import type { WallboardThresholds } from '../wallboard/wallboard-wire.ts';

const Limit = (max: number) => Type.Object({
  amber: Type.Number({ minimum: 0, maximum: max }),
  red: Type.Number({ minimum: 0, maximum: max }),
}, { additionalProperties: false });

const Thresholds = Type.Object({
  longestWaitSec: Limit(86_400),
  waiting: Limit(10_000),
  serviceLevelPct: Limit(100),
}, { additionalProperties: false });

export function wallboardRoutes(app: FastifyInstance, box: Box): void {
  const staff = { roles: ['admin', 'supervisor'] as const };

  app.get('/api/wallboard', { config: staff }, async () => box.wallboard.snapshot());

  app.put('/api/wallboard/thresholds', { config: staff, schema: { body: Thresholds } }, async (req, reply) => {
    try {
      return await box.wallboard.setThresholds(req.body as WallboardThresholds, req.session!.username, req.ip);
    } catch (err) {
      if (err instanceof WallboardError) return reply.code(400).send({ code: err.code, message: err.message });
      throw err;
    }
  });
}

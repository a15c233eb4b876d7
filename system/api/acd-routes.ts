// Queue and agent operations for the web app and external systems: live queue and agent
// state, agent login/logout/break/ready (an agent acts only on themselves), queue
// membership (admin, supervisor), the queue log (the reports' source), callback requests and
// customer records (VIP priority by caller number). Schema-first; answers carry coded errors.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { AcdError, type AcdErrorCode } from '../acd/errors.ts';
import { agentsLive, queuesLive } from '../acd/live-state.ts';
import { ConfigError } from '../config/load.ts';
import { anyRole, requireRole } from './server.ts';

const AgentId = Type.Object({ id: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' }) });
const AgentAction = Type.Object({
  id: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' }),
  action: Type.Union([Type.Literal('login'), Type.Literal('logout'), Type.Literal('ready'), Type.Literal('break')]),
});
const Membership = Type.Object({
  queues: Type.Array(Type.Object({ queue: Type.String({ maxLength: 32 }), penalty: Type.Integer({ minimum: 0, maximum: 100, default: 0 }) }, { additionalProperties: false }), { maxItems: 50 }),
}, { additionalProperties: false });
const LogQuery = Type.Object({
  after: Type.Optional(Type.Integer({ minimum: 0 })),
  limit: Type.Integer({ minimum: 1, maximum: 5000, default: 500 }),
  queue: Type.Optional(Type.String({ maxLength: 32 })),
});
const CustomerNumber = Type.Object({ number: Type.String({ pattern: '^[0-9*#+]{1,32}$' }) });
const Customer = Type.Object({
  name: Type.Optional(Type.String({ maxLength: 128 })),
  /** Queue priority: higher is served first; 0 is everyone else. */
  priority: Type.Integer({ minimum: 0, maximum: 100, default: 0 }),
  notes: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: false });

const STATUS_OF: Partial<Record<AcdErrorCode, number>> = { CC_ACD_UNKNOWN_AGENT: 404, CC_ACD_UNKNOWN_QUEUE: 404, CC_ACD_FORBIDDEN: 403 };

function acdFailure(reply: FastifyReply, err: unknown) {
  if (err instanceof AcdError) return reply.code(STATUS_OF[err.code] ?? 409).send({ code: err.code, message: err.message });
  if (err instanceof ConfigError) return reply.code(400).send({ code: err.code, message: err.message, problems: err.problems });
  throw err;
}

export function acdRoutes(app: FastifyInstance, box: Box): void {
  const staff = requireRole('admin', 'supervisor');
  const desk = requireRole('admin', 'supervisor', 'agent');

  app.get('/api/acd/queues', { preHandler: anyRole() }, async () => queuesLive(box.acd, box.config));

  app.get('/api/acd/agents', { preHandler: anyRole() }, async (req) => {
    const all = agentsLive(box.acd, box.config).map((a) => ({ ...a, registered: box.registrar.lookup(a.extension).length > 0 }));
    return req.session!.role === 'agent' ? all.filter((a) => a.id === req.session!.username) : all;
  });

  // The body is optional ({ reason } for a break), so it is checked here rather than by a schema.
  // Technicians do not take calls; an agent acts only on themselves.
  app.post('/api/acd/agents/:id/:action', { schema: { params: AgentAction }, preHandler: desk }, async (req, reply) => {
    const { id, action } = req.params as { id: string; action: 'login' | 'logout' | 'ready' | 'break' };
    const s = req.session!;
    if (s.role === 'agent' && s.username !== id) return acdFailure(reply, new AcdError('CC_ACD_FORBIDDEN', 'an agent may only change their own state'));
    try {
      const reason = (req.body as { reason?: unknown } | undefined)?.reason;
      return await box.acd.agents.request(id, action, typeof reason === 'string' ? reason : undefined);
    } catch (err) {
      return acdFailure(reply, err);
    }
  });

  app.put('/api/acd/agents/:id/queues', { schema: { params: AgentId, body: Membership }, preHandler: staff }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const { queues } = req.body as { queues: { queue: string; penalty: number }[] };
    if (!box.config.agents.some((a) => a.id === id)) return acdFailure(reply, new AcdError('CC_ACD_UNKNOWN_AGENT', `no agent ${id}`));
    try {
      const cfg = await box.updateConfig((doc) => {
        const agents = (doc.agents ?? []) as { id: string; queues?: unknown }[];
        const agent = agents.find((a) => a.id === id);
        if (agent) agent.queues = queues;
      }, req.session!.username);
      await box.store.transaction(() => box.store.appendQueueEvent('agent-membership', { agent: id, queues, by: req.session!.username }));
      return cfg.agents.find((a) => a.id === id);
    } catch (err) {
      return acdFailure(reply, err);
    }
  });

  app.get('/api/acd/log', { schema: { querystring: LogQuery }, preHandler: staff }, async (req) => {
    const { after, limit, queue } = req.query as { after?: number; limit: number; queue?: string };
    const rows: unknown[] = [];
    for (const { value } of box.store.tables.queueLog.getRange({ start: [after ?? 0, 0] })) {
      const row = value as { at: number; queue?: string };
      if (after !== undefined && row.at <= after) continue;
      if (queue && row.queue !== queue) continue;
      rows.push(row);
      if (rows.length >= limit) break;
    }
    return rows;
  });

  app.get('/api/acd/callbacks', { preHandler: staff }, async () => [...box.store.tables.callbacks.getRange({ reverse: true, limit: 1000 })].map((r) => r.value));

  app.get('/api/customers/:number', { schema: { params: CustomerNumber }, preHandler: desk }, async (req, reply) => {
    const { number } = req.params as { number: string };
    const c = box.store.tables.customers.get(number);
    return c ?? reply.code(404).send({ code: 'CC_API_NOT_FOUND', message: `no customer ${number}` });
  });

  // Agents create and edit records from the screen pop; the queue priority (VIP) stays a supervisor's decision.
  app.put('/api/customers/:number', { schema: { params: CustomerNumber, body: Customer }, preHandler: desk }, async (req, reply) => {
    const { number } = req.params as { number: string };
    const stored = box.store.tables.customers.get(number) as { priority?: number } | undefined;
    if (req.session!.role === 'agent' && (req.body as { priority: number }).priority !== (stored?.priority ?? 0)) {
      return reply.code(403).send({ code: 'CC_API_FORBIDDEN', message: 'only a supervisor or admin changes a customer\'s priority' });
    }
    const row = { number, ...(req.body as object), updatedAt: Date.now(), updatedBy: req.session!.username };
    await box.store.transaction(() => {
      box.store.tables.customers.put(number, row);
      box.store.appendEvent('customer-updated', { number, by: req.session!.username });
    });
    return row;
  });
}

// What the browser workspace needs beyond the queue/agent routes: the signed-in user's agent
// (extension, queues, the configured break reasons, its state record) and the call ringing
// or connected to them (caller number, queue, when the caller entered, rang, was connected),
// read when the live events say the agent's call changed. Times are the box's clock; the
// answer carries `serverTime` so the page can correct its own.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { requireRole } from './auth.ts';

const CurrentCall = Type.Object({
  callId: Type.String(),
  state: Type.Union([Type.Literal('ringing'), Type.Literal('connected')]),
  caller: Type.String(),
  callerUri: Type.Optional(Type.String()),
  dialled: Type.Optional(Type.String()),
  queue: Type.String(),
  queueName: Type.Optional(Type.String()),
  enteredAt: Type.Integer(),
  ringingSince: Type.Optional(Type.Integer()),
  connectedAt: Type.Optional(Type.Integer()),
  priority: Type.Integer(),
  ivr: Type.Optional(Type.Object({ flow: Type.String(), path: Type.Array(Type.String()), variables: Type.Optional(Type.Record(Type.String(), Type.String())) })),
});

export function webRoutes(app: FastifyInstance, box: Box): void {
  const deskRoles = requireRole('admin', 'supervisor', 'agent');

  app.get('/api/workspace', {
    preHandler: requireRole('admin', 'supervisor', 'agent', 'technician'),
    schema: { summary: 'The signed-in user\'s desk: agent configuration and state, break reasons, server time' },
  }, async (req) => {
    const s = req.session!;
    const cfg = box.config.agents.find((a) => a.id === s.username);
    const record = cfg ? box.acd.agents.get(cfg.id) : undefined;
    return {
      username: s.username,
      role: s.role,
      agent: cfg ? { id: cfg.id, name: cfg.name, extension: cfg.extension, device: cfg.device ?? 'phone', queues: cfg.queues } : null,
      record: record ?? null,
      breakReasons: box.config.acd.breakReasons,
      queues: box.config.queues.map((q) => ({ name: q.name, displayName: q.displayName })),
      serverTime: Date.now(),
    };
  });

  app.get('/api/workspace/call', {
    preHandler: deskRoles,
    schema: { summary: 'The queue call ringing or connected to the signed-in agent', response: { 200: Type.Object({ call: Type.Union([CurrentCall, Type.Null()]), serverTime: Type.Integer() }) } },
  }, async (req) => {
    const rec = box.acd.agents.get(req.session!.username);
    const w = rec?.callId ? box.acd.waiters.get(rec.callId) : undefined;
    if (!rec || !w || (rec.state !== 'ringing' && rec.state !== 'on-call')) return { call: null, serverTime: Date.now() };
    const { caller } = w.call.parties;
    const ivr = w.call.tags.ivr;
    return {
      call: {
        callId: w.call.id,
        state: rec.state === 'on-call' ? 'connected' : 'ringing',
        caller: caller.number,
        callerUri: caller.uri,
        queue: w.queue,
        queueName: box.config.queues.find((q) => q.name === w.queue)?.displayName,
        enteredAt: w.enteredAt,
        ...(w.ringing ? { ringingSince: w.ringing.startedAt } : rec.state === 'ringing' ? { ringingSince: rec.since } : {}),
        ...(w.connectedAt && w.agent === rec.id ? { connectedAt: w.connectedAt } : {}),
        priority: w.priority,
        ...(ivr ? { ivr: { flow: ivr.flow, path: ivr.path, variables: ivr.variables } } : {}),
      },
      serverTime: Date.now(),
    };
  });
}

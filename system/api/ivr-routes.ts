// IVR flows, business hours and recorded messages for the web app and external systems:
// validate a flow document (every problem with the JSON path of the offending field), publish
// it as a new version (warnings such as unreachable nodes come back with it), read versions;
// the schema the editor builds forms from (speech marked experimental, with the measured
// accuracy's source); schedules and the time zone (changed through box.updateConfig, so the
// whole configuration is validated and audited like any other change) and what a schedule says
// at a given instant; a live call's IVR data for the agent's screen pop; recorded messages.
import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { ConfigError } from '../config/load.ts';
import { ScheduleSchema } from '../config/schema.ts';
import { FlowSchema, NODE_SCHEMAS } from '../ivr/flow-schema.ts';
import { validateFlow } from '../ivr/flow-validate.ts';
import { scheduleDecision } from '../ivr/business-hours.ts';
import type { IvrErrorCode } from '../ivr/errors.ts';
import { requireRole } from './server.ts';

const FlowName = Type.Object({ name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }) });
const FlowVersion = Type.Object({ name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }), version: Type.Integer({ minimum: 1 }) });
const CallId = Type.Object({ callId: Type.String({ minLength: 1, maxLength: 64 }) });
const MessageId = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const ScheduleBody = Type.Omit(ScheduleSchema, ['name'], { additionalProperties: false });
const StateQuery = Type.Object({ at: Type.Optional(Type.String({ maxLength: 40 })) });
const MessagesQuery = Type.Object({ mailbox: Type.Optional(Type.String({ maxLength: 32 })), limit: Type.Integer({ minimum: 1, maximum: 1000, default: 200 }) });

/** Where the measured speech accuracy comes from (the UI shows it next to the speech node). */
const SPEECH_NOTE = 'Experimental: an offline recogniser (pocketsphinx, 16 kHz model) on 8 kHz telephone audio; measured keyword accuracy is below the 90 % target (npm run bench:speech). Give every speech node DTMF choices and a DTMF fallback.';

function noFlow(reply: FastifyReply, name: string) {
  return reply.code(404).send({ code: 'CC_IVR_NO_FLOW' satisfies IvrErrorCode, message: `no published IVR flow ${name}` });
}

function configFailure(reply: FastifyReply, err: unknown) {
  if (err instanceof ConfigError) return reply.code(400).send({ code: err.code, message: err.message, problems: err.problems });
  throw err;
}

export function ivrRoutes(app: FastifyInstance, box: Box): void {
  const editors = requireRole('admin', 'supervisor');
  const readers = requireRole('admin', 'supervisor', 'technician');
  const anyone = requireRole('admin', 'supervisor', 'technician', 'agent');

  app.get('/api/ivr/schema', { preHandler: anyone }, async () => ({
    flow: FlowSchema,
    nodeTypes: Object.fromEntries(Object.entries(NODE_SCHEMAS).map(([type, s]) => [type, { description: s.description, experimental: type === 'speech', schema: s }])),
    speech: { experimental: true, engine: box.ivr.context().speechWord ? 'pocketsphinx-en-us' : null, note: SPEECH_NOTE },
  }));

  // The body is any JSON: validateFlow answers with paths (a schema here would answer first, less precisely).
  app.post('/api/ivr/flows/validate', { preHandler: editors }, async (req) => {
    const check = validateFlow(req.body, box.ivr.context());
    return check.ok ? { ok: true, warnings: check.warnings } : { ok: false, errors: check.errors, warnings: check.warnings };
  });

  app.post('/api/ivr/flows', { preHandler: editors }, async (req, reply) => {
    const check = validateFlow(req.body, box.ivr.context());
    if (!check.ok) return reply.code(400).send({ code: 'CC_IVR_FLOW_INVALID' satisfies IvrErrorCode, message: `the flow has ${check.errors.length} problem(s); first: ${check.errors[0].path || '/'} ${check.errors[0].message}`, errors: check.errors, warnings: check.warnings });
    const published = await box.ivr.flows.publish(check.flow, req.session?.username ?? 'api');
    return reply.code(201).send({ name: published.name, version: published.version, publishedAt: published.publishedAt, warnings: check.warnings });
  });

  app.get('/api/ivr/flows', { preHandler: readers }, async () => box.ivr.flows.list());

  app.get('/api/ivr/flows/:name', { schema: { params: FlowName }, preHandler: readers }, async (req, reply) => {
    const { name } = req.params as { name: string };
    return box.ivr.flows.latest(name) ?? noFlow(reply, name);
  });

  app.get('/api/ivr/flows/:name/versions', { schema: { params: FlowName }, preHandler: readers }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const list = box.ivr.flows.versions(name);
    return list.length ? list : noFlow(reply, name);
  });

  app.get('/api/ivr/flows/:name/versions/:version', { schema: { params: FlowVersion }, preHandler: readers }, async (req, reply) => {
    const { name, version } = req.params as { name: string; version: number };
    return box.ivr.flows.get(name, version) ?? noFlow(reply, `${name} version ${version}`);
  });

  // Screen pop: the flow, path and variables of a call (live), for whoever takes or watches it.
  app.get('/api/ivr/calls/:callId', { schema: { params: CallId }, preHandler: anyone }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    const call = box.calls.calls.get(callId);
    if (!call?.tags.ivr) return reply.code(404).send({ code: 'CC_API_NOT_FOUND', message: `no live call ${callId} that went through an IVR flow` });
    return { callId, caller: call.parties.caller.number, dialled: call.dialled, queue: call.tags.queue, ivr: call.tags.ivr };
  });

  // ---- business hours and holidays ----

  app.get('/api/ivr/schedules', { preHandler: readers }, async () => ({ timeZone: box.config.timeZone ?? 'UTC', schedules: box.config.schedules ?? [] }));

  app.put('/api/ivr/schedules/:name', { schema: { params: FlowName, body: ScheduleBody }, preHandler: editors }, async (req, reply) => {
    const { name } = req.params as { name: string };
    try {
      const cfg = await box.updateConfig((doc) => {
        const list = ((doc.schedules ?? []) as { name: string }[]).filter((s) => s.name !== name);
        doc.schedules = [...list, { ...(req.body as object), name }];
      }, req.session?.username ?? 'api');
      return cfg.schedules?.find((s) => s.name === name);
    } catch (err) {
      return configFailure(reply, err);
    }
  });

  app.delete('/api/ivr/schedules/:name', { schema: { params: FlowName }, preHandler: editors }, async (req, reply) => {
    const { name } = req.params as { name: string };
    if (!box.config.schedules?.some((s) => s.name === name)) return reply.code(404).send({ code: 'CC_API_NOT_FOUND', message: `no schedule ${name}` });
    try {
      await box.updateConfig((doc) => {
        doc.schedules = ((doc.schedules ?? []) as { name: string }[]).filter((s) => s.name !== name);
      }, req.session?.username ?? 'api');
      return { ok: true };
    } catch (err) {
      return configFailure(reply, err);
    }
  });

  app.put('/api/ivr/time-zone', { schema: { body: Type.Object({ timeZone: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }) }, preHandler: requireRole('admin') }, async (req, reply) => {
    const { timeZone } = req.body as { timeZone: string };
    try {
      const cfg = await box.updateConfig((doc) => {
        doc.timeZone = timeZone;
      }, req.session?.username ?? 'api');
      return { timeZone: cfg.timeZone };
    } catch (err) {
      return configFailure(reply, err);
    }
  });

  /** What a schedule says now, or at `?at=` (an ISO date-time): for checking holidays and DST changes. */
  app.get('/api/ivr/schedules/:name/state', { schema: { params: FlowName, querystring: StateQuery }, preHandler: readers }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const { at } = req.query as { at?: string };
    const schedule = box.config.schedules?.find((s) => s.name === name);
    if (!schedule) return reply.code(404).send({ code: 'CC_API_NOT_FOUND', message: `no schedule ${name}` });
    const instant = at === undefined ? Date.now() : Date.parse(at);
    if (Number.isNaN(instant)) return reply.code(400).send({ code: 'CC_API_BAD_REQUEST', message: `at: not a date-time: ${at}` });
    return { schedule: name, at: new Date(instant).toISOString(), timeZone: box.config.timeZone ?? 'UTC', ...scheduleDecision(schedule, instant, box.config.timeZone ?? 'UTC') };
  });

  // ---- recorded messages ----

  app.get('/api/ivr/messages', { schema: { querystring: MessagesQuery }, preHandler: editors }, async (req) => {
    const { mailbox, limit } = req.query as { mailbox?: string; limit: number };
    return box.ivr.messages.list({ mailbox, limit });
  });

  app.get('/api/ivr/messages/:id/audio', { schema: { params: MessageId }, preHandler: editors }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const row = box.ivr.messages.get(id);
    if (!row) return reply.code(404).send({ code: 'CC_API_NOT_FOUND', message: `no message ${id}` });
    return reply.type('audio/wav').send(createReadStream(row.file));
  });
}

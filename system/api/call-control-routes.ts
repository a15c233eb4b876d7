// Live calls over HTTP: list them, grow one into a multi-party call, and let a supervisor
// listen, whisper or barge (system/calls/call-party-mix.ts does the work; every add, drop and
// monitor action is audit-logged here). Schema-first; answers carry coded errors.
//
// Shapes (for the workspace and wallboard pages):
//   CallMember = { id, role: 'caller'|'callee'|'party'|'monitor', party: { kind: 'trunk'|'extension',
//     id, number, uri }, state: 'ringing'|'talking'|'left', mode?: 'listen'|'whisper'|'barge',
//     modes?: [{ mode, at }], joinedAt?, leftAt?, by? }            (times: ms since the epoch)
//   GET  /api/calls                        admin, supervisor
//     200 [{ id, state, startedAt, answeredAt?, queue?, agents: string[], mixed: boolean,
//            caller: party, callee?: party, parties: CallMember[], quality? }]   (parties: everyone now
//            and earlier in the mix; before mixing, the caller and callee as 'talking';
//            quality: the latest live reading of what the box receives on each leg, taken every
//            few seconds once answered: { at, caller: LegLive, callee?: LegLive } with
//            LegLive = { packetsReceived, lossPct, jitterMs, mos })
//   POST /api/calls/:id/parties { number } or { agent }   admin, supervisor, or an agent on that call
//     rings `number` as the call's extension would dial it (an extension, a queue's or outside
//     number through the dial plan: queues, rooms and IVR numbers answer 409 as for transfers),
//     or the agent's extension (its desk phone), and answers once settled: 201 CallMember
//     (talking), or 400/404/408/409 { code, message }. It waits for the answer (up to the
//     calls' no-answer timeout).
//   DELETE /api/calls/:id/parties/:party   same roles: 200 CallMember (left); 409
//     CC_CALL_PARTY_LAST_TWO when only two parties are left (hang up instead)
//   POST /api/calls/:id/monitor { mode: 'listen'|'whisper'|'barge', from: extension | 'browser' }
//     admin, supervisor: rings the supervisor's extension, 201 CallMember (role 'monitor'; its
//     id is the monitorId). 'browser' answers 501 CC_CALL_MONITOR_BROWSER (not built yet).
//   PUT  /api/calls/:id/monitor/:monitorId { mode }  admin, supervisor: 200 CallMember
// Errors: 404 CC_CALL_NOT_FOUND (no such live call), 403 CC_CALL_NOT_YOUR_CALL (an agent not
// on the call), and the CC_CALL_PARTY_* codes of system/calls/errors.ts.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import type { Call, LiveQuality } from '../calls/call.ts';
import { CallPartyError, type CallMember, type MonitorMode } from '../calls/call-party-mix.ts';
import { recordAudit } from '../audit/audit-log.ts';

const STAFF = ['admin', 'supervisor'] as const;
const DESK = ['admin', 'supervisor', 'agent'] as const;

const CallId = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const PartyParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }), party: Type.String({ pattern: '^[a-z0-9]{1,16}$' }) });
const MonitorParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-f-]{36}$' }), monitorId: Type.String({ pattern: '^m[0-9]{1,6}$' }) });
const Mode = Type.Union([Type.Literal('listen'), Type.Literal('whisper'), Type.Literal('barge')]);
const AddParty = Type.Union([
  Type.Object({ number: Type.String({ pattern: '^[0-9*#+]{1,32}$' }) }, { additionalProperties: false }),
  Type.Object({ agent: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' }) }, { additionalProperties: false }),
]);
const Monitor = Type.Object({ mode: Mode, from: Type.String({ pattern: '^([0-9]{2,10}|browser)$' }) }, { additionalProperties: false });
const ModeBody = Type.Object({ mode: Mode }, { additionalProperties: false });

/** What GET /api/calls shows of one live call. */
export function liveCall(call: Call): Record<string, unknown> {
  const { caller, callee } = call.parties;
  const mixed = call.partyMixIfAny?.mixing ?? false;
  const members: CallMember[] = call.partyMixIfAny?.list().filter((m) => m.joinedAt !== undefined || m.state === 'ringing') ?? [];
  const parties = members.some((m) => m.role === 'caller')
    ? members
    : [{ id: 'caller', role: 'caller', party: caller, state: 'talking' } as CallMember, ...(callee && call.hasCallee ? [{ id: 'callee', role: 'callee', party: callee, state: 'talking' } as CallMember] : []), ...members];
  const q = call.liveQuality;
  const quality = q && { at: q.at, caller: legLive(q.caller), ...(q.callee ? { callee: legLive(q.callee) } : {}) };
  return { id: call.id, state: call.state, startedAt: call.startedAt, ...(call.answeredAtMs ? { answeredAt: call.answeredAtMs } : {}), ...(call.tags.queue ? { queue: call.tags.queue } : {}), agents: [...call.tags.agents], mixed, caller, ...(callee ? { callee } : {}), parties, ...(quality ? { quality } : {}) };
}

/** What a live listing shows of a leg's receive quality (rounded to what a person reads). */
function legLive(q: LiveQuality['caller']): { packetsReceived: number; lossPct: number; jitterMs: number; mos: number } {
  return { packetsReceived: q.packetsReceived, lossPct: Math.round(q.lossRate * 10_000) / 100, jitterMs: Math.round(q.jitterMs * 100) / 100, mos: q.mos };
}

export function callControlRoutes(app: FastifyInstance, box: Box): void {
  const fail = (reply: FastifyReply, status: number, code: string, message: string) => reply.code(status).send({ code, message });

  /** The live call, or an answer already sent (404, or 403 for an agent who is not on it). */
  const callFor = (req: FastifyRequest, reply: FastifyReply): Call | undefined => {
    const call = box.calls.calls.get((req.params as { id: string }).id);
    if (!call || call.state === 'ending' || call.state === 'ended') {
      void fail(reply, 404, 'CC_CALL_NOT_FOUND', 'no such live call');
      return undefined;
    }
    const s = req.session!;
    if (s.role === 'agent') {
      const ext = box.config.agents.find((a) => a.id === s.username)?.extension;
      const { caller, callee } = call.parties;
      const onCall = call.tags.agents.includes(s.username) || (ext !== undefined && [caller, callee].some((p) => p?.kind === 'extension' && p.id === ext));
      if (!onCall) {
        void fail(reply, 403, 'CC_CALL_NOT_YOUR_CALL', 'an agent may only add or drop parties on their own call');
        return undefined;
      }
    }
    return call;
  };

  const audit = (req: FastifyRequest, action: string, call: Call, outcome: 'ok' | 'failed', detail: Record<string, unknown>) =>
    recordAudit(box.store, { actor: req.session!.username, action, outcome, target: call.id, source: req.ip, detail });

  /** Run a party-mix action, audit it either way, and answer with the member or the coded error. */
  const act = async (req: FastifyRequest, reply: FastifyReply, call: Call, action: string, detail: Record<string, unknown>, status: number, fn: () => Promise<CallMember>) => {
    try {
      const member = await fn();
      await audit(req, action, call, 'ok', { ...detail, member: member.id, party: member.party.number, ...(member.mode ? { mode: member.mode } : {}) });
      return reply.code(status).send(member);
    } catch (err) {
      if (!(err instanceof CallPartyError)) throw err;
      await audit(req, action, call, 'failed', { ...detail, code: err.code });
      return fail(reply, err.status, err.code, err.message);
    }
  };

  app.get('/api/calls', { config: { roles: STAFF } }, async () => [...box.calls.calls.values()].filter((c) => c.state !== 'ending' && c.state !== 'ended').map(liveCall));

  app.post('/api/calls/:id/parties', { config: { roles: DESK }, schema: { params: CallId, body: AddParty } }, async (req, reply) => {
    const call = callFor(req, reply);
    if (!call) return reply;
    const body = req.body as { number: string } | { agent: string };
    const number = 'number' in body ? body.number : box.config.agents.find((a) => a.id === body.agent)?.extension;
    if (number === undefined) return fail(reply, 404, 'CC_CALL_PARTY_UNKNOWN', `no agent ${(body as { agent: string }).agent}`);
    return act(req, reply, call, 'call-party-add', { ...body, number }, 201, () => call.partyMix.addParty(number, req.session!.username));
  });

  app.delete('/api/calls/:id/parties/:party', { config: { roles: DESK }, schema: { params: PartyParams } }, async (req, reply) => {
    const call = callFor(req, reply);
    if (!call) return reply;
    const { party } = req.params as { party: string };
    return act(req, reply, call, 'call-party-remove', { member: party }, 200, () => call.partyMix.remove(party));
  });

  app.post('/api/calls/:id/monitor', { config: { roles: STAFF }, schema: { params: CallId, body: Monitor } }, async (req, reply) => {
    const call = callFor(req, reply);
    if (!call) return reply;
    const { mode, from } = req.body as { mode: MonitorMode; from: string };
    if (from === 'browser') {
      await audit(req, 'call-monitor', call, 'failed', { mode, from, code: 'CC_CALL_MONITOR_BROWSER' });
      return fail(reply, 501, 'CC_CALL_MONITOR_BROWSER', 'monitoring from the browser is not built yet: give the supervisor\'s extension');
    }
    return act(req, reply, call, 'call-monitor', { mode, from }, 201, () => call.partyMix.monitor(from, mode, req.session!.username));
  });

  app.put('/api/calls/:id/monitor/:monitorId', { config: { roles: STAFF }, schema: { params: MonitorParams, body: ModeBody } }, async (req, reply) => {
    const call = callFor(req, reply);
    if (!call) return reply;
    const { monitorId } = req.params as { monitorId: string };
    const { mode } = req.body as { mode: MonitorMode };
    return act(req, reply, call, 'call-monitor-mode', { member: monitorId, mode }, 200, () => call.partyMix.setMode(monitorId, mode));
  });
}

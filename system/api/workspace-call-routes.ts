// The workspace's actions on a call the agent takes or took: click-to-dial for desk-phone agents
// (the phone is asked to call the number) and dial-out from the browser softphone (the box places
// the call, the page's WebRTC leg calling; calls/browser-dial.ts), the quick-dial list, transfer to a
// number (it rings as a party of the call; the agent leaves once it answers), leaving a
// multi-party call to the others (the hand-over after adding a party), the dispositions to choose from
// (the call's queue's list, else the box-wide one, else built in; both languages) and the
// wrap-up itself (disposition and notes, saved in LMDB with an event before the answer; with
// `ready` the agent's wrap-up time ends at once). An agent acts only on a call they are on or
// took (the live agent record, else the CDR's agents); admins and supervisors on any call
// that exists. Blind transfer of a queue call to a number, an agent or a queue (the agent leaves
// at once; calls/workspace-transfer.ts), consultative transfer (consult, then complete, cancel
// or conference; calls/workspace-consult.ts; the consultations the agent takes part in, as
// stored, for a reloaded page) and the list of agents and queues to transfer to. Schema-first; answers carry coded errors. Imports: wrapup, acd (via the box).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Box } from '../box.ts';
import { AcdError } from '../acd/errors.ts';
import { dispositionsFor } from '../wrapup/dispositions.ts';
import { readWrapUp, saveWrapUp } from '../wrapup/wrap-up-book.ts';
import { WrapUpError } from '../wrapup/errors.ts';
import type { Call } from '../calls/call.ts';
import { CallPartyError } from '../calls/call-party-mix.ts';
import { recordAudit } from '../audit/audit-log.ts';
import { sendClickToDial } from '../workspace/click-to-dial.ts';
import { browserDial, DialError, type BrowserDialDeps } from '../calls/browser-dial.ts';
import { WorkspaceErrorCodes, type WorkspaceErrorCode } from '../workspace/errors.ts';
import { blindTransfer, TransferError, type TransferAcd, type TransferTarget } from '../calls/workspace-transfer.ts';
import { Consultations, type ConsultAction } from '../calls/workspace-consult.ts';
import { consultsOf } from '../calls/consult-book.ts';

const Disposition = Type.Object({ code: Type.String(), en: Type.String(), zh: Type.String() });
const WrapUp = Type.Object({
  callId: Type.String(),
  agent: Type.String(),
  queue: Type.Optional(Type.String()),
  disposition: Disposition,
  notes: Type.String(),
  createdAt: Type.Integer(),
  savedAt: Type.Integer(),
  savedBy: Type.String(),
});
const LiveCallParams = Type.Object({ callId: Type.String({ pattern: '^[0-9a-f-]{36}$' }) });
const CallParams = Type.Object({ callId: Type.String({ pattern: '^[a-zA-Z0-9_.:@-]{1,128}$' }) });
const WrapUpBody = Type.Object({
  disposition: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }),
  notes: Type.String({ maxLength: 4000, default: '' }),
  /** End the agent's wrap-up now (the agent is available again, or goes where they asked). */
  ready: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
const ErrorReply = Type.Object({ code: Type.String(), message: Type.String() });

/** Whose call `callId` is, and its queue: from the live agent records, else its CDR. Every
 *  agent on it or done with it counts (a consultation has two agents on one call, and the
 *  consulting one wraps up while the consulted one still talks). */
export function callOwner(box: Box, callId: string): { agents: string[]; queue?: string } | undefined {
  const all = [...box.acd.agents.all()];
  const live = all.filter((rec) => rec.callId === callId && rec.state === 'on-call');
  const done = all.filter((rec) => rec.lastCallId === callId && !live.includes(rec));
  const cdr = box.store.tables.cdr.get(callId) as { agents?: string[]; queue?: string } | undefined;
  if (live.length || done.length) {
    const wrapping = done.find((rec) => rec.state === 'wrap-up' && rec.queue);
    const queue = live[0]?.queue ?? wrapping?.queue ?? cdr?.queue;
    return { agents: [...new Set([...done.map((r) => r.id), ...(cdr?.agents ?? []), ...live.map((r) => r.id)])], ...(queue ? { queue } : {}) };
  }
  if (cdr) return { agents: cdr.agents ?? [], ...(cdr.queue ? { queue: cdr.queue } : {}) };
  return undefined;
}

function failure(reply: FastifyReply, err: unknown) {
  if (err instanceof WrapUpError) return reply.code(err.code === 'CC_WRAPUP_NO_SUCH_CALL' ? 404 : 400).send({ code: err.code, message: err.message });
  if (err instanceof AcdError) return reply.code(409).send({ code: err.code, message: err.message });
  throw err;
}

export function workspaceCallRoutes(app: FastifyInstance, box: Box): void {
  const desk = ['admin', 'supervisor', 'agent'] as const;

  /** The call and the agent it is wrapped up for, if this user may. */
  const owned = (callId: string, user: { username: string; role: string }) => {
    const owner = callOwner(box, callId);
    if (!owner || (user.role === 'agent' && !owner.agents.includes(user.username))) {
      throw new WrapUpError('CC_WRAPUP_NO_SUCH_CALL', `no call ${callId} for ${user.username} to wrap up`);
    }
    const agent = user.role === 'agent' ? user.username : owner.agents.at(-1) ?? user.username;
    return { agent, queue: owner.queue };
  };

  app.get('/api/workspace/dispositions', {
    config: { roles: desk },
    schema: {
      summary: 'The wrap-up dispositions for a queue\'s calls (its own list, else the box-wide list), in both languages',
      querystring: Type.Object({ queue: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ dispositions: Type.Array(Disposition) }) },
    },
  }, async (req) => {
    const { queue } = req.query as { queue?: string };
    return { dispositions: dispositionsFor(box.config.workspace, queue) };
  });

  app.get('/api/workspace/quick-dial', {
    config: { roles: desk },
    schema: {
      summary: 'The configured quick-dial numbers of the workspace (for adding a party to a call)',
      response: { 200: Type.Object({ numbers: Type.Array(Type.Object({ number: Type.String(), label: Type.String() })) }) },
    },
  }, async () => ({ numbers: box.config.workspace?.quickDial ?? [] }));

  /** The signed-in agent's talking member on a live call (once the call is mixed). */
  const myMember = (call: Call, extension: string) => (call.partyMixIfAny?.list() ?? [])
    .find((m) => (m.role === 'caller' || m.role === 'callee') && m.state === 'talking' && m.party.kind === 'extension' && m.party.id === extension);

  app.post('/api/workspace/calls/:callId/transfer', {
    config: { roles: desk },
    schema: {
      summary: 'Transfer the signed-in agent\'s call to a number (extension, or out through the dial plan): it rings, and once it answers the agent leaves the call; if it fails the call goes on as before',
      params: LiveCallParams,
      body: Type.Object({ number: Type.String({ pattern: '^[0-9*#+]{1,32}$' }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ to: Type.String(), talking: Type.Array(Type.String()) }), 404: ErrorReply, 409: ErrorReply },
    },
  }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    const { number } = req.body as { number: string };
    const user = req.session!;
    const extension = box.config.agents.find((a) => a.id === user.username)?.extension;
    const call = box.calls.calls.get(callId);
    const { caller, callee } = call?.parties ?? {};
    const onCall = !!extension && [caller, callee].some((p) => p?.kind === 'extension' && p.id === extension);
    if (!call || call.state !== 'answered' || !onCall) return reply.code(404).send({ code: 'CC_CALL_NOT_FOUND', message: `no live call ${callId} with ${user.username} on it` });
    try {
      const added = await call.partyMix.addParty(number, user.username);
      const mine = myMember(call, extension);
      if (mine) await call.partyMix.remove(mine.id);
      await recordAudit(box.store, { actor: user.username, action: 'call-transfer', outcome: 'ok', target: callId, source: req.ip, detail: { to: added.party.number } });
      const talking = (call.partyMixIfAny?.list() ?? []).filter((m) => m.state === 'talking' && m.role !== 'monitor').map((m) => m.party.number);
      return { to: added.party.number, talking };
    } catch (err) {
      if (!(err instanceof CallPartyError)) throw err;
      await recordAudit(box.store, { actor: user.username, action: 'call-transfer', outcome: 'failed', target: callId, source: req.ip, detail: { to: number, code: err.code } });
      return reply.code(409).send({ code: err.code, message: err.message });
    }
  });

  /** The ACD as a workspace transfer drives it: target agents ring, talk and wrap up like queue calls. */
  const transferAcd: TransferAcd = {
    admit: (queue) => box.acd.admit(queue),
    take: (call, queue) => box.acd.take(call, queue),
    agentState: (agent) => box.acd.agents.get(agent)?.state,
    ringing: async (agent, call) => void await box.acd.agents.transition(agent, 'ringing', { cause: 'transfer', callId: call.id, queue: call.tags.queue }),
    answered: async (agent, call) => {
      if (!call.tags.agents.includes(agent)) call.tags.agents.push(agent);
      await box.acd.agents.transition(agent, 'on-call', { cause: 'transfer-answered', callId: call.id, queue: call.tags.queue });
    },
    notTaken: async (agent, call, noAnswer) => {
      const rec = box.acd.agents.get(agent);
      if (rec?.state === 'ringing' && rec.callId === call.id) await box.acd.agents.transition(agent, 'available', { cause: noAnswer ? 'transfer-no-answer' : 'transfer-not-taken', callId: call.id });
    },
    done: async (agent, call, talkMs) => {
      const rec = box.acd.agents.get(agent);
      if (rec?.state !== 'on-call' || rec.callId !== call.id) return;
      const q = call.tags.queue ? box.config.queues.find((x) => x.name === call.tags.queue) : undefined;
      await box.acd.agents.afterCall(agent, call.tags.queue, talkMs, q?.wrapUpSec ?? 0);
    },
    freed: async (agent, call) => {
      const rec = box.acd.agents.get(agent);
      if ((rec?.state === 'on-call' || rec?.state === 'ringing') && rec.callId === call.id) await box.acd.agents.transition(agent, 'available', { cause: 'consult-cancelled', callId: call.id });
    },
  };

  app.get('/api/workspace/transfer-targets', {
    config: { roles: desk },
    schema: {
      summary: 'Whom a call can be transferred to: the agents (with their state and device) and the queues',
      response: { 200: Type.Object({
        agents: Type.Array(Type.Object({ id: Type.String(), name: Type.Optional(Type.String()), extension: Type.String(), device: Type.String(), state: Type.String() })),
        queues: Type.Array(Type.Object({ name: Type.String(), displayName: Type.Optional(Type.String()) })),
      }) },
    },
  }, async () => ({
    agents: box.config.agents.map((a) => ({ id: a.id, ...(a.name ? { name: a.name } : {}), extension: a.extension, device: a.device ?? 'phone', state: box.acd.agents.get(a.id)?.state ?? 'logged-out' })),
    queues: box.config.queues.map((q) => ({ name: q.name, ...(q.displayName ? { displayName: q.displayName } : {}) })),
  }));

  app.post('/api/workspace/calls/:callId/blind-transfer', {
    config: { roles: desk },
    schema: {
      summary: 'Blind transfer of the signed-in agent\'s queue call: the agent leaves at once, the caller hears music while the target (a number through the dial plan, an agent\'s softphone or phone, or a queue) rings; if it does not answer the caller goes back to its queue. 202 once the target rings',
      params: LiveCallParams,
      body: Type.Object({
        kind: Type.Union([Type.Literal('number'), Type.Literal('agent'), Type.Literal('queue')]),
        target: Type.String({ pattern: '^[a-zA-Z0-9_.*#+-]{1,32}$' }),
      }, { additionalProperties: false }),
      response: { 202: Type.Object({ kind: Type.String(), to: Type.String() }), 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
    },
  }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    const body = req.body as { kind: TransferTarget['kind']; target: string };
    const user = req.session!;
    const agent = box.config.agents.find((a) => a.id === user.username);
    const call = box.calls.calls.get(callId);
    if (!agent || !call) return reply.code(404).send({ code: 'CC_CALL_NOT_FOUND', message: `no live call ${callId} with ${user.username} on it` });
    if (body.kind === 'number' && !/^[0-9*#+]{1,32}$/.test(body.target)) return reply.code(400).send({ code: 'CC_TRANSFER_TARGET_REFUSED', message: 'a number is digits, *, # or +' });
    const target: TransferTarget = body.kind === 'number' ? { kind: 'number', number: body.target } : body.kind === 'agent' ? { kind: 'agent', agent: body.target } : { kind: 'queue', queue: body.target };
    try {
      const started = await blindTransfer({
        config: () => box.config, store: box.store, acd: transferAcd, log: req.log,
        browserCandidate: (a, c, ms) => box.softphones.candidate(a, c, ms),
      }, call, agent, target);
      await recordAudit(box.store, { actor: user.username, action: 'call-blind-transfer', outcome: 'ok', target: callId, source: req.ip, detail: { kind: body.kind, to: body.target } });
      return reply.code(202).send({ kind: started.kind, to: started.to.number });
    } catch (err) {
      if (!(err instanceof TransferError)) throw err;
      await recordAudit(box.store, { actor: user.username, action: 'call-blind-transfer', outcome: 'failed', target: callId, source: req.ip, detail: { kind: body.kind, to: body.target, code: err.code } });
      return reply.code(err.status).send({ code: err.code, message: err.message });
    }
  });

  const consultations = new Consultations({
    config: () => box.config, store: box.store, acd: transferAcd, log: app.log,
    browserCandidate: (a, c, ms) => box.softphones.candidate(a, c, ms),
  });
  const transferFailure = async (reply: FastifyReply, err: unknown, audit: { actor: string; action: string; target: string; source: string; detail: Record<string, unknown> }) => {
    if (!(err instanceof TransferError)) throw err;
    await recordAudit(box.store, { ...audit, outcome: 'failed', detail: { ...audit.detail, code: err.code } });
    return reply.code(err.status).send({ code: err.code, message: err.message });
  };

  app.post('/api/workspace/calls/:callId/consult', {
    config: { roles: desk },
    schema: {
      summary: 'Consultative transfer, first step: the caller waits apart with music while the target (a number through the dial plan, an agent\'s desk phone or an agent\'s browser softphone) rings; 200 once it answered and talks privately with the agent (then complete, cancel or conference); if it declines or does not answer the caller is back with the agent and the answer says why',
      params: LiveCallParams,
      body: Type.Object({
        kind: Type.Union([Type.Literal('number'), Type.Literal('agent')]),
        target: Type.String({ pattern: '^[a-zA-Z0-9_.*#+-]{1,32}$' }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ member: Type.String(), to: Type.String() }), 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
    },
  }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    const body = req.body as { kind: 'number' | 'agent'; target: string };
    const user = req.session!;
    const agent = box.config.agents.find((a) => a.id === user.username);
    const call = box.calls.calls.get(callId);
    if (!agent || !call) return reply.code(404).send({ code: 'CC_CALL_NOT_FOUND', message: `no live call ${callId} with ${user.username} on it` });
    if (body.kind === 'number' && !/^[0-9*#+]{1,32}$/.test(body.target)) return reply.code(400).send({ code: 'CC_TRANSFER_TARGET_REFUSED', message: 'a number is digits, *, # or +' });
    const audit = { actor: user.username, action: 'call-consult', target: callId, source: req.ip, detail: { kind: body.kind, to: body.target } };
    try {
      const m = await consultations.start(call, agent, body.kind === 'number' ? { kind: 'number', number: body.target } : { kind: 'agent', agent: body.target });
      await recordAudit(box.store, { ...audit, outcome: 'ok' });
      return { member: m.id, to: m.party.number };
    } catch (err) {
      return transferFailure(reply, err, audit);
    }
  });

  app.get('/api/workspace/consultations', {
    config: { roles: desk },
    schema: {
      summary: 'The consultations the signed-in agent takes part in now (consulting or consulted), as stored: call, consulting agent, target, phase (ringing or talking). A reloaded workspace page shows their controls again',
      response: { 200: Type.Object({ consultations: Type.Array(Type.Object({
        callId: Type.String(), agent: Type.String(), to: Type.String(), toAgent: Type.Optional(Type.String()), caller: Type.String(),
        phase: Type.String(), role: Type.Union([Type.Literal('consulting'), Type.Literal('consulted')]), startedAt: Type.Integer(),
      })) }) },
    },
  }, async (req) => {
    const me = req.session!.username;
    return {
      consultations: consultsOf(box.store, me).filter((r) => box.calls.calls.has(r.callId)).map((r) => ({
        callId: r.callId, agent: r.agent, to: r.to, ...(r.toAgent ? { toAgent: r.toAgent } : {}), caller: r.caller, phase: r.phase,
        role: r.agent === me ? 'consulting' as const : 'consulted' as const, startedAt: r.startedAt,
      })),
    };
  });

  app.post('/api/workspace/calls/:callId/consult/:action', {
    config: { roles: desk },
    schema: {
      summary: 'End the consultation: complete (the agent leaves, the caller talks to the target), cancel (the target is dropped, or stops ringing; the caller is back with the agent) or conference (all three talk)',
      params: Type.Object({ callId: LiveCallParams.properties.callId, action: Type.Union([Type.Literal('complete'), Type.Literal('cancel'), Type.Literal('conference')]) }),
      response: { 200: Type.Object({ action: Type.String(), talking: Type.Array(Type.String()) }), 404: ErrorReply, 409: ErrorReply },
    },
  }, async (req, reply) => {
    const { callId, action } = req.params as { callId: string; action: ConsultAction };
    const user = req.session!;
    const agent = box.config.agents.find((a) => a.id === user.username);
    const call = box.calls.calls.get(callId);
    if (!agent || !call) return reply.code(404).send({ code: 'CC_CALL_NOT_FOUND', message: `no live call ${callId} with ${user.username} on it` });
    const audit = { actor: user.username, action: `call-consult-${action}`, target: callId, source: req.ip, detail: {} };
    try {
      await consultations.finish(call, agent, action);
      await recordAudit(box.store, { ...audit, outcome: 'ok' });
      const talking = (call.partyMixIfAny?.list() ?? []).filter((m) => m.state === 'talking' && m.role !== 'monitor').map((m) => m.party.number);
      return { action, talking };
    } catch (err) {
      return transferFailure(reply, err, audit);
    }
  });

  app.post('/api/workspace/calls/:callId/leave', {
    config: { roles: desk },
    schema: {
      summary: 'The signed-in agent leaves their multi-party call; the others stay connected (completes a transfer made by adding the target)',
      params: LiveCallParams,
      response: { 200: Type.Object({ left: Type.String(), talking: Type.Array(Type.String()) }), 404: ErrorReply, 409: ErrorReply },
    },
  }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    const extension = box.config.agents.find((a) => a.id === req.session!.username)?.extension;
    const call = box.calls.calls.get(callId);
    const mine = call && extension ? myMember(call, extension) : undefined;
    if (!call || !extension || !mine) return reply.code(404).send({ code: 'CC_CALL_NOT_FOUND', message: `no multi-party call ${callId} with ${req.session!.username} in it` });
    try {
      await call.partyMix.remove(mine.id);
    } catch (err) {
      if (err instanceof CallPartyError) return reply.code(409).send({ code: err.code, message: err.message });
      throw err;
    }
    const talking = (call.partyMixIfAny?.list() ?? []).filter((m) => m.state === 'talking' && m.role !== 'monitor').map((m) => m.party.number);
    return { left: mine.id, talking };
  });

  /** What a browser agent's dial-out needs of the box (calls/browser-dial.ts). */
  const dialDeps = (log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void }): BrowserDialDeps => ({
    config: box.config,
    registrar: box.registrar,
    publicAddress: box.endpoint.publicAddress,
    scheduleState: box.calls.scheduleState,
    tollGuard: box.calls.tollGuard,
    trunkHealth: box.calls.trunkHealth,
    takeChannel: (t) => box.calls.takeChannel(t),
    releaseChannel: (t) => box.calls.releaseChannel(t),
    page: (agentId) => box.softphones.freePage(agentId),
    place: (setup, o) => box.calls.place(setup, o),
    agents: {
      state: (agent) => box.acd.agents.get(agent)?.state,
      current: (agent) => box.acd.agents.get(agent),
      transition: (agent, to, o) => box.acd.agents.transition(agent, to, o),
      afterCall: (agent, talkMs, wrapUpSec) => box.acd.agents.afterCall(agent, undefined, talkMs, wrapUpSec),
    },
    log,
  });

  app.post('/api/workspace/dial', {
    config: { roles: desk },
    schema: {
      summary: 'Dial out. A desk-phone agent: the phone is asked (out-of-dialog REFER) to call the number through the box (dial plan); 202 once the phone took the request. A browser-softphone agent: the box places the call with the page\'s WebRTC leg as the calling side, routed by the dial plan under the agent\'s toll class (refusals are coded); 202 once placed (the page follows it over its softphone socket)',
      body: Type.Object({ number: Type.String({ pattern: '^[0-9*#+]{1,32}$' }) }, { additionalProperties: false }),
      response: { 202: Type.Object({ number: Type.String(), phoneStatus: Type.Optional(Type.Integer()), callId: Type.Optional(Type.String()), to: Type.Optional(Type.String()) }), 403: ErrorReply, 404: ErrorReply, 409: ErrorReply, 502: ErrorReply, 503: ErrorReply },
    },
  }, async (req, reply) => {
    const { number } = req.body as { number: string };
    const agent = box.config.agents.find((a) => a.id === req.session!.username);
    const refuse = (status: 404 | 409 | 502, code: WorkspaceErrorCode, message: string) => reply.code(status).send({ code, message });
    if (!agent) return refuse(404, 'CC_WORKSPACE_NOT_AN_AGENT', WorkspaceErrorCodes.CC_WORKSPACE_NOT_AN_AGENT);
    if (agent.device === 'browser') {
      try {
        const placed = await browserDial(dialDeps(req.log), agent, number);
        await recordAudit(box.store, { actor: agent.id, action: 'dial-out', outcome: 'ok', target: number, source: req.ip, detail: { extension: agent.extension, callId: placed.callId, to: placed.to.number } });
        return reply.code(202).send({ number, callId: placed.callId, to: placed.to.number });
      } catch (err) {
        if (!(err instanceof DialError)) throw err;
        await recordAudit(box.store, { actor: agent.id, action: 'dial-out', outcome: 'failed', target: number, source: req.ip, detail: { extension: agent.extension, code: err.code } });
        return reply.code(err.status).send({ code: err.code, message: err.message });
      }
    }
    const state = box.acd.agents.get(agent.id)?.state;
    if (state === 'ringing' || state === 'on-call') return refuse(409, 'CC_WORKSPACE_BUSY', WorkspaceErrorCodes.CC_WORKSPACE_BUSY);
    const binding = box.registrar.lookup(agent.extension)[0];
    if (!binding) return refuse(409, 'CC_WORKSPACE_PHONE_NOT_REGISTERED', WorkspaceErrorCodes.CC_WORKSPACE_PHONE_NOT_REGISTERED);
    const publicAddress = box.endpoint.via(binding.remote.protocol).host;
    const answer = await sendClickToDial(box.endpoint, { binding, extension: agent.extension, number, publicAddress });
    await recordAudit(box.store, { actor: agent.id, action: 'click-to-dial', outcome: answer.status < 300 ? 'ok' : 'failed', target: number, source: req.ip, detail: { extension: agent.extension, phoneStatus: answer.status } });
    if (answer.status >= 300) return refuse(502, 'CC_WORKSPACE_PHONE_REFUSED', `the phone answered ${answer.status} ${answer.reason}`);
    return reply.code(202).send({ number, phoneStatus: answer.status });
  });

  app.get('/api/workspace/calls/:callId', {
    config: { roles: desk },
    schema: {
      summary: 'A call the user may wrap up: its caller (the callee of a call the agent dialled) and queue (for the screen pop after a reload) and the wrap-up saved so far',
      params: CallParams,
      response: { 200: Type.Object({ callId: Type.String(), caller: Type.Optional(Type.String()), queue: Type.Optional(Type.String()), agent: Type.String(), wrapUp: Type.Optional(WrapUp) }), 404: ErrorReply },
    },
  }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    try {
      const { agent, queue } = owned(callId, req.session!);
      const live = box.acd.waiters.get(callId)?.call.parties.caller.number;
      const cdr = box.store.tables.cdr.get(callId) as { caller?: { number?: string }; callee?: { number?: string }; direction?: string } | undefined;
      // The customer of a call the agent dialled is its callee.
      const caller = live ?? (cdr?.direction === 'outbound' ? cdr.callee?.number : cdr?.caller?.number);
      const wrapUp = readWrapUp(box.store, callId);
      return { callId, agent, ...(caller ? { caller } : {}), ...(queue ? { queue } : {}), ...(wrapUp ? { wrapUp } : {}) };
    } catch (err) {
      return failure(reply, err);
    }
  });

  app.put('/api/workspace/calls/:callId/wrap-up', {
    config: { roles: desk },
    schema: {
      summary: 'Save the disposition and notes of a call (during or after it); `ready` ends the agent\'s wrap-up',
      params: CallParams,
      body: WrapUpBody,
      response: { 200: Type.Object({ wrapUp: WrapUp, state: Type.Optional(Type.String()) }), 400: ErrorReply, 404: ErrorReply, 409: ErrorReply },
    },
  }, async (req, reply) => {
    const { callId } = req.params as { callId: string };
    const body = req.body as { disposition: string; notes: string; ready?: boolean };
    const user = req.session!;
    try {
      const { agent, queue } = owned(callId, user);
      const wrapUp = await saveWrapUp(box.store, box.config.workspace, { callId, agent, queue, disposition: body.disposition, notes: body.notes, by: user.username });
      let state = box.acd.agents.get(agent)?.state;
      if (body.ready && user.username === agent && state === 'wrap-up') state = (await box.acd.agents.request(agent, 'ready')).state;
      return { wrapUp, ...(state ? { state } : {}) };
    } catch (err) {
      return failure(reply, err);
    }
  });
}

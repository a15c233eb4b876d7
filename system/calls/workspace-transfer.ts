// Blind transfer started from the agent workspace (盲转): the agent's leg leaves the call at
// once, the caller hears music while the target rings, and the target takes the callee's place
// when it answers. Targets: a number (an extension, or out through the dial plan under the
// agent's toll-fraud class: Call.resolveNumber), an agent (their browser softphone, else their
// desk phone's extension) or a queue (the caller re-enters that queue's ACD at the back of
// its priority, with the queue's own rules). If the target fails (rejected, no answer, busy)
// the caller is not lost: it goes back to the queue it came through (documented choice: the
// transferring agent is in wrap-up by then and may be on the next call); a call that came
// through no queue ends with cause 'transfer-failed'. The transfer is in the CDR's transfer
// list and the queue log's `transfer` row (the ACD frees the agent on the call's
// `transferred` event) at once; the outcome is an event row (workspace-transfer-connected or
// -failed). A target agent goes ringing, then on-call, then through wrap-up like a queue call.
// Only box-answered calls (queues, IVR) whose callee is the agent: a call dialled straight to
// an agent is transferred by the phone itself (REFER) or by adding the target (3-way).
// Imports: calls, config (types); the ACD and softphones come in as narrow dependencies.
import type { Call } from './call.ts';
import type { CdrParty } from './cdr.ts';
import type { BrowserCandidate, CalleeCandidate } from './callee-offer.ts';
import type { AgentConfig, BoxConfig } from '../config/schema.ts';
import type { Store } from '../store/store.ts';

export const TransferErrorCodes = {
  CC_TRANSFER_NOT_POSSIBLE: 'the call cannot be blind-transferred from the workspace now (not a connected queue call with this agent as its callee, mixed, or another transfer runs)',
  CC_TRANSFER_UNKNOWN_TARGET: 'no such agent or queue to transfer to',
  CC_TRANSFER_TARGET_UNAVAILABLE: 'the target agent is not available (not signed in, busy, no softphone page or registered phone), or is the transferring agent',
  CC_TRANSFER_TARGET_REFUSED: 'the dial plan or the toll-fraud policy refused the number, or it is not reachable',
  CC_TRANSFER_TARGET_DECLINED: 'the consulted agent or phone declined the consultation (the caller is back with the consulting agent)',
  CC_TRANSFER_TARGET_NO_ANSWER: 'the consulted agent or phone did not answer in the ring time (the caller is back with the consulting agent)',
} as const;
export type TransferErrorCode = keyof typeof TransferErrorCodes;

export class TransferError extends Error {
  constructor(readonly code: TransferErrorCode, message: string, readonly status: 404 | 409 = 409) {
    super(message);
  }
}

export type TransferTarget = { kind: 'number'; number: string } | { kind: 'agent'; agent: string } | { kind: 'queue'; queue: string };

/** The ACD as a transfer needs it (system/acd/acd.ts). */
export interface TransferAcd {
  admit(queue: string): { ok: true } | { ok: false; status: number; reason: string };
  take(call: Call, queue: string): void;
  agentState(agent: string): string | undefined;
  /** Agent `agent` rings / talks / is done with `call` (transitions with their queue-log rows). */
  ringing(agent: string, call: Call): Promise<void>;
  answered(agent: string, call: Call): Promise<void>;
  notTaken(agent: string, call: Call, noAnswer: boolean): Promise<void>;
  done(agent: string, call: Call, talkMs: number): Promise<void>;
  /** Agent `agent` was dropped from `call` before the caller ever talked to it (a cancelled consultation): available again, no wrap-up. */
  freed?(agent: string, call: Call): Promise<void>;
}

export interface WorkspaceTransferDeps {
  config(): BoxConfig;
  store: Store;
  acd: TransferAcd;
  /** How to ring an agent's open softphone page for `call` (SoftphoneHub.candidate). */
  browserCandidate(agent: AgentConfig, call: Call, ringTimeoutMs: number): BrowserCandidate | undefined;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
}

export interface TransferStarted {
  to: CdrParty;
  kind: TransferTarget['kind'];
}

/** The ring time for a transfer target: the call's queue's ring time, else 20 s. */
export function transferRingMs(config: BoxConfig, queue: string | undefined): number {
  const q = queue ? config.queues.find((x) => x.name === queue) : undefined;
  return (q?.ringTimeoutSec ?? 20) * 1000;
}

/** Where a caller goes when the transfer target did not take it (pure). */
export function afterFailedTransfer(call: { queue?: string; answered: boolean }, queueExists: (q: string) => boolean): { to: 'queue'; queue: string } | { to: 'hangup' } | { to: 'nothing' } {
  if (!call.answered) return { to: 'nothing' };
  if (call.queue && queueExists(call.queue)) return { to: 'queue', queue: call.queue };
  return { to: 'hangup' };
}

/** A queue as the CDR's transfer list names it (a CdrParty whose uri is `queue:NAME`). */
function queueParty(queue: string): CdrParty {
  return { kind: 'extension', id: queue, number: queue, uri: `queue:${queue}` };
}

/**
 * Start a blind transfer of `call` by `agent` (whose extension must be the call's callee).
 * Resolves once the agent has left and the target rings (or the caller is in the queue);
 * rejects with a TransferError (the call unchanged) when it cannot start.
 */
export async function blindTransfer(deps: WorkspaceTransferDeps, call: Call, agent: AgentConfig, target: TransferTarget): Promise<TransferStarted> {
  const { callee, caller } = call.parties;
  if (call.state !== 'answered' || !call.hasCallee || callee?.kind !== 'extension' || callee.id !== agent.extension) {
    throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', `call ${call.id} is not a connected call of ${agent.id}`);
  }
  const cfg = deps.config();
  const ringMs = transferRingMs(cfg, call.tags.queue);
  let candidate: CalleeCandidate | undefined;
  let release: (() => void) | undefined;
  let to: CdrParty;
  let targetAgent: string | undefined;
  if (target.kind === 'queue') {
    const admitted = deps.acd.admit(target.queue);
    if (!admitted.ok) throw new TransferError('CC_TRANSFER_UNKNOWN_TARGET', `queue ${target.queue}: ${admitted.reason}`, admitted.status === 404 ? 404 : 409);
    to = queueParty(target.queue);
  } else if (target.kind === 'agent') {
    const other = cfg.agents.find((a) => a.id === target.agent);
    if (!other) throw new TransferError('CC_TRANSFER_UNKNOWN_TARGET', `no agent ${target.agent}`, 404);
    if (other.id === agent.id || deps.acd.agentState(other.id) !== 'available') throw new TransferError('CC_TRANSFER_TARGET_UNAVAILABLE', `agent ${other.id} is not available`);
    if (other.device === 'browser') {
      candidate = deps.browserCandidate(other, call, ringMs);
      if (!candidate) throw new TransferError('CC_TRANSFER_TARGET_UNAVAILABLE', `agent ${other.id} has no free softphone page open`);
    } else {
      const dest = call.resolveNumber(other.extension, callee, caller);
      if (dest.kind !== 'ring') throw new TransferError('CC_TRANSFER_TARGET_UNAVAILABLE', `agent ${other.id}'s phone: ${dest.kind === 'fail' ? `${dest.status} ${dest.reason}` : 'cannot be rung'}`);
      release = dest.release;
      candidate = { kind: 'sip', key: other.id, target: dest.target, party: dest.party, isPhone: dest.isPhone, ringTimeoutMs: ringMs };
    }
    targetAgent = other.id;
    to = candidate.party;
  } else {
    const dest = call.resolveNumber(target.number, callee, caller);
    if (dest.kind !== 'ring') throw new TransferError('CC_TRANSFER_TARGET_REFUSED', `${target.number}: ${dest.kind === 'fail' ? `${dest.status} ${dest.reason}` : 'cannot be rung'}`, dest.kind === 'fail' && (dest.status === 404 || dest.status === 480) ? 404 : 409);
    release = dest.release;
    candidate = { kind: 'sip', key: `number:${target.number}`, target: dest.target, party: dest.party, isPhone: dest.isPhone, ringTimeoutMs: ringMs };
    to = dest.party;
  }

  const left = await call.releaseCallee();
  if (!left) {
    release?.();
    throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', `call ${call.id} cannot be transferred now`);
  }
  if (release) call.once('ended', release);
  const fromQueue = call.tags.queue;
  // The agent's part is over now: the CDR lists the transfer, the ACD writes its row and frees the agent.
  call.noteTransfer({ kind: 'blind', side: 'callee', from: left, to });
  deps.log.info({ callId: call.id, agent: agent.id, target }, 'workspace blind transfer: the agent left, the target rings');

  if (target.kind === 'queue') {
    deps.acd.take(call, target.queue);
    await outcome(deps, call, 'connected', { target, to: to.number });
    return { to, kind: target.kind };
  }
  if (targetAgent) await deps.acd.ringing(targetAgent, call).catch((err) => deps.log.warn({ err, agent: targetAgent }, 'transfer target not marked ringing'));
  const offer = call.offer([candidate!]);
  if (!offer) {
    if (targetAgent) await deps.acd.notTaken(targetAgent, call, false).catch(() => undefined);
    await fallBack(deps, call, fromQueue, target, 'the call could not ring the target');
    return { to, kind: target.kind };
  }
  let noAnswer = false;
  offer.on('failed', (f) => (noAnswer = f.noAnswer));
  void offer.outcome.then(async (o) => {
    if (o.kind === 'answered') {
      const at = Date.now();
      if (targetAgent) {
        await deps.acd.answered(targetAgent, call);
        call.once('ended', (cdr) => void deps.acd.done(targetAgent!, call, cdr.endedAt - at).catch((err) => deps.log.warn({ err, agent: targetAgent }, 'transfer target not released')));
      }
      await outcome(deps, call, 'connected', { target, to: to.number });
      return;
    }
    if (targetAgent) await deps.acd.notTaken(targetAgent, call, noAnswer).catch(() => undefined);
    const why = o.kind === 'failed' ? o.failures.map((f) => `${f.status} ${f.reason}`).join(', ') : 'cancelled';
    await fallBack(deps, call, fromQueue, target, why);
  }).catch((err) => deps.log.warn({ err, callId: call.id }, 'workspace transfer outcome failed'));
  return { to, kind: target.kind };
}

async function fallBack(deps: WorkspaceTransferDeps, call: Call, queue: string | undefined, target: TransferTarget, why: string): Promise<void> {
  const next = afterFailedTransfer({ queue, answered: call.state === 'answered' }, (q) => deps.acd.admit(q).ok);
  await outcome(deps, call, 'failed', { target, why, then: next.to, ...(next.to === 'queue' ? { queue: next.queue } : {}) });
  deps.log.warn({ callId: call.id, code: 'CC_CALL_TRANSFER_FAILED', target, why, then: next.to }, 'workspace blind transfer failed');
  if (next.to === 'queue') deps.acd.take(call, next.queue);
  else if (next.to === 'hangup') await call.hangup({ status: 480, reason: `transfer failed (${why})`, side: 'system', cause: 'transfer-failed' });
}

async function outcome(deps: WorkspaceTransferDeps, call: Call, what: 'connected' | 'failed', data: Record<string, unknown>): Promise<void> {
  await deps.store.transaction(() => deps.store.appendEvent(`workspace-transfer-${what}`, { callId: call.id, ...data }))
    .catch((err) => deps.log.warn({ err, callId: call.id }, 'transfer event not written'));
}

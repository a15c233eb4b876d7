// Consultative transfer (咨询转接) from the agent workspace: the agent (the call's callee)
// starts a consultation: the caller waits apart with music, heard by nobody, while the target
// rings as an added party of the call (call-party-mix.ts) and, once it answers, talks
// privately with the agent. The target is an extension or number (through the dial plan and
// the agent's toll class), an agent's desk phone, or an agent's browser softphone (the page
// rings with a screen pop saying it is a consultation from agent X for caller Y; the ACD sees
// that agent ringing, then on the call). Then: Complete (the CDR's transfer list and the queue
// log's `transfer` row say consultative; the agent leaves to wrap-up, the target takes the
// callee's side, the caller rejoins and talks to the target), Cancel (the target is dropped, a
// target agent is available again, the caller rejoins the agent) or Conference (the caller
// rejoins: a 3-way call in the mixer; a target agent who leaves it later goes to wrap-up).
// If the target declines, does not answer or cannot be rung, the caller rejoins the agent at
// once and the agent is told why (a coded error). If the target hangs up while consulted, the
// caller rejoins the agent; if the consulting agent leaves (hangs up, or its softphone page
// goes) while the target talks, the transfer completes (as a phone's attended transfer does).
// One consultation per call; its state is in LMDB (consult-book.ts) with an event per step.
// While the target rings, the consulting agent hears the box's ringback tone (calls.ringback,
// media/ringback-tone.ts) through Call.play, stopped once the target answered or did not come.
import type { Call } from './call.ts';
import type { CdrParty } from './cdr.ts';
import type { BrowserCandidate } from './callee-offer.ts';
import { CallPartyError, type CallMember } from './call-party-mix.ts';
import type { AgentConfig, BoxConfig } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import { TransferError, transferRingMs, type TransferAcd } from './workspace-transfer.ts';
import { endConsult, readConsult, saveConsult, type ConsultEnd, type ConsultRow, type ConsultTarget } from './consult-book.ts';
import { ringbackSamples } from '../../media/ringback-tone.ts';

export type ConsultAction = 'complete' | 'cancel' | 'conference';

export interface ConsultDeps {
  config(): BoxConfig;
  store: Store;
  acd: TransferAcd;
  /** How to ring an agent's open softphone page for `call` (SoftphoneHub.candidate). */
  browserCandidate(agent: AgentConfig, call: Call, ringTimeoutMs: number): BrowserCandidate | undefined;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
}

interface Consultation {
  row: ConsultRow;
  /** The target's member id once it talks. */
  member: string;
  /** A target agent whose ACD state this consultation drives. */
  targetAgent?: string;
  answeredAt?: number;
  /** complete/cancel/conference in progress: the member listener leaves the rest to finish(). */
  finishing?: ConsultAction;
  /** The agent cancelled while the target still rang. */
  cancelled?: boolean;
  /** The consultation is over; its call goes on (or not) without it. */
  over?: boolean;
}

/** What the consulting agent's end leads to when a member leaves mid-consultation (pure). */
export function afterMemberLeft(phase: 'talking', who: 'target' | 'agent'): 'back-to-agent' | 'complete' {
  void phase;
  return who === 'target' ? 'back-to-agent' : 'complete';
}

/** The error an agent reads when the consulted party did not come (pure). */
export function consultFailure(err: CallPartyError, target: string): TransferError {
  if (/603|Decline/.test(err.message)) return new TransferError('CC_TRANSFER_TARGET_DECLINED', `${target} declined the consultation`);
  if (err.status === 408 || /no answer/.test(err.message)) return new TransferError('CC_TRANSFER_TARGET_NO_ANSWER', `${target} did not answer`);
  return new TransferError('CC_TRANSFER_TARGET_REFUSED', err.message, err.status === 404 ? 404 : 409);
}

export class Consultations {
  private readonly open = new Map<string, Consultation>();

  constructor(private readonly deps: ConsultDeps) {}

  /** Whether `callId` has a consultation running. */
  has(callId: string): boolean {
    return this.open.has(callId);
  }

  /** The stored state of `callId`'s consultation (what a reloaded page shows). */
  state(callId: string): ConsultRow | undefined {
    return readConsult(this.deps.store, callId);
  }

  /** Start one: resolves once the target answered (the caller waits apart meanwhile). */
  async start(call: Call, agent: AgentConfig, target: ConsultTarget): Promise<CallMember> {
    const { deps } = this;
    const callee = call.parties.callee;
    if (call.state !== 'answered' || callee?.kind !== 'extension' || callee.id !== agent.extension) {
      throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', `call ${call.id} is not a connected call of ${agent.id}`);
    }
    if (this.open.has(call.id)) throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', `call ${call.id} already has a consultation`);
    const cfg = deps.config();
    let number: string;
    let candidate: BrowserCandidate | undefined;
    let targetAgent: string | undefined;
    if (target.kind === 'agent') {
      const other = cfg.agents.find((a) => a.id === target.agent);
      if (!other) throw new TransferError('CC_TRANSFER_UNKNOWN_TARGET', `no agent ${target.agent}`, 404);
      if (other.id === agent.id) throw new TransferError('CC_TRANSFER_TARGET_UNAVAILABLE', 'an agent cannot consult themselves');
      if (other.device === 'browser') {
        if (deps.acd.agentState(other.id) !== 'available') throw new TransferError('CC_TRANSFER_TARGET_UNAVAILABLE', `agent ${other.id} is not available`);
        candidate = deps.browserCandidate(other, call, transferRingMs(cfg, call.tags.queue));
        if (!candidate) throw new TransferError('CC_TRANSFER_TARGET_UNAVAILABLE', `agent ${other.id} has no free softphone page open`);
        candidate = { ...candidate, info: { ...candidate.info, consult: { agent: agent.id, ...(agent.name ? { name: agent.name } : {}) } } };
        targetAgent = other.id;
      }
      number = other.extension;
    } else number = target.number;

    const now = Date.now();
    const row: ConsultRow = {
      callId: call.id, agent: agent.id, target, to: number, ...(target.kind === 'agent' ? { toAgent: target.agent } : {}),
      caller: call.parties.caller.number, phase: 'ringing', startedAt: now, at: now,
    };
    const c: Consultation = { row, member: '', targetAgent };
    this.open.set(call.id, c);
    try {
      await saveConsult(deps.store, row, 'started');
    } catch (err) {
      this.open.delete(call.id);
      throw err;
    }
    call.once('ended', () => void this.over(call, c, 'call-ended'));
    if (!(await call.keepCallerApart(true))) {
      await this.over(call, c, 'failed', { why: 'the caller cannot be held' });
      throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', `call ${call.id} cannot be held for a consultation now`);
    }
    if (targetAgent) await deps.acd.ringing(targetAgent, call).catch((err) => deps.log.warn({ err, agent: targetAgent }, 'consulted agent not marked ringing'));
    const ringback = this.ringback(call);
    let m: CallMember;
    try {
      m = candidate ? await call.partyMix.addBrowserParty(candidate, agent.id) : await call.partyMix.addParty(number, agent.id);
    } catch (err) {
      await ringback.stop();
      const failure = c.cancelled ? new TransferError('CC_TRANSFER_NOT_POSSIBLE', 'the consultation was cancelled while it rang')
        : err instanceof CallPartyError ? consultFailure(err, target.kind === 'agent' ? target.agent : number) : undefined;
      if (targetAgent) await deps.acd.notTaken(targetAgent, call, failure?.code === 'CC_TRANSFER_TARGET_NO_ANSWER').catch(() => undefined);
      await this.over(call, c, c.cancelled ? 'cancel' : 'failed', { why: (err as Error).message, ...(failure ? { code: failure.code } : {}) });
      await call.keepCallerApart(false);
      deps.log.info({ callId: call.id, agent: agent.id, target, why: (err as Error).message }, 'consultation target did not come: the caller is back with the agent');
      if (failure) throw failure;
      throw err;
    }
    await ringback.stop();
    c.member = m.id;
    c.answeredAt = Date.now();
    if (targetAgent) await deps.acd.answered(targetAgent, call).catch((err) => deps.log.warn({ err, agent: targetAgent }, 'consulted agent not marked on-call'));
    if (c.over) return m; // the call ended while it was answered
    c.row = { ...row, phase: 'talking', member: m.id, to: m.party.number, at: Date.now() };
    await saveConsult(deps.store, c.row, 'answered').catch((err) => deps.log.warn({ err, callId: call.id }, 'consultation answer not written'));
    this.watch(call, c, agent);
    return m;
  }

  /**
   * The consulting agent (the call's callee) hears ringback while the target rings. stop()
   * resolves once the tone is over and the agent hears the call again (its mix, or the caller);
   * a stop while Call.play is still setting up its player ends that play too.
   */
  private ringback(call: Call): { stop(): Promise<void> } {
    const playing = call.play('callee', [ringbackSamples(this.deps.config().calls.ringback ?? 'cn')], { loop: true })
      .catch((err) => this.deps.log.warn({ err, callId: call.id }, 'no ringback for the consultation'));
    return {
      stop: async () => {
        call.stopPlaying('callee');
        await playing;
      },
    };
  }

  /** Members leaving on their own while the consultation runs, and a target agent's end of the call. */
  private watch(call: Call, c: Consultation, agent: AgentConfig): void {
    const onMembers = (members: CallMember[]) => {
      const target = members.find((m) => m.id === c.member);
      if (target?.state === 'left') {
        call.off('members', onMembers);
        if (c.targetAgent && c.finishing !== 'cancel') void this.targetDone(call, c);
        if (!c.over && !c.finishing) void this.afterLeave(call, c, 'target', agent);
        return;
      }
      const mine = members.find((m) => (m.role === 'caller' || m.role === 'callee') && m.state === 'left' && m.party.kind === 'extension' && m.party.id === agent.extension);
      if (mine && !c.over && !c.finishing) void this.afterLeave(call, c, 'agent', agent, mine.party, target?.party);
    };
    call.on('members', onMembers);
    if (c.targetAgent) call.once('ended', () => void this.targetDone(call, c));
  }

  /** A member left during the consultation: the caller rejoins (whoever is left talks to it). */
  private async afterLeave(call: Call, c: Consultation, who: 'target' | 'agent', agent: AgentConfig, from?: CdrParty, to?: CdrParty): Promise<void> {
    const next = afterMemberLeft('talking', who);
    if (next === 'complete' && from && to) call.noteTransfer({ kind: 'consultative', side: 'callee', from, to });
    await this.over(call, c, who === 'target' ? 'target-left' : 'agent-left');
    await call.keepCallerApart(false);
    this.deps.log.info({ callId: call.id, agent: agent.id, who }, who === 'target' ? 'the consulted party hung up: the caller is back with the agent' : 'the consulting agent left: the transfer completes');
  }

  /** A target agent's part of the call is over (left the conference, or the call ended): wrap-up as after a call. */
  private async targetDone(call: Call, c: Consultation): Promise<void> {
    if (!c.targetAgent || !c.answeredAt) return;
    await this.deps.acd.done(c.targetAgent, call, Date.now() - c.answeredAt).catch((err) => this.deps.log.warn({ err, agent: c.targetAgent }, 'consulted agent not released'));
  }

  /** The consultation ends (row removed with its event); idempotent. */
  private async over(call: Call, c: Consultation, how: ConsultEnd, detail: Record<string, unknown> = {}): Promise<void> {
    if (c.over) return;
    c.over = true;
    if (this.open.get(call.id) === c) this.open.delete(call.id);
    await endConsult(this.deps.store, call.id, how, detail).catch((err) => this.deps.log.warn({ err, callId: call.id }, 'consultation end not written'));
  }

  /** Complete, cancel, or turn into a 3-way. Cancel also works while the target still rings. */
  async finish(call: Call, agent: AgentConfig, action: ConsultAction): Promise<void> {
    const c = this.open.get(call.id);
    if (!c || c.row.agent !== agent.id || c.finishing) throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', `no consultation of ${agent.id} on call ${call.id}`, 404);
    const members = call.partyMixIfAny?.list() ?? [];
    if (!c.member) {
      if (action !== 'cancel') throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', 'the consulted party has not answered yet: cancel, or wait');
      // Still ringing: stop it; start() brings the caller back and ends the consultation.
      const ringing = members.filter((m) => m.role === 'party' && m.state === 'ringing' && m.by === agent.id).at(-1);
      c.cancelled = true;
      if (ringing) await call.partyMix.remove(ringing.id).catch(() => undefined);
      return;
    }
    const target = members.find((m) => m.id === c.member && m.state === 'talking');
    c.finishing = action;
    try {
      if (action === 'complete') {
        const mine = members.find((m) => m.role === 'callee' && m.state === 'talking' && m.party.kind === 'extension' && m.party.id === agent.extension);
        if (!target || !mine) throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', 'the consulted party is no longer on the call: cancel instead');
        await this.over(call, c, 'complete');
        // The agent's part is over: the CDR and the ACD (queue log, wrap-up) see a consultative transfer.
        call.noteTransfer({ kind: 'consultative', side: 'callee', from: mine.party, to: target.party });
        await call.partyMix.remove(mine.id);
        await call.keepCallerApart(false);
        return;
      }
      await this.over(call, c, action);
      if (action === 'cancel' && target) {
        await call.partyMix.remove(target.id).catch((err) => {
          if (!(err instanceof CallPartyError)) throw err;
        });
        if (c.targetAgent) await this.deps.acd.freed?.(c.targetAgent, call).catch((err) => this.deps.log.warn({ err, agent: c.targetAgent }, 'consulted agent not freed'));
      }
      await call.keepCallerApart(false);
    } catch (err) {
      if (!c.over) c.finishing = undefined;
      throw err;
    }
  }
}

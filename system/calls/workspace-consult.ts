// Consultative transfer (咨询转接) from the agent workspace: the agent (the call's callee)
// starts a consultation: the caller waits apart with music, heard by nobody, while the target
// (an extension or number through the dial plan and the agent's toll class, or an agent's desk
// phone) rings as an added party of the call (call-party-mix.ts) and, once it answers, talks
// privately with the agent. Then: Complete (the CDR's transfer list and the queue log's
// `transfer` row say consultative; the agent leaves, the target takes the callee's side, the
// caller rejoins and talks to the target), Cancel (the target is dropped, the caller rejoins the
// agent) or Conference (the caller rejoins: a 3-way call). If the target does not answer, the
// caller rejoins the agent at once. Browser-softphone agents as targets are not supported yet
// (added parties are SIP legs). One consultation per call, kept in memory.
import type { Call } from './call.ts';
import type { CdrParty } from './cdr.ts';
import { CallPartyError, type CallMember } from './call-party-mix.ts';
import type { AgentConfig, BoxConfig } from '../config/schema.ts';
import { TransferError } from './workspace-transfer.ts';

export type ConsultAction = 'complete' | 'cancel' | 'conference';

interface Consultation {
  agent: string;
  member: string;
  to: CdrParty;
}

export class Consultations {
  private readonly open = new Map<string, Consultation>();

  constructor(private readonly config: () => BoxConfig) {}

  /** Whether `callId` has a consultation running. */
  has(callId: string): boolean {
    return this.open.has(callId);
  }

  /** Start one: resolves once the target answered (the caller waits apart meanwhile). */
  async start(call: Call, agent: AgentConfig, target: { kind: 'number'; number: string } | { kind: 'agent'; agent: string }): Promise<CallMember> {
    const callee = call.parties.callee;
    if (call.state !== 'answered' || callee?.kind !== 'extension' || callee.id !== agent.extension) {
      throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', `call ${call.id} is not a connected call of ${agent.id}`);
    }
    if (this.open.has(call.id)) throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', `call ${call.id} already has a consultation`);
    let number: string;
    if (target.kind === 'agent') {
      const other = this.config().agents.find((a) => a.id === target.agent);
      if (!other) throw new TransferError('CC_TRANSFER_UNKNOWN_TARGET', `no agent ${target.agent}`, 404);
      if (other.id === agent.id || other.device === 'browser') throw new TransferError('CC_TRANSFER_TARGET_UNAVAILABLE', `agent ${other.id} cannot be consulted (a browser softphone or yourself)`);
      number = other.extension;
    } else number = target.number;
    this.open.set(call.id, { agent: agent.id, member: '', to: callee });
    call.once('ended', () => this.open.delete(call.id));
    if (!(await call.keepCallerApart(true))) {
      this.open.delete(call.id);
      throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', `call ${call.id} cannot be held for a consultation now`);
    }
    try {
      const m = await call.partyMix.addParty(number, agent.id);
      this.open.set(call.id, { agent: agent.id, member: m.id, to: m.party });
      return m;
    } catch (err) {
      this.open.delete(call.id);
      await call.keepCallerApart(false);
      if (err instanceof CallPartyError) throw new TransferError('CC_TRANSFER_TARGET_REFUSED', err.message, err.status === 404 ? 404 : 409);
      throw err;
    }
  }

  /** Complete, cancel, or turn into a 3-way. */
  async finish(call: Call, agent: AgentConfig, action: ConsultAction): Promise<void> {
    const c = this.open.get(call.id);
    if (!c || !c.member || c.agent !== agent.id) throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', `no consultation of ${agent.id} on call ${call.id}`, 404);
    const members = call.partyMixIfAny?.list() ?? [];
    const target = members.find((m) => m.id === c.member && m.state === 'talking');
    if (action === 'complete') {
      const mine = members.find((m) => m.role === 'callee' && m.state === 'talking' && m.party.kind === 'extension' && m.party.id === agent.extension);
      if (!target || !mine) throw new TransferError('CC_TRANSFER_NOT_POSSIBLE', 'the consulted party is no longer on the call: cancel instead');
      this.open.delete(call.id);
      // The agent's part is over: the CDR and the ACD (queue log, wrap-up) see a consultative transfer.
      call.noteTransfer({ kind: 'consultative', side: 'callee', from: mine.party, to: target.party });
      await call.partyMix.remove(mine.id);
      await call.keepCallerApart(false);
      return;
    }
    this.open.delete(call.id);
    if (action === 'cancel' && target) {
      await call.partyMix.remove(target.id).catch((err) => {
        if (!(err instanceof CallPartyError)) throw err;
      });
    }
    await call.keepCallerApart(false);
  }
}

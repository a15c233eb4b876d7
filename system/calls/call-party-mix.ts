// A live call grown beyond two parties (3-way / multi-party, 多方通话) and supervisors on it
// (listen, whisper, barge). One CallPartyMix per Call, created on the first add or monitor.
// From then on the call is mixed: every member's voice goes into a ConferenceMix in the call's
// own router and each member hears its own mix (mix-minus; supervisors by monitor-modes.ts),
// and it stays mixed until the call ends, also when it is back to two parties (no second
// switch-over glitch, and a monitor can still join). An added party is a SIP leg (a number
// through the dial plan) or an agent's browser softphone (addBrowserParty: a consultation to a
// browser agent; its page is told when it is in the mix). The caller and callee stay the Call's two
// legs; an added party who is left with one of them takes the empty side (install), so the
// call goes on while two talking parties remain. The recording keeps its two channels in the
// same file: channel 1 the caller's side as before, channel 2 what that caller hears (the
// mix of everyone else, so a barge is recorded, a listen or whisper is not). The Call lends its
// internals through PartyMixHost; this file never touches a Call's fields.
import type { types } from 'mediasoup';
import type { MediaDirection, AudioOffer } from '../sip/sdp.ts';
import { answerDirection } from '../sip/sdp.ts';
import type { SipEndpoint } from '../sip/endpoint.ts';
import type { CallCodecs, MediaEngine } from '../../media/media-engine.ts';
import { SipLegMedia } from '../../media/sip-leg-media.ts';
import { ConferenceMix } from '../../media/conference-mix.ts';
import { MAX_PARTIES } from '../../media/mixer.ts';
import { afterLeaving, hasSeat, whisperTarget, type MemberFacts, type MemberRole } from './call-party-rules.ts';
import { mixSettingsFor, type MonitorMode } from '../../media/monitor-modes.ts';
import { OutboundLeg } from './outbound-leg.ts';
import { BrowserLeg, asOutboundLeg } from './browser-leg.ts';
import type { BrowserCandidate } from './callee-offer.ts';
import type { IncomingRefer, IncomingReoffer, LegSide } from './sip-leg.ts';
import { remoteMediaOf } from './leg-sdp.ts';
import type { CdrParty } from './cdr.ts';
import type { CallErrorCode } from './errors.ts';
import type { HangupCause } from './hangup.ts';
import type { CallLeg, TransferDestination } from './transfer.ts';

export type { MonitorMode } from '../../media/monitor-modes.ts';
/** caller/callee: the Call's two sides; party: added to the call; monitor: a supervisor. */
export type { MemberRole } from './call-party-rules.ts';

/** One member as the API, the live events and the CDR see it. */
export interface CallMember {
  id: string;
  role: MemberRole;
  party: CdrParty;
  state: 'ringing' | 'talking' | 'left';
  /** Supervisors: the mode now, and every mode with when it began. */
  mode?: MonitorMode;
  modes?: { mode: MonitorMode; at: number }[];
  /** When it was added to the mix (the original two: when mixing began) and when it left. */
  joinedAt?: number;
  leftAt?: number;
  /** Who brought it in (a box user), for added parties and monitors. */
  by?: string;
}

/** The CDR's record of a mixed call. */
export interface CdrConference {
  startedAt: number;
  members: CallMember[];
}

export class CallPartyError extends Error {
  constructor(readonly code: CallErrorCode, message: string, readonly status = 409) {
    super(message);
  }
}

/** The Call's internals a party mix works with (closures over the Call's private state). */
export interface PartyMixHost {
  readonly callId: string;
  readonly log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
  readonly endpoint: SipEndpoint;
  readonly media: MediaEngine;
  readonly portRange: { min: number; max: number };
  readonly noAnswerTimeoutMs: number;
  readonly maxForwards: number;
  context(): { router: types.Router; codecs: CallCodecs } | undefined;
  answered(): boolean;
  legOf(side: LegSide): CallLeg | undefined;
  partyOf(side: LegSide): CdrParty | undefined;
  sdpFor(leg: CallLeg, direction: MediaDirection, answering?: AudioOffer): string;
  /** A number as `as` would dial it (the dial plan; transfer-targets.ts). */
  resolve(number: string, as: CdrParty, shownAs: CdrParty): TransferDestination;
  /** Put `leg` on `side` of the call, wired to it; returns the leg that was there, unwired. */
  install(side: LegSide, leg: CallLeg, party: CdrParty): CallLeg | undefined;
  /** The recording's channel for `side` records `producerId`; `party` joins its party list. */
  record(side: LegSide, producerId: string | undefined, party?: string): Promise<void>;
  /** Members changed (joined, left, mode): the Call tells its listeners and logs an event row. */
  changed(type: 'call-party-joined' | 'call-party-left' | 'call-monitor-mode', member: CallMember): Promise<void>;
  serial<T>(fn: () => Promise<T>): Promise<T>;
  hangup(cause: HangupCause): Promise<void>;
  /** A browser party (agent `key`) is in the mix: its page is told it is connected. */
  connected?(party: CdrParty, key: string): void;
}

interface Member extends CallMember {
  leg?: CallLeg;
  /** The producer of what this member hears (in the call's router), once in the mix. */
  hears?: string;
  /** Gives back a trunk channel the member's leg took. */
  release?: () => void;
  timer?: NodeJS.Timeout;
  /** While ringing: give up (the call ended), rejecting whoever waits for the answer. */
  abort?: () => void;
  /** A browser party: the agent whose softphone page it is. */
  agent?: string;
}

const SIDES: LegSide[] = ['caller', 'callee'];

export class CallPartyMix {
  private mix?: ConferenceMix;
  private opening?: Promise<ConferenceMix>;
  private readonly members = new Map<string, Member>();
  private next = { party: 1, monitor: 1 };
  private startedAt?: number;
  private closed = false;
  /** Sides kept apart from the conversation (a consultation: nobody hears them, the Call plays them music). */
  private readonly apart = new Set<LegSide>();

  constructor(private readonly host: PartyMixHost) {}

  /** Whether the call's audio goes through the mixer now. */
  get mixing(): boolean {
    return this.mix !== undefined && !this.closed;
  }

  /** Members as the API shows them (no legs). */
  list(): CallMember[] {
    return [...this.members.values()].map(publicView);
  }

  /** What `side`'s leg should hear while mixing (its mix), or undefined. */
  hearsOf(side: LegSide): string | undefined {
    if (!this.mixing) return undefined;
    return [...this.members.values()].find((m) => m.role === side && m.state === 'talking')?.hears;
  }

  private facts(): MemberFacts[] {
    return [...this.members.values()].map((m) => ({ id: m.id, role: m.role, state: m.state, isExtension: m.party.kind === 'extension' }));
  }

  /**
   * Ring `number` (an extension, or an outside number through the dial plan, as the call's
   * agent would dial it) and add it to the call when it answers. Resolves with the member once
   * it talks; rejects with a CallPartyError (its code and an HTTP-like status) otherwise.
   */
  async addParty(number: string, by: string): Promise<CallMember> {
    return this.ring('party', number, by);
  }

  /**
   * Ring an agent's browser softphone (a BrowserCandidate from the SoftphoneHub) and add it to
   * the call when it answers, as addParty does a number (consultation to a browser agent,
   * workspace-consult.ts). Its leg lives in the call's router; it rings for the candidate's time.
   */
  async addBrowserParty(candidate: BrowserCandidate, by: string): Promise<CallMember> {
    const { host } = this;
    const ctx = host.context();
    if (this.closed || !ctx || !host.answered() || !host.legOf('caller') || !host.legOf('callee')) {
      throw new CallPartyError('CC_CALL_PARTY_NOT_CONNECTED', 'the call is not connected to two parties', 409);
    }
    if (!hasSeat(this.facts(), this.mix !== undefined)) throw new CallPartyError('CC_CALL_PARTY_FULL', `the call already has ${MAX_PARTIES} members`, 409);
    const id = `p${this.next.party++}`;
    const member: Member = { id, role: 'party', party: candidate.party, state: 'ringing', by, agent: candidate.key };
    this.members.set(id, member);
    let leg: BrowserLeg;
    try {
      leg = await BrowserLeg.create(ctx.router, ctx.codecs, { listenIp: host.media.listenIp, announcedAddress: host.media.announcedAddress, portRange: host.portRange }, candidate.line, candidate.info, host.log);
    } catch (err) {
      this.drop(member);
      throw err;
    }
    if (this.closed) {
      leg.media.close();
      this.drop(member);
      throw new CallPartyError('CC_CALL_PARTY_FAILED', 'the call ended', 409);
    }
    host.log.info({ callId: host.callId, member: id, role: 'party', agent: candidate.key, by }, 'browser party rung');
    return this.ringLeg(member, asOutboundLeg(leg), candidate.key, candidate.ringTimeoutMs);
  }

  /** A supervisor's extension joins in `mode`. Resolves once it answered and is in the mix. */
  async monitor(extension: string, mode: MonitorMode, by: string): Promise<CallMember> {
    return this.ring('monitor', extension, by, mode);
  }

  /** Switch a supervisor's mode in the same leg. */
  setMode(id: string, mode: MonitorMode): Promise<CallMember> {
    return this.host.serial(async () => {
      const m = this.members.get(id);
      if (!m || m.role !== 'monitor' || m.state === 'left') throw new CallPartyError('CC_CALL_PARTY_UNKNOWN', `no supervisor ${id} on this call`, 404);
      if (m.state === 'ringing') throw new CallPartyError('CC_CALL_PARTY_NOT_CONNECTED', `supervisor ${id} has not answered yet`, 409);
      if (m.mode !== mode) {
        m.mode = mode;
        m.modes!.push({ mode, at: Date.now() });
        this.applyMode(m);
        await this.host.changed('call-monitor-mode', publicView(m));
      }
      return publicView(m);
    });
  }

  /**
   * Keep `side` apart from the conversation (consultative transfer, workspace-consult.ts): its
   * voice is heard by nobody and it is not switched to its mix when mixing starts (the Call
   * plays it music); false brings it back (the Call then lets it hear its mix). Synchronous:
   * safe inside the Call's serial chain.
   */
  setApart(side: LegSide, apart: boolean): void {
    if (apart) this.apart.add(side);
    else this.apart.delete(side);
    const m = [...this.members.values()].find((x) => x.role === side && x.state === 'talking');
    if (m) this.applyMode(m);
  }

  /** Whether `side` is kept apart now. */
  isApart(side: LegSide): boolean {
    return this.apart.has(side);
  }

  /** Drop an added party or a supervisor (BYE or CANCEL). The caller and callee hang up themselves. */
  remove(id: string): Promise<CallMember> {
    return this.host.serial(async () => {
      const m = this.members.get(id);
      if (!m || m.state === 'left') throw new CallPartyError('CC_CALL_PARTY_UNKNOWN', `no member ${id} on this call`, 404);
      if (m.state === 'ringing') {
        // Still ringing: CANCEL it; whoever waits for its answer gets CC_CALL_PARTY_FAILED.
        const view = { ...publicView(m), state: 'left' as const, leftAt: Date.now() };
        m.abort?.();
        return view;
      }
      if (m.role === 'caller' || m.role === 'callee') {
        if (afterLeaving(this.facts(), m.id).outcome === 'ends') throw new CallPartyError('CC_CALL_PARTY_LAST_TWO', 'the call has only two parties: hang it up instead', 409);
        m.leg?.end();
        await this.left(m);
        return publicView(m);
      }
      m.leg?.end();
      await this.left(m);
      return publicView(m);
    });
  }

  /**
   * A leg of the call hung up (or failed). True when the mix absorbs it: the member leaves the
   * mix and the call goes on (two or more talking parties remain; an added party takes an
   * empty side). False when the call should end as usual.
   */
  legLeft(leg: CallLeg): boolean {
    if (!this.mixing) return false;
    const m = [...this.members.values()].find((x) => x.leg === leg && x.state !== 'left');
    if (!m) return false;
    if (afterLeaving(this.facts(), m.id).outcome === 'ends') return false;
    void this.host.serial(() => this.left(m)).catch((err) => this.host.log.warn({ err, callId: this.host.callId, member: m.id }, 'member leave failed'));
    return true;
  }

  /** What the CDR records (undefined when the call was never mixed). */
  cdr(endedAt: number): CdrConference | undefined {
    if (this.startedAt === undefined) return undefined;
    return {
      startedAt: this.startedAt,
      members: this.list().filter((m) => m.joinedAt !== undefined).map((m) => (m.state === 'left' ? m : { ...m, state: 'left', leftAt: endedAt })),
    };
  }

  /** The call ends: every added party and supervisor is hung up, the mixer closes. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const m of this.members.values()) {
      if (m.role === 'party' || m.role === 'monitor') {
        clearTimeout(m.timer);
        if (m.state === 'ringing') m.abort?.();
        if (m.state !== 'left' && m.leg) {
          m.leg.removeAllListeners();
          m.leg.end();
          m.leg.media.close();
        }
        m.release?.();
        m.release = undefined;
      }
    }
    this.mix?.close();
    this.opening?.then((mix) => mix.close(), () => undefined);
  }

  private async ring(role: 'party' | 'monitor', number: string, by: string, mode?: MonitorMode): Promise<CallMember> {
    const { host } = this;
    const ctx = host.context();
    if (this.closed || !ctx || !host.answered() || !host.legOf('caller') || !host.legOf('callee')) {
      throw new CallPartyError('CC_CALL_PARTY_NOT_CONNECTED', 'the call is not connected to two parties', 409);
    }
    if (!hasSeat(this.facts(), this.mix !== undefined)) throw new CallPartyError('CC_CALL_PARTY_FULL', `the call already has ${MAX_PARTIES} members`, 409);
    const caller = host.partyOf('caller')!;
    const callee = host.partyOf('callee')!;
    // Routed as the call's extension would dial (the agent's phone), shown as the caller; a
    // supervisor's phone from the call's extension too (dialling itself would be refused).
    const ext = callee.kind === 'extension' ? callee : caller.kind === 'extension' ? caller : undefined;
    const as = role === 'monitor' && (!ext || ext.id === number) ? supervisorParty(number) : ext;
    if (!as) throw new CallPartyError('CC_CALL_PARTY_NO_ROUTE', 'neither side of the call is an extension to dial from', 409);
    const dest = host.resolve(number, as, role === 'monitor' ? callee : caller);
    if (dest.kind === 'fail') throw new CallPartyError('CC_CALL_PARTY_FAILED', `${number}: ${dest.status} ${dest.reason}`, dest.status === 404 || dest.status === 480 ? 404 : 409);
    if (dest.kind !== 'ring') throw new CallPartyError('CC_CALL_PARTY_FAILED', `${number} cannot be rung`, 409);
    if (role === 'monitor' && dest.party.kind !== 'extension') {
      dest.release?.();
      throw new CallPartyError('CC_CALL_PARTY_FAILED', `${number} is not an extension`, 400);
    }
    const id = role === 'party' ? `p${this.next.party++}` : `m${this.next.monitor++}`;
    const member: Member = { id, role, party: dest.party, state: 'ringing', by, release: dest.release, ...(mode ? { mode, modes: [] } : {}) };
    this.members.set(id, member);
    let media: SipLegMedia;
    try {
      media = await SipLegMedia.create(ctx.router, ctx.codecs, { listenIp: host.media.listenIp, announcedAddress: host.media.announcedAddress, portRange: host.portRange, comedia: dest.isPhone });
    } catch (err) {
      this.drop(member);
      throw err;
    }
    if (this.closed) {
      media.close();
      this.drop(member);
      throw new CallPartyError('CC_CALL_PARTY_FAILED', 'the call ended', 409);
    }
    const leg = new OutboundLeg(host.endpoint, media, dest.target, host.log, 'callee');
    host.log.info({ callId: host.callId, member: id, role, number, by, mode }, role === 'monitor' ? 'supervisor rung' : 'party rung');
    return this.ringLeg(member, leg, number, host.noAnswerTimeoutMs);
  }

  /** Ring a member's new leg: resolves once it answered and is in the mix, rejects when it fails or rings out. */
  private ringLeg(member: Member, leg: OutboundLeg, number: string, ringMs: number): Promise<CallMember> {
    const { host } = this;
    member.leg = leg;
    return new Promise<CallMember>((resolve, reject) => {
      let settled = false;
      const fail = (code: CallErrorCode, why: string, status = 409) => {
        if (settled) return;
        settled = true;
        clearTimeout(member.timer);
        leg.removeAllListeners();
        leg.media.close();
        this.mix?.remove(member.id);
        this.drop(member);
        reject(new CallPartyError(code, why, status));
      };
      member.timer = setTimeout(() => {
        leg.end();
        fail('CC_CALL_PARTY_FAILED', `${number}: no answer`, 408);
      }, ringMs);
      member.timer.unref();
      leg.on('rejected', (status, reason) => fail('CC_CALL_PARTY_FAILED', `${number}: ${status} ${reason}`, status === 404 || status === 480 ? 404 : 409));
      leg.on('answered', (answer) => {
        clearTimeout(member.timer);
        host.serial(() => this.connect(member, leg, answer)).then(
          () => {
            settled = true;
            resolve(publicView(member));
          },
          (err) => {
            leg.end();
            fail(err instanceof CallPartyError ? err.code : 'CC_CALL_PARTY_FAILED', (err as Error).message);
          },
        );
      });
      member.abort = () => {
        leg.end();
        fail('CC_CALL_PARTY_FAILED', 'the call ended', 409);
      };
      this.wireMemberLeg(member, leg);
      leg.start(host.sdpFor(leg, 'sendrecv'), host.maxForwards - 1);
    });
  }

  /** In-dialog requests of an added party's or supervisor's leg. */
  private wireMemberLeg(member: Member, leg: OutboundLeg): void {
    const gone = () => {
      if (member.state === 'left') return;
      if (member.role === 'caller' || member.role === 'callee') return; // promoted: the Call's wiring took over
      void this.host.serial(() => this.left(member)).catch(() => undefined);
    };
    leg.on('bye', gone);
    leg.on('failed', gone);
    // A hold from an added party: answered here (it stops hearing the mix while held).
    leg.on('reoffer', (r: IncomingReoffer) => {
      void (async () => {
        const offered: MediaDirection = r.offer.holdByZeroAddress ? 'sendonly' : r.offer.direction;
        if (offered === 'sendonly' || offered === 'inactive') await leg.media.pauseSending();
        else await leg.media.resumeSending();
        r.accept(this.host.sdpFor(leg, answerDirection(offered), r.offer));
      })().catch(() => r.reject(500, 'Server Internal Error'));
    });
    leg.on('refer', (r: IncomingRefer) => r.reject(403, 'Forbidden (transfers are made by the call\'s own parties)'));
  }

  /** The member answered: into the mix (switching the call over on the first one). */
  private async connect(member: Member, leg: OutboundLeg, answer: AudioOffer | undefined): Promise<void> {
    if (this.closed || member.state === 'left' || !this.host.answered()) throw new CallPartyError('CC_CALL_PARTY_FAILED', 'the call ended', 409);
    await leg.media.start(answer && remoteMediaOf(answer));
    await this.startMixing();
    await this.join(member, leg);
    member.abort = undefined;
    if (member.mode) member.modes!.push({ mode: member.mode, at: member.joinedAt! });
    // Party numbers on the recording's list; channel 2 (what the caller hears) follows the mix.
    if (member.role === 'party') await this.host.record('callee', this.hearsOf('caller'), member.party.number);
    if (member.agent) this.host.connected?.(member.party, member.agent);
    await this.host.changed('call-party-joined', publicView(member));
  }

  /** Switch the call from its two-party forward to the mixer: both sides join first, then hear their mixes. */
  private async startMixing(): Promise<ConferenceMix> {
    if (this.mix) return this.mix;
    const mix = await (this.opening ??= ConferenceMix.open());
    if (this.closed) {
      mix.close();
      throw new CallPartyError('CC_CALL_PARTY_FAILED', 'the call ended', 409);
    }
    this.mix = mix;
    this.startedAt = Date.now();
    for (const side of SIDES) {
      const leg = this.host.legOf(side)!;
      const m: Member = { id: side, role: side, party: this.host.partyOf(side)!, state: 'ringing', leg };
      this.members.set(side, m);
      await this.join(m, leg, false);
    }
    for (const side of SIDES) {
      const m = this.members.get(side)!;
      if (!this.apart.has(side)) await m.leg!.media.receiveFrom({ producerId: m.hears });
    }
    await this.host.record('callee', this.hearsOf('caller'));
    this.host.log.info({ callId: this.host.callId }, 'call switched to the mixer');
    return mix;
  }

  /** Into the mix: its voice in, its mix out (heard at once unless `hear` is false). */
  private async join(m: Member, leg: CallLeg, hear = true): Promise<void> {
    const ctx = this.host.context();
    if (!ctx || !this.mix) throw new CallPartyError('CC_CALL_PARTY_FAILED', 'the call ended', 409);
    const added = await this.mix.add(m.id, { router: ctx.router, codecs: ctx.codecs, producerId: leg.media.producerId! });
    if (!added) throw new CallPartyError('CC_CALL_PARTY_FAILED', 'left while joining', 409);
    m.hears = added.producerId;
    m.state = 'talking';
    m.joinedAt = Date.now();
    this.applyMode(m); // before any of its audio reaches a tick (a listener is never heard)
    if (hear) await leg.media.receiveFrom({ producerId: m.hears });
  }

  private applyMode(m: Member): void {
    if (!this.mix || m.state !== 'talking') return;
    const settings = mixSettingsFor({ id: m.id, monitor: m.mode ? { mode: m.mode, agent: whisperTarget(this.facts()) ?? '' } : undefined });
    if ((m.role === 'caller' || m.role === 'callee') && this.apart.has(m.role)) settings.listenOnly = true;
    this.mix.configure(m.id, settings);
  }

  /** A member is gone: out of the mix; an empty side of the call is taken by an added party. */
  private async left(m: Member): Promise<void> {
    if (m.state === 'left') return;
    const wasSide = m.role === 'caller' || m.role === 'callee' ? (m.role as LegSide) : undefined;
    clearTimeout(m.timer);
    m.leftAt = Date.now();
    const next = afterLeaving(this.facts(), m.id);
    m.state = 'left';
    this.mix?.remove(m.id);
    m.release?.();
    m.release = undefined;
    if (!wasSide) {
      m.leg?.removeAllListeners();
      m.leg?.media.close();
    }
    await this.host.changed('call-party-left', publicView(m));
    if (wasSide && !this.closed && next.outcome === 'ends') {
      // Others left at the same moment: nobody is left to talk to.
      void this.host.hangup({ status: 200, reason: 'BYE', side: wasSide, cause: 'bye' });
      return;
    }
    if (wasSide && !this.closed) {
      const heir = next.outcome === 'goes-on' && next.heir ? this.members.get(next.heir) : undefined;
      if (heir?.leg) {
        heir.role = wasSide;
        const old = this.host.install(wasSide, heir.leg, heir.party);
        old?.media.close();
        this.host.log.info({ callId: this.host.callId, member: heir.id, side: wasSide }, 'an added party takes the empty side of the call');
      }
      await this.host.record('caller', this.host.legOf('caller')?.media.producerId);
      await this.host.record('callee', this.hearsOf('caller'));
    }
    // A whisperer's agent may have changed.
    for (const x of this.members.values()) if (x.role === 'monitor') this.applyMode(x);
  }

  /** Forget a member that never joined. */
  private drop(m: Member): void {
    m.release?.();
    m.release = undefined;
    this.members.delete(m.id);
  }
}

function publicView(m: Member | CallMember): CallMember {
  const { id, role, party, state, mode, modes, joinedAt, leftAt, by } = m;
  return { id, role, party, state, ...(mode ? { mode, modes: modes ? [...modes] : [] } : {}), ...(joinedAt !== undefined ? { joinedAt } : {}), ...(leftAt !== undefined ? { leftAt } : {}), ...(by ? { by } : {}) };
}

/** A supervisor's extension as the source its own call is routed from. */
function supervisorParty(extension: string): CdrParty {
  return { kind: 'extension', id: extension, uri: `sip:${extension}@box`, number: extension };
}

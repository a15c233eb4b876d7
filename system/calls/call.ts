// A Call is one object: it owns its legs (each a SIP dialog + a media endpoint in the call's
// own mediasoup router), relays between them (progress, answer, hold re-INVITEs, hang-up),
// surfaces DTMF, watches for dead media, and writes the CDR when it ends. The verbs other
// features use are methods (hangup, hold, unhold); what happened is told by typed events.
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import type { types } from 'mediasoup';
import type { Store } from '../store/store.ts';
import type { SipEndpoint } from '../sip/endpoint.ts';
import type { ServerTransaction } from '../sip/transactions.ts';
import type { Remote } from '../sip/message.ts';
import { answerDirection, isHold, type AudioOffer, type MediaDirection } from '../sip/sdp.ts';
import type { CallCodecs, MediaEngine } from '../../media/media-engine.ts';
import { SipLegMedia, type ReceiveQuality } from '../../media/sip-leg-media.ts';
import { PromptPlayer, type PlayOutcome } from '../../media/prompt-player.ts';
import type { PromptLibrary } from '../../media/prompt-library.ts';
import type { RecordingHub } from '../../media/recording-hub.ts';
import type { RecordingKey } from '../../media/recording-crypto.ts';
import { InboundLeg } from './inbound-leg.ts';
import { OutboundLeg, type OutboundTarget } from './outbound-leg.ts';
import type { SipLeg, LegSide, IncomingReoffer, IncomingRefer } from './sip-leg.ts';
import { canTransition, type CallState } from './call-states.ts';
import { legSdp, remoteMediaOf } from './leg-sdp.ts';
import { dispositionFor, mapCalleeFailure, type HangupCause } from './hangup.ts';
import { HoldClock } from './hold-clock.ts';
import { writeCdr, type Cdr, type CdrParty, type CdrTransfer, type IvrTag } from './cdr.ts';
import { CallRecording } from './call-recording.ts';
import { CalleeOffer, type CalleeCandidate } from './callee-offer.ts';
import { BrowserLeg, asOutboundLeg } from './browser-leg.ts';
import type { CallErrorCode } from './errors.ts';
import { CallPartyMix, type CallMember } from './call-party-mix.ts';
import { DtmfDedup, type DtmfSource } from './dtmf-dedup.ts';
import { CallTransfer, lendParty, referRefusal, replaceByInvite, type CallLeg, type LentParty, type TransferDestination, type TransferHost, type TransferInfo, type TransferResolver } from './transfer.ts';

/** One live reading of what each leg receives (media/leg-quality.ts), taken at `at`. */
export interface LiveQuality {
  at: number;
  caller: ReceiveQuality;
  callee?: ReceiveQuality;
}

export type CallEvents = {
  stateChanged: [from: CallState, to: CallState];
  dtmf: [digit: string, side: LegSide, via: DtmfSource];
  held: [side: LegSide, held: boolean];
  /** A box-answered call was connected to a callee (offer() won by `key`). */
  connected: [party: CdrParty, key: string];
  /** Live receive quality of both legs, every few seconds while answered (monitoring). */
  quality: [sample: Record<LegSide, ReceiveQuality>];
  /** A transfer replaced the party on `info.side` (after the swap; the CDR lists it too). */
  transferred: [info: TransferInfo];
  /** A party or supervisor joined or left the mixed call, or a supervisor changed mode (call-party-mix.ts). */
  members: [members: CallMember[]];
  ended: [cdr: Cdr];
};

export type { DtmfSource } from './dtmf-dedup.ts';

export interface CallDeps {
  store: Store;
  endpoint: SipEndpoint;
  media: MediaEngine;
  portRange: { min: number; max: number };
  noAnswerTimeoutMs: number;
  deadMediaTimeoutMs: number;
  dtmfEvents: boolean;
  onHold: 'music' | 'relay';
  /** Prompts and music on hold; without it, holds are relayed and play() plays nothing. */
  prompts?: PromptLibrary;
  /** Where this call is recorded (undefined: not recorded). */
  recording?: { hub: RecordingHub; dir: string; encryption?: RecordingKey };
  /** Sides whose audio is searched for in-band DTMF tones (runs on the recording's audio). */
  inbandDtmf?: LegSide[];
  /** Where transfers go (the CallManager); without it every REFER is refused. */
  transfers?: TransferResolver;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

export interface CallSetup {
  /** The caller's INVITE; absent for a call the box places itself (openCaller). */
  tx?: ServerTransaction;
  /** A call the box places for a browser agent (browser-dial.ts): opens the calling side (the
   *  page's WebRTC leg, standing in for an InboundLeg) once the router is there; `ready` resolves
   *  when the page's media is up (false: it never came), then the callee is rung as usual. */
  openCaller?: (router: types.Router, codecs: CallCodecs, opts: { listenIp: string; announcedAddress: string; portRange: { min: number; max: number } }) => Promise<{ leg: InboundLeg; ready: Promise<boolean> }>;
  offer: AudioOffer;
  codecs: CallCodecs;
  caller: CdrParty;
  callerNatted: boolean;
  /** Where the call goes. Without it the box answers the caller itself (queues, IVR) and a
   *  callee is found later with offer(). */
  destination?: { party: CdrParty; target: OutboundTarget; isPhone: boolean };
  dialled: string;
  maxForwards: number;
}

export class Call extends EventEmitter<CallEvents> {
  readonly id = randomUUID();
  state: CallState = 'routing';
  /** Legs: an InboundLeg and an OutboundLeg until a transfer puts either kind on either side. */
  caller?: CallLeg;
  callee?: CallLeg;
  /** Shared with other calls of the same codec set; this call's transports are its own. */
  private router?: types.Router;
  private releaseRouter?: () => void;
  readonly startedAt = Date.now();
  private ringingAt?: number;
  private answeredAt?: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly dtmf: Record<LegSide, string> = { caller: '', callee: '' };
  private cancelledEarly = false;
  /** Sides that put the call on hold. */
  private readonly held = new Set<LegSide>();
  /** Hold time for the CDR, from this call's own `held` events. */
  private readonly holdClock = new HoldClock();
  /** One prompt player per side, created on first use. */
  private readonly players = new Map<LegSide, PromptPlayer>();
  /** stopPlaying() calls per side: a play() that sees this change while it sets up stops there. */
  private readonly playStops = new Map<LegSide, number>();
  private recording?: CallRecording;
  /** The callee as known so far (the destination, or whoever answered an offer). */
  private calleeParty?: CdrParty;
  /** The caller as known now (a transfer on the caller's side replaces it). */
  private callerParty: CdrParty;
  /** The transfer in progress, and those done (for the CDR). */
  private transfer?: CallTransfer;
  private readonly transfers: CdrTransfer[] = [];
  /** The offer ringing candidates for a box-answered call, if any. */
  private pendingOffer?: CalleeOffer;
  /** Labels features put on the call for the CDR and recording index (queue, agents). */
  readonly tags: { queue?: string; agents: string[]; priority?: number; skills?: { skill: string; minLevel: number }[]; ivr?: IvrTag; direction?: 'outbound' } = { agents: [] };
  private readonly sessionId = String(Math.floor(Math.random() * 1e9));
  private endPromise?: Promise<void>;

  constructor(private readonly deps: CallDeps, private readonly setup: CallSetup) {
    super();
    this.calleeParty = setup.destination?.party;
    this.callerParty = setup.caller;
    this.on('held', (side, hold) => this.holdClock.set(side, hold, Date.now()));
    // A CANCEL may arrive while the media is still being set up.
    if (setup.tx) setup.tx.onCancel = () => {
      this.cancelledEarly = true;
    };
  }

  get sipCallId(): string {
    // A call the box placed has one SIP dialog: its callee's.
    return this.setup.tx?.request.headers['call-id'] ?? (this.callee instanceof OutboundLeg ? this.callee.callId : this.id);
  }

  /** The number the caller dialled (as routed: visual separators removed). */
  get dialled(): string {
    return this.setup.dialled;
  }

  private setState(to: CallState): boolean {
    if (this.state === to) return true;
    if (!canTransition(this.state, to)) {
      this.deps.log.warn({ callId: this.id, code: 'CC_CALL_BAD_TRANSITION' satisfies CallErrorCode, from: this.state, to }, 'refused call state transition');
      return false;
    }
    const from = this.state;
    this.state = to;
    this.emit('stateChanged', from, to);
    return true;
  }

  /** Set up media and the callee leg; the caller leg already has its 100 Trying. */
  async start(): Promise<void> {
    const { deps, setup } = this;
    const legOpts = (comedia: boolean) => ({ listenIp: deps.media.listenIp, announcedAddress: deps.media.announcedAddress, portRange: deps.portRange, comedia });
    const lease = await deps.media.acquireRouter(setup.codecs);
    this.releaseRouter = lease.release;
    this.router = lease.router;
    if (this.endPromise) return lease.release(); // hung up while we awaited
    let caller: InboundLeg;
    if (setup.openCaller) {
      const opened = await setup.openCaller(this.router, setup.codecs, { listenIp: deps.media.listenIp, announcedAddress: deps.media.announcedAddress, portRange: deps.portRange });
      caller = opened.leg;
      this.caller = caller; // from here on, end() closes this media
      if (!(await opened.ready) || this.endPromise) return this.end({ status: 480, reason: 'the softphone did not set up its media', side: 'caller', cause: 'failed' });
    } else {
      const callerMedia = await SipLegMedia.create(this.router, setup.codecs, legOpts(setup.callerNatted));
      caller = new InboundLeg(deps.endpoint, setup.tx!, callerMedia, deps.log);
      this.caller = caller; // from here on, end() closes this media
      await callerMedia.start(remoteMediaOf(setup.offer));
    }
    if (this.cancelledEarly) {
      caller.reject(487, 'Request Terminated');
      return this.end({ status: 487, reason: 'Request Terminated', side: 'caller', cause: 'cancel' });
    }
    this.wireCaller(caller);
    const destination = setup.destination;
    if (!destination) return this.answerLocally(caller);
    const calleeMedia = await SipLegMedia.create(this.router, setup.codecs, legOpts(destination.isPhone));
    if (this.endPromise) return calleeMedia.close();
    const callee = new OutboundLeg(deps.endpoint, calleeMedia, destination.target, deps.log);
    this.callee = callee;
    this.wireRinging(caller, callee);
    this.wireLeg(callee);
    if (this.state !== 'routing') return; // ended meanwhile (CANCEL during set-up)
    callee.start(this.sdpFor(callee, 'sendrecv'), setup.maxForwards - 1);
    this.after(deps.noAnswerTimeoutMs, () => {
      if (this.state !== 'routing' && this.state !== 'ringing') return;
      callee.cancel();
      caller.reject(480, 'Temporarily Unavailable (no answer)');
      void this.end({ status: 480, reason: 'no answer', side: 'system', cause: 'no-answer-timeout' });
    });
  }

  private sdpFor(leg: SipLeg<any>, direction: MediaDirection, answering?: AudioOffer): string {
    const local = leg.media.local;
    return legSdp({
      sessionId: (leg.sdpSession ??= this.sessionId + (leg.side === 'caller' ? '1' : '2')),
      version: leg.sdpVersion++,
      address: this.deps.media.announcedAddress,
      port: local.port,
      rtcpPort: local.rtcpPort,
      codecs: this.setup.codecs,
      direction,
      answering,
    });
  }

  /** The box answers the caller itself; features (queue, IVR) drive the call from here. */
  private async answerLocally(caller: InboundLeg): Promise<void> {
    if (this.endPromise) return;
    caller.answer(this.sdpFor(caller, answerDirection(this.setup.offer.direction), this.setup.offer));
    this.answeredAt = Date.now();
    this.setState('answered');
    if (this.deps.dtmfEvents) await caller.media.tapDtmf((d) => this.onDigit(d, 'caller', 'rfc4733'));
    this.watchMedia();
  }

  /**
   * Verb (box-answered calls): ring candidates in parallel; the first to answer is connected
   * to the caller (the caller's prompt or music stops), the others are cancelled. Add more
   * candidates to the returned offer while it rings. One offer at a time.
   */
  offer(candidates: CalleeCandidate[]): CalleeOffer | undefined {
    if (this.setup.destination || this.callee || this.pendingOffer?.active || this.state !== 'answered' || this.endPromise) return undefined;
    const offer = new CalleeOffer({
      createLeg: async (candidate) => {
        if (!this.router || this.endPromise) return undefined;
        if (candidate.kind === 'browser') {
          const leg = await BrowserLeg.create(this.router, this.setup.codecs, {
            listenIp: this.deps.media.listenIp, announcedAddress: this.deps.media.announcedAddress, portRange: this.deps.portRange,
          }, candidate.line, candidate.info, this.deps.log);
          if (this.endPromise) {
            leg.media.close();
            return undefined;
          }
          return asOutboundLeg(leg);
        }
        const media = await SipLegMedia.create(this.router, this.setup.codecs, {
          listenIp: this.deps.media.listenIp, announcedAddress: this.deps.media.announcedAddress, portRange: this.deps.portRange, comedia: candidate.isPhone,
        });
        if (this.endPromise) {
          media.close();
          return undefined;
        }
        return new OutboundLeg(this.deps.endpoint, media, candidate.target, this.deps.log);
      },
      sendInvite: (leg) => leg.start(this.sdpFor(leg, 'sendrecv'), this.setup.maxForwards - 1),
      adopt: (leg, answer, candidate) => this.serial(() => this.adopt(leg, answer, candidate)),
    });
    this.pendingOffer = offer;
    for (const c of candidates) offer.add(c);
    return offer;
  }

  /** The winner of an offer becomes this call's callee. */
  private async adopt(leg: OutboundLeg, answer: AudioOffer | undefined, candidate: CalleeCandidate): Promise<boolean> {
    if (this.endPromise || this.state !== 'answered' || !this.caller) {
      leg.cancel();
      leg.media.close();
      return false;
    }
    this.callee = leg;
    this.calleeParty = candidate.party;
    this.wireLeg(leg);
    await leg.media.start(answer && remoteMediaOf(answer));
    this.players.get('caller')?.stop();
    await this.bridge();
    this.calleeConnectedAt = Date.now();
    this.connectedAt ??= this.calleeConnectedAt;
    // A second callee (after a workspace blind transfer): the recording follows it.
    if (this.recording) await this.recording.follow('callee', leg.media.producerId, candidate.party.number);
    else await this.startRecording();
    if (this.deps.dtmfEvents) await leg.media.tapDtmf((d) => this.onDigit(d, 'callee', 'rfc4733'));
    this.emit('connected', candidate.party, candidate.key);
    return true;
  }

  private connectedAt?: number;
  /** When the current callee was bridged (the CDR's connectedAt is the first callee's). */
  private calleeConnectedAt?: number;

  private wireCaller(caller: InboundLeg): void {
    caller.on('cancelled', () => {
      this.callee?.end();
      void this.end({ status: 487, reason: 'Request Terminated', side: 'caller', cause: 'cancel' });
    });
    this.wireLeg(caller);
  }

  /** In-dialog events of either leg: hang-up, failure, re-INVITE, INFO digits. */
  private wireLeg(leg: CallLeg): void {
    const other = () => this.legOf(leg.side === 'caller' ? 'callee' : 'caller');
    const endOther = () => {
      other()?.end();
      if (leg === this.caller) this.pendingOffer?.cancelAll();
    };
    leg.on('bye', () => {
      if (this.transfer?.legGone(leg)) return; // a transferor may leave before the target answers
      if (this.mix?.legLeft(leg)) return; // a mixed call goes on while two parties talk
      endOther();
      void this.end({ status: 200, reason: 'BYE', side: leg.side, cause: 'bye' });
    });
    leg.on('failed', (why: string) => {
      if (this.transfer?.legGone(leg)) return;
      if (this.mix?.legLeft(leg)) return;
      endOther();
      void this.end({ status: 500, reason: why, side: 'system', cause: why === 'no ACK' ? 'no-ack' : 'failed' });
    });
    leg.on('reoffer', (r: IncomingReoffer) => void this.serial(() => this.onReoffer(leg, other(), r)).catch((err) => {
      r.reject(500, 'Server Internal Error');
      this.deps.log.warn({ err, callId: this.id, code: 'CC_CALL_RELAY_FAILED' satisfies CallErrorCode }, 're-INVITE relay failed');
    }));
    leg.on('infoDigit', (digit: string) => this.onDigit(digit, leg.side, 'info'));
    leg.on('refer', (r: IncomingRefer) => this.onRefer(leg, r));
  }

  /** A REFER from `leg`: refused at once (see referRefusal), or a transfer starts (transfer.ts). */
  private onRefer(leg: CallLeg, r: IncomingRefer): void {
    const host = this.transferHost();
    const refused = this.mix?.mixing ? { status: 403, reason: 'Forbidden (a multi-party call cannot be transferred)' } : referRefusal(host, leg, this.transfer !== undefined);
    if (refused) {
      this.deps.log.warn({ callId: this.id, code: 'CC_CALL_TRANSFER_REFUSED' satisfies CallErrorCode, side: leg.side, status: refused.status, reason: refused.reason }, 'REFER refused');
      return r.reject(refused.status, refused.reason);
    }
    const transfer = new CallTransfer(host, leg, r, this.deps.transfers, () => {
      if (this.transfer === transfer) this.transfer = undefined;
    });
    this.transfer = transfer;
    void transfer.run();
  }

  /** Attended transfer into another call: lend it the party opposite `replaced` (transfer.ts). */
  lendParty(replaced: CallLeg): Promise<LentParty | undefined> {
    return lendParty(this.transferHost(), replaced, this.transfer !== undefined || this.endPromise !== undefined);
  }

  /** An INVITE with Replaces naming `replaced` (transfer.ts): answer it in that leg's place. */
  acceptReplacement(replaced: CallLeg, tx: ServerTransaction, offer: AudioOffer, party: CdrParty, comedia: boolean): Promise<boolean> {
    return replaceByInvite(this.transferHost(), replaced, tx, offer, party, comedia, this.transfer !== undefined || this.endPromise !== undefined);
  }

  /** This call's leg in the dialog (Call-ID, our tag, the peer's tag), for Replaces. */
  legWithDialog(callId: string, localTag: string, remoteTag: string): CallLeg | undefined {
    return [this.caller, this.callee].find((l) => l?.dialog?.callId === callId && l.dialog.localTag === localTag && l.dialog.remoteTag === remoteTag);
  }

  private transferHost(): TransferHost {
    const { deps } = this;
    return (this.host ??= {
      callId: this.id, log: deps.log, endpoint: deps.endpoint, media: deps.media, portRange: deps.portRange,
      noAnswerTimeoutMs: deps.noAnswerTimeoutMs, relayHolds: !(deps.onHold === 'music' && deps.prompts), maxForwards: this.setup.maxForwards,
      context: () => this.mediaContext,
      answered: () => this.state === 'answered' && !this.endPromise,
      legOf: (side) => this.legOf(side),
      partyOf: (side) => (side === 'caller' ? this.callerParty : this.calleeParty),
      isHeld: (side) => this.held.has(side),
      sdpFor: (leg, direction, answering) => this.sdpFor(leg, direction, answering),
      startMusic: (side) => this.startMusic(side),
      hearOther: async (side) => {
        if (this.held.has(side === 'caller' ? 'callee' : 'caller')) return;
        this.players.get(side)?.stop();
        await this.hearOtherParty(side);
      },
      install: (side, leg, party) => {
        const old = this.legOf(side);
        old?.removeAllListeners();
        this.held.delete(side);
        if (side === 'caller') this.caller = leg;
        else this.callee = leg;
        if (leg) {
          leg.removeAllListeners();
          leg.side = side;
          this.wireLeg(leg);
          if (side === 'caller') this.callerParty = party ?? this.callerParty;
          else this.calleeParty = party ?? this.calleeParty;
        }
        return old;
      },
      bridge: () => this.bridge(),
      follow: async (side, leg, party) => {
        await this.recording?.follow(side, leg.media.producerId, party.number);
        if (deps.dtmfEvents) await leg.media.tapDtmf((d) => this.onDigit(d, leg.side, 'rfc4733'));
      },
      transferred: (info) => {
        this.transfers.push({ at: Date.now(), ...info });
        this.deps.log.info({ callId: this.id, kind: info.kind, side: info.side, from: info.from.id, to: info.to.id }, 'call transferred');
        this.emit('transferred', info);
      },
      onEnded: (fn) => void this.once('ended', fn),
      hangup: (cause) => this.hangup(cause),
      end: (cause) => this.end(cause),
      serial: (fn) => this.serial(fn),
    });
  }

  private host?: TransferHost;

  /**
   * Verb (a blind transfer started from the workspace, workspace-transfer.ts): the callee of a
   * box-answered, two-party call leaves at once (BYE, or its page is told) and the caller hears
   * music; offer() may then ring someone else. Returns the party that left, or undefined when
   * the call is not such a call now (routed, mixed, transferring, not answered).
   */
  releaseCallee(): Promise<CdrParty | undefined> {
    return this.serial(async () => {
      const leg = this.callee;
      const party = this.calleeParty;
      if (!leg || !party || !this.caller || this.setup.destination || this.state !== 'answered' || this.endPromise || this.mix?.mixing || this.transfer) return undefined;
      const relayedHold = this.held.has('callee') && !(this.deps.onHold === 'music' && this.deps.prompts);
      leg.removeAllListeners();
      this.callee = undefined;
      this.calleeParty = undefined; // no longer busy on this call (the CDR's transfer list keeps it)
      leg.end();
      leg.media.close();
      if (this.held.delete('callee')) this.emit('held', 'callee', false);
      if (relayedHold && this.caller.dialog) {
        const res = await this.caller.reinvite(this.sdpFor(this.caller, 'sendrecv'));
        if (res.ok) await this.caller.media.resumeSending();
      }
      await this.startMusic('caller');
      return party;
    });
  }

  /**
   * Verb (consultative transfer, workspace-consult.ts): the caller waits apart from the
   * conversation with music, heard by nobody (true), or rejoins it and hears its mix again (false).
   */
  keepCallerApart(on: boolean): Promise<boolean> {
    return this.serial(async () => {
      if (this.state !== 'answered' || this.endPromise || !this.caller) return false;
      this.partyMix.setApart('caller', on);
      if (on) await this.startMusic('caller');
      else {
        this.players.get('caller')?.stop();
        await this.hearOtherParty('caller');
      }
      return true;
    });
  }

  /** Verb: record a transfer made outside a REFER (the workspace's): CDR list and `transferred` event. */
  noteTransfer(info: TransferInfo): void {
    this.transferHost().transferred(info);
  }

  /** A number as the extension `as` would dial it (dial plan, toll class; transfer-targets.ts), shown to it as `shownAs`. */
  resolveNumber(number: string, as: CdrParty, shownAs: CdrParty): TransferDestination {
    const { deps } = this;
    return deps.transfers?.resolve({ uri: `sip:${number}@${deps.endpoint.publicAddress}`, user: number, host: deps.endpoint.publicAddress }, { transferor: as, transferee: shownAs })
      ?? { kind: 'fail', status: 501, reason: 'Not Implemented (no dial plan)' };
  }

  /**
   * Verb: the call's party mix (call-party-mix.ts), created on first use: add a party, let a
   * supervisor listen, whisper or barge, list and drop members. The call is mixed from the
   * first member that answers until it ends.
   */
  get partyMix(): CallPartyMix {
    const { deps } = this;
    const transfers = this.transferHost();
    return (this.mix ??= new CallPartyMix({
      callId: this.id, log: deps.log, endpoint: deps.endpoint, media: deps.media, portRange: deps.portRange,
      noAnswerTimeoutMs: deps.noAnswerTimeoutMs, maxForwards: this.setup.maxForwards,
      context: () => this.mediaContext,
      answered: () => this.state === 'answered' && !this.endPromise,
      legOf: (side) => this.legOf(side),
      partyOf: (side) => (side === 'caller' ? this.callerParty : this.calleeParty),
      sdpFor: (leg, direction, answering) => this.sdpFor(leg, direction, answering),
      resolve: (number, as, shownAs) => deps.transfers?.resolve({ uri: `sip:${number}@${deps.endpoint.publicAddress}`, user: number, host: deps.endpoint.publicAddress }, { transferor: as, transferee: shownAs })
        ?? { kind: 'fail', status: 501, reason: 'Not Implemented (no dial plan)' },
      install: (side, leg, party) => transfers.install(side, leg, party),
      record: (side, producerId, party) => this.recording?.follow(side, producerId, party ?? '') ?? Promise.resolve(),
      changed: async (type, member) => {
        await deps.store.transaction(() => deps.store.appendEvent(type, { callId: this.id, ...member })).catch((err) => deps.log.warn({ err, callId: this.id }, 'member event not written'));
        this.emit('members', this.mix?.list() ?? []);
      },
      serial: (fn) => this.serial(fn),
      hangup: (cause) => this.hangup(cause),
      connected: (party, key) => this.emit('connected', party, key),
    }));
  }

  private mix?: CallPartyMix;

  /** The party mix if something created it (listing calls never does). */
  get partyMixIfAny(): CallPartyMix | undefined {
    return this.mix;
  }

  /** When the caller was answered (undefined before). */
  get answeredAtMs(): number | undefined {
    return this.answeredAt;
  }

  /** When the current callee was bridged to the caller (undefined before the first): talk starts here. */
  get calleeConnectedAtMs(): number | undefined {
    return this.calleeConnectedAt;
  }

  /** Progress and the final answer of the callee of a routed call, relayed to the caller. */
  private wireRinging(caller: InboundLeg, callee: OutboundLeg): void {
    const { deps } = this;
    callee.on('progress', (status, early) => {
      if (this.state === 'routing') {
        this.ringingAt = Date.now();
        this.setState('ringing');
      }
      if (early && remoteMediaOf(early)) {
        void this.serial(async () => {
          await callee.media.start(remoteMediaOf(early));
          await this.bridge();
          caller.ring(this.sdpFor(caller, answerDirection(this.setup.offer.direction), this.setup.offer));
        });
      } else caller.ring();
      void status;
    });
    callee.on('answered', (answer) => {
      void this.serial(async () => {
        if (this.state === 'ending' || this.state === 'ended') return;
        if (answer && !(await callee.media.start(remoteMediaOf(answer)))) {
          deps.log.warn({ callId: this.id }, 'the answer moved the media address after early media; keeping the early address');
        }
        await this.bridge();
        caller.answer(this.sdpFor(caller, answerDirection(this.setup.offer.direction), this.setup.offer));
        this.answeredAt = Date.now();
        this.setState('answered');
        await this.startRecording();
        if (deps.dtmfEvents) {
          await caller.media.tapDtmf((d) => this.onDigit(d, 'caller', 'rfc4733'));
          await callee.media.tapDtmf((d) => this.onDigit(d, 'callee', 'rfc4733'));
        }
        this.watchMedia();
      }).catch((err) => this.fail(err));
    });
    callee.on('rejected', (status, reason) => {
      const mapped = mapCalleeFailure(status, reason);
      caller.reject(mapped.status, mapped.reason);
      void this.end({ status, reason, side: 'callee', cause: 'rejected' });
    });
  }

  /** Each leg hears the other (idempotent). */
  private async bridge(): Promise<void> {
    const { caller, callee } = this;
    if (!caller || !callee) return;
    await callee.media.receiveFrom(caller.media);
    await caller.media.receiveFrom(callee.media);
  }

  private onReoffer(from: SipLeg<any>, to: SipLeg<any> | undefined, r: IncomingReoffer): Promise<void> {
    // In a mixed call a hold is between that party and the box: the others keep talking.
    if (this.mix?.mixing) {
      const hold = isHold(r.offer);
      if (hold !== this.held.has(from.side)) {
        if (hold) this.held.add(from.side);
        else this.held.delete(from.side);
        this.emit('held', from.side, hold);
      }
    }
    if (!to || this.mix?.mixing) return this.acceptReofferLocally(from, r);
    if (this.deps.onHold === 'music' && this.deps.prompts && this.state === 'answered') return this.holdWithMusic(from, to, r);
    return this.relayReoffer(from, to, r);
  }

  /** A re-INVITE while nobody else is on the call (a queued caller): the box answers it. */
  private async acceptReofferLocally(from: SipLeg<any>, r: IncomingReoffer): Promise<void> {
    const offered: MediaDirection = r.offer.holdByZeroAddress ? 'sendonly' : r.offer.direction;
    if (offered === 'sendonly' || offered === 'inactive') await from.media.pauseSending();
    else await from.media.resumeSending();
    from.media.resetIdle();
    r.accept(this.sdpFor(from, answerDirection(offered), r.offer));
  }

  /** A re-INVITE answered by the box: on hold, `to` hears music; on resume, `from` again. */
  private async holdWithMusic(from: SipLeg<any>, to: SipLeg<any>, r: IncomingReoffer): Promise<void> {
    const offer = r.offer;
    const hold = isHold(offer);
    const offered: MediaDirection = offer.holdByZeroAddress ? 'sendonly' : offer.direction;
    if (offered === 'sendonly' || offered === 'inactive') await from.media.pauseSending();
    else await from.media.resumeSending();
    const wasHeld = this.held.has(from.side);
    if (hold && !wasHeld) {
      this.held.add(from.side);
      await this.startMusic(to.side);
    } else if (!hold && wasHeld) {
      this.held.delete(from.side);
      this.players.get(to.side)?.stop();
      await this.hearOtherParty(to.side);
    }
    from.media.resetIdle();
    to.media.resetIdle();
    r.accept(this.sdpFor(from, answerDirection(offered), offer));
    if (wasHeld !== hold) this.emit('held', from.side, hold);
  }

  private async startMusic(side: LegSide): Promise<void> {
    const music = this.deps.prompts?.music();
    const player = music && (await this.playerFor(side));
    const leg = this.legOf(side);
    if (!player || !leg) return;
    await leg.media.receiveFrom(player);
    void player.play([music], { loop: true });
  }

  private legOf(side: LegSide): CallLeg | undefined {
    return side === 'caller' ? this.caller : this.callee;
  }

  private async playerFor(side: LegSide): Promise<PromptPlayer | undefined> {
    const existing = this.players.get(side);
    if (existing) return existing;
    if (!this.router || this.endPromise) return undefined;
    const player = await PromptPlayer.create(this.router, this.setup.codecs);
    if (this.endPromise) {
      player.close();
      return undefined;
    }
    this.players.set(side, player);
    return player;
  }

  /** `side` hears the other party again (after a prompt or music). */
  private async hearOtherParty(side: LegSide): Promise<void> {
    const leg = this.legOf(side);
    const other = this.legOf(side === 'caller' ? 'callee' : 'caller');
    const mixed = this.mix?.hearsOf(side);
    if (leg && mixed && this.state === 'answered') await leg.media.receiveFrom({ producerId: mixed });
    else if (leg && other && this.state === 'answered') await leg.media.receiveFrom(other.media);
  }

  /** Who is on the call: the caller, and the callee once known. */
  get parties(): { caller: CdrParty; callee?: CdrParty } {
    return { caller: this.callerParty, callee: this.calleeParty };
  }

  /** Whether a callee is on the call (a routed call's callee, or the winner of an offer). */
  get hasCallee(): boolean {
    return this.callee !== undefined;
  }

  /**
   * Verb: play clips (8 kHz linear audio, e.g. from the PromptLibrary) to one side, then let
   * it hear the other party again. `stopOnDtmf` ends the prompt on that side's first digit.
   */
  async play(side: LegSide, clips: Int16Array[], opts: { loop?: boolean; stopOnDtmf?: boolean; whileAlone?: boolean } = {}): Promise<{ outcome: PlayOutcome | 'dtmf'; digit?: string }> {
    const leg = this.legOf(side);
    // whileAlone (a queued caller's music): never take the caller away from a connected callee.
    if (opts.whileAlone && this.callee) return { outcome: 'stopped' };
    // A stopPlaying() that comes while the player is being set up stops this play too.
    const stopsAtStart = this.playStops.get(side) ?? 0;
    const stopped = () => (this.playStops.get(side) ?? 0) !== stopsAtStart;
    const player = leg && (await this.playerFor(side));
    if (!leg || !player || stopped() || (opts.whileAlone && this.callee)) return { outcome: 'stopped' };
    await leg.media.receiveFrom(player);
    if (opts.whileAlone && this.callee) {
      await this.hearOtherParty(side);
      return { outcome: 'stopped' };
    }
    if (stopped()) {
      if (!this.held.size) await this.hearOtherParty(side);
      return { outcome: 'stopped' };
    }
    let digit: string | undefined;
    const onDtmf = (d: string, from: LegSide) => {
      if (opts.stopOnDtmf && from === side && digit === undefined) {
        digit = d;
        player.stop();
      }
    };
    this.on('dtmf', onDtmf);
    const outcome = await player.play(clips, { loop: opts.loop });
    this.off('dtmf', onDtmf);
    if (!this.held.size) await this.hearOtherParty(side);
    return digit !== undefined ? { outcome: 'dtmf', digit } : { outcome };
  }

  /** Verb: stop whatever plays to `side`, or is about to (its pending play() resolves 'stopped'). */
  stopPlaying(side: LegSide): void {
    this.playStops.set(side, (this.playStops.get(side) ?? 0) + 1);
    this.players.get(side)?.stop();
  }

  /**
   * Verb: send `digits` to `side` as RFC 4733 events from `keypad` (a producer in this call's
   * router that plays them: a browser agent's keypad, media/webrtc-keypad.ts). `side` hears the
   * keypad meanwhile and the other party again after. False when the call is not answered,
   * is held, or its codec set has no telephone-event.
   */
  sendDtmf(side: LegSide, keypad: { producerId: string; play(digits: string): Promise<void> }, digits: string): Promise<boolean> {
    return this.serial(async () => {
      const leg = this.legOf(side);
      if (!leg || this.state !== 'answered' || this.held.size || this.setup.codecs.telephoneEventPayloadType === undefined) return false;
      await leg.media.receiveFrom(keypad);
      await keypad.play(digits);
      if (this.state === 'answered' && !this.held.size) await this.hearOtherParty(side);
      return true;
    });
  }

  /** For media features that attach to this call (conference mixing): its router and codecs, while it lives. */
  get mediaContext(): { router: types.Router; codecs: CallCodecs } | undefined {
    return this.router && !this.endPromise ? { router: this.router, codecs: this.setup.codecs } : undefined;
  }

  /** A re-INVITE from `from` (hold, resume, new address): offer the same to `to`, answer `from` with what `to` said. */
  private async relayReoffer(from: SipLeg<any>, to: SipLeg<any>, r: IncomingReoffer): Promise<void> {
    const offer = r.offer;
    const hold = isHold(offer);
    const offered: MediaDirection = offer.holdByZeroAddress ? 'sendonly' : offer.direction;
    // What we offer the other side mirrors what `from` will send and receive.
    const towardsOther: MediaDirection = offered;
    if (to.dialog && !to.ended && this.state === 'answered') {
      const res = await to.reinvite(this.sdpFor(to, towardsOther));
      if (!res.ok) {
        r.reject(res.status === 491 ? 491 : res.status >= 500 ? 500 : 488, res.reason);
        return;
      }
    }
    // `from` receives from us only if its direction includes receiving.
    if (offered === 'sendonly' || offered === 'inactive') await from.media.pauseSending();
    else await from.media.resumeSending();
    if (offered === 'recvonly' || offered === 'inactive') await to.media.pauseSending();
    else await to.media.resumeSending();
    from.media.resetIdle();
    to.media.resetIdle();
    const wasHeld = this.held.has(from.side);
    if (hold) this.held.add(from.side);
    else this.held.delete(from.side);
    r.accept(this.sdpFor(from, answerDirection(offered), offer));
    if (wasHeld !== hold) this.emit('held', from.side, hold);
  }

  /** One DTMF stream per call: a press seen by two sources counts once (dtmf-dedup.ts). */
  private onDigit(digit: string, side: LegSide, via: DtmfSource): void {
    if (!this.dtmfDedup.accept(digit, side, via, Date.now())) return;
    if (this.dtmf[side].length < 256) this.dtmf[side] += digit;
    this.emit('dtmf', digit, side, via);
  }

  private readonly dtmfDedup = new DtmfDedup();

  private lastQuality?: LiveQuality;

  /** The latest live quality sample of the legs (undefined before the first, every few seconds once answered). */
  get liveQuality(): LiveQuality | undefined {
    return this.lastQuality;
  }

  /**
   * Every few seconds while answered: one stats read per leg gives the live quality (kept as
   * `liveQuality` for GET /api/calls and emitted as `quality`) and tells whether RTP stopped
   * (dead-media hang-up; not while a side is on hold).
   */
  private watchMedia(): void {
    const limit = this.deps.deadMediaTimeoutMs;
    const every = limit ? Math.max(1000, Math.min(5000, Math.floor(limit / 3))) : 5000;
    const tick = async () => {
      if (this.state !== 'answered' || !this.caller) return;
      const callee = this.callee?.dialog ? this.callee : undefined;
      const [a, b] = await Promise.all([this.caller.media.sample(), callee?.media.sample()]);
      if (this.state !== 'answered') return;
      this.lastQuality = { at: Date.now(), caller: a.quality, ...(b ? { callee: b.quality } : {}) };
      if (b) this.emit('quality', { caller: a.quality, callee: b.quality });
      if (this.held.size === 0 && !this.transfer) {
        const dead = !limit ? undefined : a.idleMs >= limit ? 'caller' : b && b.idleMs >= limit ? 'callee' : undefined;
        if (dead) {
          this.deps.log.warn({ callId: this.id, code: 'CC_CALL_DEAD_MEDIA' satisfies CallErrorCode, dead, idleMs: Math.max(a.idleMs, b?.idleMs ?? 0) }, 'no RTP: hanging up');
          return this.hangup({ status: 408, reason: 'media timeout', side: 'system', cause: 'dead-media' });
        }
      } else {
        this.caller.media.resetIdle();
        callee?.media.resetIdle();
      }
      this.after(every, () => void tick());
    };
    this.after(every, () => void tick());
  }

  /** Record both sides from the answer on; a failure (disk full) is an alert, never the call's end. */
  private async startRecording(): Promise<void> {
    const rec = this.deps.recording;
    if (!rec || !this.router || !this.caller || !this.callee) return;
    this.recording = new CallRecording({
      callId: this.id,
      store: this.deps.store,
      hub: rec.hub,
      dir: rec.dir,
      encryption: rec.encryption,
      inbandDtmf: this.deps.inbandDtmf ?? [],
      onInbandDigit: (digit, side) => this.onDigit(digit, side, 'inband'),
      log: this.deps.log,
    });
    await this.recording.start(this.router, this.setup.codecs, { caller: this.caller.media.producerId, callee: this.callee.media.producerId }, { caller: this.callerParty.number, callee: this.calleeParty?.number ?? '' });
  }

  /** Verb: end the call from the system side (BYE answered legs, CANCEL/reject the rest). */
  hangup(cause: HangupCause = { status: 200, reason: 'hangup', side: 'system', cause: 'hangup' }): Promise<void> {
    this.pendingOffer?.cancelAll();
    this.callee?.end();
    if (this.caller) this.caller.end(503, 'Service Unavailable');
    else {
      this.cancelledEarly = true;
      if (this.setup.tx && !this.setup.tx.hasFinalResponse) this.deps.endpoint.respond(this.setup.tx, 503, 'Service Unavailable');
    }
    return this.end(cause);
  }

  /** Verb: put one side on hold (we stop sending to it and tell it sendonly). */
  hold(side: LegSide): Promise<boolean> {
    return this.setHold(side, true);
  }

  /** Verb: take one side off hold (sendrecv again). */
  unhold(side: LegSide): Promise<boolean> {
    return this.setHold(side, false);
  }

  private async setHold(side: LegSide, hold: boolean): Promise<boolean> {
    const leg = side === 'caller' ? this.caller : this.callee;
    if (!leg?.dialog || this.state !== 'answered') return false;
    const res = await leg.reinvite(this.sdpFor(leg, hold ? 'sendonly' : 'sendrecv'));
    if (!res.ok) return false;
    if (hold) {
      await leg.media.pauseSending();
      this.held.add(side);
    } else {
      await leg.media.resumeSending();
      this.held.delete(side);
      leg.media.resetIdle();
    }
    this.emit('held', side, hold);
    return true;
  }

  private chain: Promise<unknown> = Promise.resolve();
  /** Media operations of one call run one after another, in arrival order. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private after(ms: number, fn: () => void): void {
    const t = setTimeout(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  private fail(err: unknown): void {
    this.deps.log.error({ err, callId: this.id, code: 'CC_CALL_SETUP_FAILED' satisfies CallErrorCode }, 'call failed');
    void this.hangup({ status: 500, reason: 'internal error', side: 'system', cause: 'failed' });
  }

  /** Tear down media, write the CDR (persist before telling anyone), emit `ended`. Idempotent. */
  end(cause: HangupCause): Promise<void> {
    if (this.endPromise) return this.endPromise;
    this.setState('ending');
    this.endPromise = (async () => {
      this.pendingOffer?.cancelAll();
      this.transfer?.abort();
      for (const t of this.timers) clearTimeout(t);
      for (const p of this.players.values()) p.close();
      const endedAt = Date.now();
      this.mix?.close();
      const recordingRow = await this.recording?.stop({ caller: this.callerParty.number, callee: this.calleeParty?.number ?? '' }, endedAt);
      const [cq, bq] = await Promise.all([this.caller?.media.quality(), this.callee?.media.quality()]);
      this.caller?.media.close();
      this.callee?.media.close();
      this.releaseRouter?.();
      const cdr: Cdr = {
        callId: this.id,
        sipCallId: this.sipCallId,
        caller: this.callerParty,
        callee: this.calleeParty,
        dialled: this.setup.dialled,
        startedAt: this.startedAt,
        ringingAt: this.ringingAt,
        answeredAt: this.answeredAt,
        endedAt,
        durationMs: endedAt - this.startedAt,
        billableMs: this.answeredAt ? endedAt - this.answeredAt : 0,
        disposition: dispositionFor(this.answeredAt !== undefined, cause),
        hangup: cause,
        codec: this.setup.codecs.codec.name,
        quality: { caller: cq, callee: bq },
        dtmf: { ...this.dtmf },
        ...(this.holdClock.holds ? { holdMs: this.holdClock.total(endedAt), holds: this.holdClock.holds } : {}),
        ...(this.connectedAt ? { connectedAt: this.connectedAt } : {}),
        ...(this.tags.queue ? { queue: this.tags.queue } : {}),
        ...(this.tags.agents.length ? { agents: [...this.tags.agents] } : {}),
        ...(this.tags.direction ? { direction: this.tags.direction } : {}),
        ...(this.transfers.length ? { transfers: [...this.transfers] } : {}),
        ...(this.tags.ivr ? { ivr: structuredClone(this.tags.ivr) } : {}),
        ...(this.mix?.cdr(endedAt) ? { conference: this.mix.cdr(endedAt) } : {}),
      };
      try {
        await writeCdr(this.deps.store, cdr, recordingRow && { ...recordingRow, ...(cdr.queue ? { queue: cdr.queue } : {}), ...(cdr.agents ? { agents: cdr.agents } : {}) });
      } catch (err) {
        this.deps.log.error({ err, callId: this.id, code: 'CC_CDR_WRITE_FAILED' satisfies CallErrorCode }, 'CDR write failed');
      }
      this.setState('ended');
      this.deps.log.info({ callId: this.id, disposition: cdr.disposition, cause: cause.cause, side: cause.side }, 'call ended');
      this.emit('ended', cdr);
    })();
    return this.endPromise;
  }
}

export type { Remote };

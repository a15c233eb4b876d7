// Call transfer (RFC 3515 REFER, RFC 5589 flows): one CallTransfer per REFER a Call accepts.
// Blind: the box rings the Refer-To target itself (the transferee hears music meanwhile) and,
// when it answers, the target's leg takes the transferor's place in the same Call. Attended
// (Refer-To with Replaces, RFC 3891): the party of the consultation call is moved into this
// Call in the transferor's place and the consultation call ends. Progress goes back to the
// transferor as message/sipfrag NOTIFYs. The Call lends its internals through TransferHost;
// this file never touches a Call's fields, and the other call of an attended transfer only
// through its public lendParty(). Imports: sip (types), media, calls.
import type { types } from 'mediasoup';
import type { ReferTarget } from '../sip/refer.ts';
import { answerDirection, type AudioOffer, type MediaDirection } from '../sip/sdp.ts';
import type { ServerTransaction } from '../sip/transactions.ts';
import type { CallCodecs, MediaEngine } from '../../media/media-engine.ts';
import { SipLegMedia } from '../../media/sip-leg-media.ts';
import type { SipEndpoint } from '../sip/endpoint.ts';
import { OutboundLeg, type OutboundTarget } from './outbound-leg.ts';
import { InboundLeg } from './inbound-leg.ts';
import type { IncomingRefer, LegSide } from './sip-leg.ts';
import { remoteMediaOf } from './leg-sdp.ts';
import type { CdrParty } from './cdr.ts';
import type { HangupCause } from './hangup.ts';
import type { CallErrorCode } from './errors.ts';
import type { Call } from './call.ts';

/** Either kind of leg can sit on either side of a Call once a transfer has moved legs around. */
export type CallLeg = InboundLeg | OutboundLeg;

/** What the Call emits as `transferred` and writes to the CDR (with the time). */
export interface TransferInfo {
  kind: 'blind' | 'consultative';
  /** The side whose party was replaced (the transferor's). */
  side: LegSide;
  from: CdrParty;
  to: CdrParty;
  /** Consultative: the box call id of the consultation call. */
  consultCallId?: string;
}

/** Where a Refer-To leads (answered by the CallManager: registrar, dial plan, open calls). */
export type TransferDestination =
  | { kind: 'ring'; target: OutboundTarget; party: CdrParty; isPhone: boolean; release?: () => void }
  | { kind: 'join'; call: Call; leg: CallLeg }
  | { kind: 'fail'; status: number; reason: string };

export interface TransferResolver {
  resolve(target: ReferTarget, who: { transferor: CdrParty; transferee: CdrParty }): TransferDestination;
}

/** A party lent by another call for an attended transfer: keep it (give) or hand it back (restore). */
export interface LentParty {
  leg: CallLeg;
  party: CdrParty;
  /** It was put on hold by a relayed re-INVITE: it needs a sendrecv re-INVITE to talk again. */
  relayHeld: boolean;
  /** The move succeeded: the lending call ends (its other leg gets BYE). */
  give(): void;
  /** The move failed: the leg goes back where it was; false if that call ended meanwhile. */
  restore(): boolean;
}

/** The Call's internals a transfer works with (closures over the Call's private state). */
export interface TransferHost {
  readonly callId: string;
  readonly log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
  readonly endpoint: SipEndpoint;
  readonly media: MediaEngine;
  readonly portRange: { min: number; max: number };
  readonly noAnswerTimeoutMs: number;
  readonly relayHolds: boolean;
  readonly maxForwards: number;
  context(): { router: types.Router; codecs: CallCodecs } | undefined;
  answered(): boolean;
  legOf(side: LegSide): CallLeg | undefined;
  partyOf(side: LegSide): CdrParty | undefined;
  isHeld(side: LegSide): boolean;
  sdpFor(leg: CallLeg, direction: MediaDirection, answering?: AudioOffer): string;
  startMusic(side: LegSide): Promise<void>;
  /** `side` hears the other party again, unless the other side still holds the call. */
  hearOther(side: LegSide): Promise<void>;
  /** Put `leg` (or nobody) on `side`, wired to this call; returns who was there, unwired. */
  install(side: LegSide, leg: CallLeg | undefined, party?: CdrParty): CallLeg | undefined;
  bridge(): Promise<void>;
  /** The recording and the DTMF tap follow the new party on `side`. */
  follow(side: LegSide, leg: CallLeg, party: CdrParty): Promise<void>;
  transferred(info: TransferInfo): void;
  /** Run when the call has ended (e.g. give back a trunk channel). */
  onEnded(fn: () => void): void;
  hangup(cause: HangupCause): Promise<void>;
  end(cause: HangupCause): Promise<void>;
  serial<T>(fn: () => Promise<T>): Promise<T>;
}

const otherSide = (side: LegSide): LegSide => (side === 'caller' ? 'callee' : 'caller');

/** Why a REFER from `leg` cannot start a transfer now (answered at once), or undefined. */
export function referRefusal(host: TransferHost, leg: CallLeg, busy: boolean): { status: number; reason: string } | undefined {
  if (busy) return { status: 491, reason: 'Request Pending (a transfer of this call is in progress)' };
  if (!host.answered()) return { status: 403, reason: 'Forbidden (the call is not connected)' };
  const party = host.partyOf(leg.side);
  // A REFER from a trunk would let an outside caller dial anywhere through our trunks.
  if (party?.kind !== 'extension') return { status: 403, reason: 'Forbidden (transfers are made by extensions)' };
  const other = host.legOf(otherSide(leg.side));
  if (!other?.dialog || other.ended || !host.partyOf(otherSide(leg.side))) return { status: 403, reason: 'Forbidden (nobody to transfer)' };
  return undefined;
}

export class CallTransfer {
  readonly side: LegSide;
  /** The outcome is decided (connecting, failed or aborted): no second outcome. */
  private done = false;
  /** The Call no longer counts this transfer (onDone): a transferor's BYE ends the call again. */
  private released = false;
  private transferorGone = false;
  private target?: OutboundLeg;
  private timer?: NodeJS.Timeout;
  private releaseChannel?: () => void;

  constructor(
    private readonly host: TransferHost,
    private readonly transferor: CallLeg,
    private readonly refer: IncomingRefer,
    private readonly resolver: TransferResolver | undefined,
    private readonly onDone: () => void,
  ) {
    this.side = transferor.side;
  }


  /** Accept the REFER (202 + NOTIFY 100) and carry the transfer out. Never throws. */
  async run(): Promise<void> {
    const { host, refer, side } = this;
    refer.accept();
    refer.notify(100, 'Trying');
    const from = host.partyOf(side)!;
    const transferee = host.partyOf(otherSide(side))!;
    host.log.info({ callId: host.callId, side, from: from.id, referTo: refer.target.uri, replaces: refer.target.replaces !== undefined }, 'transfer requested');
    try {
      const dest = this.resolver?.resolve(refer.target, { transferor: from, transferee }) ?? { kind: 'fail', status: 501, reason: 'Not Implemented' };
      if (dest.kind === 'fail') return await this.fail(dest.status, dest.reason);
      if (dest.kind === 'join') return await this.join(dest.call, dest.leg, from);
      this.releaseChannel = dest.release;
      await this.ring(dest.target, dest.party, dest.isPhone, from);
    } catch (err) {
      await this.broken(err);
    }
  }

  /** An internal error (media): before the swap the transferee goes back; after it, the call ends. */
  private async broken(err: unknown): Promise<void> {
    const { host } = this;
    host.log.warn({ err, callId: host.callId, code: 'CC_CALL_TRANSFER_FAILED' satisfies CallErrorCode }, 'transfer failed (internal error)');
    const target = this.target;
    if (target && host.legOf(this.side) !== target) {
      target.end();
      target.media.close();
    }
    if (!this.done) return this.fail(500, 'Server Internal Error');
    this.release();
    this.refer.notify(500, 'Server Internal Error');
    await host.hangup({ status: 500, reason: 'transfer failed (internal error)', side: 'system', cause: 'failed' });
  }

  /** The transferor hung up: a transfer goes on without it (RFC 5589 §6.1). True when absorbed. */
  legGone(leg: CallLeg): boolean {
    if (this.released || leg !== this.transferor) return false;
    this.transferorGone = true;
    return true;
  }

  /** The call ends (the transferee left, or the system hung up): give up the target. */
  abort(): void {
    if (this.released) return;
    const connecting = this.done;
    this.finish();
    this.release();
    const target = this.target;
    if (target && this.host.legOf(this.side) !== target) {
      target.end();
      target.media.close();
    }
    if (connecting) return;
    this.releaseChannel?.();
    this.refer.notify(487, 'Request Terminated');
  }

  private finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.onDone();
  }

  /** Blind: ring the target with its own leg and media in this call's router. */
  private async ring(target: OutboundTarget, party: CdrParty, isPhone: boolean, from: CdrParty): Promise<void> {
    const { host, refer, side } = this;
    const ctx = host.context();
    if (!ctx) return this.fail(487, 'Request Terminated');
    await host.startMusic(otherSide(side));
    const media = await SipLegMedia.create(ctx.router, ctx.codecs, { listenIp: host.media.listenIp, announcedAddress: host.media.announcedAddress, portRange: host.portRange, comedia: isPhone });
    if (this.done) return media.close(); // aborted meanwhile
    const leg = new OutboundLeg(host.endpoint, media, target, host.log, side);
    this.target = leg;
    let ringing = false;
    leg.on('progress', (status) => {
      if (ringing || status === 100) return;
      ringing = true;
      refer.notify(180, 'Ringing');
    });
    leg.on('answered', (answer) => {
      void host.serial(() => this.connect(leg, answer && remoteMediaOf(answer), party, from)).catch((err) => this.broken(err));
    });
    leg.on('rejected', (status, reason) => void this.fail(status, reason));
    this.timer = setTimeout(() => {
      leg.end();
      void this.fail(480, 'Temporarily Unavailable (no answer)');
    }, host.noAnswerTimeoutMs);
    this.timer.unref();
    const referredBy = refer.referredBy ?? `<sip:${from.number}@${host.endpoint.publicAddress}>`;
    leg.start(host.sdpFor(leg, 'sendrecv'), host.maxForwards - 1, { 'referred-by': referredBy });
  }

  /** Blind, the target answered: it takes the transferor's place. */
  private async connect(leg: OutboundLeg, remote: ReturnType<typeof remoteMediaOf>, party: CdrParty, from: CdrParty): Promise<void> {
    const { host, side } = this;
    if (this.done) {
      leg.end();
      leg.media.close();
      return;
    }
    this.finish();
    await leg.media.start(remote);
    if (!host.answered()) return this.abort();
    await swapIn(host, side, leg, party, false);
    this.refer.notify(200, 'OK');
    this.dropTransferor();
    this.release();
    if (this.releaseChannel) host.onEnded(this.releaseChannel);
    host.transferred({ kind: 'blind', side, from, to: party });
  }

  /** BYE the transferor (unless it left already) and close its media. */
  private dropTransferor(): void {
    this.transferor.removeAllListeners();
    this.transferor.end();
    this.transferor.media.close();
  }

  /**
   * Attended: `replaced` is the transferor's leg in the consultation call; the party opposite
   * it there (the target) moves into this call on the transferor's side.
   */
  private async join(call: Call, replaced: CallLeg, from: CdrParty): Promise<void> {
    const { host, side } = this;
    const ctx = host.context();
    const theirs = call.mediaContext;
    if (call.id === host.callId) return this.fail(403, 'Forbidden (Replaces names this call)');
    const owner = call.parties[replaced.side];
    if (!owner || owner.kind !== from.kind || owner.id !== from.id) return this.fail(403, 'Forbidden (the transferor is not in the replaced dialog)');
    if (!ctx || !theirs) return this.fail(481, 'Call/Transaction Does Not Exist');
    if (theirs.codecs.codec.name !== ctx.codecs.codec.name) return this.fail(488, 'Not Acceptable Here (the calls use different codecs)');
    const lent = await call.lendParty(replaced);
    if (!lent) return this.fail(481, 'Call/Transaction Does Not Exist (the consultation call is not connected)');
    if (this.done) {
      lent.restore();
      return;
    }
    const leg = lent.leg;
    let targetLeft = false;
    leg.once('bye', () => (targetLeft = true));
    // Calls with the same codec set share a router: the leg's media moves as it is. Otherwise
    // (another telephone-event payload type) its media is re-created here and re-offered.
    if (leg.media.router !== ctx.router && !(await this.moveMedia(leg, ctx))) {
      leg.removeAllListeners();
      if (!lent.restore()) leg.end();
      return this.fail(488, 'Not Acceptable Here (the transfer target refused the new media)');
    }
    leg.removeAllListeners();
    if (targetLeft) {
      lent.give();
      return this.fail(487, 'Request Terminated (the transfer target hung up)');
    }
    const joined = await host.serial(async () => {
      if (this.done || !host.answered()) return false;
      this.finish();
      await swapIn(host, side, leg, lent.party, lent.relayHeld);
      return true;
    });
    if (!joined) {
      // This call ended meanwhile: the target is nobody's now.
      leg.end();
      leg.media.close();
      lent.give();
      return;
    }
    this.refer.notify(200, 'OK');
    this.dropTransferor();
    this.release();
    lent.give();
    host.transferred({ kind: 'consultative', side, from, to: lent.party, consultCallId: call.id });
  }

  /** Re-create `leg`'s media in this call's router and move the peer there with a re-INVITE. */
  private async moveMedia(leg: CallLeg, ctx: { router: types.Router; codecs: CallCodecs }): Promise<boolean> {
    const { host } = this;
    const media = await SipLegMedia.create(ctx.router, ctx.codecs, { listenIp: host.media.listenIp, announcedAddress: host.media.announcedAddress, portRange: host.portRange, comedia: leg.media.comedia });
    const old = leg.media;
    leg.media = media;
    const res = await leg.reinvite(host.sdpFor(leg, 'sendrecv'));
    if (!res.ok) {
      leg.media = old;
      media.close();
      return false;
    }
    await media.start(remoteMediaOf(res.offer));
    old.close();
    host.log.info({ callId: host.callId }, "transfer target re-INVITEd onto this call's media");
    return true;
  }

  /** Tell the transferor; the transferee goes back to it, or the call ends if it has left. */
  private async fail(status: number, reason: string): Promise<void> {
    if (this.done) return;
    this.finish();
    this.release();
    const { host, side } = this;
    this.target?.media.close();
    this.releaseChannel?.();
    host.log.warn({ callId: host.callId, code: 'CC_CALL_TRANSFER_FAILED' satisfies CallErrorCode, status, reason, transferorGone: this.transferorGone }, 'transfer failed');
    this.refer.notify(status, reason);
    if (this.transferorGone) {
      await host.hangup({ status, reason: `transfer failed (${status} ${reason})`, side: 'system', cause: 'transfer-failed' });
      return;
    }
    await host.serial(() => host.hearOther(otherSide(side)));
  }
}

/** `leg` takes the place of whoever is on `side`; both parties hear each other. */
async function swapIn(host: TransferHost, side: LegSide, leg: CallLeg, party: CdrParty, relayHeld: boolean): Promise<void> {
  const transferee = host.legOf(otherSide(side));
  // A hold made by a relayed re-INVITE from `side` left the other party sending-only.
  const unholdTransferee = host.isHeld(side) && host.relayHolds;
  host.install(side, leg, party);
  await host.bridge();
  await host.hearOther(otherSide(side));
  await host.hearOther(side);
  if (unholdTransferee && transferee?.dialog) await resume(host, transferee);
  if (relayHeld) await resume(host, leg);
  await host.follow(side, leg, party);
}

async function resume(host: TransferHost, leg: CallLeg): Promise<void> {
  const res = await leg.reinvite(host.sdpFor(leg, 'sendrecv'));
  if (res.ok) await leg.media.resumeSending();
}

/**
 * An INVITE with Replaces (RFC 3891) naming `replaced`: the new caller is answered and takes
 * its place (call pickup, or an attended transfer the phones completed themselves); the
 * replaced leg gets BYE. False when the call cannot take it (the INVITE is then answered 481).
 */
export async function replaceByInvite(host: TransferHost, replaced: CallLeg, tx: ServerTransaction, offer: AudioOffer, party: CdrParty, comedia: boolean, busy: boolean): Promise<boolean> {
  const ctx = host.context();
  if (busy || !ctx || !host.answered() || host.legOf(replaced.side) !== replaced || replaced.ended) return false;
  const media = await SipLegMedia.create(ctx.router, ctx.codecs, { listenIp: host.media.listenIp, announcedAddress: host.media.announcedAddress, portRange: host.portRange, comedia });
  return host.serial(async () => {
    const side = replaced.side;
    const from = host.partyOf(side);
    if (!host.answered() || host.legOf(side) !== replaced || replaced.ended || !from) {
      media.close();
      return false;
    }
    await media.start(remoteMediaOf(offer));
    const leg = new InboundLeg(host.endpoint, tx, media, host.log);
    leg.side = side;
    leg.answer(host.sdpFor(leg, answerDirection(offer.holdByZeroAddress ? 'sendonly' : offer.direction), offer));
    await swapIn(host, side, leg, party, false);
    replaced.end();
    replaced.media.close();
    host.transferred({ kind: 'consultative', side, from, to: party });
    return true;
  });
}

/** The Call side of an attended transfer: lend the party opposite `replaced` (see LentParty). */
export async function lendParty(host: TransferHost, replaced: CallLeg, busy: boolean): Promise<LentParty | undefined> {
  return host.serial(async () => {
    const side = otherSide(replaced.side);
    const leg = host.legOf(side);
    const party = host.partyOf(side);
    if (busy || !host.answered() || host.legOf(replaced.side) !== replaced || !leg?.dialog || leg.ended || !party) return undefined;
    const relayHeld = host.isHeld(replaced.side) && host.relayHolds;
    host.install(side, undefined);
    let settled = false;
    return {
      leg,
      party,
      relayHeld,
      give: () => {
        if (settled) return;
        settled = true;
        replaced.end();
        void host.end({ status: 200, reason: 'replaced (its party was transferred into another call)', side: 'system', cause: 'replaced' });
      },
      restore: () => {
        if (settled) return false;
        settled = true;
        if (!host.answered() || replaced.ended) return false;
        host.install(side, leg, party);
        void host.serial(() => host.bridge());
        return true;
      },
    };
  });
}

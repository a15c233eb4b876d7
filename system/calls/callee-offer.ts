// Ringing one or more candidate callees in parallel for a call the box has already answered
// (a queue caller, later an IVR transfer): each candidate gets its own outbound leg and media
// endpoint; the first to answer wins and the others are cancelled. Candidates can be added
// while ringing (ring-progressively) and withdrawn one by one; each has its own ring timeout,
// reported as a no-answer failure (RONA). The Call adopts the winning leg. A browser
// candidate's leg (browser-leg.ts) rings the agent's softphone and behaves as an OutboundLeg.
import { EventEmitter } from 'node:events';
import type { AudioOffer } from '../sip/sdp.ts';
import type { OutboundLeg, OutboundTarget } from './outbound-leg.ts';
import type { CdrParty } from './cdr.ts';
import type { BrowserCallInfo, BrowserLine } from './browser-leg.ts';

/** A callee to ring: a SIP target (phone or trunk), or an agent's browser softphone. */
export type CalleeCandidate = SipCandidate | BrowserCandidate;

export interface SipCandidate {
  kind?: 'sip';
  /** Who this is to the caller of offer() (an agent id). */
  key: string;
  target: OutboundTarget;
  party: CdrParty;
  /** A registered phone (comedia latching for NAT) rather than a trunk. */
  isPhone: boolean;
  ringTimeoutMs: number;
}

/** An agent signed in to the browser softphone: rung over its session (browser-leg.ts). */
export interface BrowserCandidate {
  kind: 'browser';
  key: string;
  party: CdrParty;
  ringTimeoutMs: number;
  line: BrowserLine;
  info: BrowserCallInfo;
}

export interface CandidateFailure {
  key: string;
  status: number;
  reason: string;
  /** The candidate rang until its timeout (RONA), rather than refusing. */
  noAnswer: boolean;
}

export type OfferOutcome =
  | { kind: 'answered'; key: string }
  /** Every candidate failed (and none is still ringing). */
  | { kind: 'failed'; failures: CandidateFailure[] }
  /** Withdrawn by cancelAll(), or the call ended first. */
  | { kind: 'cancelled' };

export type CalleeOfferEvents = {
  ringing: [key: string];
  failed: [failure: CandidateFailure];
};

/** What the Call provides: a leg with its media for a candidate, and adoption of the winner. */
export interface OfferHost {
  createLeg(candidate: CalleeCandidate): Promise<OutboundLeg | undefined>;
  sendInvite(leg: OutboundLeg): void;
  adopt(leg: OutboundLeg, answer: AudioOffer | undefined, candidate: CalleeCandidate): Promise<boolean>;
}

interface Ringing {
  candidate: CalleeCandidate;
  leg?: OutboundLeg;
  timer?: NodeJS.Timeout;
  done: boolean;
}

export class CalleeOffer extends EventEmitter<CalleeOfferEvents> {
  private readonly ringing = new Map<string, Ringing>();
  private readonly failures: CandidateFailure[] = [];
  private settled = false;
  private pendingCreates = 0;
  private resolveOutcome!: (o: OfferOutcome) => void;
  readonly outcome: Promise<OfferOutcome>;

  constructor(private readonly host: OfferHost) {
    super();
    this.outcome = new Promise((resolve) => (this.resolveOutcome = resolve));
  }

  get active(): boolean {
    return !this.settled;
  }

  /** Keys still ringing (not failed, not withdrawn). */
  get keys(): string[] {
    return [...this.ringing.values()].filter((r) => !r.done).map((r) => r.candidate.key);
  }

  /** Start ringing one more candidate (ignored if it is already in this offer). */
  add(candidate: CalleeCandidate): void {
    if (this.settled || this.ringing.has(candidate.key)) return;
    const entry: Ringing = { candidate, done: false };
    this.ringing.set(candidate.key, entry);
    this.pendingCreates++;
    void this.host.createLeg(candidate).then(
      (leg) => {
        this.pendingCreates--;
        if (!leg) return this.fail(entry, 500, 'no media', false);
        entry.leg = leg;
        if (this.settled || entry.done) return leg.media.close();
        this.watch(entry, leg);
        this.host.sendInvite(leg);
        entry.timer = setTimeout(() => this.noAnswer(entry), candidate.ringTimeoutMs);
        entry.timer.unref();
      },
      () => {
        this.pendingCreates--;
        this.fail(entry, 500, 'leg set-up failed', false);
      },
    );
  }

  private watch(entry: Ringing, leg: OutboundLeg): void {
    leg.on('progress', () => {
      if (!entry.done && !this.settled) this.emit('ringing', entry.candidate.key);
    });
    leg.on('rejected', (status, reason) => this.fail(entry, status, reason, false));
    leg.on('answered', (answer) => {
      if (entry.done || this.settled) {
        leg.cancel(); // answered after we gave up on it: BYE
        leg.media.close();
        return;
      }
      this.settled = true;
      entry.done = true;
      clearTimeout(entry.timer);
      this.dropAll(entry);
      void this.host.adopt(leg, answer, entry.candidate).then(
        (ok) => this.resolveOutcome(ok ? { kind: 'answered', key: entry.candidate.key } : { kind: 'cancelled' }),
        () => this.resolveOutcome({ kind: 'cancelled' }),
      );
    });
  }

  private noAnswer(entry: Ringing): void {
    if (entry.done || this.settled) return;
    entry.leg?.cancel();
    this.fail(entry, 408, 'no answer', true);
  }

  private fail(entry: Ringing, status: number, reason: string, noAnswer: boolean): void {
    if (entry.done) return;
    entry.done = true;
    clearTimeout(entry.timer);
    entry.leg?.media.close();
    if (this.settled) return;
    const failure = { key: entry.candidate.key, status, reason, noAnswer };
    this.failures.push(failure);
    this.emit('failed', failure);
    if (this.pendingCreates === 0 && [...this.ringing.values()].every((r) => r.done)) {
      this.settled = true;
      this.resolveOutcome({ kind: 'failed', failures: [...this.failures] });
    }
  }

  /** Stop ringing one candidate (it counts as a failure with its reason). */
  withdraw(key: string, reason = 'withdrawn'): void {
    const entry = this.ringing.get(key);
    if (!entry || entry.done) return;
    entry.leg?.cancel();
    this.fail(entry, 487, reason, false);
  }

  /** Give up on every candidate (the caller left, or the queue moved the call on). */
  cancelAll(): void {
    if (this.settled) return;
    this.settled = true;
    this.dropAll();
    this.resolveOutcome({ kind: 'cancelled' });
  }

  private dropAll(except?: Ringing): void {
    for (const r of this.ringing.values()) {
      if (r === except || r.done) continue;
      r.done = true;
      clearTimeout(r.timer);
      r.leg?.cancel();
      r.leg?.media.close();
    }
  }
}

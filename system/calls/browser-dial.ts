// Dial-out from the browser softphone (外呼, issue 6): an agent whose calls ring in the browser
// types or picks a number in the workspace and the box places the call. The page's WebRTC leg
// is the calling side (A leg): the box "rings" the page with the number it dialled, the page
// sets up its media at once (no ringing UI), and the Call then rings the callee as it would for
// a SIP caller: routed by the dial plan as the agent's extension dialled it (another extension's
// phone, or a trunk under the agent's toll-fraud class of service and limits). The page is told
// ringback, connected and why it ended (the far end's SIP status), and hears a ringback tone
// made at the box while the callee rings without early media (media/ringback-tone.ts, the
// BrowserCaller's own: started on 180, stopped at early media, answer, failure or hang-up);
// hold, mute, keypad, hang-up from either side, recording, dead-media and the CDR (direction
// 'outbound', the agent in `agents`) are the Call's as for any call. The agent goes ringing
// while the call is set up, on-call once answered, then wrap-up (the longest wrap-up of the
// agent's queues, else 10 s) so the disposition form appears; a call never answered puts the
// agent back to available.
// Refusals are decided before anything is set up and come back as coded errors (the toll
// policy's own codes, CC_CALL_CLASS_FORBIDDEN and friends). Pure decisions are exported for
// the unit test. Imports: calls, config, sip (types), acd (types), media (types, ringback-tone).
import { EventEmitter } from 'node:events';
import type { types } from 'mediasoup';
import type { BoxConfig, AgentConfig, TrunkConfig } from '../config/schema.ts';
import type { Registrar } from '../sip/registrar.ts';
import type { AudioOffer } from '../sip/sdp.ts';
import type { CallCodecs } from '../../media/media-engine.ts';
import type { AgentState } from '../acd/agent-states.ts';
import type { WorkspaceErrorCode } from '../workspace/errors.ts';
import type { TollCode, OutboundVerdict } from './call-policy.ts';
import type { Call, CallSetup } from './call.ts';
import type { CdrParty } from './cdr.ts';
import type { InboundLeg } from './inbound-leg.ts';
import type { LegEvents, LegSide } from './sip-leg.ts';
import { RingbackTone, type RingbackStyle } from '../../media/ringback-tone.ts';
import { BrowserLeg, type BrowserLine } from './browser-leg.ts';
import { extensionTarget, trunkTarget } from './call-manager.ts';
import { calledNumber, routeCall, type RouteDecision, type ScheduleState } from './routing.ts';

export type DialErrorCode = WorkspaceErrorCode | TollCode;

export class DialError extends Error {
  constructor(readonly code: DialErrorCode, message: string, readonly status: 403 | 404 | 409 | 503 = 409) {
    super(message);
    this.name = 'DialError';
  }
}

/** How long the page may take to set up its media (microphone, WebRTC) before the dial is given up. */
export const PAGE_SETUP_MS = 30_000;

/**
 * Pure: may an agent in `state` dial out now, and must it first leave a break or wrap-up
 * (documented choice: dialling ends a break or wrap-up; after the call the agent wraps up).
 */
export function dialAdmission(state: AgentState | undefined): { ok: true; leave?: 'break' | 'wrap-up' } | { ok: false; code: DialErrorCode; status: 409 } {
  if (state === undefined || state === 'logged-out') return { ok: false, code: 'CC_WORKSPACE_NOT_LOGGED_IN', status: 409 };
  if (state === 'ringing' || state === 'on-call') return { ok: false, code: 'CC_WORKSPACE_BUSY', status: 409 };
  if (state === 'break' || state === 'wrap-up') return { ok: true, leave: state };
  return { ok: true };
}

/** Pure: the wrap-up after a dialled call: the longest of the agent's queues' wrap-up, else 10 s. */
export function dialWrapUpSec(cfg: Pick<BoxConfig, 'queues'>, agent: Pick<AgentConfig, 'queues'>): number {
  const mine = new Set((agent.queues ?? []).map((q) => q.queue));
  const secs = cfg.queues.filter((q) => mine.has(q.name)).map((q) => q.wrapUpSec);
  return secs.length ? Math.max(...secs) : 10;
}

/** What a route decision means for a browser agent's dial (pure; the registrar and toll guard are asked after). */
export function dialRouteVerdict(route: RouteDecision, ownExtension: string, dialled: string): { ok: true; route: Extract<RouteDecision, { kind: 'extension' | 'trunk' }> } | { ok: false; code: DialErrorCode; status: 404 | 409; message: string } {
  if (dialled === ownExtension) return { ok: false, code: 'CC_WORKSPACE_DIAL_SELF', status: 409, message: 'that is your own extension' };
  if (route.kind === 'reject') return { ok: false, code: 'CC_WORKSPACE_DIAL_NO_ROUTE', status: 404, message: `the dial plan refused the number: ${route.status} ${route.reason}` };
  if (route.kind === 'queue' || route.kind === 'conference' || route.kind === 'ivr') {
    return { ok: false, code: 'CC_WORKSPACE_DIAL_NO_ROUTE', status: 409, message: `the number leads to a ${route.kind}, which the browser softphone cannot dial yet` };
  }
  if (route.kind === 'extension' && route.extension === ownExtension) return { ok: false, code: 'CC_WORKSPACE_DIAL_SELF', status: 409, message: 'that is your own extension' };
  return { ok: true, route };
}

/** Where the callee leg goes, and what to give back when the call ends. */
export interface DialDestination {
  destination: NonNullable<CallSetup['destination']>;
  /** Trunk channel and toll count: release once, when the call ends. */
  release?: () => void;
  /** The trunk's own setting, if the callee is a trunk (record, in-band DTMF). */
  trunk?: TrunkConfig;
}

export interface DialRouting {
  config: BoxConfig;
  registrar: Pick<Registrar, 'lookup'>;
  publicAddress: string;
  scheduleState?: ScheduleState;
  tollGuard?: { admit(source: { kind: 'extension'; extension: string }, trunk: TrunkConfig, number: string): OutboundVerdict & { release?: () => void } };
  trunkHealth?: { isDown(trunk: string): boolean };
  takeChannel(trunk: TrunkConfig): boolean;
  releaseChannel(trunk: TrunkConfig): void;
}

/** The callee of `agent`'s dial of `number`, routed as their extension would dial it; throws a DialError. */
export function resolveDial(r: DialRouting, agent: AgentConfig, number: string): DialDestination {
  const dialled = calledNumber(number);
  const verdict = dialRouteVerdict(routeCall(r.config, { kind: 'extension', extension: agent.extension }, dialled, r.scheduleState), agent.extension, dialled);
  if (!verdict.ok) throw new DialError(verdict.code, verdict.message, verdict.status);
  const route = verdict.route;
  const from = { name: agent.name, uri: `sip:${agent.extension}@${r.publicAddress}`, params: {} };
  if (route.kind === 'extension') {
    const binding = r.registrar.lookup(route.extension)[0];
    if (!binding) throw new DialError('CC_WORKSPACE_DIAL_UNREACHABLE', `extension ${route.extension} has no registered phone`, 409);
    return {
      destination: {
        target: extensionTarget(route.extension, binding, from, r.publicAddress), isPhone: true,
        party: { kind: 'extension', id: route.extension, uri: binding.contact, number: route.extension, address: binding.remote.address },
      },
    };
  }
  if (r.trunkHealth?.isDown(route.trunk.name)) throw new DialError('CC_WORKSPACE_DIAL_UNREACHABLE', `trunk ${route.trunk.name} is down`, 503);
  const toll = r.tollGuard?.admit({ kind: 'extension', extension: agent.extension }, route.trunk, route.number);
  if (toll && !toll.ok) throw new DialError(toll.code, `${toll.reason} (the number is ${toll.class})`, toll.status === 503 ? 503 : 403);
  if (!r.takeChannel(route.trunk)) {
    toll?.release?.();
    throw new DialError('CC_WORKSPACE_DIAL_UNREACHABLE', `every channel of trunk ${route.trunk.name} is in use`, 503);
  }
  const target = trunkTarget(route.trunk, route.number, from);
  let released = false;
  return {
    destination: { target, isPhone: false, party: { kind: 'trunk', id: route.trunk.name, uri: target.requestUri, number: route.number, address: target.remote.address } },
    trunk: route.trunk,
    release: () => {
      if (released) return;
      released = true;
      r.releaseChannel(route.trunk);
      toll?.release?.();
    },
  };
}

/**
 * The page's leg as the Call's caller: it stands in for an InboundLeg (ring, answer, reject,
 * end; the leg events), telling the page ringback, connected and the far end's refusal. Before
 * the callee answered, the agent's hang-up is a cancel (as a SIP caller's CANCEL). With
 * `ringback`, the page hears the tone while the callee rings without early media: the tone's
 * player is made before open() resolves (so a 180 switches the leg to it at once, and the
 * Call's later switch to the callee's audio wins) and closed at early media, answer, refusal
 * or the end of the leg.
 */
export class BrowserCaller extends EventEmitter<LegEvents & { cancelled: [] }> {
  readonly dialog: undefined = undefined;
  readonly remote: undefined = undefined;
  sdpVersion = 1;
  sdpSession?: string;
  private connected = false;
  /** Settles open() early when the call is given up while the page sets up. */
  private giveUp?: () => void;
  private tone?: RingbackTone;
  /** The callee sent early media (or answered): its own audio is heard, never the tone again. */
  private toneDone = false;

  constructor(readonly leg: BrowserLeg, private readonly ringback?: { codecs: CallCodecs; style: RingbackStyle }) {
    super();
    leg.side = 'caller';
    leg.on('bye', () => {
      this.stopRingback();
      if (this.connected) this.emit('bye');
      else this.emit('cancelled');
    });
    leg.on('failed', (why) => {
      this.stopRingback();
      this.emit('failed', why);
    });
    leg.on('reoffer', (r) => this.emit('reoffer', r));
  }

  get side(): LegSide {
    return this.leg.side;
  }

  set side(s: LegSide) {
    this.leg.side = s;
  }

  get ended(): boolean {
    return this.leg.ended;
  }

  get media(): BrowserLeg['media'] {
    return this.leg.media;
  }

  /** Ring the page with the number it dialled; true once it set up its media, false if it refused, went or took longer than `ms`. */
  open(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.leg.cancel();
        resolve(false);
      }, ms);
      timer.unref();
      const settle = (ok: boolean) => {
        clearTimeout(timer);
        this.giveUp = undefined;
        resolve(ok);
      };
      this.giveUp = () => settle(false);
      this.leg.once('answered', () => void this.prepareRingback().then(() => settle(true)));
      this.leg.once('rejected', () => settle(false));
      this.leg.start();
    });
  }

  /** The ringback tone's player, in the call's router (none without `ringback`, or if it cannot be made). */
  private async prepareRingback(): Promise<void> {
    if (!this.ringback || this.toneDone) return;
    try {
      const tone = await RingbackTone.create(this.leg.media.router, this.ringback.codecs, this.ringback.style);
      if (this.toneDone || this.leg.ended) tone.close();
      else this.tone = tone;
    } catch (err) {
      this.leg.log.warn({ err, callId: this.leg.info.callId }, 'no ringback tone for the dialled call');
    }
  }

  /** Close the tone for good (idempotent): early media, answer, refusal, the end of the leg. */
  private stopRingback(): void {
    this.toneDone = true;
    this.tone?.close();
    this.tone = undefined;
  }

  /**
   * The callee rings (or sends early media): the page shows ringback. With early media (`sdp`:
   * the Call has already switched the leg to the callee's audio) the tone stops for good;
   * without, the leg hears the tone (once; a repeated 180 changes nothing).
   */
  ring(sdp?: string): void {
    if (sdp) this.stopRingback();
    else if (!this.toneDone && !this.connected) {
      this.tone?.start(this.leg.media, (err) => this.leg.log.warn({ err, callId: this.leg.info.callId }, 'the ringback tone did not reach the page'));
    }
    if (this.leg.state === 'answered') this.leg.line.notify(this.leg, { kind: 'progress' });
  }

  /** The callee answered (the Call has switched the leg to its audio): the tone stops, the page's call is connected (its timer starts). */
  answer(_sdp?: string): void {
    this.connected = true;
    this.stopRingback();
    if (this.leg.state === 'answered') this.leg.line.notify(this.leg, { kind: 'connected' });
  }

  /** The callee refused or never answered: the page is told the status. */
  reject(status: number, reason: string): void {
    this.stopRingback();
    this.leg.endWith('failed', { status, reason });
  }

  end(_status?: number, _reason?: string): void {
    this.stopRingback();
    this.leg.cancel();
    this.giveUp?.();
  }

  bye(): void {
    this.end();
  }

  reinvite(sdp: string): ReturnType<BrowserLeg['reinvite']> {
    return this.leg.reinvite(sdp);
  }
}

/** The Call holds its caller as an InboundLeg; a BrowserCaller offers every member the Call uses of one. */
function asInboundLeg(c: BrowserCaller): InboundLeg {
  return c as unknown as InboundLeg;
}

/** The agent's state around a dialled call (the ACD's agent book, narrowed). */
export interface DialAgents {
  state(agent: string): AgentState | undefined;
  transition(agent: string, to: AgentState, opts: { cause: string; callId?: string }): Promise<unknown>;
  afterCall(agent: string, talkMs: number, wrapUpSec: number): Promise<unknown>;
  current(agent: string): { state: AgentState; callId?: string } | undefined;
}

export interface BrowserDialDeps extends DialRouting {
  /** The agent's open softphone page, if free (SoftphoneHub.freePage). */
  page(agentId: string): { address: string; lineFor(call: Call): BrowserLine } | undefined;
  place(setup: CallSetup, o: { record: boolean; calleeInband: boolean; onEnded?: () => void }): Call | undefined;
  agents: DialAgents;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };
}

/** A call's codec set for a browser caller: the first configured codec (the browser takes G.711 as is). */
export function dialCodecs(cfg: Pick<BoxConfig, 'media'>): CallCodecs {
  const name = cfg.media.codecs[0] === 'PCMA' ? 'PCMA' : 'PCMU';
  return { codec: { name, payloadType: name === 'PCMA' ? 8 : 0 }, telephoneEventPayloadType: 101 };
}

/** The caller side's "offer" the Call answers (nothing is sent to the page as SDP). */
function browserOffer(codecs: CallCodecs): AudioOffer {
  return {
    connectionAddress: '0.0.0.0', port: 9,
    codecs: [{ payloadType: codecs.codec.payloadType, name: codecs.codec.name, clockRate: 8000 }],
    telephoneEvent: { payloadType: codecs.telephoneEventPayloadType ?? 101, name: 'telephone-event', clockRate: 8000 },
    direction: 'sendrecv', holdByZeroAddress: false, ptime: 20, rtcpMux: true, sessionId: '0', sessionVersion: '1',
    otherMedia: [], mediaIndex: 0, protocol: 'UDP/TLS/RTP/SAVPF',
  };
}

/**
 * Place `agent`'s call to `number` from their browser softphone. Throws a DialError (nothing
 * set up, the agent's state unchanged) when it cannot; else the call is placed and its id
 * returned at once (the page follows it over its softphone socket).
 */
export async function browserDial(deps: BrowserDialDeps, agent: AgentConfig, number: string): Promise<{ callId: string; to: CdrParty }> {
  const admission = dialAdmission(deps.agents.state(agent.id));
  if (!admission.ok) throw new DialError(admission.code, admission.code === 'CC_WORKSPACE_BUSY' ? `agent ${agent.id} is ringing or on a call` : `agent ${agent.id} is not logged in`, admission.status);
  const page = deps.page(agent.id);
  if (!page) throw new DialError('CC_WORKSPACE_NO_SOFTPHONE', `agent ${agent.id} has no free softphone page open`, 409);
  const dest = resolveDial(deps, agent, number);
  const codecs = dialCodecs(deps.config);
  const caller: CdrParty = { kind: 'extension', id: agent.extension, number: agent.extension, uri: `webrtc:${agent.id}`, address: page.address };
  const dialled = calledNumber(number);
  let call: Call | undefined;
  const setup: CallSetup = {
    offer: browserOffer(codecs),
    codecs,
    caller,
    callerNatted: false,
    destination: dest.destination,
    dialled,
    maxForwards: 70,
    openCaller: async (router: types.Router, c: CallCodecs, opts) => {
      const leg = await BrowserLeg.create(router, c, opts, page.lineFor(call!), { callId: call!.id, caller: { number: dest.destination.party.number }, dialled }, deps.log);
      const browserCaller = new BrowserCaller(leg, { codecs: c, style: deps.config.calls.ringback ?? 'cn' });
      return { leg: asInboundLeg(browserCaller), ready: browserCaller.open(PAGE_SETUP_MS) };
    },
  };
  const record = dest.trunk?.record ?? deps.config.recording.enabled;
  // The agent is busy from now on (the ACD offers nothing), before any await.
  if (admission.leave) await deps.agents.transition(agent.id, 'available', { cause: `dial-out-ends-${admission.leave}` });
  call = deps.place(setup, { record, calleeInband: dest.trunk?.dtmfInband ?? false, onEnded: dest.release });
  if (!call) {
    dest.release?.();
    throw new DialError('CC_WORKSPACE_DIAL_UNREACHABLE', 'the box is at its call limit', 503);
  }
  const placed = call;
  placed.tags.direction = 'outbound';
  placed.tags.agents.push(agent.id);
  let answeredAt: number | undefined;
  placed.on('stateChanged', (_from, to) => {
    if (to !== 'answered') return;
    answeredAt = Date.now();
    void deps.agents.transition(agent.id, 'on-call', { cause: 'dial-out-answered', callId: placed.id }).catch((err) => deps.log.warn({ err, agent: agent.id }, 'agent not marked on-call'));
  });
  placed.once('ended', (cdr) => {
    const rec = deps.agents.current(agent.id);
    if (!rec || rec.callId !== placed.id) return;
    const done = rec.state === 'on-call'
      ? deps.agents.afterCall(agent.id, answeredAt ? cdr.endedAt - answeredAt : 0, dialWrapUpSec(deps.config, agent))
      : rec.state === 'ringing' ? deps.agents.transition(agent.id, 'available', { cause: 'dial-out-not-answered', callId: placed.id }) : Promise.resolve();
    void done.catch((err) => deps.log.warn({ err, agent: agent.id }, 'agent not released after the dialled call'));
  });
  // The agent's record changes at once (the commit follows): the ACD offers them nothing now.
  await deps.agents.transition(agent.id, 'ringing', { cause: 'dial-out', callId: placed.id }).catch((err) => deps.log.warn({ err, agent: agent.id, callId: placed.id }, 'agent not marked ringing for the dialled call'));
  deps.log.info({ callId: placed.id, agent: agent.id, dialled, to: dest.destination.party.number }, 'browser agent dials out');
  return { callId: placed.id, to: dest.destination.party };
}

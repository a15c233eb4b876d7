// The B2BUA's front door: every new INVITE lands here. Admission (call limit, Max-Forwards),
// who is calling (trunk by source address, else an extension with digest auth), the offer
// and codec, the route, and where the callee is; then a Call takes over. Also OPTIONS
// keep-alives and the shutdown of all calls.
import type { SipEndpoint } from '../sip/endpoint.ts';
import type { Remote, SipRequest } from '../sip/message.ts';
import type { ServerTransaction } from '../sip/transactions.ts';
import type { AuthGuard } from '../sip/auth-guard.ts';
import type { Registrar } from '../sip/registrar.ts';
import { parseUri } from '../sip/codec.ts';
import { negotiateCodec, parseSdp } from '../sip/sdp.ts';
import { srtpVerdict } from '../sip/sdes.ts';
import { srtpModeOfCaller } from '../sip/sdes-policy.ts';
import type { BoxConfig, TrunkConfig } from '../config/schema.ts';
import { Call, type CallDeps, type CallSetup } from './call.ts';
import { calledNumber, identifyTrunk, routeCall, type CallSource, type RouteDecision, type ScheduleState } from './routing.ts';
import type { OutboundTarget } from './outbound-leg.ts';
import type { CdrParty } from './cdr.ts';
import type { RecordingHub } from '../../media/recording-hub.ts';
import type { RecordingKey } from '../../media/recording-crypto.ts';
import type { TransferResolver } from './transfer.ts';
import { acceptReplacingInvite, resolveTransfer } from './transfer-targets.ts';
import type { TollGuard } from './toll-guard.ts';
import { journalWhileUp } from './dialog-journal.ts';

export interface CallManagerDeps extends Omit<CallDeps, 'noAnswerTimeoutMs' | 'deadMediaTimeoutMs' | 'dtmfEvents' | 'onHold' | 'recording' | 'inbandDtmf' | 'transfers'> {
  /** Shared by all recorded calls; undefined when recording is off. */
  recordingHub?: RecordingHub;
  recordingDir: string;
  /** Set when recordings are encrypted at rest (AES-256-GCM with the box's recording key). */
  recordingKey?: RecordingKey;
  config: () => BoxConfig;
  auth: AuthGuard;
  registrar: Registrar;
}

/** A feature that takes box-answered calls (the ACD for queues, conference rooms). */
export interface LocalService {
  /** Before the box answers: refuse (e.g. an unknown name) with a SIP status, or accept. */
  admit(name: string): { ok: true } | { ok: false; status: number; reason: string };
  /** The caller is answered; the service owns what happens next. */
  take(call: Call, name: string): void;
}

export class CallManager {
  readonly calls = new Map<string, Call>();
  private readonly trunkChannels = new Map<string, number>();
  /** Listeners for every new call (features subscribe here). */
  onCall?: (call: Call) => void;
  /** Services for routes the box answers itself. */
  readonly services: Partial<Record<'queue' | 'conference' | 'ivr', LocalService>> = {};
  /** Business-hours state for DID rules (set by the box; without it every DID is open). */
  scheduleState?: ScheduleState;
  /** Toll-fraud policy for outbound trunk calls (set by the box; without it every call may go). */
  tollGuard?: TollGuard;
  /** Trunks found down by their OPTIONS pings (trunk-health.ts): calls to them fail at once. */
  trunkHealth?: { isDown(trunk: string): boolean };

  constructor(private readonly deps: CallManagerDeps) {}

  /** Where the calls' transfers go: routed as if the transferor dialled (transfer-targets.ts). */
  private readonly transfers: TransferResolver = {
    resolve: (target, who) => resolveTransfer({
      config: this.deps.config, registrar: this.deps.registrar, publicAddress: this.deps.endpoint.publicAddress, calls: () => this.calls.values(),
      scheduleState: () => this.scheduleState, takeChannel: (t) => this.takeChannel(t), releaseChannel: (t) => this.releaseChannel(t),
      // A transfer (or an added party) to an outside number is an outbound call of the transferor's extension.
      admitToll: (extension, trunk, number) => this.tollGuard?.admit({ kind: 'extension', extension }, trunk, number),
    }, target, who),
  };

  handleInvite(rq: SipRequest, tx: ServerTransaction, remote: Remote): void {
    const { endpoint } = this.deps;
    const cfg = this.deps.config();
    if (this.calls.size >= cfg.calls.maxCalls) {
      endpoint.respond(tx, 503, 'Service Unavailable (call limit)', { headers: { 'retry-after': '5' } });
      return;
    }
    const mf = rq.headers['max-forwards'] !== undefined ? Number(rq.headers['max-forwards']) : 70;
    if (mf <= 0) {
      endpoint.respond(tx, 483, 'Too Many Hops');
      return;
    }
    const requestUri = parseUri(rq.uri);
    if (!requestUri || (requestUri.schema !== 'sip' && requestUri.schema !== 'sips')) {
      endpoint.respond(tx, 416, 'Unsupported URI Scheme');
      return;
    }
    // Who is calling?
    const trunk = identifyTrunk(cfg.trunks, remote.address);
    let source: CallSource;
    if (trunk) source = { kind: 'trunk', trunk };
    else {
      const auth = this.deps.auth.check(rq, tx, true);
      if (!auth.ok) return;
      source = { kind: 'extension', extension: auth.user };
    }
    // The offer.
    if (!rq.content) {
      endpoint.respond(tx, 488, 'Not Acceptable Here (an INVITE without SDP offer is not supported)');
      return;
    }
    const parsed = parseSdp(rq.content);
    if (!parsed.ok) {
      endpoint.respond(tx, parsed.code === 'CC_SDP_NO_AUDIO' ? 488 : 400, `${parsed.code === 'CC_SDP_NO_AUDIO' ? 'Not Acceptable Here' : 'Bad Request'} (${parsed.code})`);
      return;
    }
    const offer = parsed.offer;
    const codec = negotiateCodec(offer.codecs, cfg.media.codecs.map((name) => ({ name, clockRate: 8000 })));
    // RTP/AVP, or SRTP by SDES (RTP/SAVP or best-effort keys) under the caller's srtp mode.
    const srtp = srtpVerdict(offer.protocol, offer.crypto ?? [], srtpModeOfCaller(cfg, source));
    if (!codec || srtp.kind === 'refuse') {
      endpoint.respond(tx, 488, srtp.kind === 'refuse' ? `Not Acceptable Here (${srtp.code})` : 'Not Acceptable Here', { headers: { warning: '305 - "Incompatible media format"' } });
      return;
    }
    if (srtp.kind === 'plain') delete offer.crypto; // keys the caller's mode says not to use
    // Takes the place of a leg of an open call (RFC 3891: pickup, or a transfer the phones made).
    if (rq.headers.replaces !== undefined) {
      acceptReplacingInvite({ endpoint, calls: this.calls.values() }, rq, tx, remote, source, offer).catch((err) => {
        this.deps.log.error({ err, callId: rq.headers['call-id'], code: 'CC_CALL_SETUP_FAILED' }, 'INVITE with Replaces failed');
        if (!tx.hasFinalResponse) endpoint.respond(tx, 500, 'Server Internal Error');
      });
      return;
    }
    // Where to?
    const dialled = calledNumber(requestUri.user);
    const route = routeCall(cfg, source, dialled, this.scheduleState);
    if (route.kind === 'reject') {
      endpoint.respond(tx, route.status, route.reason);
      return;
    }
    const caller: CdrParty =
      source.kind === 'trunk'
        ? { kind: 'trunk', id: source.trunk.name, uri: rq.headers.from.uri, number: parseUri(rq.headers.from.uri)?.user ?? '', address: remote.address }
        : { kind: 'extension', id: source.extension, uri: rq.headers.from.uri, number: source.extension, address: remote.address };
    const from = { name: rq.headers.from.name, uri: source.kind === 'extension' ? `sip:${source.extension}@${endpoint.publicAddress}` : rq.headers.from.uri, params: {} };
    let destination: CallSetup['destination'];
    let service: { service: LocalService; name: string } | undefined;
    let releaseToll: (() => void) | undefined;
    if (route.kind === 'extension') {
      const binding = this.deps.registrar.lookup(route.extension)[0];
      if (!binding) {
        endpoint.respond(tx, 480, 'Temporarily Unavailable (not registered)');
        return;
      }
      const target = extensionTarget(route.extension, binding, from, endpoint.publicAddress);
      destination = { target, isPhone: true, party: { kind: 'extension', id: route.extension, uri: binding.contact, number: route.extension, address: binding.remote.address } };
    } else if (route.kind === 'trunk') {
      if (this.trunkHealth?.isDown(route.trunk.name)) return void endpoint.respond(tx, 503, 'Service Unavailable (trunk down)', { headers: { 'retry-after': '30' } });
      const toll = this.tollGuard?.admit(source.kind === 'trunk' ? { kind: 'trunk' } : source, route.trunk, route.number);
      if (toll && !toll.ok) return void endpoint.respond(tx, toll.status, toll.reason);
      releaseToll = toll?.release;
      if (!this.takeChannel(route.trunk)) {
        releaseToll?.();
        endpoint.respond(tx, 503, 'Service Unavailable (trunk busy)');
        return;
      }
      const target = trunkTarget(route.trunk, route.number, from);
      destination = { target, isPhone: false, party: { kind: 'trunk', id: route.trunk.name, uri: target.requestUri, number: route.number, address: target.remote.address } };
    } else {
      const name = route.kind === 'queue' ? route.queue : route.kind === 'conference' ? route.room : route.flow;
      const svc = this.services[route.kind];
      const admitted = svc ? svc.admit(name) : { ok: false as const, status: 503, reason: `Service Unavailable (no ${route.kind} service)` };
      if (!admitted.ok) {
        endpoint.respond(tx, admitted.status, admitted.reason);
        return;
      }
      service = { service: svc!, name };
    }

    const call = new Call(
      {
        ...this.deps,
        noAnswerTimeoutMs: cfg.calls.noAnswerTimeoutSec * 1000,
        deadMediaTimeoutMs: cfg.calls.deadMediaTimeoutSec * 1000,
        dtmfEvents: cfg.calls.dtmfEvents,
        onHold: cfg.calls.onHold,
        recording: this.deps.recordingHub && shouldRecord(cfg, source, route) ? { hub: this.deps.recordingHub, dir: this.deps.recordingDir, encryption: this.deps.recordingKey } : undefined,
        inbandDtmf: [
          ...(source.kind === 'trunk' && source.trunk.dtmfInband ? (['caller'] as const) : []),
          ...(route.kind === 'trunk' && route.trunk.dtmfInband ? (['callee'] as const) : []),
        ],
        transfers: this.transfers,
      },
      {
        tx,
        offer,
        codecs: { codec: { name: codec.name.toUpperCase() as 'PCMU' | 'PCMA', payloadType: codec.payloadType }, telephoneEventPayloadType: offer.telephoneEvent?.payloadType ?? 101 },
        caller,
        callerNatted: source.kind === 'extension' && offer.connectionAddress !== remote.address,
        destination,
        dialled,
        maxForwards: mf,
      },
    );
    this.calls.set(call.id, call);
    // Its dialogs and CDR so far, for a restart after a crash (dialog-journal.ts, restart-cleanup.ts).
    journalWhileUp(call, { store: this.deps.store, recordingDir: this.deps.recordingHub && shouldRecord(cfg, source, route) ? this.deps.recordingDir : undefined, log: this.deps.log });
    call.once('ended', () => {
      this.calls.delete(call.id);
      if (route.kind === 'trunk') this.releaseChannel(route.trunk);
      releaseToll?.();
    });
    this.onCall?.(call);
    call.start().then(() => {
      if (service && call.state === 'answered') service.service.take(call, service.name);
    }).catch((err) => {
      this.deps.log.error({ err, callId: call.id, code: 'CC_CALL_SETUP_FAILED' }, 'call set-up failed');
      void call.hangup({ status: 500, reason: 'set-up failed', side: 'system', cause: 'failed' });
    });
  }

  /**
   * A call the box places itself (a browser agent dials out, browser-dial.ts): `setup` opens its
   * calling side instead of answering an INVITE. Kept, journalled, announced and started like any
   * call; `onEnded` runs when it ends (trunk channel, toll count). Undefined at the call limit.
   */
  place(setup: CallSetup, o: { record: boolean; calleeInband: boolean; onEnded?: () => void }): Call | undefined {
    const cfg = this.deps.config();
    if (this.calls.size >= cfg.calls.maxCalls) return undefined;
    const recording = this.deps.recordingHub && o.record ? { hub: this.deps.recordingHub, dir: this.deps.recordingDir, encryption: this.deps.recordingKey } : undefined;
    const call = new Call({
      ...this.deps,
      noAnswerTimeoutMs: cfg.calls.noAnswerTimeoutSec * 1000,
      deadMediaTimeoutMs: cfg.calls.deadMediaTimeoutSec * 1000,
      dtmfEvents: cfg.calls.dtmfEvents,
      onHold: cfg.calls.onHold,
      recording,
      inbandDtmf: o.calleeInband ? ['callee'] : [],
      transfers: this.transfers,
    }, setup);
    this.calls.set(call.id, call);
    journalWhileUp(call, { store: this.deps.store, recordingDir: recording ? this.deps.recordingDir : undefined, log: this.deps.log });
    call.once('ended', () => {
      this.calls.delete(call.id);
      o.onEnded?.();
    });
    this.onCall?.(call);
    call.start().catch((err) => {
      this.deps.log.error({ err, callId: call.id, code: 'CC_CALL_SETUP_FAILED' }, 'placed call set-up failed');
      void call.hangup({ status: 500, reason: 'set-up failed', side: 'system', cause: 'failed' });
    });
    return call;
  }

  /** Count a call on `trunk` (false: its maxChannels are in use); release it once with releaseChannel. */
  takeChannel(trunk: TrunkConfig): boolean {
    const used = this.trunkChannels.get(trunk.name) ?? 0;
    if (trunk.maxChannels !== undefined && used >= trunk.maxChannels) return false;
    this.trunkChannels.set(trunk.name, used + 1);
    return true;
  }

  releaseChannel(trunk: TrunkConfig): void {
    this.trunkChannels.set(trunk.name, Math.max(0, (this.trunkChannels.get(trunk.name) ?? 1) - 1));
  }

  /** End every call (shutdown): BYE the answered ones, and wait for their CDRs. */
  async hangupAll(cause = 'shutdown'): Promise<void> {
    await Promise.all([...this.calls.values()].map((c) => c.hangup({ status: 503, reason: cause, side: 'system', cause })));
  }
}

/** Record unless recording is off, or a trunk (or the queue) on the call says record: false. */
function shouldRecord(cfg: BoxConfig, source: CallSource, route: RouteDecision): boolean {
  const trunks = [source.kind === 'trunk' ? source.trunk : undefined, route.kind === 'trunk' ? route.trunk : undefined];
  for (const t of trunks) if (t?.record !== undefined) return t.record;
  if (route.kind === 'queue') {
    const q = cfg.queues.find((x) => x.name === route.queue);
    if (q?.record !== undefined) return q.record;
  }
  return cfg.recording.enabled;
}

/** An INVITE to a registered phone of an extension. */
export function extensionTarget(extension: string, binding: { contact: string; remote: OutboundTarget['remote'] }, from: OutboundTarget['from'], publicAddress: string): OutboundTarget {
  return { requestUri: binding.contact, remote: binding.remote, from, to: { uri: `sip:${extension}@${publicAddress}`, params: {} } };
}

export function trunkTarget(trunk: TrunkConfig, number: string, from: OutboundTarget['from']): OutboundTarget {
  const protocol = trunk.transport === 'tcp' ? 'TCP' : trunk.transport === 'tls' ? 'TLS' : 'UDP';
  const port = trunk.port ?? (protocol === 'TLS' ? 5061 : 5060);
  const uri = `sip:${number}@${trunk.host}${port !== 5060 ? ':' + port : ''}${protocol === 'TCP' ? ';transport=tcp' : protocol === 'TLS' ? ';transport=tls' : ''}`;
  return {
    requestUri: uri,
    remote: { protocol, address: trunk.host, port },
    from,
    to: { uri: `sip:${number}@${trunk.host}`, params: {} },
    credentials: trunk.username && trunk.password ? { username: trunk.username, password: trunk.password } : undefined,
  };
}

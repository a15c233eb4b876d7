// Where a transfer goes: a Refer-To resolved the way the CallManager routes a new call from
// the transferor (an extension): another extension rings its registered phone, a number goes
// through the dial plan to a trunk (counting the trunk's channels, and under the transferor's
// toll-fraud class of service and limits), and a Refer-To with
// Replaces names a dialog of an open call (attended transfer). Queues, rooms and IVR flows are
// not transfer targets yet. Also the INVITE with a Replaces header (RFC 3891) that takes a
// leg's place in an open call.
import type { Registrar } from '../sip/registrar.ts';
import type { SipEndpoint } from '../sip/endpoint.ts';
import type { Remote, SipRequest } from '../sip/message.ts';
import type { ServerTransaction } from '../sip/transactions.ts';
import type { AudioOffer } from '../sip/sdp.ts';
import { parseReplaces, type ReferTarget, type Replaces } from '../sip/refer.ts';
import type { BoxConfig, TrunkConfig } from '../config/schema.ts';
import type { Call } from './call.ts';
import { extensionTarget, trunkTarget } from './call-manager.ts';
import { calledNumber, routeCall, type CallSource, type ScheduleState } from './routing.ts';
import type { CdrParty } from './cdr.ts';
import type { CallLeg, TransferDestination } from './transfer.ts';

export interface TransferTargetDeps {
  config: () => BoxConfig;
  registrar: Registrar;
  publicAddress: string;
  calls: () => Iterable<Call>;
  scheduleState?: () => ScheduleState | undefined;
  takeChannel(trunk: TrunkConfig): boolean;
  releaseChannel(trunk: TrunkConfig): void;
  /** The toll-fraud policy for the transferor's extension (class of service, limits); absent: none. */
  admitToll?(extension: string, trunk: TrunkConfig, number: string): { ok: true; release?: () => void } | { ok: false; status: number; reason: string } | undefined;
}

export function resolveTransfer(deps: TransferTargetDeps, target: ReferTarget, who: { transferor: CdrParty; transferee: CdrParty }): TransferDestination {
  if (target.replaces) {
    const found = findDialog(deps.calls(), target.replaces);
    return found ? { kind: 'join', ...found } : { kind: 'fail', status: 481, reason: 'Call/Transaction Does Not Exist (Replaces)' };
  }
  const number = calledNumber(target.user);
  if (!number) return { kind: 'fail', status: 404, reason: 'Not Found (no number in Refer-To)' };
  if (who.transferor.kind !== 'extension') return { kind: 'fail', status: 403, reason: 'Forbidden' };
  const route = routeCall(deps.config(), { kind: 'extension', extension: who.transferor.id }, number, deps.scheduleState?.());
  // The target sees who is being transferred to it.
  const from = { uri: `sip:${who.transferee.number}@${deps.publicAddress}`, params: {} };
  switch (route.kind) {
    case 'reject':
      return { kind: 'fail', status: route.status, reason: route.reason };
    case 'extension': {
      const binding = deps.registrar.lookup(route.extension)[0];
      if (!binding) return { kind: 'fail', status: 480, reason: 'Temporarily Unavailable (not registered)' };
      const t = extensionTarget(route.extension, binding, from, deps.publicAddress);
      return { kind: 'ring', target: t, isPhone: true, party: { kind: 'extension', id: route.extension, uri: binding.contact, number: route.extension, address: binding.remote.address } };
    }
    case 'trunk': {
      const toll = deps.admitToll?.(who.transferor.id, route.trunk, route.number);
      if (toll && !toll.ok) return { kind: 'fail', status: toll.status, reason: toll.reason };
      if (!deps.takeChannel(route.trunk)) {
        if (toll?.ok) toll.release?.();
        return { kind: 'fail', status: 503, reason: 'Service Unavailable (trunk busy)' };
      }
      const t = trunkTarget(route.trunk, route.number, from);
      const trunk = route.trunk;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        deps.releaseChannel(trunk);
        if (toll?.ok) toll.release?.();
      };
      return { kind: 'ring', target: t, isPhone: false, release, party: { kind: 'trunk', id: trunk.name, uri: t.requestUri, number: route.number, address: t.remote.address } };
    }
    default:
      return { kind: 'fail', status: 501, reason: `Not Implemented (transfer to a ${route.kind})` };
  }
}

/**
 * The open call with a leg in the dialog a Replaces names. The to-tag is the tag of the side
 * that receives the Replaces (ours, RFC 3891 §3); tags given the other way round (seen from
 * some phones) are accepted too: Call-ID plus both tags still name exactly one dialog.
 */
export function findDialog(calls: Iterable<Call>, r: Replaces): { call: Call; leg: CallLeg } | undefined {
  for (const call of calls) {
    const leg = call.legWithDialog(r.callId, r.toTag, r.fromTag) ?? call.legWithDialog(r.callId, r.fromTag, r.toTag);
    if (leg) return { call, leg };
  }
  return undefined;
}

/**
 * A new INVITE with a Replaces header: an authenticated extension takes the place of the leg in
 * the named confirmed dialog. Answered here: 400 (unreadable Replaces), 403 (not from an
 * extension), 481 (no such dialog, or its call cannot take it now), 486 (early-only: we only
 * replace confirmed dialogs), 488 (not the call's codec); else the call answers it.
 */
export async function acceptReplacingInvite(deps: { endpoint: SipEndpoint; calls: Iterable<Call> }, rq: SipRequest, tx: ServerTransaction, remote: Remote, source: CallSource, offer: AudioOffer): Promise<void> {
  const respond = (status: number, reason: string) => void (tx.hasFinalResponse || deps.endpoint.respond(tx, status, reason));
  const r = typeof rq.headers.replaces === 'string' ? parseReplaces(rq.headers.replaces) : undefined;
  if (!r) return respond(400, 'Bad Request (Replaces)');
  if (source.kind !== 'extension') return respond(403, 'Forbidden (only extensions may replace a dialog)');
  const found = findDialog(deps.calls, r);
  if (!found) return respond(481, 'Call/Transaction Does Not Exist');
  if (r.earlyOnly) return respond(486, 'Busy Here');
  const ctx = found.call.mediaContext;
  if (!ctx || !offer.codecs.some((c) => c.name.toUpperCase() === ctx.codecs.codec.name && c.clockRate === 8000)) return respond(488, 'Not Acceptable Here');
  const party: CdrParty = { kind: 'extension', id: source.extension, uri: rq.headers.from.uri, number: source.extension, address: remote.address };
  const taken = await found.call.acceptReplacement(found.leg, tx, offer, party, offer.connectionAddress !== remote.address);
  if (!taken) respond(481, 'Call/Transaction Does Not Exist');
}

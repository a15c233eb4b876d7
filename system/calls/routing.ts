// Pure routing decisions: which trunk a request comes from (by source address), and where a
// call goes (DID map for trunk calls, extensions and the outbound dial plan otherwise).
// Plain data in, plain data out; no I/O.
import type { BoxConfig, TrunkConfig } from '../config/schema.ts';

export type CallSource = { kind: 'trunk'; trunk: TrunkConfig } | { kind: 'extension'; extension: string };

export type RouteDecision =
  | { kind: 'extension'; extension: string }
  | { kind: 'trunk'; trunk: TrunkConfig; number: string }
  /** The box answers and puts the caller in a queue. */
  | { kind: 'queue'; queue: string }
  /** The box answers and joins the caller to a conference room. */
  | { kind: 'conference'; room: string }
  /** The box answers and runs an IVR flow (its latest published version). */
  | { kind: 'ivr'; flow: string }
  | { kind: 'reject'; status: number; reason: string };

/** The trunk whose source addresses include `address` (static trunks; a registering trunk's host counts too). */
export function identifyTrunk(trunks: TrunkConfig[], address: string): TrunkConfig | undefined {
  return trunks.find((t) => (t.sourceAddresses ?? [t.host]).includes(address));
}

/** Whether a business-hours schedule is open now (injected: routing stays pure). */
export type ScheduleState = (schedule: string) => 'open' | 'closed' | 'holiday';

export function routeCall(
  cfg: Pick<BoxConfig, 'dids' | 'dialPlan' | 'extensions' | 'trunks' | 'queues' | 'conferences'> & Partial<Pick<BoxConfig, 'ivr'>>,
  source: CallSource,
  called: string,
  scheduleState?: ScheduleState,
): RouteDecision {
  if (source.kind === 'trunk') {
    const did =
      cfg.dids.find((d) => d.number === called && (!d.trunk || d.trunk === source.trunk.name)) ??
      cfg.dids.find((d) => d.number === '*' && (!d.trunk || d.trunk === source.trunk.name));
    if (!did) return { kind: 'reject', status: 404, reason: 'Not Found (no DID)' };
    // A business-hours rule picks the destination (without a clock to ask, the DID is open).
    const state = did.hours && scheduleState ? scheduleState(did.hours.schedule) : 'open';
    const destination = state === 'open' || !did.hours ? did.destination : state === 'holiday' ? did.hours.holiday ?? did.hours.closed : did.hours.closed;
    if (destination.startsWith('ext:')) return { kind: 'extension', extension: destination.slice(4) };
    if (destination.startsWith('queue:')) return { kind: 'queue', queue: destination.slice(6) };
    if (destination.startsWith('conf:')) return { kind: 'conference', room: destination.slice(5) };
    if (destination.startsWith('ivr:')) return { kind: 'ivr', flow: destination.slice(4) };
    const number = destination.slice(5) || called;
    return dial(cfg, number);
  }
  if (cfg.extensions.some((e) => e.number === called)) {
    if (called === source.extension) return { kind: 'reject', status: 486, reason: 'Busy Here (calling yourself)' };
    return { kind: 'extension', extension: called };
  }
  const queue = cfg.queues.find((q) => q.number === called);
  if (queue) return { kind: 'queue', queue: queue.name };
  const room = cfg.conferences.find((c) => c.number === called);
  if (room) return { kind: 'conference', room: room.name };
  const flow = cfg.ivr?.numbers.find((n) => n.number === called);
  if (flow) return { kind: 'ivr', flow: flow.flow };
  return dial(cfg, called);
}

/** Longest matching prefix of the dial plan; strip then prepend. */
export function dial(cfg: Pick<BoxConfig, 'dialPlan' | 'trunks'>, number: string): RouteDecision {
  let best: BoxConfig['dialPlan'][number] | undefined;
  for (const rule of cfg.dialPlan) {
    if (number.startsWith(rule.prefix) && (!best || rule.prefix.length > best.prefix.length)) best = rule;
  }
  if (!best) return { kind: 'reject', status: 404, reason: 'Not Found (no route)' };
  const trunk = cfg.trunks.find((t) => t.name === best!.trunk);
  if (!trunk) return { kind: 'reject', status: 503, reason: 'Service Unavailable (trunk missing)' };
  const out = (best.prepend ?? '') + number.slice(best.strip ?? 0);
  if (!out) return { kind: 'reject', status: 484, reason: 'Address Incomplete' };
  return { kind: 'trunk', trunk, number: out };
}

/** The dialled number from a Request-URI user part (tel-style visual separators removed). */
export function calledNumber(user: string | undefined): string {
  let decoded = user ?? '';
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    /* a malformed %-escape: route on the user part as written */
  }
  return decoded.replace(/[-.() ]/g, '');
}

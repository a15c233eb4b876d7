// What the box's CDRs say about a benchmark run: answered calls, which of them carried media
// both ways through a measurement window, per-leg packet counts and loss, hang-up causes.
import { round, say } from './report.ts';

export interface LegQuality {
  packetsReceived: number;
  packetsLost: number;
  packetsSent: number;
  /** RFC 3550 interarrival jitter of what the box received on this leg, ms (mediasoup's
   *  running estimate when the call ended). */
  jitterMs?: number;
}
export interface CdrRow {
  callId?: string;
  disposition: string;
  answeredAt?: number;
  endedAt: number;
  hangup: { side: string; cause: string };
  quality: { caller?: LegQuality; callee?: LegQuality };
}

/** mediasoup 3.27.1 counts a spurious 65,536-packet sequence cycle for a stream whose first
 *  sequence number is 0 (RtpStream.cpp: maxSeq = seq - 1 = 65535 on the first packet, then
 *  UpdateSeq sees 0 < 65535 as a wrap). sipp's rtp_stream starts at 0, so every caller leg
 *  shows packetsLost >= 65536. A leg that received fewer than 65,536 packets cannot have lost
 *  that many for real: take the cycle off (and count the legs so corrected). */
const SEQ_CYCLE = 65536;
function correctedLoss(q: LegQuality | undefined): { lost: number; corrected: boolean } {
  const lost = q?.packetsLost ?? 0;
  if (q && lost >= SEQ_CYCLE && q.packetsReceived < SEQ_CYCLE) return { lost: lost - SEQ_CYCLE, corrected: true };
  return { lost, corrected: false };
}

/** Each leg received at least 90 % of the packets a caller streams for its whole hold. */
function mediaFlowed(c: CdrRow, expectedPackets: number): boolean {
  return [c.quality.caller, c.quality.callee].every((q) => (q?.packetsReceived ?? 0) >= 0.9 * expectedPackets);
}

/** The calls answered before the window that were still up at its end and carried media both
 *  ways (the `covering` set of analyseCdrs, as rows). */
export function callsHeld<T extends CdrRow>(cdrs: T[], window: { start: number; end: number }, expectedPackets: number): T[] {
  return cdrs.filter((c) => c.answeredAt !== undefined && c.answeredAt <= window.start && c.endedAt >= window.end && mediaFlowed(c, expectedPackets));
}

function legTotals(rows: CdrRow[], leg: 'caller' | 'callee') {
  const t = { received: 0, lostRaw: 0, lost: 0, corrected: 0, sent: 0, lossPct: 0, lossPctRaw: 0 };
  for (const c of rows) {
    const q = c.quality[leg];
    const fix = correctedLoss(q);
    t.received += q?.packetsReceived ?? 0;
    t.sent += q?.packetsSent ?? 0;
    t.lostRaw += q?.packetsLost ?? 0;
    t.lost += fix.lost;
    t.corrected += fix.corrected ? 1 : 0;
  }
  t.lossPct = t.received + t.lost ? (100 * t.lost) / (t.received + t.lost) : 0;
  t.lossPctRaw = t.received + t.lostRaw ? (100 * t.lostRaw) / (t.received + t.lostRaw) : 0;
  return t;
}

export type CdrAnalysis = ReturnType<typeof analyseCdrs>;

/** Loss, flow and forwarding figures of a hold run from its CDRs; each call was meant to carry
 *  `expectedPackets` each way. */
export function analyseCdrs(cdrs: CdrRow[], window: { start: number; end: number }, expectedPackets: number) {
  const answered = cdrs.filter((c) => c.answeredAt !== undefined);
  const upBefore = answered.filter((c) => c.answeredAt! <= window.start);
  const upThrough = upBefore.filter((c) => c.endedAt >= window.end);
  const covering = upThrough.filter((c) => mediaFlowed(c, expectedPackets));
  const caller = legTotals(answered, 'caller');
  const callee = legTotals(answered, 'callee');
  const pct = (lost: number, received: number) => (received + lost ? (100 * lost) / (received + lost) : 100);
  const causes = new Map<string, number>();
  for (const c of cdrs) {
    const key = `${c.disposition}/${c.hangup.side}/${c.hangup.cause}`;
    causes.set(key, (causes.get(key) ?? 0) + 1);
  }
  return {
    total: cdrs.length,
    answered: answered.length,
    upBefore: upBefore.length,
    upThrough: upThrough.length,
    covering: covering.length,
    caller,
    callee,
    lossPct: pct(caller.lost + callee.lost, caller.received + callee.received),
    lossPctRaw: pct(caller.lostRaw + callee.lostRaw, caller.received + callee.received),
    causes,
  };
}

export function reportCdrs(label: string, c: CdrAnalysis): void {
  say(`${label}: CDRs ${c.total}, answered ${c.answered}; answered before the window ${c.upBefore}, of them still up at its end ${c.upThrough}, of them with media both ways all along ${c.covering}`);
  say(`${label}: CDRs by disposition/side/cause: ${[...c.causes].map(([k, v]) => `${k} ${v}`).join(', ')}`);
  for (const name of ['caller', 'callee'] as const) {
    const l = c[name];
    say(`${label}: ${name} legs: box received ${l.received}, lost ${l.lost} (${round(l.lossPct, 4)} %; CDR as written ${l.lostRaw}, ${l.corrected} legs corrected for mediasoup's seq-0 cycle), box sent to this peer ${l.sent}`);
  }
  say(`${label}: box forwarded caller->callee ${c.callee.sent} of ${c.caller.received} received; callee->caller ${c.caller.sent} of ${c.callee.received}`);
}

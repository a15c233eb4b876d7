// Call quality per trunk (MOS, loss, jitter), summed from the CDRs of the calls that ended in
// the last window: each CDR carries the media layer's LegQuality per leg (media/leg-quality.ts);
// the leg facing a trunk is the trunk's. Legs that received no RTP are left out (no media is
// not bad media). The `call-ended` event rows are keyed by time, so the window is one range read.
import type { Store } from '../../system/store/store.ts';
import type { Cdr } from '../../system/calls/cdr.ts';
import type { LegQuality } from '../../media/leg-quality.ts';
import type { Reading } from './thresholds.ts';

export interface TrunkQuality {
  trunk: string;
  /** Trunk legs with media in the window. */
  legs: number;
  mos: number;
  minMos: number;
  lossPct: number;
  jitterMs: number;
}

/** Mean figures per trunk from a list of CDRs (pure). */
export function summariseQuality(cdrs: Iterable<Pick<Cdr, 'caller' | 'callee' | 'quality'>>): TrunkQuality[] {
  const acc = new Map<string, { legs: number; mos: number; minMos: number; loss: number; jitter: number }>();
  const add = (trunk: string, q: LegQuality | undefined) => {
    if (!q || q.packetsReceived <= 0) return;
    const a = acc.get(trunk) ?? { legs: 0, mos: 0, minMos: 5, loss: 0, jitter: 0 };
    a.legs++;
    a.mos += q.mos;
    a.minMos = Math.min(a.minMos, q.mos);
    a.loss += q.lossRate * 100;
    a.jitter += q.jitterMs;
    acc.set(trunk, a);
  };
  for (const c of cdrs) {
    if (c.caller.kind === 'trunk') add(c.caller.id, c.quality?.caller);
    if (c.callee?.kind === 'trunk') add(c.callee.id, c.quality?.callee);
  }
  const r2 = (n: number) => Math.round(n * 100) / 100;
  return [...acc].sort(([a], [b]) => a.localeCompare(b)).map(([trunk, a]) => ({
    trunk, legs: a.legs, mos: r2(a.mos / a.legs), minMos: r2(a.minMos), lossPct: r2(a.loss / a.legs), jitterMs: r2(a.jitter / a.legs),
  }));
}

/** The CDRs of calls that ended since `since` (from the `call-ended` event rows). */
export function cdrsEndedSince(store: Store, since: number): Cdr[] {
  const out: Cdr[] = [];
  for (const { value } of store.tables.events.getRange({ start: [since, 0] })) {
    const e = value as { type?: string; callId?: string };
    if (e.type !== 'call-ended' || !e.callId) continue;
    const cdr = store.tables.cdr.get(e.callId) as Cdr | undefined;
    if (cdr) out.push(cdr);
  }
  return out;
}

/** Readings for the alert rules: only trunks with at least `minLegs` legs in the window. */
export function qualityReadings(q: TrunkQuality[], minLegs: number): Reading[] {
  return q.filter((t) => t.legs >= minLegs).flatMap((t): Reading[] => [
    { metric: 'mos', subject: t.trunk, value: t.mos },
    { metric: 'lossPct', subject: t.trunk, value: t.lossPct },
    { metric: 'jitterMs', subject: t.trunk, value: t.jitterMs },
  ]);
}

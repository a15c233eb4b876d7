// Calls by phone number, for the screen pop's history: an in-memory index from a number
// (caller's or callee's) to the ids of the CDRs it appears in. Built by one scan of the `cdr`
// table when the API starts, in chunks of 1,000 rows between which the event loop runs
// (measured ~9 µs a CDR: 20,000 CDRs in ~0.2 s of CPU, so a million would take ~10 s in
// the background; queries wait for it), then kept current from the `call-ended` event rows (read
// again from a minute before the last one seen, since an event's key is its call's end time
// and may commit slightly out of order). The CDRs themselves are read from LMDB per query.
// Memory: one Map entry per distinct number plus one id per call-number pair. Read-only.
import type { Store } from '../store/store.ts';
import { readWrapUp } from '../wrapup/wrap-up-book.ts';
import type { CallSummary } from './call-summary.ts';

export type { CallSummary } from './call-summary.ts';

interface CdrLike {
  callId: string;
  caller?: { number?: string };
  callee?: { number?: string };
  dialled?: string;
  startedAt: number;
  answeredAt?: number;
  endedAt: number;
  durationMs: number;
  billableMs?: number;
  connectedAt?: number;
  disposition: string;
  hangup?: { cause?: string };
  queue?: string;
  agents?: string[];
  ivr?: { flow: string; path: string[]; variables?: Record<string, string> };
  transfers?: unknown[];
}

const OVERLAP_MS = 60_000;

export class CallHistoryIndex {
  private readonly byNumber = new Map<string, string[]>();
  /** Calls indexed whose end is within the overlap window of the newest seen (de-duplication). */
  private readonly recent = new Map<string, number>();
  private building?: Promise<void>;
  private closed = false;
  private lastAt = 0;
  /** Milliseconds the initial scan took, and how many CDRs it read (for the log and tests). */
  buildStats?: { ms: number; cdrs: number };

  constructor(private readonly store: Store) {}

  /** Start the initial scan in the background (queries wait for it). */
  start(): Promise<void> {
    return (this.building ??= this.build());
  }

  /** Stop a scan still running (the store is about to close). */
  close(): void {
    this.closed = true;
  }

  /** The calls of `number`, newest first. */
  async calls(number: string, limit = 50): Promise<CallSummary[]> {
    await this.start();
    if (this.closed) return [];
    this.catchUp();
    const ids = this.byNumber.get(number) ?? [];
    const out: CallSummary[] = [];
    for (const id of ids) {
      const cdr = this.store.tables.cdr.get(id) as CdrLike | undefined;
      if (!cdr) continue;
      const summary = summarise(cdr, number);
      const w = readWrapUp(this.store, id);
      out.push(w ? { ...summary, wrapUp: { disposition: w.disposition, notes: w.notes, agent: w.agent, savedAt: w.savedAt } } : summary);
    }
    out.sort((a, b) => b.startedAt - a.startedAt);
    return out.slice(0, limit);
  }

  get numbers(): number {
    return this.byNumber.size;
  }

  private async build(): Promise<void> {
    let cpuMs = 0;
    let n = 0;
    let after: string | undefined;
    while (!this.closed) {
      const started = performance.now();
      let count = 0;
      for (const { key, value } of this.store.tables.cdr.getRange({ start: after, limit: 1000 })) {
        if (key === after) continue; // the range start is inclusive
        this.add(value as CdrLike);
        after = key;
        count++;
      }
      cpuMs += performance.now() - started;
      n += count;
      if (count === 0) break;
      await new Promise((r) => setImmediate(r));
    }
    this.buildStats = { ms: cpuMs, cdrs: n };
  }

  private catchUp(): void {
    const from = Math.max(0, this.lastAt - OVERLAP_MS);
    for (const { value } of this.store.tables.events.getRange({ start: [from, 0] })) {
      const ev = value as { type?: string; callId?: string };
      if (ev.type !== 'call-ended' || !ev.callId || this.recent.has(ev.callId)) continue;
      const cdr = this.store.tables.cdr.get(ev.callId) as CdrLike | undefined;
      if (cdr) this.add(cdr);
    }
    for (const [id, at] of this.recent) if (at < this.lastAt - OVERLAP_MS) this.recent.delete(id);
  }

  private add(cdr: CdrLike): void {
    if (this.recent.has(cdr.callId)) return;
    if (cdr.endedAt >= this.lastAt - OVERLAP_MS) this.recent.set(cdr.callId, cdr.endedAt);
    this.lastAt = Math.max(this.lastAt, cdr.endedAt);
    const numbers = new Set([cdr.caller?.number, cdr.callee?.number, cdr.dialled].filter((n): n is string => !!n));
    for (const n of numbers) {
      const list = this.byNumber.get(n);
      if (list) list.push(cdr.callId);
      else this.byNumber.set(n, [cdr.callId]);
    }
  }
}

function summarise(cdr: CdrLike, number: string): CallSummary {
  const inbound = cdr.caller?.number === number;
  const queued = !!cdr.queue;
  const talkMs = queued ? (cdr.connectedAt ? cdr.endedAt - cdr.connectedAt : 0) : cdr.billableMs ?? 0;
  return {
    callId: cdr.callId,
    direction: inbound ? 'in' : 'out',
    other: (inbound ? cdr.callee?.number ?? cdr.dialled : cdr.caller?.number) ?? '',
    startedAt: cdr.startedAt,
    ...(cdr.answeredAt !== undefined ? { answeredAt: cdr.answeredAt } : {}),
    endedAt: cdr.endedAt,
    durationMs: cdr.durationMs,
    talkMs,
    disposition: queued && !cdr.connectedAt && cdr.disposition === 'answered' ? 'abandoned' : cdr.disposition,
    ...(cdr.hangup?.cause ? { hangupCause: cdr.hangup.cause } : {}),
    ...(cdr.queue ? { queue: cdr.queue } : {}),
    ...(cdr.agents?.length ? { agents: cdr.agents } : {}),
    ...(cdr.ivr ? { ivr: { flow: cdr.ivr.flow, path: cdr.ivr.path, variables: cdr.ivr.variables } } : {}),
    ...(cdr.transfers?.length ? { transfers: cdr.transfers.length } : {}),
  };
}

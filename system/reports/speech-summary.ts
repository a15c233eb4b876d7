// The speech report (语音分析统计), pure: for the recorded calls that started in a window, per
// agent and per queue, how many calls have speech analytics, and their average talk/listen
// ratio, overtalk share, silence share, longest monologue and the share of calls where either
// side's agitation estimate reached a level. Rows come from the `speech-analytics` table joined
// with the recording index (start time, agents, queue); this file does no I/O.
import type { SpeechFigures } from '../../media/speech-analytics.ts';

export interface SpeechReportRow {
  startedAt: number;
  agents: readonly string[];
  queue?: string;
  figures: Pick<SpeechFigures, 'overtalkPct' | 'silencePct' | 'talkListenRatio' | 'longestMonologue'> & { caller: { agitation: number | null }; callee: { agitation: number | null } };
}

export interface SpeechGroup {
  /** The agent id or queue name. */
  key: string;
  calls: number;
  /** Averages over the group's calls (the ratio over calls where the caller spoke). */
  avgTalkListenRatio: number | null;
  avgOvertalkPct: number;
  avgSilencePct: number;
  avgLongestMonologueMs: number;
  /** Share (0-100) of calls where either side's agitation estimate reached `agitatedAt`. */
  agitatedPct: number;
}

export interface SpeechReport {
  from: number;
  to: number;
  agitatedAt: number;
  total: SpeechGroup;
  agents: SpeechGroup[];
  queues: SpeechGroup[];
}

const round1 = (v: number) => Math.round(v * 10) / 10;

function group(key: string, rows: readonly SpeechReportRow[], agitatedAt: number): SpeechGroup {
  const ratios = rows.map((r) => r.figures.talkListenRatio).filter((v): v is number => v !== null);
  const avg = (f: (r: SpeechReportRow) => number) => (rows.length ? rows.reduce((s, r) => s + f(r), 0) / rows.length : 0);
  const agitated = rows.filter((r) => Math.max(r.figures.caller.agitation ?? -1, r.figures.callee.agitation ?? -1) >= agitatedAt).length;
  return {
    key,
    calls: rows.length,
    avgTalkListenRatio: ratios.length ? Math.round((100 * ratios.reduce((a, b) => a + b, 0)) / ratios.length) / 100 : null,
    avgOvertalkPct: round1(avg((r) => r.figures.overtalkPct)),
    avgSilencePct: round1(avg((r) => r.figures.silencePct)),
    avgLongestMonologueMs: Math.round(avg((r) => r.figures.longestMonologue?.ms ?? 0)),
    agitatedPct: rows.length ? round1((100 * agitated) / rows.length) : 0,
  };
}

/** Calls starting in [from, to), optionally only one queue's or one agent's. */
export function speechReport(o: { rows: Iterable<SpeechReportRow>; from: number; to: number; queue?: string; agent?: string; agitatedAt?: number }): SpeechReport {
  const agitatedAt = o.agitatedAt ?? 70;
  const inWindow = [...o.rows].filter((r) => r.startedAt >= o.from && r.startedAt < o.to && (!o.queue || r.queue === o.queue) && (!o.agent || r.agents.includes(o.agent)));
  const by = (keys: (r: SpeechReportRow) => readonly string[]) => {
    const m = new Map<string, SpeechReportRow[]>();
    for (const r of inWindow) for (const k of new Set(keys(r))) m.set(k, [...(m.get(k) ?? []), r]);
    return [...m.keys()].sort().map((k) => group(k, m.get(k)!, agitatedAt));
  };
  return {
    from: o.from,
    to: o.to,
    agitatedAt,
    total: group('*', inWindow, agitatedAt),
    agents: by((r) => (o.agent ? r.agents.filter((a) => a === o.agent) : r.agents)),
    queues: by((r) => (r.queue ? [r.queue] : [])),
  };
}

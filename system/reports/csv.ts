// Report figures as CSV (RFC 4180: comma, CRLF, quotes doubled), for the download and the
// scheduled files. Times in seconds with one decimal, rates in percent with one decimal, an
// empty cell where a figure is undefined (no calls to average over). Text cells that a
// spreadsheet would run as a formula (=, +, -, @ first) are prefixed with an apostrophe.
import type { AgentFigures, QueueFigures } from './figures.ts';

const sec = (ms: number | null) => (ms === null ? '' : (Math.round(ms / 100) / 10).toFixed(1));
const pct = (r: number | null) => (r === null ? '' : (Math.round(r * 1000) / 10).toFixed(1));

function cell(v: string | number): string {
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function table(header: string[], lines: (string | number)[][]): string {
  return [header, ...lines].map((l) => l.map(cell).join(',')).join('\r\n') + '\r\n';
}

export const QUEUE_COLUMNS = [
  'interval_start', 'interval_end', 'queue', 'offered', 'answered', 'abandoned', 'short_abandoned', 'overflowed', 'blocked', 'exited', 'lost', 'waiting',
  'abandon_rate_pct', 'asa_s', 'longest_wait_s', 'service_level_s', 'service_level_pct', 'service_level_abandons_within_pct',
  'talk_s', 'wrap_up_s', 'handled', 'aht_s', 'avg_talk_s',
];

export function queueCsv(rows: readonly QueueFigures[], label: (at: number) => string): string {
  return table(QUEUE_COLUMNS, rows.map((q) => [
    label(q.interval.start), label(q.interval.end), q.queue, q.offered, q.answered, q.abandoned, q.shortAbandoned, q.overflowed, q.blocked, q.exited, q.lost, q.waiting,
    pct(q.abandonRate), sec(q.asaMs), sec(q.longestWaitMs), q.serviceLevelSec, pct(q.serviceLevel), pct(q.serviceLevelAbandonsWithin),
    sec(q.talkMs), sec(q.wrapUpMs), q.handled, sec(q.ahtMs), sec(q.avgTalkMs),
  ]));
}

export function agentCsv(rows: readonly AgentFigures[], label: (at: number) => string): string {
  const reasons = [...new Set(rows.flatMap((a) => Object.keys(a.breakByReason)))].sort();
  const header = [
    'interval_start', 'interval_end', 'agent', 'answered', 'talk_s', 'wrap_up_s', 'handled', 'aht_s', 'avg_talk_s', 'no_answer', 'declined',
    'logged_in_s', 'available_s', 'ringing_s', 'on_call_s', 'wrap_up_state_s', 'break_s', 'occupancy_pct', ...reasons.map((r) => `break_${r}_s`),
  ];
  return table(header, rows.map((a) => [
    label(a.interval.start), label(a.interval.end), a.agent, a.answered, sec(a.talkMs), sec(a.wrapUpMs), a.handled, sec(a.ahtMs), sec(a.avgTalkMs), a.noAnswer, a.declined,
    sec(a.loggedInMs), sec(a.availableMs), sec(a.ringingMs), sec(a.onCallMs), sec(a.wrapUpStateMs), sec(a.breakMs), pct(a.occupancy),
    ...reasons.map((r) => sec(a.breakByReason[r] ?? 0)),
  ]));
}

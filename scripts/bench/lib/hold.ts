// Building blocks of the "calls held with RTP" phase of the box benchmarks (the phase
// scripts/bench/calls.ts runs; scripts/bench/media.ts runs it with and without recording):
// caller/callee sipp pairs streaming RTP both ways through the box, waiting until every call
// is answered, sampling the box over a window, grouping UDP receive drops by owner, what the
// sipps saw, and the end-of-box bookkeeping (leaked media objects, warnings).
//
// The plan: `pairs` caller/callee sipp pairs (one sipp echo socket cannot carry hundreds of
// calls, docs/TESTING.md) × `callsPerPair` calls at `setupCps` calls/s in all; each caller
// streams a tone at `pps` packets/s (hil-tests/peers/sipp/bench-uac-rtp.xml), each callee
// echoes it (-rtp_echo); every call is held long enough for the ramp, up to answerWaitSec for
// the last answer, settleSec, the window and a margin before the first call hangs up.
import { availableParallelism } from 'node:os';
import { freePort } from '../../../hil-tests/harness/ports.ts';
import { Box, CALLEE_IP, CARRIER_IP, RTP_RANGE, dialPrefix, sleep, type BoxStatus } from './box.ts';
import { BUFFER_BYTES, startSipp, type SippInstance, type SippResult } from './sipp.ts';
import { CpuWindow, rssMb, threadCpu, udpCounters, type UdpDropTracker, type UdpSocket } from './proc.ts';
import { round, say } from './report.ts';
import { muLawTone } from './tone.ts';

export interface HoldPlan {
  pairs: number;
  callsPerPair: number;
  setupCps: number;
  answerWaitSec: number;
  settleSec: number;
  windowSec: number;
  marginSec: number;
  pps: number;
}

/** 600 G.711 calls over 6 sipp pairs, as bench:calls holds them. */
export const HOLD_600: HoldPlan = { pairs: 6, callsPerPair: 100, setupCps: 120, answerWaitSec: 20, settleSec: 2, windowSec: 20, marginSec: 5, pps: 50 };

export const holdCalls = (p: HoldPlan) => p.pairs * p.callsPerPair;
export const rampSec = (p: HoldPlan) => holdCalls(p) / p.setupCps;
/** How long each caller holds its calls (sipp -d). */
export const holdMs = (p: HoldPlan) => (rampSec(p) + p.answerWaitSec + p.settleSec + p.windowSec + p.marginSec) * 1000;

/** One built-in uas on the callee address, running until killed; with rtpEcho it echoes RTP. */
export async function startCallee(label: string, port: number, rtpEcho?: { mediaPort: number }): Promise<SippInstance> {
  const media = rtpEcho ? ['-mi', CALLEE_IP, '-mp', String(rtpEcho.mediaPort), '-rtp_echo', '-rtp_buffsize', String(BUFFER_BYTES)] : [];
  const uas = startSipp({ scenario: 'uas', builtin: true, localIp: CALLEE_IP, localPort: port, args: media, label });
  await sleep(300); // sipp binds before it reads anything; give it a moment
  return uas;
}

export interface RtpPair {
  uac: SippInstance;
  uas: SippInstance;
  uacMediaPort: number;
  uasMediaPort: number;
}

/** Start the pairs: callee i on uasPorts[i] (the box's upstream trunk i), its caller dialling
 *  through the box; the callers start calling at once. */
export async function startRtpPairs(box: Box, uasPorts: number[], plan: HoldPlan): Promise<RtpPair[]> {
  const tone = muLawTone(1);
  const hold = holdMs(plan);
  const pairs: RtpPair[] = [];
  for (const [i, port] of uasPorts.entries()) {
    const uasMediaPort = await freePort(CALLEE_IP);
    const uacMediaPort = await freePort(CARRIER_IP);
    const uas = await startCallee(`uas-rtp${i}`, port, { mediaPort: uasMediaPort });
    const uac = startSipp({
      scenario: 'bench-uac-rtp.xml',
      localIp: CARRIER_IP,
      localPort: await freePort(CARRIER_IP),
      target: `127.0.0.1:${box.sipPort}`,
      label: `uac-rtp${i}`,
      files: { 'bench-tone.ulaw': tone },
      args: [
        '-s', `${dialPrefix(i)}${1000 + i}`, '-mi', CARRIER_IP, '-mp', String(uacMediaPort), '-rtp_buffsize', String(BUFFER_BYTES),
        '-m', String(plan.callsPerPair), '-l', String(plan.callsPerPair), '-r', String(plan.setupCps / plan.pairs), '-d', String(hold),
        '-timeout', `${Math.ceil(hold / 1000) + 60}s`, '-timeout_error',
      ],
    });
    pairs.push({ uac, uas, uacMediaPort, uasMediaPort });
  }
  return pairs;
}

/** Poll the box until `want` calls are up and answered (two dialogs each) or the time is
 *  over; the last status. */
export async function waitForCalls(box: Box, want: number, timeoutMs: number): Promise<BoxStatus> {
  const until = Date.now() + timeoutMs;
  let s = await box.status();
  while (Date.now() < until && (s.calls < want || s.dialogs < 2 * want)) {
    await sleep(250);
    s = await box.status();
  }
  return s;
}

export interface WindowSample {
  minCalls: number;
  /** Peak of daemon + worker RSS, MB. */
  rssMb: number;
  /** RSS of the daemon and of the worker at the first and the last sample, MB. */
  nodeRss: [number, number];
  workerRss: [number, number];
  /** Slowest GET /api/status over the window, ms (the daemon's event loop under load). */
  slowestStatusMs: number;
  last?: BoxStatus;
}

/** Sample the box once a second until `endAt`: fewest calls seen, memory, status latency. */
export async function sampleWindow(box: Box, endAt: number): Promise<WindowSample> {
  const out: WindowSample = { minCalls: Infinity, rssMb: 0, nodeRss: [0, 0], workerRss: [0, 0], slowestStatusMs: 0 };
  let first = true;
  while (Date.now() < endAt) {
    const t0 = performance.now();
    out.last = await box.status();
    out.slowestStatusMs = Math.max(out.slowestStatusMs, performance.now() - t0);
    out.minCalls = Math.min(out.minCalls, out.last.calls);
    const node = rssMb(box.pid);
    const worker = box.workerPids().reduce((n, pid) => n + rssMb(pid), 0);
    if (first) [out.nodeRss[0], out.workerRss[0], first] = [node, worker, false];
    [out.nodeRss[1], out.workerRss[1]] = [node, worker];
    out.rssMb = Math.max(out.rssMb, node + worker);
    await sleep(Math.min(1000, Math.max(0, endAt - Date.now())));
  }
  if (out.minCalls === Infinity) out.minCalls = 0;
  return out;
}

export type DropGroup = 'boxMedia' | 'boxSip' | 'boxNodeOther' | 'calleeEcho' | 'callerSink';
export type DropGroups = Record<DropGroup, { sockets: number; drops: number }>;

/** UDP receive drops by socket group: the box's media ports and SIP port, the daemon's other
 *  UDP sockets (`nodeInodes`: the sockets the daemon process holds, e.g. a recording hub), the
 *  callee sipps' echo sockets, the caller sipps' media sockets (never read: drops expected). */
export function groupDrops(sockets: UdpSocket[], box: Box, pairs: RtpPair[], nodeInodes: Set<number> = new Set()): DropGroups {
  const groups: Record<DropGroup, (s: UdpSocket) => boolean> = {
    boxMedia: (s) => s.ip === '127.0.0.1' && s.port >= RTP_RANGE.min && s.port <= RTP_RANGE.max,
    boxSip: (s) => s.ip === '127.0.0.1' && s.port === box.sipPort,
    boxNodeOther: (s) => nodeInodes.has(s.inode) && s.port !== box.sipPort && !(s.port >= RTP_RANGE.min && s.port <= RTP_RANGE.max),
    calleeEcho: (s) => s.ip === CALLEE_IP && pairs.some((p) => p.uasMediaPort === s.port),
    callerSink: (s) => s.ip === CARRIER_IP && pairs.some((p) => p.uacMediaPort === s.port),
  };
  const out = {} as DropGroups;
  for (const [name, match] of Object.entries(groups) as [DropGroup, (s: UdpSocket) => boolean][]) {
    const chosen = sockets.filter(match);
    out[name] = { sockets: chosen.length, drops: chosen.reduce((n, s) => n + s.drops, 0) };
  }
  return out;
}

/** Stop the tracker; print drops by group and the kernel's machine-wide UDP counters since `snmpBefore`. */
export function reportDrops(label: string, tracker: UdpDropTracker, snmpBefore: Record<string, number>, box: Box, pairs: RtpPair[], nodeInodes?: Set<number>): DropGroups {
  const drops = groupDrops(tracker.stop(), box, pairs, nodeInodes);
  const snmp = udpCounters();
  say(`${label}: UDP receive drops from set-up to the last hang-up: ${Object.entries(drops).map(([k, v]) => `${k} ${v.drops} (${v.sockets} sockets)`).join(', ')} (sipp callers never read their media socket: callerSink drops are expected)`);
  say(`${label}: machine-wide UDP counters over the same time (/proc/net/snmp, callerSink drops included): ${['RcvbufErrors', 'SndbufErrors', 'InErrors', 'NoPorts'].map((k) => `${k} ${snmp[k] - snmpBefore[k]}`).join(', ')}`);
  return drops;
}

/** CPU of the daemon, its worker, the sipps and `extra` processes over [now, endAt], with the window samples.
 *  `note` is appended to the printed last status (e.g. what a fully set-up box would show). */
export async function measureWindow(label: string, box: Box, pairs: RtpPair[], endAt: number, extra: Record<string, number[]> = {}, note = '') {
  const cpu = new CpuWindow({ node: [box.pid], worker: box.workerPids(), sipp: pairs.flatMap((p) => [p.uac.pid, p.uas.pid]), ...extra });
  const threads0 = threadCpu(box.pid);
  cpu.begin();
  const sampled = await sampleWindow(box, endAt);
  const usage = cpu.end();
  const threads = nodeThreads(box.pid, threads0, usage.seconds);
  const p = usage.pct;
  const others = Object.keys(extra).map((k) => `, ${k} ${round(p[k], 1)}`).join('');
  const accounted = p.node + p.worker + p.sipp + Object.keys(extra).reduce((n, k) => n + p[k], 0);
  say(`${label}: window ${round(usage.seconds, 1)} s: box calls min ${sampled.minCalls}, last status ${sampled.last ? describeStatus(sampled.last) : '-'}${note}, slowest /api/status ${round(sampled.slowestStatusMs, 0)} ms`);
  say(
    `${label}: CPU % of one core: node ${round(p.node, 1)}, mediasoup-worker ${round(p.worker, 1)}, all sipp ${round(p.sipp, 1)}${others}, ` +
      `whole machine ${round(p.machine, 1)} of ${availableParallelism() * 100} (other processes ~${round(Math.max(0, p.machine - accounted), 0)})`,
  );
  say(`${label}: node by thread, % of one core: main (SIP, calls) ${round(threads.mainPct, 1)}, the others ${round(threads.otherPct, 1)} (busiest: ${threads.busiest.map((t) => `${t.comm}/${t.tid} ${round(t.pct, 1)}`).join(', ') || '-'})`);
  say(`${label}: RSS MB at window start -> end: node ${round(sampled.nodeRss[0], 0)} -> ${round(sampled.nodeRss[1], 0)}, worker ${round(sampled.workerRss[0], 0)} -> ${round(sampled.workerRss[1], 0)}`);
  return { sampled, usage, threads };
}

/** CPU of the daemon's main thread (tid = pid) against its other threads (recording worker
 *  threads, libuv pool, V8 helpers) over a window. */
function nodeThreads(pid: number, before: Map<number, { comm: string; seconds: number }>, seconds: number) {
  const per = [...threadCpu(pid)].map(([tid, t]) => ({ tid, comm: t.comm, pct: (100 * (t.seconds - (before.get(tid)?.seconds ?? 0))) / seconds }));
  const main = per.find((t) => t.tid === pid)?.pct ?? NaN;
  const others = per.filter((t) => t.tid !== pid).sort((a, b) => b.pct - a.pct);
  return { mainPct: main, otherPct: others.reduce((n, t) => n + t.pct, 0), busiest: others.slice(0, 3).filter((t) => t.pct >= 1) };
}

/** Wait for the callers to finish their calls, stop the callees; print what sipp saw on both
 *  sides. The mean INVITE->200 time over all callers. */
export async function reportSippPairs(label: string, pairs: RtpPair[], plan: HoldPlan): Promise<number> {
  const uacs = await Promise.all(pairs.map((p) => p.uac.done));
  await Promise.all(pairs.map((p) => p.uas.kill()));
  const uass = await Promise.all(pairs.map((p) => p.uas.done));
  const total = (f: (r: SippResult) => number | undefined) => uacs.reduce((n, r) => n + (f(r) ?? 0), 0);
  const rtd = uacs.map((r) => round(r.stats?.responseTimeMs ?? NaN, 0)).join(',');
  say(
    `${label}: caller sipps: ${total((r) => r.stats?.successful)} calls ok, ${total((r) => r.stats?.failed)} failed, ` +
      `${holdCalls(plan) - total((r) => r.stats?.successful) - total((r) => r.stats?.failed)} unfinished when sipp stopped, ` +
      `${total((r) => r.stats?.retransmissions)} retransmissions, INVITE->200 mean per sipp ${rtd} ms, longest sipp run ${round(Math.max(...uacs.map((r) => r.wallSec)), 1)} s, exit codes ${uacs.map((r) => r.code).join(',')}`,
  );
  for (const line of [...uacs, ...uass].flatMap((r) => r.errors).slice(0, 6)) say(`  sipp: ${line}`);
  return uacs.reduce((n, r) => n + (r.stats?.responseTimeMs ?? NaN), 0) / uacs.length;
}

export interface LeakTally {
  /** Routers and transports no live call accounts for. */
  routers: number;
  transports: number;
  /** Calls still up when the box was about to be stopped. */
  callsLeft: number;
  notes: string[];
}

export const newLeakTally = (): LeakTally => ({ routers: 0, transports: 0, callsLeft: 0, notes: [] });

/** Let the box go idle, count what is left, run `before` (e.g. read CDRs), stop it. Media
 *  objects count as leaked when no live call accounts for them (at most one router and
 *  `transportsPerCall` transports per call still up, e.g. when its caller gave up without BYE). */
export async function finishBox<T>(label: string, box: Box, leaks: LeakTally, transportsPerCall: number, before?: () => Promise<T>): Promise<T> {
  try {
    const s = await box.settle(15_000);
    leaks.callsLeft += s.calls;
    leaks.routers += Math.max(0, s.media.routers - s.calls);
    leaks.transports += Math.max(0, s.media.transports - transportsPerCall * s.calls);
    say(`${label}: box after its calls: ${describeStatus(s)}`);
    if (s.calls || s.dialogs || s.media.routers || s.media.transports) leaks.notes.push(`${label}: ${describeStatus(s)}`);
  } catch (err) {
    leaks.notes.push(`${label}: status unavailable (${(err as Error).message}); box running=${box.running}`);
    say(`${label}: box status unavailable: ${(err as Error).message}`);
  }
  try {
    return await (before?.() ?? Promise.resolve(undefined as T));
  } finally {
    logBoxWarnings(box);
    await box.stop();
  }
}

export function describeStatus(s: BoxStatus): string {
  const m = s.media;
  return `calls=${s.calls} dialogs=${s.dialogs} transactions=${s.transactions.server}/${s.transactions.client} routers=${m.routers} transports=${m.transports} producers=${m.producers} consumers=${m.consumers}`;
}

/** The box's warn/error log lines, grouped, most frequent first. */
export function logBoxWarnings(box: Box, max = 5): void {
  for (const g of box.logSummary().filter((g) => !/first start: admin password/.test(g.key)).slice(0, max)) {
    say(`  box log x${g.count}: ${g.key}`);
    say(`    e.g. ${g.example}`);
  }
}

/** Other work on the machine skews every figure: say how busy it was before we started. */
export async function reportIdleLoad(): Promise<number> {
  const cpu = new CpuWindow({});
  cpu.begin();
  await sleep(1000);
  const pct = cpu.end().pct.machine;
  say(`machine busy before the benchmark: ${round(pct, 0)} % of one core (of ${availableParallelism() * 100})`);
  return pct;
}

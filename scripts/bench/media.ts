// Media benchmark (`npm run bench:media`, no arguments, < 10 min on the 2-core box): what
// recording every call costs the box while it holds 600 G.711 calls with RTP both ways.
// Conventions: docs/BENCHMARKS.md; peers and measuring pitfalls: docs/TESTING.md.
//
// The hold phase of bench:calls (lib/hold.ts: 6 caller/callee sipp pairs × 100 calls, each
// caller streaming a tone at 50 packets/s, each callee echoing it) runs twice, each time on a
// fresh box with the default config (DTMF taps on):
//   1. baseline: `recording: { enabled: false }`;
//   2. `recording: { enabled: true }` (the box's default): every call written as a two-channel
//      G.711 WAV (the call's codec, as received) under <data dir>/recordings/YYYY/MM/DD/<callId>.wav
//      by the box's recording worker thread, indexed in the LMDB table `recordings` with its
//      size and SHA-256.
// For each run, over a 20 s window once every call is answered: calls held (answered before
// the window, still up at its end, media both ways: CDRs + GET /api/status), RTP loss from the
// box's CDR counters (corrected for mediasoup's seq-0 cycle, lib/cdr.ts), UDP receive drops on
// the box's own sockets (media, SIP, the daemon's recording socket) apart from drops on the
// callee sipps' echo sockets (the tool's, not the box's: they show up as loss on the callee
// legs), CPU of the daemon (node; its main thread apart from its other threads, the recording
// worker thread among them) and its mediasoup worker, and how fast the recordings grow
// on disk. After the run: every answered call must have a recording row without stoppedBy
// whose file exists with exactly the indexed size (`recordings_missing`); checksums, WAV
// headers, the audio itself (how late each recording starts, silent frames once a channel has
// sound: RTP the recorder never got) and recorded duration against wall time are checked too.
// Every box must end with no router left (`leaked_routers`). `rtp_loss_pct` is the CDR loss as
// the box counted it; `rtp_loss_pct_without_echo_drops` takes off the packets the callee sipps'
// echo sockets dropped (those never came back to the box: the tool's loss, not the box's).
// What else ran on the machine during each window (kernel softirq, other processes) is printed.
//
// Jitter. The figure asked for is the jitter the box adds. The box reads, per leg, the RFC 3550
// interarrival jitter of what it *receives* (mediasoup's running estimate, roughly the last 16
// packets, at the worker's millisecond clock): every few seconds while a call is up (GET
// /api/calls shows the latest reading) and once more when the call ends (the CDR). On the
// callee leg that is the audio that went caller -> box -> callee sipp -> echoed -> box, so it
// carries the box's forwarding jitter towards the callee (plus the echoing sipp's own and the
// worker's receive timing). `added_jitter_p99_ms` = p99 over the callee legs of the live
// readings taken during the window (the API is read three times; each call's distinct readings
// count) with recording − the same without: the receive-side interarrival jitter difference
// while all calls are up, not a direct send-side measure. The CDR's reading is printed too
// (`added_jitter_at_end_p99_ms`), but it is taken as the call ends, and this bench ends all its
// calls within a few seconds: it mostly shows how the box copes with 600 hang-ups at once
// (recordings closed, checksummed, indexed and analysed), not the jitter during the calls.
// A direct measure from the callers is impossible:
// sipp callers never read their media socket, so nothing measures the RTP the box sends them.
// What can be measured directly is the box's send timing on the wire: dumpcap captures pair
// 0's caller->box and box->callee RTP on `lo` (kernel stamps at send time), each forwarded
// packet is paired with the one the caller sent (same RTP timestamp, lib/rtp-capture.ts), and
// the variation of the box's transit time is the jitter the box adds on the way to the
// callees, per stream as RFC 3550 jitter (`send_transit_jitter_p99_ms`,
// `added_send_jitter_p99_ms`). The capture (about 100 calls × 2 streams) costs about 1 % of a
// core in both runs alike; its own drops are printed. Read the CDR figure next to the wire
// figures: at 600 calls the CDR jitter also reflects when the busy worker gets round to reading
// its sockets and how busy the echoing sipps are (caller legs, whose packets leave sipp with
// ~2 ms jitter on the wire, have shown 6-45 ms in the CDRs), so other load on the machine moves
// it (once it stayed flat between the runs while the wire showed the box adding ~25 ms).
//
// Prints RESULT lines last; exits 0 whenever it ran, non-zero only if it could not run.
// BENCH_MEDIA_SMOKE=1 runs a 10-call version in under a minute (to check the script itself).
// BENCH_MEDIA_PAIRS=N (1-6) holds N × 100 calls instead of 600: an A/B of the recording path
// on a machine too slow to hold 600 calls even without recording (the calls target follows N).
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { freePort } from '../../hil-tests/harness/ports.ts';
import { cleanupAll } from './lib/cleanup.ts';
import { describeLeaks, guardRun, recordClosingFigures, runBench } from './lib/run.ts';
import { Box, CALLEE_IP, CARRIER_IP, sleep } from './lib/box.ts';
import { UdpDropTracker, allProcessCpu, socketInodes, softirqSeconds, udpCounters } from './lib/proc.ts';
import { boxPhase, elapsedSec, printResults, record, round, say } from './lib/report.ts';
import { requireSipp } from './lib/sipp.ts';
import { analyseCdrs, callsHeld, reportCdrs } from './lib/cdr.ts';
import { WAV, checkRecordings, diskBytes, reportRecordings, type MediaCdr, type RecordingCheck, type RecordingRow } from './lib/recordings-check.ts';
import {
  HOLD_600, describeStatus, finishBox, holdCalls, holdMs, measureWindow, newLeakTally, rampSec, reportDrops, reportIdleLoad,
  reportSippPairs, startRtpPairs, waitForCalls, type HoldPlan, type LeakTally, type RtpPair,
} from './lib/hold.ts';
import { boxTransit, percentile, readPcapRtp, startRtpCapture, streamJitter, streamsOf, type RtpCapture } from './lib/rtp-capture.ts';

const SMOKE = Boolean(process.env.BENCH_MEDIA_SMOKE);
const PAIRS = Math.min(6, Math.max(1, Math.trunc(Number(process.env.BENCH_MEDIA_PAIRS) || 6)));
const PLAN: HoldPlan = SMOKE ? { pairs: 1, callsPerPair: 10, setupCps: 10, answerWaitSec: 5, settleSec: 1, windowSec: 5, marginSec: 3, pps: 50 } : { ...HOLD_600, pairs: PAIRS };
/** Transports of a call: one plain transport per leg and one direct transport per leg for the
 *  DTMF taps; a recorded call adds the recorder's plain transport. */
const TRANSPORTS_PER_CALL = { legs: 4, recorder: 1 };
/** Consumers of a call: one per leg (the other party's audio), one DTMF tap per leg; a recorded call adds one per side. */
const CONSUMERS_PER_CALL = { legs: 4, recorder: 2 };
const BUDGET = { totalSec: 600, watchdogSec: 585, secondRunNeedsSec: 150 };

interface WireResult {
  captured?: number;
  dropped?: number;
  inStreams: number;
  outStreams: number;
  /** Per-stream RFC 3550 jitter (mean over the window) of what the caller sent and of what the box sent on. */
  inJitterP99: number;
  outJitterP99: number;
  /** Sequence gaps on the wire inside the window: caller -> box, box -> callee. */
  inGaps: number;
  outGaps: number;
  matched: number;
  unmatched: number;
  transitP50: number;
  transitP99: number;
  transitP999: number;
  transitMax: number;
  /** Per-stream RFC 3550 jitter of the box's transit time (the jitter the box adds), p50 and p99 over streams. */
  transitJitterP50: number;
  transitJitterP99: number;
}

interface RunResult {
  label: string;
  recording: boolean;
  held: number;
  lossPct: number;
  lossPctRaw: number;
  /** Loss with the packets the callee sipps' echo sockets dropped taken off (those never came back: the tool's). */
  lossPctBox: number;
  drops: { boxMedia: number; boxSip: number; boxNodeOther: number; calleeEcho: number };
  /** From the CDRs: the legs' jitter as the calls ended. */
  calleeJitter: { p50: number; p99: number; max: number; legs: number };
  callerJitterP99: number;
  /** From the live readings during the window (GET /api/calls). */
  liveJitter: LiveJitter;
  cpu: Record<string, number>;
  windowSec: number;
  answerMs: number;
  /** Growth of the recordings on disk over the window, bytes/s; and the same from the index rows. */
  diskBytesPerSec?: number;
  rowBytesPerSec?: number;
  recordings?: RecordingCheck;
  /** Held calls with a complete recording (capped by the fewest calls the box reported in the window). */
  recordedHeld?: number;
  wire?: WireResult;
}

// ---------------------------------------------------------------- live jitter

interface LiveJitter {
  callee: { p50: number; p99: number; max: number };
  callerP99: number;
  /** Distinct readings (call, time) taken, and of how many calls. */
  readings: number;
  calls: number;
  errors: string[];
}

interface LiveCallRow {
  id: string;
  quality?: { at: number; caller: { jitterMs: number }; callee?: { jitterMs: number } };
}

/** Reads GET /api/calls three times over the window; each call's distinct live readings (the
 *  box takes one every few seconds) give the legs' jitter while all calls are up. */
async function sampleLiveJitter(box: Box, window: { start: number; end: number }): Promise<LiveJitter> {
  const seen = new Map<string, { caller: number; callee?: number }>();
  const calls = new Set<string>();
  const errors: string[] = [];
  const span = window.end - window.start;
  for (const at of [window.start + span / 3, window.start + (2 * span) / 3, window.end - 500]) {
    await sleep(Math.max(0, at - Date.now()));
    try {
      for (const c of await box.liveCalls<LiveCallRow>()) {
        if (!c.quality) continue;
        calls.add(c.id);
        seen.set(`${c.id}@${c.quality.at}`, { caller: c.quality.caller.jitterMs, callee: c.quality.callee?.jitterMs });
      }
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  const callee = [...seen.values()].map((r) => r.callee).filter((j): j is number => j !== undefined);
  const caller = [...seen.values()].map((r) => r.caller);
  return {
    callee: { p50: percentile(callee, 50), p99: percentile(callee, 99), max: callee.length ? Math.max(...callee) : NaN },
    callerP99: percentile(caller, 99),
    readings: seen.size,
    calls: calls.size,
    errors,
  };
}

// ---------------------------------------------------------------- the wire (pair 0)

/** pair 0's RTP towards the box and from the box to its callee. */
function captureFilter(pair: RtpPair): string {
  return `udp and ((src host ${CARRIER_IP} and src port ${pair.uacMediaPort}) or (dst host ${CALLEE_IP} and dst port ${pair.uasMediaPort}))`;
}

function analyseWire(file: string, pair: RtpPair, window: { start: number; end: number }, counts: { captured?: number; dropped?: number }): WireResult {
  const packets = readPcapRtp(file);
  const inputs = streamsOf(packets, (p) => p.src === CARRIER_IP && p.sport === pair.uacMediaPort);
  const outputs = streamsOf(packets, (p) => p.dst === CALLEE_IP && p.dport === pair.uasMediaPort);
  const inJ = streamJitter(inputs, window);
  const outJ = streamJitter(outputs, window);
  const transit = boxTransit(inputs, outputs, window);
  return {
    ...counts,
    inStreams: inJ.streams,
    outStreams: outJ.streams,
    inJitterP99: percentile(inJ.jitterMs, 99),
    outJitterP99: percentile(outJ.jitterMs, 99),
    inGaps: inJ.gaps,
    outGaps: outJ.gaps,
    matched: transit.matched,
    unmatched: transit.unmatched,
    transitP50: percentile(transit.transitMs, 50),
    transitP99: percentile(transit.transitMs, 99),
    transitP999: percentile(transit.transitMs, 99.9),
    transitMax: transit.transitMs.length ? transit.transitMs.reduce((a, b) => Math.max(a, b)) : NaN,
    transitJitterP50: percentile(transit.streamTransitJitter, 50),
    transitJitterP99: percentile(transit.streamTransitJitter, 99),
  };
}

function reportWire(label: string, w: WireResult): void {
  say(
    `${label}: wire (pair 0, dumpcap on lo: ${w.captured ?? '?'} packets captured, ${w.dropped ?? '?'} dropped by the capture): ` +
      `caller->box ${w.inStreams} streams, jitter p99 ${round(w.inJitterP99, 3)} ms, seq gaps ${w.inGaps}; box->callee ${w.outStreams} streams, jitter p99 ${round(w.outJitterP99, 3)} ms, seq gaps ${w.outGaps}`,
  );
  say(
    `${label}: wire: box transit caller->callee (${w.matched} streams paired, ${w.unmatched} not): p50 ${round(w.transitP50, 3)} ms, p99 ${round(w.transitP99, 3)}, p99.9 ${round(w.transitP999, 3)}, max ${round(w.transitMax, 1)}; ` +
      `per-stream RFC 3550 jitter of the transit p50 ${round(w.transitJitterP50, 3)} ms, p99 ${round(w.transitJitterP99, 3)} ms`,
  );
}

/** CDR loss in % after taking off what the callee sipps' echo sockets dropped. */
function lossWithoutEcho(c: ReturnType<typeof analyseCdrs>, echoDrops: number): number {
  const lost = c.caller.lost + c.callee.lost;
  const received = c.caller.received + c.callee.received;
  return received + lost ? (100 * Math.max(0, lost - echoDrops)) / (received + lost) : 0;
}

// ---------------------------------------------------------------- the rest of the machine

/** What else used the CPU over the window: kernel softirq (loopback packet delivery, charged to
 *  no process) and any process not ours above 2 % of a core (another job on a shared machine). */
function othersBegin() {
  return { procs: allProcessCpu(), softirq: softirqSeconds() };
}

function othersEnd(begin: ReturnType<typeof othersBegin>, seconds: number, ours: number[]): string {
  const skip = new Set([...ours, process.pid, process.ppid]);
  const busy: string[] = [];
  for (const [pid, now] of allProcessCpu()) {
    if (skip.has(pid)) continue;
    const pct = (100 * (now.seconds - (begin.procs.get(pid)?.seconds ?? 0))) / seconds;
    if (pct >= 2) busy.push(`${now.comm}(${pid}) ${round(pct, 0)} %`);
  }
  const softirq = (100 * (softirqSeconds() - begin.softirq)) / seconds;
  return `kernel softirq ${round(softirq, 0)} % of a core; other processes above 2 %: ${busy.join(', ') || 'none'}`;
}

// ---------------------------------------------------------------- one hold run

async function holdRun(label: string, recording: boolean, leaks: LeakTally): Promise<RunResult> {
  const total = holdCalls(PLAN);
  const hold = holdMs(PLAN);
  const uasPorts = await Promise.all(Array.from({ length: PLAN.pairs }, () => freePort(CALLEE_IP)));
  const box = await Box.start({ upstreamPorts: uasPorts, dtmfEvents: true, recording: { enabled: recording } });
  // The daemon's own sockets (SIP, and the recording hub when recording is on).
  const nodeInodes = socketInodes(box.pid);
  say(`${label}: box pid ${box.pid} (worker ${box.workerPids().join(',')}), recording ${recording ? 'on' : 'off'}; ${total} calls over ${PLAN.pairs} sipp pairs at ${PLAN.setupCps} calls/s, each held ${hold / 1000} s with ${PLAN.pps} RTP packets/s each way`);
  const startedAt = Date.now();
  const drops = new UdpDropTracker();
  const snmpBefore = udpCounters();
  // Slow polling while calls are up (no socket closes then); fast once the window is over and
  // the hang-ups come (each closes the box's sockets and the drops they counted with them).
  drops.start(10_000);
  const pairs = await startRtpPairs(box, uasPorts, PLAN);
  let capture: RtpCapture | undefined;
  try {
    try {
      capture = await startRtpCapture(label, captureFilter(pairs[0]));
    } catch (err) {
      say(`${label}: no wire capture: ${(err as Error).message}`);
    }
    const up = await waitForCalls(box, total, (rampSec(PLAN) + PLAN.answerWaitSec) * 1000);
    const perCall = TRANSPORTS_PER_CALL.legs + (recording ? TRANSPORTS_PER_CALL.recorder : 0);
    const allSetUp = `transports=${total * perCall} consumers=${total * (CONSUMERS_PER_CALL.legs + (recording ? CONSUMERS_PER_CALL.recorder : 0))}`;
    say(`${label}: after ${round((Date.now() - startedAt) / 1000, 1)} s: ${describeStatus(up)} (every call fully set up, taps and recorder included: ${allSetUp})`);
    await sleep(PLAN.settleSec * 1000);
    // The window must close before the first call's hold ends.
    const window = { start: Date.now(), end: Math.min(Date.now() + PLAN.windowSec * 1000, startedAt + hold - 1500) };
    const disk0 = { at: performance.now(), bytes: recording ? diskBytes(box.recordingsDir) : 0 };
    const others = othersBegin();
    const liveSampling = sampleLiveJitter(box, window);
    const { sampled, usage, threads } = await measureWindow(label, box, pairs, window.end, { ...(capture ? { capture: [capture.pid] } : {}), bench: [process.pid] });
    drops.pollEvery(500);
    const liveJitter = await liveSampling;
    say(
      `${label}: live jitter of what the box received during the window (GET /api/calls read 3 times: ${liveJitter.readings} readings of ${liveJitter.calls} calls${liveJitter.errors.length ? `; failed reads: ${liveJitter.errors.join('; ')}` : ''}), ms: ` +
        `callee legs p50 ${round(liveJitter.callee.p50, 3)}, p99 ${round(liveJitter.callee.p99, 3)}, max ${round(liveJitter.callee.max, 3)}; caller legs p99 ${round(liveJitter.callerP99, 3)}`,
    );
    const ours = [box.pid, ...box.workerPids(), ...pairs.flatMap((p) => [p.uac.pid, p.uas.pid]), capture?.pid ?? 0];
    say(`${label}: the rest of the machine over the window: ${othersEnd(others, usage.seconds, ours)}`);
    if (sampled.last) say(`${label}: at the window's end: ${describeStatus(sampled.last)} (fully set up: ${allSetUp})`);
    const disk1 = { at: performance.now(), bytes: recording ? diskBytes(box.recordingsDir) : 0 };
    const diskBytesPerSec = recording ? (disk1.bytes - disk0.bytes) / ((disk1.at - disk0.at) / 1000) : undefined;
    if (recording) say(`${label}: recordings on disk grew ${round((disk1.bytes - disk0.bytes) / 1e6, 1)} MB over the window: ${round(diskBytesPerSec! / 1e6, 3)} MB/s (${sampled.minCalls} calls × ${WAV.bytesPerSec} B/s = ${round((sampled.minCalls * WAV.bytesPerSec) / 1e6, 3)} MB/s expected)`);
    const answerMs = await reportSippPairs(label, pairs, PLAN);
    const wireCounts = capture ? await capture.stop() : undefined;
    const dropped = reportDrops(label, drops, snmpBefore, box, pairs, nodeInodes);
    const expectedPackets = (PLAN.pps * hold) / 1000;
    const fromBox = await finishBox(label, box, leaks, perCall, async () => {
      const cdrs = await box.cdrs<MediaCdr>();
      const rows = await box.table<RecordingRow>('recordings');
      return { cdrs, rows, check: checkRecordings(box.recordingsDir, cdrs, rows) };
    });
    const cdrs = analyseCdrs(fromBox.cdrs, window, expectedPackets);
    reportCdrs(label, cdrs);
    const held = callsHeld(fromBox.cdrs, window, expectedPackets);
    const calleeJ = held.map((c) => c.quality.callee?.jitterMs).filter((j): j is number => j !== undefined);
    const callerJ = held.map((c) => c.quality.caller?.jitterMs).filter((j): j is number => j !== undefined);
    const calleeJitter = { p50: percentile(calleeJ, 50), p99: percentile(calleeJ, 99), max: calleeJ.length ? Math.max(...calleeJ) : NaN, legs: calleeJ.length };
    say(`${label}: CDR jitter of the held calls (what the box received, read as each call ended), ms: callee legs p50 ${round(calleeJitter.p50, 3)}, p99 ${round(calleeJitter.p99, 3)}, max ${round(calleeJitter.max, 3)} (${calleeJ.length} legs); caller legs p99 ${round(percentile(callerJ, 99), 3)}`);
    const result: RunResult = {
      label,
      recording,
      held: Math.min(sampled.minCalls, held.length),
      lossPct: cdrs.lossPct,
      lossPctRaw: cdrs.lossPctRaw,
      lossPctBox: lossWithoutEcho(cdrs, dropped.calleeEcho.drops),
      drops: { boxMedia: dropped.boxMedia.drops, boxSip: dropped.boxSip.drops, boxNodeOther: dropped.boxNodeOther.drops, calleeEcho: dropped.calleeEcho.drops },
      calleeJitter,
      callerJitterP99: percentile(callerJ, 99),
      liveJitter,
      cpu: { ...usage.pct, nodeMain: threads.mainPct, nodeOther: threads.otherPct },
      windowSec: usage.seconds,
      answerMs,
      diskBytesPerSec,
    };
    const check = fromBox.check;
    if (recording) {
      reportRecordings(label, check);
      result.recordings = check;
      result.recordedHeld = Math.min(sampled.minCalls, held.filter((c) => check.complete.has(c.callId)).length);
      // The same rate from the index: each row's bytes spread evenly over its recording time, the part inside the window.
      const inWindow = fromBox.rows.reduce((n, r) => {
        const overlap = Math.min(r.endedAt, window.end) - Math.max(r.startedAt, window.start);
        return n + (overlap > 0 && r.endedAt > r.startedAt ? (r.bytes * overlap) / (r.endedAt - r.startedAt) : 0);
      }, 0);
      result.rowBytesPerSec = inWindow / ((window.end - window.start) / 1000);
      say(`${label}: from the index rows: ${round(result.rowBytesPerSec / 1e6, 3)} MB/s of recording over the window`);
    } else if (check.rows || check.strayFiles) say(`${label}: recording is off, yet ${check.rows} recording rows and ${check.strayFiles} files exist`);
    else say(`${label}: recording off: no recording rows, no files (as expected)`);
    if (capture && wireCounts) {
      try {
        result.wire = analyseWire(capture.file, pairs[0], window, wireCounts);
        reportWire(label, result.wire);
      } catch (err) {
        say(`${label}: wire capture unreadable: ${(err as Error).message}; dumpcap said: ${wireCounts.stderr}`);
      }
    }
    return result;
  } finally {
    await capture?.stop();
    capture?.remove();
    await Promise.all(pairs.flatMap((p) => [p.uac.kill(), p.uas.kill()]));
    await box.stop();
  }
}

// ---------------------------------------------------------------- results

function checkTools(): void {
  requireSipp();
  try {
    execFileSync('dumpcap', ['-v'], { stdio: 'ignore' });
  } catch {
    say('dumpcap not found (apt-get install -y tshark): the wire jitter figures are left out');
  }
}

/** Share of the machine's CPU at which the baseline counts as saturated. */
const SATURATED = 0.95;
const boxCpu = (r: RunResult | undefined) => (r ? r.cpu.node + r.cpu.worker : undefined);
const known = (v: number | undefined): v is number => v !== undefined && !Number.isNaN(v);
const diff = (a: number | undefined, b: number | undefined) => (known(a) && known(b) ? a - b : undefined);
/** All the machine's cores, in % of one. */
const MACHINE_PCT = availableParallelism() * 100;

/** A jitter figure (ms) with recording, against the same without, and their difference as
 *  `addedFigure` (each left out where a side was not measured). */
function recordJitter(figure: string, addedFigure: string, withRecording: number | undefined, without: number | undefined, addedTarget: string): void {
  if (known(withRecording)) record({ figure, value: round(withRecording, 3), unit: 'ms', baseline: known(without) ? round(without, 3) : undefined, target: '-' });
  const added = diff(withRecording, without);
  if (added !== undefined) record({ figure: addedFigure, value: round(added, 3), unit: 'ms', target: addedTarget });
}

function recordResults(base: RunResult | undefined, rec: RunResult | undefined, leaks: LeakTally, errors: string[]): void {
  const target = `>=${holdCalls(PLAN)}`;
  if (rec?.recordedHeld !== undefined) record({ figure: 'recorded_calls', value: rec.recordedHeld, unit: 'calls', baseline: base?.held, target });
  if (rec) record({ figure: 'held_calls_recording', value: rec.held, unit: 'calls', baseline: base?.held, target });
  else if (base) record({ figure: 'held_calls_no_recording', value: base.held, unit: 'calls', target });
  if (rec) record({ figure: 'rtp_loss_pct', value: round(rec.lossPct, 4), unit: '%', baseline: base && round(base.lossPct, 4), target: '<=0.1' });
  else if (base) record({ figure: 'rtp_loss_pct_no_recording', value: round(base.lossPct, 4), unit: '%', target: '<=0.1' });
  if (rec) record({ figure: 'rtp_loss_pct_without_echo_drops', value: round(rec.lossPctBox, 4), unit: '%', baseline: base && round(base.lossPctBox, 4), target: '-' });
  for (const r of [rec, base]) {
    if (!r) continue;
    const suffix = r.recording ? '' : '_no_recording';
    record({ figure: `rtp_drops_box_sockets${suffix}`, value: r.drops.boxMedia + r.drops.boxSip, unit: 'packets', target: '-' });
    record({ figure: `rtp_drops_echo_sockets_sipp${suffix}`, value: r.drops.calleeEcho, unit: 'packets', target: '-' });
  }
  if (rec) record({ figure: 'rtp_drops_recording_socket', value: rec.drops.boxNodeOther, unit: 'packets', target: '-' });
  recordJitter('callee_jitter_p99_ms', 'added_jitter_p99_ms', rec?.liveJitter.callee.p99, base?.liveJitter.callee.p99, '<=5');
  recordJitter('callee_jitter_at_end_p99_ms', 'added_jitter_at_end_p99_ms', rec?.calleeJitter.p99, base?.calleeJitter.p99, '-');
  recordJitter('send_transit_jitter_p99_ms', 'added_send_jitter_p99_ms', rec?.wire?.transitJitterP99, base?.wire?.transitJitterP99, '-');
  if (rec?.wire) record({ figure: 'send_transit_p99_ms', value: round(rec.wire.transitP99, 3), unit: 'ms', baseline: base?.wire && round(base.wire.transitP99, 3), target: '-' });
  if (rec) record({ figure: 'hold_answer_ms', value: round(rec.answerMs, 0), unit: 'ms', baseline: base && round(base.answerMs, 0), target: '-' });
  const rc = boxCpu(rec);
  if (rc !== undefined) {
    record({ figure: 'box_cpu_pct', value: round(rc, 1), unit: '%core', baseline: base && round(boxCpu(base)!, 1), target: '-' });
    record({ figure: 'box_node_cpu_pct', value: round(rec!.cpu.node, 1), unit: '%core', baseline: base && round(base.cpu.node, 1), target: '-' });
    record({ figure: 'box_node_main_thread_cpu_pct', value: round(rec!.cpu.nodeMain, 1), unit: '%core', baseline: base && round(base.cpu.nodeMain, 1), target: '-' });
    record({ figure: 'box_node_other_threads_cpu_pct', value: round(rec!.cpu.nodeOther, 1), unit: '%core', baseline: base && round(base.cpu.nodeOther, 1), target: '-' });
    record({ figure: 'box_worker_cpu_pct', value: round(rec!.cpu.worker, 1), unit: '%core', baseline: base && round(base.cpu.worker, 1), target: '-' });
  } else if (base) record({ figure: 'box_cpu_pct_no_recording', value: round(boxCpu(base)!, 1), unit: '%core', target: '-' });
  // The whole machine (box, sipps, capture, this script): near 100 % without recording, the
  // recording figures measure a saturated machine rather than what recording costs.
  for (const r of [base, rec]) {
    if (r) record({ figure: r.recording ? 'machine_cpu_pct' : 'machine_cpu_pct_no_recording', value: round((r.cpu.machine / MACHINE_PCT) * 100, 1), unit: '%', target: '-' });
  }
  if (rec?.diskBytesPerSec !== undefined) record({ figure: 'recording_bytes_per_s', value: Math.round(rec.diskBytesPerSec), unit: 'B/s', target: '-' });
  const c = rec?.recordings;
  if (c) {
    record({ figure: 'recordings_missing', value: c.missing, unit: 'recordings', target: '=0' });
    record({ figure: 'recordings_bad_checksum', value: c.badChecksum + c.badHeader, unit: 'recordings', target: '=0' });
    record({ figure: 'recording_start_delay_p99_ms', value: round(c.startDelayMs[1], 0), unit: 'ms', target: '-' });
    record({ figure: 'recording_gap_pct', value: round(Math.max(c.gapPct.caller, c.gapPct.callee), 4), unit: '%', target: '-' });
    record({ figure: 'recording_duration_ratio_min', value: round(c.durationRatio.min, 4), unit: 'ratio', target: '-' });
  }
  recordClosingFigures(leaks, errors, BUDGET.totalSec);
}

async function main(): Promise<void> {
  const disarmWatchdog = guardRun(BUDGET.watchdogSec);
  checkTools();
  await reportIdleLoad();
  const leaks = newLeakTally();
  const errors: string[] = [];

  say(`1/3 ${holdCalls(PLAN)} calls held with RTP, recording off (baseline)`);
  const base = await boxPhase('hold-no-recording', errors, () => holdRun('no-recording', false, leaks));
  if (base && base.cpu.machine >= SATURATED * MACHINE_PCT) {
    say(
      `the baseline alone used ${round(base.cpu.machine, 0)} % of ${MACHINE_PCT}: this machine is saturated by ${holdCalls(PLAN)} calls without recording ` +
        `(sipp's RTP and the box's forwarding), so the run with recording measures a saturated machine, not what recording adds; ` +
        `compare at fewer calls (BENCH_MEDIA_PAIRS) or on a faster machine`,
    );
  }
  let rec: RunResult | undefined;
  if (elapsedSec() + BUDGET.secondRunNeedsSec < BUDGET.watchdogSec) {
    say(`2/3 the same with every call recorded`);
    rec = await boxPhase('hold-recording', errors, () => holdRun('recording', true, leaks));
  } else say('2/3 skipped: not enough time left for the run with recording');
  say(`3/3 ${describeLeaks(leaks)}`);
  await cleanupAll();
  disarmWatchdog();

  say(`done in ${round(elapsedSec(), 1)} s (budget ${BUDGET.totalSec} s)`);
  recordResults(base, rec, leaks, errors);
  printResults();
}

runBench('bench:media', main);

// Call benchmark (`npm run bench:calls`, no arguments, < 10 min on the 2-core box): how many
// calls per second the box sets up, how many calls with two-way RTP it holds, at what RTP
// loss and CPU, and that it leaks no media objects. Conventions: docs/BENCHMARKS.md; peers
// and measuring pitfalls: docs/TESTING.md.
//
// 1. Baseline: sipp built-in uac -> built-in uas directly on loopback, rising rates of short
//    calls (no pause), 4 s per step. A step passes when every call succeeds and sipp achieved
//    at least 90 % of the rate (-l caps calls in flight, so a slow peer shows as a lower rate,
//    not as failures). The highest passing rate is the baseline.
// 2. The same steps through the box (uac on 127.0.0.2 -> box on 127.0.0.1 -> uas on
//    127.0.0.3), stopping after the first failing rate: `setup_cps`.
// 3. 600 calls held at once with RTP both ways through the box, spread over 6 caller/callee
//    sipp pairs (one sipp echo socket cannot carry hundreds of calls): each caller streams a
//    tone at 50 packets/s (hil-tests/peers/sipp/bench-uac-rtp.xml), each callee echoes it
//    (-rtp_echo). Over a 20 s window once every call is answered: the box's call count (GET
//    /api/status), CPU and memory of the daemon and its mediasoup worker (/proc/PID). Over
//    the whole run: UDP receive drops per socket (/proc/net/udp, polled). Afterwards the CDRs
//    give per-leg loss (corrected for a mediasoup counting bug, see correctedLoss) and
//    confirm which calls carried media both ways through the whole window. Run with DTMF
//    taps on (the default config), then, if time allows, with `calls.dtmfEvents: false`.
// 4. Every box must end with no router and no transport left: `leaked_routers`.
// Recording is off here (bench:media measures it): these figures are the B2BUA alone.
// Prints RESULT lines last; exits 0 whenever it ran, non-zero only if it could not run.
import { freePort } from '../../hil-tests/harness/ports.ts';
import { cleanupAll } from './lib/cleanup.ts';
import { describeLeaks, guardRun, recordClosingFigures, runBench } from './lib/run.ts';
import { Box, CALLEE_IP, CARRIER_IP, dialPrefix, sleep } from './lib/box.ts';
import { requireSipp, startSipp, type SippInstance, type SippResult } from './lib/sipp.ts';
import { CpuWindow, UdpDropTracker, udpCounters } from './lib/proc.ts';
import { boxPhase, elapsedSec, printResults, record, round, say } from './lib/report.ts';
import { analyseCdrs, reportCdrs, type CdrRow } from './lib/cdr.ts';
import {
  HOLD_600, describeStatus, finishBox, holdCalls, holdMs, logBoxWarnings, measureWindow, newLeakTally, rampSec, reportDrops, reportIdleLoad,
  reportSippPairs, startCallee, startRtpPairs, waitForCalls, type HoldPlan, type LeakTally,
} from './lib/hold.ts';

const SETUP = { rates: [100, 200, 300, 400, 600, 800, 1000], stepSec: 4, minAchieved: 0.9 };
// Each call is held long enough for a slow box: up to answerWaitSec for every call to be
// answered, then the measurement window, with margin before the first call hangs up (lib/hold.ts).
const HOLD: HoldPlan = HOLD_600;
/** A call's transports: one plain transport per leg, plus a direct one per leg for DTMF taps. */
const TRANSPORTS_PER_CALL = { plain: 2, dtmf: 4 };
const BUDGET = { totalSec: 600, watchdogSec: 585, secondHoldNeedsSec: 120 };

// ---------------------------------------------------------------- setup rate

interface StepResult {
  rate: number;
  ok: boolean;
  summary: string;
  run: SippResult;
}

/** `rate` calls/s of short calls for SETUP.stepSec from the carrier address to `target`;
 *  CPU of the `watch` processes (the box) over the step. */
async function setupStep(rate: number, target: string, dial: string, watch: Record<string, number[]>): Promise<StepResult> {
  const calls = rate * SETUP.stepSec;
  const cpu = new CpuWindow(watch);
  cpu.begin();
  const uac = startSipp({
    scenario: 'uac',
    builtin: true,
    localIp: CARRIER_IP,
    localPort: await freePort(CARRIER_IP),
    target,
    label: `uac${rate}`,
    args: ['-s', dial, '-m', String(calls), '-r', String(rate), '-l', String(rate), '-timeout', `${SETUP.stepSec * 3 + 10}s`, '-timeout_error'],
  });
  const run = await uac.done;
  const usage = cpu.end().pct;
  const cpuText = Object.keys(watch).map((k) => `${k} ${round(usage[k], 0)}`).concat(`machine ${round(usage.machine, 0)}`).join(', ');
  const st = run.stats;
  const successful = st?.successful ?? 0;
  const achieved = st?.callRate ?? 0;
  const ok = run.code === 0 && successful === calls && achieved >= rate * SETUP.minAchieved;
  const failures = Object.entries(st?.failures ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
  const summary =
    `${rate} calls/s: ${successful}/${calls} ok, achieved ${round(achieved, 1)} calls/s, INVITE->200 mean ${round(st?.responseTimeMs ?? NaN, 1)} ms, ` +
    `${st?.retransmissions ?? '?'} retransmissions, sipp exit ${run.code}${failures ? ', ' + failures : ''}; CPU % of a core: ${cpuText}`;
  return { rate, ok, summary, run };
}

/** Rising rates until one fails; the highest passing rate (0 if none). */
async function rampSetupRate(
  name: string,
  target: string,
  dial: string,
  watch: Record<string, number[]>,
  between?: () => Promise<void>,
): Promise<{ max: number; failed?: StepResult }> {
  let max = 0;
  for (const rate of SETUP.rates) {
    const step = await setupStep(rate, target, dial, watch);
    say(`${name} ${step.ok ? 'PASS' : 'FAIL'} ${step.summary}`);
    if (!step.ok) {
      for (const line of step.run.errors) say(`  caller sipp: ${line}`);
      return { max, failed: step };
    }
    max = rate;
    await between?.();
  }
  return { max };
}

async function baselineSetupRate(): Promise<number> {
  const port = await freePort(CALLEE_IP);
  const uas = await startCallee('uas-direct', port);
  try {
    return (await rampSetupRate('sipp<->sipp', `${CALLEE_IP}:${port}`, 'service', { callee_sipp: [uas.pid] })).max;
  } finally {
    await uas.kill();
  }
}

async function boxSetupRate(leaks: LeakTally): Promise<number> {
  const port = await freePort(CALLEE_IP);
  const uas = await startCallee('uas-box', port);
  const box = await Box.start({ upstreamPorts: [port], dtmfEvents: true, recording: { enabled: false } });
  say(`box pid ${box.pid} (worker ${box.workerPids().join(',')}), SIP 127.0.0.1:${box.sipPort}`);
  try {
    const settleBetween = async () => {
      const s = await box.settle(10_000);
      if (s.calls || s.dialogs || s.media.routers || s.media.transports) say(`  box not idle after the step: ${describeStatus(s)}`);
    };
    const watch = { box_node: [box.pid], box_worker: box.workerPids() };
    const ramp = await rampSetupRate('via box', `127.0.0.1:${box.sipPort}`, `${dialPrefix(0)}0000`, watch, settleBetween);
    if (ramp.failed) await explainBoxStep(box, uas);
    return ramp.max;
  } finally {
    await uas.kill();
    await finishBox('setup', box, leaks, TRANSPORTS_PER_CALL.dtmf);
  }
}

/** Evidence for a failing step: the box's state and warnings, the callee sipp's errors. */
async function explainBoxStep(box: Box, uas: SippInstance): Promise<void> {
  try {
    say(`  box after the failing step: ${describeStatus(await box.settle(10_000))}`);
  } catch (err) {
    say(`  box status unavailable: ${(err as Error).message}`);
  }
  await uas.kill();
  for (const line of (await uas.done).errors) say(`  callee sipp: ${line}`);
  logBoxWarnings(box);
}

// ---------------------------------------------------------------- calls held with RTP

interface HoldResult {
  label: string;
  concurrent: number;
  lossPct: number;
  lossPctRaw: number;
  cpu: Record<string, number>;
  rssMb: number;
  windowSec: number;
  answerMs: number;
  /** UDP receive drops on the box's sockets, and on the callee sipps' echo sockets (the
   *  echo path's loss shows in the box's callee-leg CDR figures but is the tool's). */
  boxDrops: number;
  echoDrops: number;
}

async function holdCallsWithRtp(label: string, dtmfEvents: boolean, leaks: LeakTally): Promise<HoldResult> {
  const total = holdCalls(HOLD);
  const hold = holdMs(HOLD);
  const uasPorts = await Promise.all(Array.from({ length: HOLD.pairs }, () => freePort(CALLEE_IP)));
  const box = await Box.start({ upstreamPorts: uasPorts, dtmfEvents, recording: { enabled: false } });
  say(`${label}: box pid ${box.pid} (worker ${box.workerPids().join(',')}), dtmfEvents=${dtmfEvents}; ${total} calls over ${HOLD.pairs} sipp pairs at ${HOLD.setupCps} calls/s, each held ${hold / 1000} s with ${HOLD.pps} RTP packets/s each way`);
  const startedAt = Date.now();
  const drops = new UdpDropTracker();
  const snmpBefore = udpCounters();
  drops.start();
  const pairs = await startRtpPairs(box, uasPorts, HOLD);
  try {
    const up = await waitForCalls(box, total, (rampSec(HOLD) + HOLD.answerWaitSec) * 1000);
    say(`${label}: after ${round((Date.now() - startedAt) / 1000, 1)} s: ${describeStatus(up)}`);
    await sleep(HOLD.settleSec * 1000);
    // The window must close before the first call's hold ends.
    const window = { start: Date.now(), end: Math.min(Date.now() + HOLD.windowSec * 1000, startedAt + hold - 1500) };
    const perCall = { transports: dtmfEvents ? TRANSPORTS_PER_CALL.dtmf : TRANSPORTS_PER_CALL.plain };
    // Calls with the same codec set share one router (ref-counted), so only transports scale per call.
    const allSetUp = ` (all set up: routers=1 shared transports=${total * perCall.transports})`;
    const { sampled, usage } = await measureWindow(label, box, pairs, window.end, {}, allSetUp);
    const answerMs = await reportSippPairs(label, pairs, HOLD);
    const dropped = reportDrops(label, drops, snmpBefore, box, pairs);
    const expectedPackets = (HOLD.pps * hold) / 1000;
    const cdrs = await finishBox(label, box, leaks, perCall.transports, async () => analyseCdrs(await box.cdrs<CdrRow>(), window, expectedPackets));
    reportCdrs(label, cdrs);
    return {
      label,
      concurrent: Math.min(sampled.minCalls, cdrs.covering),
      lossPct: cdrs.lossPct,
      lossPctRaw: cdrs.lossPctRaw,
      cpu: usage.pct,
      rssMb: sampled.rssMb,
      windowSec: usage.seconds,
      answerMs,
      boxDrops: dropped.boxMedia.drops + dropped.boxSip.drops,
      echoDrops: dropped.calleeEcho.drops,
    };
  } finally {
    await Promise.all(pairs.flatMap((p) => [p.uac.kill(), p.uas.kill()]));
    await box.stop();
  }
}

// ---------------------------------------------------------------- results

function recordHold(hold: HoldResult | undefined, suffix: string, cpuBaseline?: number): void {
  if (!hold) return;
  record({ figure: `concurrent_calls${suffix}`, value: hold.concurrent, unit: 'calls', target: '>=600' });
  record({ figure: `rtp_loss_pct${suffix}`, value: round(hold.lossPct, 4), unit: '%', target: '<=0.1' });
  record({ figure: `rtp_loss_pct_cdr_raw${suffix}`, value: round(hold.lossPctRaw, 4), unit: '%', target: '-' });
  record({ figure: `rtp_drops_box_sockets${suffix}`, value: hold.boxDrops, unit: 'packets', target: '-' });
  record({ figure: `rtp_drops_echo_sockets${suffix}`, value: hold.echoDrops, unit: 'packets', target: '-' });
  record({ figure: `box_cpu_pct${suffix}`, value: round(hold.cpu.node + hold.cpu.worker, 1), unit: '%core', baseline: cpuBaseline, target: '-' });
  record({ figure: `box_node_cpu_pct${suffix}`, value: round(hold.cpu.node, 1), unit: '%core', target: '-' });
  record({ figure: `box_worker_cpu_pct${suffix}`, value: round(hold.cpu.worker, 1), unit: '%core', target: '-' });
  record({ figure: `box_rss_mb${suffix}`, value: round(hold.rssMb, 1), unit: 'MB', target: '-' });
  record({ figure: `hold_answer_ms${suffix}`, value: round(hold.answerMs, 0), unit: 'ms', target: '-' });
  record({ figure: `hold_window_s${suffix}`, value: round(hold.windowSec, 1), unit: 's', target: '-' });
}


async function main(): Promise<void> {
  const disarmWatchdog = guardRun(BUDGET.watchdogSec);
  requireSipp();
  await reportIdleLoad();
  const leaks: LeakTally = newLeakTally();

  say('1/4 baseline: sipp<->sipp direct');
  const baseline = await baselineSetupRate();
  if (!baseline) throw new Error(`sipp<->sipp failed at ${SETUP.rates[0]} calls/s: the load generator itself does not work here`);
  if (baseline === SETUP.rates[SETUP.rates.length - 1]) say(`baseline passed the top step: it is at least ${baseline} calls/s (TESTING.md: ~10,000)`);
  const errors: string[] = [];
  say('2/4 call set-up rate through the box');
  const setupCps = await boxPhase('setup', errors, () => boxSetupRate(leaks));
  say('3/4 calls held with RTP through the box (DTMF taps on)');
  const withDtmf = await boxPhase('hold', errors, () => holdCallsWithRtp('hold', true, leaks));
  let noDtmf: HoldResult | undefined;
  if (elapsedSec() + BUDGET.secondHoldNeedsSec < BUDGET.watchdogSec) {
    say('3b/4 the same with calls.dtmfEvents=false');
    noDtmf = await boxPhase('hold-no-dtmf', errors, () => holdCallsWithRtp('hold-no-dtmf', false, leaks));
  } else say('3b/4 skipped: not enough time left for the run without DTMF taps');
  say(`4/4 ${describeLeaks(leaks)}`);
  await cleanupAll();
  disarmWatchdog();

  say(`done in ${round(elapsedSec(), 1)} s (budget ${BUDGET.totalSec} s)`);
  if (setupCps !== undefined) record({ figure: 'setup_cps', value: setupCps, unit: 'calls/s', baseline, target: '>=300' });
  recordHold(withDtmf, '', noDtmf ? round(noDtmf.cpu.node + noDtmf.cpu.worker, 1) : undefined);
  recordHold(noDtmf, '_no_dtmf');
  recordClosingFigures(leaks, errors, BUDGET.totalSec);
  printResults();
}

runBench('bench:calls', main);

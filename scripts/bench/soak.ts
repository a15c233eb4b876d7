// Soak benchmark (`npm run bench:soak`, no arguments, about 12 minutes; BENCH_SOAK_SEC=60 for a
// short run): the box under ten minutes of mixed traffic at half its measured capacity, as a
// branch office's edge sees it on a bad day. Conventions: ../shared/docs/BENCHMARKS.md.
//
// Traffic, all at once, for SOAK_SEC (default 600):
//  - legitimate calls with RTP both ways: 3 caller/callee sipp pairs through the carrier trunk
//    to the upstream trunks, 100 concurrent calls each = 300 (half the 600 held calls bench:calls
//    and bench:media measure), each held 20 s, so 15 new calls a second, every call recorded;
//  - registrations: a LAN phone (sipp, digest auth) re-registering twice a second;
//  - a scanner: Debian's sipvicious svmap and svwar against the box, again every 30 s (they get
//    banned; the bans grow);
//  - malformed messages: 20 a second of fuzz-mutated INVITE/REGISTER/BYE/... (the fuzz rig's
//    seeds and mutator) from another address.
// Figures: legitimate calls completed and failed (sipp's counts, calls and registrations), the
// daemon's RSS every 10 s: `rss_growth_pct` compares the median of the soak's last quarter with
// that of its second quarter (V8 grows its heap for the first minutes of a steady load, then
// saws with each collection; the growth from the moment the first calls are all up is printed
// as `rss_growth_from_warm_pct`),
// the mediasoup worker's RSS likewise, and the open calls/dialogs/mediasoup objects once the
// traffic has stopped and the box has settled (they must be back to zero).
// The daemon runs with the heap flags it ships with (appliance/daemon-flags.ts; BENCH_BOX_NODE_ARGS=none
// for V8's defaults, against which the RSS climbed 13-17 % as V8 let garbage pile up).
// Targets: soak_failed_calls = 0, rss_growth_pct <= 5, open objects 0.
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { freePort } from '../../hil-tests/harness/ports.ts';
import { mutate, prng, SEEDS } from '../../system/sip/fuzz-rig.ts';
import { cleanupAll, cleanupOnSignals, onCleanup } from './lib/cleanup.ts';
import { Box, CALLEE_IP, CARRIER_IP, dialPrefix, sleep } from './lib/box.ts';
import { startCallee } from './lib/hold.ts';
import { rssMb, rssPartsMb } from './lib/proc.ts';
import { printResults, record, round, say } from './lib/report.ts';
import { startSipp, requireSipp, type SippInstance, type SippResult } from './lib/sipp.ts';
import { muLawTone } from './lib/tone.ts';

const SOAK_SEC = Number(process.env.BENCH_SOAK_SEC ?? 600);
const PAIRS = 3;
const CONCURRENT_PER_PAIR = 100;
const HOLD_MS = 20_000;
const CPS_PER_PAIR = CONCURRENT_PER_PAIR / (HOLD_MS / 1000);
const PHONE_IP = '127.0.0.5';
const SCANNER_IP = '127.0.0.1'; // sipvicious's svwar and svcrack ignore -b and send from here
const FUZZER_IP = '127.0.0.7';

cleanupOnSignals();
requireSipp();

async function main(): Promise<void> {
  const uasPorts = await Promise.all(Array.from({ length: PAIRS }, () => freePort(CALLEE_IP)));
  const box = await Box.start({
    upstreamPorts: uasPorts,
    dtmfEvents: true,
    extra: { extensions: [{ number: '2001', password: 'soak-secret-2001' }] },
  });
  say(`box up (pid ${box.pid}); soak ${SOAK_SEC} s: ${PAIRS * CONCURRENT_PER_PAIR} concurrent recorded calls (${PAIRS * CPS_PER_PAIR} new/s, ${HOLD_MS / 1000} s each), registrations 2/s, svmap+svwar every 30 s, 20 malformed messages/s`);
  const endAt = Date.now() + SOAK_SEC * 1000;

  // Legitimate calls: each caller keeps CONCURRENT_PER_PAIR calls up until its call count is placed.
  const callsPerPair = Math.floor(CPS_PER_PAIR * Math.max(1, SOAK_SEC - HOLD_MS / 1000));
  const tone = muLawTone(1);
  const callees: SippInstance[] = [];
  const callers: SippInstance[] = [];
  for (const [i, port] of uasPorts.entries()) {
    callees.push(await startCallee(`soak-uas${i}`, port, { mediaPort: await freePort(CALLEE_IP) }));
    callers.push(startSipp({
      scenario: 'bench-uac-rtp.xml', localIp: CARRIER_IP, localPort: await freePort(CARRIER_IP), target: `127.0.0.1:${box.sipPort}`, label: `soak-uac${i}`,
      files: { 'bench-tone.ulaw': tone },
      args: [
        '-s', `${dialPrefix(i)}${2000 + i}`, '-mi', CARRIER_IP, '-mp', String(await freePort(CARRIER_IP)),
        '-m', String(callsPerPair), '-l', String(CONCURRENT_PER_PAIR), '-r', String(CPS_PER_PAIR), '-d', String(HOLD_MS),
        '-timeout', `${SOAK_SEC + 120}s`, '-timeout_error',
      ],
    }));
  }

  // Registrations: the LAN phone, twice a second for the whole soak.
  const registrations = startSipp({
    scenario: 'transfer-agent-register.xml', localIp: PHONE_IP, localPort: await freePort(PHONE_IP), target: `127.0.0.1:${box.sipPort}`, label: 'soak-register',
    args: ['-key', 'ext', '2001', '-au', '2001', '-ap', 'soak-secret-2001', '-m', String(SOAK_SEC * 2), '-r', '2', '-timeout', `${SOAK_SEC + 60}s`],
  });

  // The scanner, again and again.
  let scans = 0;
  const scanning = (async () => {
    while (Date.now() < endAt - 5000) {
      await runTool('svmap', ['-p', String(box.sipPort), '127.0.0.1']);
      await runTool('svwar', ['-p', String(box.sipPort), '-e', '100-300', '-m', 'REGISTER', '127.0.0.1']);
      scans++;
      await sleep(Math.min(30_000, Math.max(0, endAt - Date.now() - 5000)));
    }
  })();

  // Malformed messages.
  const fuzzer = createSocket('udp4');
  await new Promise<void>((r) => fuzzer.bind(0, FUZZER_IP, r));
  const rnd = prng(20261127);
  let malformed = 0;
  const fuzzTimer = setInterval(() => {
    for (let i = 0; i < 2; i++) {
      fuzzer.send(mutate(SEEDS[Math.floor(rnd() * SEEDS.length)], rnd), box.sipPort, '127.0.0.1');
      malformed++;
    }
  }, 100);
  onCleanup(() => {
    clearInterval(fuzzTimer);
    fuzzer.close();
  });

  // RSS once the first calls are all up (the box's working set for this load), then at the end.
  const warmUntil = Date.now() + Math.min(HOLD_MS + 10_000, SOAK_SEC * 500);
  while (Date.now() < warmUntil) await sleep(1000);
  const workerPid = box.workerPids()[0];
  const rssStart = { node: rssMb(box.pid), worker: workerPid ? rssMb(workerPid) : 0 };
  const statusStart = await box.status();
  say(`warm: ${statusStart.calls} calls up; RSS node ${round(rssStart.node, 1)} MB, worker ${round(rssStart.worker, 1)} MB`);
  let peakNode = rssStart.node;
  // RSS every 10 s: V8 grows its heap for a while under steady load and then saws up and down
  // with each collection, so single readings say little. Growth is judged on medians of the
  // second quarter of the soak (after the heap has found its size) against the last quarter.
  const samples: { at: number; node: number; anon: number; file: number; heapTotal: number; heapUsed: number; external: number }[] = [];
  const soakStart = endAt - SOAK_SEC * 1000;
  let lastSay = 0;
  while (Date.now() < endAt) {
    await sleep(Math.min(10_000, endAt - Date.now()));
    const node = rssMb(box.pid);
    const parts = rssPartsMb(box.pid);
    // The main thread's V8 heap (committed, in use) and buffers, as the daemon reports them.
    const mem = (await box.status().catch(() => undefined))?.memory;
    const mb = (b: number | undefined) => (b ?? 0) / 1024 / 1024;
    samples.push({ at: Date.now() - soakStart, node, anon: parts.anon, file: parts.file, heapTotal: mb(mem?.heapTotal), heapUsed: mb(mem?.heapUsed), external: mb(mem?.external) });
    peakNode = Math.max(peakNode, node);
    if (Date.now() - lastSay >= 30_000) {
      lastSay = Date.now();
      const s = await box.status();
      say(`${Math.round((endAt - Date.now()) / 1000)} s left: calls ${s.calls}, RSS node ${round(node, 1)} MB, worker ${round(workerPid ? rssMb(workerPid) : 0, 1)} MB, scans ${scans}, malformed ${malformed}`);
    }
  }
  const rssEnd = { node: rssMb(box.pid), worker: workerPid ? rssMb(workerPid) : 0 };
  clearInterval(fuzzTimer);

  const callerResults: SippResult[] = await Promise.all(callers.map((c) => c.done));
  const regResult = await registrations.done;
  await scanning;
  for (const c of callees) await c.kill();
  const settled = await box.settle(30_000);
  say(`after the traffic: ${describe(settled)}`);

  const completed = callerResults.reduce((n, r) => n + (r.stats?.successful ?? 0), 0);
  const failedCalls = callerResults.reduce((n, r) => n + (r.stats?.failed ?? 0), 0);
  const regFailed = regResult.stats?.failed ?? 0;
  for (const [i, r] of callerResults.entries()) if (r.stats?.failed) say(`caller ${i}: ${r.stats.failed} failed ${JSON.stringify(r.stats.failures)} ${r.errors.slice(0, 3).join(' | ')}`);
  if (regFailed) say(`registrations: ${regFailed} failed ${JSON.stringify(regResult.stats?.failures)} ${regResult.errors.slice(0, 3).join(' | ')}`);
  say(`legitimate calls: ${completed} completed, ${failedCalls} failed; registrations: ${regResult.stats?.successful ?? 0} ok, ${regFailed} failed; scans ${scans}; malformed ${malformed}; daemon still running: ${box.running}`);
  const warnings = box.logSummary().slice(0, 8);
  for (const w of warnings) say(`  box log x${w.count}: ${w.key}`);

  const open = settled.calls + settled.dialogs + settled.media.routers + settled.media.transports + settled.media.producers + settled.media.consumers;
  const quarterOf = (q: number, part: 'node' | 'anon' | 'file' | 'heapTotal' | 'heapUsed' | 'external') => median(samples.filter((x) => x.at >= (q * SOAK_SEC * 1000) / 4 && x.at < ((q + 1) * SOAK_SEC * 1000) / 4).map((x) => x[part]));
  const quarter = (q: number) => quarterOf(q, 'node');
  const steadyFrom = quarter(1);
  const steadyTo = quarter(3);
  say(`RSS medians by quarter of the soak: ${[0, 1, 2, 3].map((q) => round(quarter(q), 1)).join(', ')} MB (samples every 10 s: ${samples.map((x) => Math.round(x.node)).join(' ')})`);
  // Where the RSS is: anonymous memory (V8 heap, malloc arenas) and file pages mapped in
  // (the LMDB map the box reads and writes, code).
  say(`  of which anonymous: ${[0, 1, 2, 3].map((q) => round(quarterOf(q, 'anon'), 1)).join(', ')} MB; file-backed: ${[0, 1, 2, 3].map((q) => round(quarterOf(q, 'file'), 1)).join(', ')} MB`);
  say(`  main thread V8 heap committed: ${[0, 1, 2, 3].map((q) => round(quarterOf(q, 'heapTotal'), 1)).join(', ')} MB; in use: ${[0, 1, 2, 3].map((q) => round(quarterOf(q, 'heapUsed'), 1)).join(', ')} MB; buffers outside the heap: ${[0, 1, 2, 3].map((q) => round(quarterOf(q, 'external'), 1)).join(', ')} MB`);
  const growth = (100 * (steadyTo - steadyFrom)) / Math.max(1, steadyFrom);
  const growthFromWarm = (100 * (rssEnd.node - rssStart.node)) / Math.max(1, rssStart.node);
  record({ figure: 'soak_failed_calls', value: failedCalls + regFailed, unit: 'calls', target: '=0' });
  record({ figure: 'soak_completed_calls', value: completed, unit: 'calls', target: '-' });
  record({ figure: 'rss_growth_pct', value: round(growth, 1), unit: '%', baseline: round(steadyFrom, 1), target: '<=5' });
  record({ figure: 'rss_growth_from_warm_pct', value: round(growthFromWarm, 1), unit: '%', baseline: round(rssStart.node, 1), target: '-' });
  record({ figure: 'rss_peak_mb', value: round(peakNode, 1), unit: 'MB', target: '-' });
  record({ figure: 'worker_rss_growth_pct', value: round((100 * (rssEnd.worker - rssStart.worker)) / Math.max(1, rssStart.worker), 1), unit: '%', baseline: round(rssStart.worker, 1), target: '-' });
  record({ figure: 'open_objects_after', value: open, unit: 'objects', target: '=0' });
  record({ figure: 'malformed_sent', value: malformed, unit: 'messages', target: '-' });
  record({ figure: 'scanner_rounds', value: scans, unit: 'rounds', target: '-' });
  record({ figure: 'box_survived', value: box.running ? 1 : 0, unit: 'bool', target: '=1' });
  await box.stop();
}

function median(values: number[]): number {
  if (!values.length) return NaN;
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

function describe(s: Awaited<ReturnType<Box['status']>>): string {
  return `calls=${s.calls} dialogs=${s.dialogs} routers=${s.media.routers} transports=${s.media.transports} producers=${s.media.producers} consumers=${s.media.consumers}`;
}

/** A sipvicious tool to its end (killed after 60 s). */
function runTool(tool: string, args: string[]): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(tool, args, { stdio: 'ignore' });
    const forget = onCleanup(() => void child.kill('SIGKILL'));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', () => resolve());
    child.on('exit', () => {
      clearTimeout(timer);
      forget();
      resolve();
    });
  });
}

try {
  await main();
} catch (err) {
  console.error(`bench:soak could not run: ${(err as Error).stack}`);
  process.exitCode = 1;
} finally {
  printResults();
  await cleanupAll();
}

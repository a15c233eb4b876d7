// The frame of a box benchmark's main(): clean-up on signals and a watchdog over the time
// budget (past it: say so, end everything started, print the results so far, exit 1), and a
// run that prints what stopped it, cleans up and exits 2 on an error. The closing figures
// every box benchmark records (leaked media objects, calls left up, failed phases, duration)
// are here too, in the order docs/BENCHMARKS.md lists them.
import { cleanupAll, cleanupOnSignals } from './cleanup.ts';
import { elapsedSec, printResults, record, round, say } from './report.ts';
import type { LeakTally } from './hold.ts';

/** Clean-up on SIGINT/SIGTERM and a watchdog after `watchdogSec`; returns the function that disarms the watchdog. */
export function guardRun(watchdogSec: number): () => void {
  cleanupOnSignals();
  const watchdog = setTimeout(() => {
    say(`time budget of ${watchdogSec} s exceeded: stopping; results so far follow`);
    void cleanupAll().finally(() => {
      printResults();
      process.exit(1);
    });
  }, watchdogSec * 1000);
  watchdog.unref();
  return () => clearTimeout(watchdog);
}

/** `leaks: routers=… transports=…, calls still up=…` and the notes, for the last progress line. */
export function describeLeaks(leaks: LeakTally): string {
  return `leaks: routers=${leaks.routers} transports=${leaks.transports}, calls still up=${leaks.callsLeft}${leaks.notes.length ? ' — ' + leaks.notes.join('; ') : ''}`;
}

/** The closing figures: leaked routers and transports, calls left up, failed box phases, the run's duration against `budgetSec`. */
export function recordClosingFigures(leaks: LeakTally, errors: string[], budgetSec: number): void {
  record({ figure: 'leaked_routers', value: leaks.routers, unit: 'routers', target: '=0' });
  record({ figure: 'leaked_transports', value: leaks.transports, unit: 'transports', target: '=0' });
  record({ figure: 'calls_left_up', value: leaks.callsLeft, unit: 'calls', target: '=0' });
  record({ figure: 'box_phase_errors', value: errors.length, unit: 'phases', target: '=0' });
  record({ figure: 'bench_duration', value: round(elapsedSec(), 1), unit: 's', target: `<=${budgetSec}` });
}

/** Run `main`; an error that stops it is printed as `<name> could not run`, then clean-up and exit 2. */
export function runBench(name: string, main: () => Promise<void>): void {
  main().catch(async (err) => {
    console.error(`${name} could not run: ${(err as Error).stack ?? err}`);
    await cleanupAll();
    process.exit(2);
  });
}

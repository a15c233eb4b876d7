// Benchmark output: progress lines as the run goes, and the closing RESULT lines in the form
// docs/BENCHMARKS.md fixes:
//   RESULT <figure> <value> <unit> baseline=<value|-> ratio=<value|-> target=<op><value>
export interface Figure {
  figure: string;
  value: number | string;
  unit: string;
  baseline?: number;
  target?: string; // e.g. '>=300'; '-' for none
}

const results: Figure[] = [];
const t0 = Date.now();

/** A progress line, stamped with seconds since the start; the RESULT lines come last. */
export function say(msg: string): void {
  console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s] ${msg}`);
}

export function elapsedSec(): number {
  return (Date.now() - t0) / 1000;
}

export function record(f: Figure): void {
  results.push(f);
}

export function round(v: number, digits = 2): number {
  const k = 10 ** digits;
  return Math.round(v * k) / k;
}

function line(f: Figure): string {
  const value = typeof f.value === 'number' ? round(f.value, 3) : f.value;
  const baseline = f.baseline === undefined ? '-' : String(round(f.baseline, 3));
  const ratio = f.baseline === undefined || typeof f.value !== 'number' || f.baseline === 0 ? '-' : String(round(f.value / f.baseline, 3));
  return `RESULT ${f.figure} ${value} ${f.unit} baseline=${baseline} ratio=${ratio} target=${f.target ?? '-'}`;
}

export function printResults(): void {
  for (const f of results) console.log(line(f));
}

/** Run a phase against a box; a box that crashes or stops answering is a result (logged, its
 *  figures left out, counted in box_phase_errors), not a reason to stop the benchmark. */
export async function boxPhase<T>(name: string, errors: string[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    say(`${name} FAILED: ${(err as Error).stack ?? err}`);
    errors.push(name);
    return undefined;
  }
}

// Everything a benchmark starts is registered here, so that one place ends it: on normal exit,
// on an error and on SIGINT/SIGTERM. Only the processes and folders registered are touched
// (by pid), never anything found by name.
import { rmSync } from 'node:fs';

type Cleanup = () => void | Promise<void>;

const cleanups: Cleanup[] = [];
let running: Promise<void> | undefined;

/** Run `fn` at clean-up time; returns a function that runs it now (and only once). */
export function onCleanup(fn: Cleanup): () => Promise<void> {
  let done = false;
  const once: Cleanup = async () => {
    if (done) return;
    done = true;
    await fn();
  };
  cleanups.push(once);
  return async () => {
    cleanups.splice(cleanups.indexOf(once), 1);
    await once();
  };
}

export function removeDirOnCleanup(dir: string): () => Promise<void> {
  return onCleanup(() => rmSync(dir, { recursive: true, force: true }));
}

/** Run every pending clean-up, newest first; errors are reported, not thrown. */
export function cleanupAll(): Promise<void> {
  return (running ??= (async () => {
    while (cleanups.length) {
      const fn = cleanups.pop()!;
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup failed: ${(err as Error).message}`);
      }
    }
  })());
}

/** Signal a process by pid if it still exists; true if the signal was delivered. */
export function signalPid(pid: number | undefined, signal: NodeJS.Signals): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Clean up and exit on SIGINT/SIGTERM (exit code 128+signal, as a shell would). */
export function cleanupOnSignals(): void {
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping every sipp and the box`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
}

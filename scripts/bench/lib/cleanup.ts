// Everything a benchmark starts is registered here, so that one place ends it: on normal exit,
// on an error and on SIGINT/SIGTERM. Only the processes and folders registered are touched
// (by pid), never anything found by name.
import { rmSync } from 'node:fs';

type Cleanup = () => void | Promise<void>;

const cleanups: Cleanup[] = [];
let running: Promise<void> | undefined;

/** Run `fn` at clean-up time unless the returned `forget` is called first (when the owner
 *  has already released the resource itself). */
export function onCleanup(fn: Cleanup): () => void {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** A temporary folder removed at clean-up; the returned function removes it now. */
export function tempDir(dir: string): () => void {
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const forget = onCleanup(remove);
  return () => {
    forget();
    remove();
  };
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

// Starting a worker thread from a module next to the caller, whether the box runs from its
// TypeScript sources (tsx, development and tests: the worker registers tsx before importing
// the entry) or compiled to JavaScript (the image). Owns nothing else.
import { Worker } from 'node:worker_threads';

/** A Worker running `./<name>.ts|.js` beside `callerUrl` (pass import.meta.url). */
export function spawnSiblingWorker(callerUrl: string, name: string, workerData?: unknown): Worker {
  const ext = new URL(callerUrl).pathname.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./${name}${ext}`, callerUrl);
  if (ext === '.js') return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData });
}

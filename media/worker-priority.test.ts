// A thread's own nice value on Linux: a worker thread that lowers its priority is the only
// thread that changes (read back from /proc/<pid>/task/<tid>/stat, field 19).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readlinkSync } from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

const niceOf = (tid: number | string) => Number(readFileSync(`/proc/${process.pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[16]);

test('setThisThreadNiceness changes the calling thread only', async () => {
  const mainTid = readlinkSync('/proc/thread-self').split('/').pop()!;
  const before = niceOf(mainTid);
  const moduleUrl = new URL('./worker-priority.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(moduleUrl)}); }).then((m) => {
    const { parentPort } = require('node:worker_threads');
    const ok = m.setThisThreadNiceness(${before + 7});
    parentPort.postMessage({ ok, tid: require('node:fs').readlinkSync('/proc/thread-self').split('/').pop() });
    setTimeout(() => {}, 300);
  });`;
  const w = new Worker(code, { eval: true });
  const [reply] = (await once(w, 'message')) as [{ ok: boolean; tid: string }];
  try {
    assert.equal(reply.ok, true);
    assert.equal(niceOf(reply.tid), before + 7, 'the worker thread runs at the raised nice value');
    assert.equal(niceOf(mainTid), before, 'the main thread keeps its own');
  } finally {
    await w.terminate();
  }
});

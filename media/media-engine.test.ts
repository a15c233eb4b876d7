import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { MediaEngine } from './media-engine.ts';

const log = { info: () => undefined, warn: () => undefined, error: () => undefined } as never;
const PCMU = { codec: { name: 'PCMU' as const, payloadType: 0 }, telephoneEventPayloadType: 101 };
const PCMA = { codec: { name: 'PCMA' as const, payloadType: 8 }, telephoneEventPayloadType: 101 };

test('calls are spread over the workers: one shared router per codec set and worker, closed with its last call', async () => {
  const engine = await MediaEngine.start({ workers: 2, listenIp: '127.0.0.1', rtpMinPort: 42000, rtpMaxPort: 42999, log });
  try {
    const leases = [];
    for (let i = 0; i < 4; i++) leases.push(await engine.acquireRouter(PCMU));
    assert.equal(engine.counters.routers, 2, 'two workers, one PCMU router each');
    assert.equal(new Set(leases.map((l) => l.router.id)).size, 2);
    assert.equal(leases[0].router, leases[2].router, 'alternating: calls 1 and 3 share a worker');
    const a = await engine.acquireRouter(PCMA);
    assert.equal(engine.counters.routers, 3, 'another codec set gets its own router');
    for (const l of [...leases, a]) l.release();
    assert.equal(engine.counters.routers, 0, 'all closed with their last call');
  } finally {
    await engine.close();
  }
});

test('the workers run at media.workerNiceness: every thread of each worker process has that nice value', async () => {
  const engine = await MediaEngine.start({ workers: 2, listenIp: '127.0.0.1', rtpMinPort: 43000, rtpMaxPort: 43999, workerNiceness: -7, log });
  try {
    assert.equal(engine.workerPids.length, 2);
    for (const pid of engine.workerPids) {
      const nice = readdirSync(`/proc/${pid}/task`).map((tid) => {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]); // field 19: nice
      });
      assert.ok(nice.length >= 1);
      assert.deepEqual([...new Set(nice)], [-7], `worker ${pid}'s threads: ${nice.join(' ')}`);
    }
  } finally {
    engine.close();
  }
});

test('without CAP_SYS_NICE, raising a priority answers ok: false with the OS\'s reason (never throws)', () => {
  // A process may always lower its own priority (raise nice); raising it back needs the
  // capability, which `setpriv` drops here for a child that tries.
  const child = spawnSync('setpriv', ['--inh-caps=-all', '--bounding-set=-all', process.execPath, '--import', 'tsx', '-e',
    `import('./media/worker-priority.ts').then((m) => { const r = m.setProcessNiceness(process.pid, -5); console.log(JSON.stringify(r)); })`], { encoding: 'utf8', cwd: process.cwd() });
  assert.equal(child.status, 0, child.stderr);
  const r = JSON.parse(child.stdout.trim().split('\n').at(-1)!);
  assert.equal(r.ok, false, child.stdout);
  assert.match(r.error, /EACCES|EPERM|permission/i);
});

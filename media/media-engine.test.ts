import { test } from 'node:test';
import assert from 'node:assert/strict';
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

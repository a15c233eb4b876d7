import { test } from 'node:test';
import assert from 'node:assert/strict';
import { afterFailedTransfer, transferRingMs } from './workspace-transfer.ts';
import type { BoxConfig } from '../config/schema.ts';

test('a caller whose transfer target failed goes back to the queue it came through', () => {
  assert.deepEqual(afterFailedTransfer({ queue: 'sales', answered: true }, (q) => q === 'sales'), { to: 'queue', queue: 'sales' });
});

test('a caller of no queue (or of a queue since removed) is hung up; a caller who left needs nothing', () => {
  assert.deepEqual(afterFailedTransfer({ answered: true }, () => true), { to: 'hangup' });
  assert.deepEqual(afterFailedTransfer({ queue: 'gone', answered: true }, () => false), { to: 'hangup' });
  assert.deepEqual(afterFailedTransfer({ queue: 'sales', answered: false }, () => true), { to: 'nothing' });
});

test('a transfer target rings as long as the call\'s queue rings its agents, else 20 s', () => {
  const config = { queues: [{ name: 'sales', ringTimeoutSec: 12 }] } as unknown as BoxConfig;
  assert.equal(transferRingMs(config, 'sales'), 12_000);
  assert.equal(transferRingMs(config, undefined), 20_000);
  assert.equal(transferRingMs(config, 'other'), 20_000);
});

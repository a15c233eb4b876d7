// The recordings section's defaults, with and without a section in the box's document.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recordingsConfig } from './recordings-config.ts';

test('a missing section gets every default', () => {
  assert.deepEqual(recordingsConfig(undefined), { retentionDays: 0, queues: [], retentionSchedule: '30 3 * * *', downloadRoles: ['admin', 'supervisor'] });
});

test('a partial section keeps its values and gets the other defaults, without changing the input', () => {
  const section = { retentionDays: 90 };
  const c = recordingsConfig(section);
  assert.equal(c.retentionDays, 90);
  assert.deepEqual(c.downloadRoles, ['admin', 'supervisor']);
  assert.deepEqual(section, { retentionDays: 90 });
});

test('a full section is returned as it is', () => {
  const full = { retentionDays: 7, queues: [{ queue: 'sales', retentionDays: 30 }], retentionSchedule: '0 1 * * *', downloadRoles: ['admin' as const] };
  assert.deepEqual(recordingsConfig(full), full);
});

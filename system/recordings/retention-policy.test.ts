import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, decideRetention, retentionDaysFor } from './retention-policy.ts';

const NOW = Date.UTC(2026, 10, 26, 3, 30);
const policy = { retentionDays: 90, queues: [{ queue: 'sales', retentionDays: 30 }, { queue: 'legal', retentionDays: 0 }] };
const row = (callId: string, ageDays: number, extra: { queue?: string; legalHold?: boolean } = {}) => ({ callId, path: `/r/${callId}.wav`, endedAt: NOW - ageDays * DAY_MS, ...extra });

test('a queue\'s own retention applies to its calls, the box default to the rest, 0 keeps forever', () => {
  assert.equal(retentionDaysFor(policy, 'sales'), 30);
  assert.equal(retentionDaysFor(policy, 'support'), 90);
  assert.equal(retentionDaysFor(policy, undefined), 90);
  assert.equal(retentionDaysFor(policy, 'legal'), 0);
});

test('a recording is deleted once its call ended exactly its retention ago, not a millisecond before', () => {
  const d = decideRetention([
    { ...row('due', 0), endedAt: NOW - 30 * DAY_MS },
    { ...row('early', 0), endedAt: NOW - 30 * DAY_MS + 1 },
  ].map((r) => ({ ...r, queue: 'sales' })), policy, new Set(), NOW);
  assert.deepEqual(d.delete.map((x) => x.callId), ['due']);
  assert.deepEqual(d.delete[0], { callId: 'due', path: '/r/due.wav', retentionDays: 30, endedAt: NOW - 30 * DAY_MS });
  assert.deepEqual(d.held, []);
});

test('per-queue and default retention decide independently; a keep-forever queue is never deleted', () => {
  const d = decideRetention([
    row('sales-40d', 40, { queue: 'sales' }),
    row('sales-20d', 20, { queue: 'sales' }),
    row('direct-100d', 100),
    row('direct-40d', 40),
    row('legal-5000d', 5000, { queue: 'legal' }),
  ], policy, new Set(), NOW);
  assert.deepEqual(d.delete.map((x) => x.callId), ['sales-40d', 'direct-100d']);
});

test('legal hold and QA review keep a recording past retention, and say why', () => {
  const d = decideRetention([
    row('held', 400, { legalHold: true }),
    row('reviewed', 400),
    row('both', 400, { legalHold: true }),
    row('free', 400),
  ], policy, new Set(['reviewed', 'both']), NOW);
  assert.deepEqual(d.delete.map((x) => x.callId), ['free']);
  assert.deepEqual(d.held, [{ callId: 'held', why: 'legal-hold' }, { callId: 'reviewed', why: 'qa-review' }, { callId: 'both', why: 'legal-hold' }]);
});

test('with the default policy (0 days) nothing is ever deleted', () => {
  const d = decideRetention([row('old', 10_000), row('held', 10_000, { legalHold: true })], { retentionDays: 0, queues: [] }, new Set(), NOW);
  assert.deepEqual(d, { delete: [], held: [] });
});

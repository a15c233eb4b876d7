// The daily sampling job on a real LMDB store with an injected clock: which days it samples.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Store } from '../store/store.ts';
import { writeCdr, type Cdr } from '../calls/cdr.ts';
import { parseConfig } from '../config/load.ts';
import type { BoxConfig } from '../config/schema.ts';
import { QaBook } from './qa-book.ts';
import { QaSampling } from './sampling-job.ts';
import { DAY_MS } from './sampling.ts';

const MON = Date.UTC(2026, 10, 23);
let dir: string;
let store: Store;
let now = MON;
let config: BoxConfig;
let job: QaSampling;

const cdr = (callId: string, startedAt: number): Cdr => ({
  callId, sipCallId: callId, caller: { uri: 'sip:1@x', number: '1', kind: 'trunk', id: 'c' }, dialled: '5', startedAt, answeredAt: startedAt, connectedAt: startedAt,
  endedAt: startedAt + 3000, durationMs: 3000, billableMs: 3000, disposition: 'answered', hangup: { status: 200, reason: 'BYE', side: 'caller', cause: 'bye' },
  quality: {}, dtmf: { caller: '', callee: '' }, queue: 'q', agents: ['a1'],
});
const sampledDays = () => [...store.tables.events.getRange()].map((e) => e.value as any).filter((e) => e.type === 'qa-sampling-run').map((e) => e.day);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qa-job-'));
  store = new Store(dir);
  config = parseConfig({ qa: { sampling: { randomPerAgentPerWeek: 0, shortTalkSec: 10 } } });
  job = new QaSampling({ store, book: new QaBook(store), config: () => config, log: pino({ level: 'silent' }), now: () => now });
  await job.start();
  for (let d = 0; d < 12; d++) await writeCdr(store, cdr(`day${d}`, MON + d * DAY_MS + 3_600_000));
});

after(async () => {
  job.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the first run samples yesterday; a run the next day samples only the new day; a second run the same day nothing', async () => {
  now = MON + DAY_MS + 5_400_000; // Tuesday 01:30
  assert.equal(await job.runScheduled(), 1);
  now += DAY_MS;
  assert.equal(await job.runScheduled(), 1);
  assert.equal(await job.runScheduled(), 0);
  assert.deepEqual(sampledDays(), ['2026-11-23', '2026-11-24']);
  assert.deepEqual([...store.tables.qaReviews.getRange()].map((r) => r.key).sort(), ['day0', 'day1']);
});

test('after days off it catches up every missed day, at most a week back', async () => {
  now = MON + 11 * DAY_MS + 5_400_000; // nine days after the last run
  assert.equal(await job.runScheduled(), 7);
  assert.deepEqual(sampledDays().slice(2), ['2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01', '2026-12-02', '2026-12-03']);
});

test('the box keeps one sampling seed: made once, the same after a restart', async () => {
  const seed = store.tables.config.get('qa:sampling-seed');
  assert.match(String(seed), /^[0-9a-f]{32}$/);
  const again = new QaSampling({ store, book: new QaBook(store), config: () => config, log: pino({ level: 'silent' }) });
  await again.start();
  again.close();
  assert.equal(store.tables.config.get('qa:sampling-seed'), seed);
});

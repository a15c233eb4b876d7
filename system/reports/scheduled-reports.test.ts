// Scheduled report files against a real LMDB store: the period a run covers, the files it
// writes (totals, then per hour), the skip of a period already written, the event row and
// pruning to `keep`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { previousPeriod, ReportScheduler } from './scheduled-reports.ts';
import { zonedInstant } from './intervals.ts';
import type { BoxConfig } from '../config/schema.ts';

const TZ = 'Asia/Shanghai';

test('the previous period is yesterday, or last Monday to Sunday, in local time', () => {
  const now = zonedInstant(2026, 11, 26, 0, 10, TZ); // Thursday 00:10
  assert.deepEqual(previousPeriod('daily', now, TZ), { kind: 'daily', from: zonedInstant(2026, 11, 25, 0, 0, TZ), to: zonedInstant(2026, 11, 26, 0, 0, TZ), name: '2026-11-25' });
  assert.deepEqual(previousPeriod('weekly', now, TZ), { kind: 'weekly', from: zonedInstant(2026, 11, 16, 0, 0, TZ), to: zonedInstant(2026, 11, 23, 0, 0, TZ), name: '2026-11-16' });
});

test('a daily run writes yesterday\'s queue and agent files once, and keeps the newest periods', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'reports-'));
  const store = new Store(join(dir, 'data'));
  try {
    const at = (h: number, m: number, sec = 0) => zonedInstant(2026, 11, 25, h, m, TZ) + sec * 1000;
    await store.transaction(() => {
      store.appendQueueEvent('agent-login', { agent: 'a1', from: 'logged-out', to: 'available' }, at(8, 0));
      store.appendQueueEvent('enter', { callId: 'c1', queue: 'sales' }, at(9, 0));
      store.appendQueueEvent('agent-on-call', { agent: 'a1', from: 'available', to: 'on-call', callId: 'c1', queue: 'sales' }, at(9, 0, 12));
      store.appendQueueEvent('connect', { callId: 'c1', queue: 'sales', agent: 'a1', waitMs: 12_000 }, at(9, 0, 12));
      store.appendQueueEvent('agent-available', { agent: 'a1', from: 'on-call', to: 'available' }, at(9, 1, 12));
      store.appendQueueEvent('complete', { callId: 'c1', queue: 'sales', agent: 'a1', talkMs: 60_000, waitMs: 12_000 }, at(9, 1, 12));
      store.appendQueueEvent('enter', { callId: 'c2', queue: 'sales' }, at(10, 0));
      store.appendQueueEvent('abandon', { callId: 'c2', queue: 'sales', waitMs: 25_000 }, at(10, 0, 25));
      store.appendQueueEvent('agent-logout', { agent: 'a1', from: 'available', to: 'logged-out' }, at(12, 0));
    });
    const config = () => ({ timeZone: TZ, reports: { shortAbandonSec: 5, serviceLevelSec: 20, queueServiceLevelSec: {}, daily: { enabled: true, schedule: '10 0 * * *' }, weekly: { enabled: true, schedule: '20 0 * * 1' }, keep: 2 } }) as unknown as BoxConfig;
    const logs: string[] = [];
    const scheduler = new ReportScheduler({ store, config, log: { info: (_o, m) => logs.push(m), error: (o, m) => logs.push(`${m} ${JSON.stringify(o)}`) } });
    const now = zonedInstant(2026, 11, 26, 0, 10, TZ);
    const written = await scheduler.run('daily', now);
    const daily = join(store.dataDir, 'reports', 'daily');
    assert.deepEqual(written, [join(daily, '2026-11-25-queues.csv'), join(daily, '2026-11-25-agents.csv')]);
    const queues = readFileSync(written[0], 'utf8').split('\r\n');
    assert.deepEqual(queues.slice(1), [
      '2026-11-25 00:00,2026-11-26 00:00,sales,2,1,1,0,0,0,0,0,0,50.0,12.0,25.0,20,50.0,50.0,60.0,0.0,1,60.0,60.0',
      '2026-11-25 09:00,2026-11-25 10:00,sales,1,1,0,0,0,0,0,0,0,0.0,12.0,12.0,20,100.0,100.0,60.0,0.0,1,60.0,60.0',
      '2026-11-25 10:00,2026-11-25 11:00,sales,1,0,1,0,0,0,0,0,0,100.0,,25.0,20,0.0,0.0,0.0,0.0,0,,',
      '',
    ]);
    const agents = readFileSync(written[1], 'utf8').split('\r\n');
    assert.equal(agents[1], '2026-11-25 00:00,2026-11-26 00:00,a1,1,60.0,0.0,1,60.0,60.0,0,0,14400.0,14340.0,0.0,60.0,0.0,0.0,0.4');
    assert.deepEqual(await scheduler.run('daily', now), [], 'a period already written is skipped');
    const events = [...store.tables.events.getRange()].map((r) => r.value as { type: string; period?: string }).filter((e) => e.type === 'report-written');
    assert.deepEqual(events.map((e) => e.period), ['2026-11-25']);
    // Two more days: only the newest two periods stay.
    await scheduler.run('daily', now + 86_400_000);
    await scheduler.run('daily', now + 2 * 86_400_000);
    assert.deepEqual(readdirSync(daily).sort(), ['2026-11-26-agents.csv', '2026-11-26-queues.csv', '2026-11-27-agents.csv', '2026-11-27-queues.csv']);
    scheduler.start();
    assert.equal(scheduler.nextRuns().length, 2);
    assert.equal(scheduler.nextRuns()[0]!.getTime() > Date.now(), true);
    scheduler.close();
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

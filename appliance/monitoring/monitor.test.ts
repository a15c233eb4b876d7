import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Value } from '@sinclair/typebox/value';
import { Store } from '../../system/store/store.ts';
import { MonitoringConfigSchema, type MonitoringConfig } from '../../system/config/monitoring-schema.ts';
import { Monitor, type AlertRow } from './monitor.ts';
import { rulesFrom, type Reading } from './thresholds.ts';

const rules = rulesFrom((Value.Default(MonitoringConfigSchema, {}) as MonitoringConfig).thresholds);

test('the monitor judges its source, persists alerts with events, lets injected readings override, and reloads active alerts', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  let store = new Store(dir);
  let disk = 50;
  const source = async (): Promise<Reading[]> => [{ metric: 'diskPct', subject: '/', value: disk }, { metric: 'memoryPct', subject: '', value: 40 }];
  const log = pino({ level: 'silent' });
  const monitor = new Monitor({ store, log, rules: () => rules, source, now: () => 1000 });
  const seen: AlertRow[] = [];
  monitor.on('alert', (a) => seen.push(a));
  assert.deepEqual(await monitor.round(), { raised: [], cleared: [] });
  disk = 95;
  const d = await monitor.round();
  assert.deepEqual(d.raised.map((a) => a.id), ['diskPct:/']);
  assert.deepEqual(seen.map((a) => [a.id, a.state, a.code]), [['diskPct:/', 'active', 'CC_MON_DISK_FULL']]);
  assert.equal((store.tables.alerts.get('diskPct:/') as AlertRow).state, 'active');
  const injected = await monitor.inject([{ metric: 'diskPct', subject: '/', value: 10 }, { metric: 'memoryPct', subject: '', value: 99 }]);
  assert.deepEqual([injected.raised.map((a) => a.id), injected.cleared.map((c) => c.alert.id)], [['memoryPct:'], ['diskPct:/']], 'injected values replace the measured ones');
  assert.deepEqual(monitor.overridden.length, 2);
  await monitor.inject([{ metric: 'diskPct', subject: '/', value: null }]);
  assert.equal((store.tables.alerts.get('diskPct:/') as AlertRow).state, 'active', 'withdrawn: the measured 95 counts again');
  const events = [...store.tables.events.getRange()].map(({ value }) => (value as { type: string; id: string }));
  assert.deepEqual(events.map((e) => `${e.type} ${e.id}`), ['alert-raised diskPct:/', 'alert-raised memoryPct:', 'alert-cleared diskPct:/', 'alert-raised diskPct:/']);
  await monitor.close();
  await store.close();

  store = new Store(dir);
  t.after(() => store.close());
  const again = new Monitor({ store, log, rules: () => rules, source: async () => [{ metric: 'diskPct', subject: '/', value: 95 }], now: () => 2000 });
  assert.deepEqual(await again.round(), { raised: [], cleared: [] }, 'the active alert survived the restart and is not raised twice');
  assert.deepEqual(again.alerts().filter((a) => a.state === 'active').map((a) => a.id).sort(), ['diskPct:/', 'memoryPct:']);
  await again.close();
});

test('a failing source still lets injected readings be judged', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const store = new Store(dir);
  t.after(() => store.close());
  const monitor = new Monitor({ store, log: pino({ level: 'silent' }), rules: () => rules, source: async () => { throw new Error('sensor gone'); } });
  const d = await monitor.inject([{ metric: 'cpuTempC', subject: '', value: 90 }]);
  assert.deepEqual(d.raised.map((a) => a.id), ['cpuTempC:']);
  await monitor.close();
});

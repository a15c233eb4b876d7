import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAlerts, rulesFrom, alertId, type ActiveAlert, type Reading } from './thresholds.ts';
import { Value } from '@sinclair/typebox/value';
import { MonitoringConfigSchema, type MonitoringConfig } from '../../system/config/monitoring-schema.ts';

const rules = rulesFrom((Value.Default(MonitoringConfigSchema, {}) as MonitoringConfig).thresholds);

/** Run readings round by round through the decision, keeping the active set like the monitor does. */
function run(rounds: Reading[][]) {
  const active = new Map<string, ActiveAlert>();
  const log: string[] = [];
  rounds.forEach((readings, i) => {
    const d = decideAlerts(active, readings, rules, 1000 * i);
    for (const a of d.raised) {
      active.set(a.id, a);
      log.push(`${i} raise ${a.id} ${a.code}`);
    }
    for (const c of d.cleared) {
      active.delete(c.alert.id);
      log.push(`${i} clear ${c.alert.id}`);
    }
  });
  return { active, log };
}

test('the default limits are the documented ones', () => {
  const cpu = rules.find((r) => r.metric === 'cpuLoadPct')!;
  assert.deepEqual([cpu.raise, cpu.clear, cpu.direction], [90, 75, 'high']);
  const mos = rules.find((r) => r.metric === 'mos')!;
  assert.deepEqual([mos.raise, mos.clear, mos.direction], [3.5, 3.8, 'low']);
});

test('a high reading raises once, stays raised between the clear and raise levels, and clears at the clear level', () => {
  const cpu = (value: number): Reading[] => [{ metric: 'cpuLoadPct', subject: '', value }];
  const { log, active } = run([cpu(50), cpu(89.9), cpu(90), cpu(99), cpu(80), cpu(75.1), cpu(75), cpu(89), cpu(95)]);
  assert.deepEqual(log, ['2 raise cpuLoadPct: CC_MON_CPU_HIGH', '6 clear cpuLoadPct:', '8 raise cpuLoadPct: CC_MON_CPU_HIGH']);
  assert.equal(active.get('cpuLoadPct:')!.value, 95);
  assert.equal(active.get('cpuLoadPct:')!.threshold, 90);
  assert.equal(active.get('cpuLoadPct:')!.raisedAt, 8000);
});

test('a low limit (MOS) raises at or below raise and clears only at or above clear', () => {
  const mos = (value: number): Reading[] => [{ metric: 'mos', subject: 'carrier', value }];
  const { log } = run([mos(4.2), mos(3.5), mos(3.7), mos(3.79), mos(3.8), mos(3.6)]);
  assert.deepEqual(log, ['1 raise mos:carrier CC_MON_MOS_LOW', '4 clear mos:carrier']);
});

test('subjects are separate alerts: one full disk does not hide or clear another', () => {
  const { log, active } = run([
    [{ metric: 'diskPct', subject: '/', value: 95 }, { metric: 'diskPct', subject: '/media/usb0', value: 10 }],
    [{ metric: 'diskPct', subject: '/', value: 96 }, { metric: 'diskPct', subject: '/media/usb0', value: 92 }],
    [{ metric: 'diskPct', subject: '/', value: 50 }, { metric: 'diskPct', subject: '/media/usb0', value: 91 }],
  ]);
  assert.deepEqual(log, ['0 raise diskPct:/ CC_MON_DISK_FULL', '1 raise diskPct:/media/usb0 CC_MON_DISK_FULL', '2 clear diskPct:/']);
  assert.deepEqual([...active.keys()], [alertId('diskPct', '/media/usb0')]);
});

test('no reading for a subject keeps its alert; NaN and unknown metrics decide nothing', () => {
  const { log } = run([
    [{ metric: 'lossPct', subject: 'carrier', value: 5 }],
    [],
    [{ metric: 'lossPct', subject: 'carrier', value: Number.NaN }, { metric: 'nope' as never, subject: '', value: 1e9 }],
  ]);
  assert.deepEqual(log, ['0 raise lossPct:carrier CC_MON_LOSS_HIGH']);
});

test('SMART and link state are 0/1 readings: 0 raises, 1 clears', () => {
  const { log } = run([
    [{ metric: 'linkUp', subject: 'eth0', value: 1 }, { metric: 'diskSmartOk', subject: '/dev/sda', value: 0 }],
    [{ metric: 'linkUp', subject: 'eth0', value: 0 }],
    [{ metric: 'linkUp', subject: 'eth0', value: 1 }, { metric: 'diskSmartOk', subject: '/dev/sda', value: 1 }],
  ]);
  assert.deepEqual(log, ['0 raise diskSmartOk:/dev/sda CC_MON_DISK_SMART', '1 raise linkUp:eth0 CC_MON_LINK_DOWN', '2 clear linkUp:eth0', '2 clear diskSmartOk:/dev/sda']);
});

test('a clear level on the wrong side of the raise level means no hysteresis, not a flapping alert', () => {
  const t = (Value.Default(MonitoringConfigSchema, {}) as MonitoringConfig).thresholds;
  const odd = rulesFrom({ ...t, cpuLoadPct: { raise: 80, clear: 95 }, mos: { raise: 3.5, clear: 3.0 } });
  const cpu = odd.find((r) => r.metric === 'cpuLoadPct')!;
  const mos = odd.find((r) => r.metric === 'mos')!;
  assert.deepEqual([cpu.raise, cpu.clear, mos.raise, mos.clear], [80, 80, 3.5, 3.5]);
  const active = new Map<string, ActiveAlert>();
  const first = decideAlerts(active, [{ metric: 'cpuLoadPct', subject: '', value: 85 }], odd, 0);
  active.set(first.raised[0]!.id, first.raised[0]!);
  assert.deepEqual(decideAlerts(active, [{ metric: 'cpuLoadPct', subject: '', value: 85 }], odd, 1).cleared, [], 'still high: stays raised');
});

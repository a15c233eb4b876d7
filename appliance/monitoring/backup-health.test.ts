import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Value } from '@sinclair/typebox/value';
import { backupReadings } from './backup-health.ts';
import { decideAlerts, rulesFrom, type ActiveAlert } from './thresholds.ts';
import { MonitoringConfigSchema, type MonitoringConfig } from '../../system/config/monitoring-schema.ts';

test('a failed last backup raises CC_MON_BACKUP_FAILED and the next good one clears it; no backup yet says nothing', () => {
  const rules = rulesFrom((Value.Default(MonitoringConfigSchema, {}) as MonitoringConfig).thresholds);
  assert.deepEqual(backupReadings(undefined), []);
  const active = new Map<string, ActiveAlert>();
  const failed = decideAlerts(active, backupReadings({ ok: false, target: 'usb0', code: 'CC_BACKUP_TARGET_GONE' }), rules, 1);
  assert.deepEqual(failed.raised.map((a) => [a.id, a.code]), [['backupOk:', 'CC_MON_BACKUP_FAILED']]);
  active.set(failed.raised[0]!.id, failed.raised[0]!);
  assert.deepEqual(decideAlerts(active, backupReadings({ ok: false }), rules, 2), { raised: [], cleared: [] });
  assert.deepEqual(decideAlerts(active, backupReadings({ ok: true, target: 'usb0' }), rules, 3).cleared.map((c) => c.alert.id), ['backupOk:']);
});

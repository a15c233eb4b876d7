import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrunkConnections } from './trunk-connections.ts';
import { decideAlerts, rulesFrom, type ActiveAlert } from './thresholds.ts';
import { monitoringConfig } from '../../system/config/monitoring-schema.ts';

const rules = rulesFrom(monitoringConfig({}).thresholds);
const trunks = new Set(['carrier', 'backup']);

test('three failed connections in a row to a trunk raise CC_MON_TRUNK_CONNECT_FAILED for it; a usable connection clears it', () => {
  const c = new TrunkConnections();
  assert.deepEqual(c.readings(trunks), [], 'no attempt yet: no reading');
  c.failed('carrier');
  c.failed('carrier');
  assert.deepEqual(c.readings(trunks), [{ metric: 'trunkConnectOk', subject: 'carrier', value: 1 }], 'two failures are not yet an alert');
  assert.deepEqual(decideAlerts(new Map(), c.readings(trunks), rules, 1).raised, []);
  c.failed('carrier');
  c.opened('backup');
  const raised = decideAlerts(new Map(), c.readings(trunks), rules, 2).raised;
  assert.deepEqual(raised.map((a) => [a.id, a.code, a.value]), [['trunkConnectOk:carrier', 'CC_MON_TRUNK_CONNECT_FAILED', 0]]);
  const active = new Map<string, ActiveAlert>(raised.map((a) => [a.id, a]));
  c.failed('carrier');
  assert.deepEqual(decideAlerts(active, c.readings(trunks), rules, 3), { raised: [], cleared: [] }, 'still failing: stays raised, not raised again');
  c.opened('carrier');
  assert.deepEqual(decideAlerts(active, c.readings(trunks), rules, 4).cleared.map((x) => [x.alert.id, x.value]), [['trunkConnectOk:carrier', 1]]);
});

test('a success between failures starts the count again; a trunk removed from the configuration gives no reading', () => {
  const c = new TrunkConnections();
  c.failed('carrier');
  c.failed('carrier');
  c.opened('carrier');
  c.failed('carrier');
  c.failed('carrier');
  assert.deepEqual(c.readings(trunks), [{ metric: 'trunkConnectOk', subject: 'carrier', value: 1 }]);
  c.failed('gone');
  c.failed('gone');
  c.failed('gone');
  assert.deepEqual(c.readings(trunks).map((r) => r.subject), ['carrier']);
});

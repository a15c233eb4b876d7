import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseQuality, qualityReadings } from './call-quality.ts';

const leg = (mos: number, lossRate: number, jitterMs: number, packetsReceived = 500) => ({ packetsReceived, packetsLost: 0, lossRate, jitterMs, bytesReceived: 0, mos, rFactor: 0, packetsSent: 0 });
const trunk = (id: string) => ({ uri: '', number: '', kind: 'trunk' as const, id });
const ext = (id: string) => ({ uri: '', number: id, kind: 'extension' as const, id });

test('quality is summed per trunk from the trunk-facing leg of each call; legs without media are left out', () => {
  const q = summariseQuality([
    { caller: trunk('carrier'), callee: ext('2001'), quality: { caller: leg(4.4, 0, 2), callee: leg(1.0, 0.5, 90) } },
    { caller: ext('2002'), callee: trunk('carrier'), quality: { caller: leg(1, 1, 1), callee: leg(3.4, 0.04, 30) } },
    { caller: trunk('backup'), callee: ext('2001'), quality: { caller: leg(0, 0, 0, 0) } },
    { caller: trunk('other'), callee: undefined, quality: {} },
  ]);
  assert.deepEqual(q, [{ trunk: 'carrier', legs: 2, mos: 3.9, minMos: 3.4, lossPct: 2, jitterMs: 16 }]);
  assert.deepEqual(qualityReadings(q, 2), [
    { metric: 'mos', subject: 'carrier', value: 3.9 },
    { metric: 'lossPct', subject: 'carrier', value: 2 },
    { metric: 'jitterMs', subject: 'carrier', value: 16 },
  ]);
  assert.deepEqual(qualityReadings(q, 3), [], 'too few calls to judge');
});

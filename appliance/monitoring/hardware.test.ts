import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { readHardware, hardwareReadings, type HardwareSample } from './hardware.ts';

test('a reading of this machine: memory and cores as the OS reports them, the root file system, the data directory, a loopback link', async () => {
  const h = await readHardware(os.tmpdir());
  assert.equal(h.memory.totalBytes, os.totalmem());
  assert.equal(h.cpu.cores, os.availableParallelism());
  assert.ok(h.cpu.loadPct >= 0 && h.cpu.loadPct <= 100);
  assert.ok(h.disks.some((d) => d.mount === '/' && d.sizeBytes > 0 && d.pct >= 0 && d.pct <= 100), JSON.stringify(h.disks));
  assert.equal(h.dataDir?.path, os.tmpdir());
  assert.ok(h.network.some((n) => n.iface === 'lo' && n.internal && n.up));
  assert.ok(h.uptimeSec > 0);
});

test('readings: load, memory, temperature when there is a sensor, each disk and the data directory, SMART, and the default link only', () => {
  const h: HardwareSample = {
    at: 0,
    cpu: { loadPct: 12.5, cores: 2, loadAvg1: 0.5 },
    memory: { totalBytes: 100, usedBytes: 40, pct: 40 },
    disks: [{ mount: '/', fs: '/dev/sda1', type: 'ext4', sizeBytes: 100, usedBytes: 91, pct: 91 }],
    smart: [{ device: '/dev/sda', name: 'disk', status: 'failing' }],
    network: [
      { iface: 'lo', ip4: '127.0.0.1', up: true, default: false, internal: true },
      { iface: 'eth0', ip4: '192.0.2.9', up: false, default: true, internal: false },
      { iface: 'eth1', ip4: '', up: false, default: false, internal: false },
    ],
    dataDir: { path: '/var/lib/callcenter', sizeBytes: 10, usedBytes: 5, pct: 50 },
    uptimeSec: 1,
    processUptimeSec: 1,
  };
  assert.deepEqual(hardwareReadings(h), [
    { metric: 'cpuLoadPct', subject: '', value: 12.5 },
    { metric: 'memoryPct', subject: '', value: 40 },
    { metric: 'diskPct', subject: '/', value: 91 },
    { metric: 'diskPct', subject: '/var/lib/callcenter', value: 50 },
    { metric: 'diskSmartOk', subject: '/dev/sda', value: 0 },
    { metric: 'linkUp', subject: 'eth0', value: 0 },
  ]);
  assert.deepEqual(hardwareReadings({ ...h, cpu: { ...h.cpu, tempC: 70 } }).find((r) => r.metric === 'cpuTempC'), { metric: 'cpuTempC', subject: '', value: 70 });
});

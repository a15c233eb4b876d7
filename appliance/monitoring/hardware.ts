// The box's hardware through systeminformation: CPU load and temperature (where the board
// has a sensor), memory, file systems, SMART health (where the disk reports it), network
// links, the data directory's file system and uptime — one HardwareSample per call — and the readings the alert rules judge.
// Reads only; what to do about a value is thresholds.ts's business.
import si from 'systeminformation';
import os from 'node:os';
import { statfsSync } from 'node:fs';
import type { Reading } from './thresholds.ts';

export interface HardwareSample {
  at: number;
  cpu: { loadPct: number; cores: number; tempC?: number; loadAvg1: number };
  memory: { totalBytes: number; usedBytes: number; pct: number };
  disks: { mount: string; fs: string; type: string; sizeBytes: number; usedBytes: number; pct: number }[];
  /** Disks that report SMART health; 'failing' when the disk predicts failure. */
  smart: { device: string; name: string; status: 'ok' | 'failing' }[];
  network: { iface: string; ip4: string; up: boolean; speedMbps?: number; default: boolean; internal: boolean; rxBytes?: number; txBytes?: number }[];
  /** The file system holding the box's data directory (database, recordings, logs), whatever it is mounted as. */
  dataDir?: { path: string; sizeBytes: number; usedBytes: number; pct: number };
  uptimeSec: number;
  processUptimeSec: number;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const PSEUDO_FS = /^(tmpfs|devtmpfs|overlay|squashfs|proc|sysfs|cgroup2?|efivarfs)$/;

/** SMART health changes slowly and reading it runs lsblk/smartctl: at most every 10 minutes. */
const SMART_EVERY_MS = 10 * 60_000;
let smartCache: { at: number; layout: Awaited<ReturnType<typeof si.diskLayout>> } | undefined;
/** A board without a temperature sensor stays without one: stop asking after three empty answers. */
let noSensor = 0;

/**
 * One full reading of the hardware. The parts are read one after another, not at once, so the
 * event loop is never held by several of systeminformation's parsers together (measured here:
 * at once up to 160 ms of event-loop lag in a round, one by one under 20 ms per part).
 */
export async function readHardware(dataDir?: string): Promise<HardwareSample> {
  const load = await si.currentLoad();
  const temp = noSensor >= 3 ? { main: null } : await si.cpuTemperature().catch(() => ({ main: null as number | null }));
  if (noSensor < 3) noSensor = typeof temp.main === 'number' ? 0 : noSensor + 1;
  const mem = await si.mem();
  const fs = await si.fsSize().catch(() => []);
  const ifaces = await si.networkInterfaces().catch(() => []);
  const stats = await si.networkStats('*').catch(() => []);
  if (!smartCache || Date.now() - smartCache.at > SMART_EVERY_MS) smartCache = { at: Date.now(), layout: await si.diskLayout().catch(() => []) };
  const layout = smartCache.layout;
  const list = Array.isArray(ifaces) ? ifaces : [ifaces];
  const traffic = new Map((Array.isArray(stats) ? stats : []).map((s) => [s.iface, s]));
  const used = mem.total - mem.available;
  return {
    at: Date.now(),
    cpu: { loadPct: round(load.currentLoad), cores: os.availableParallelism(), tempC: typeof temp.main === 'number' && Number.isFinite(temp.main) ? temp.main : undefined, loadAvg1: round(os.loadavg()[0] ?? 0, 2) },
    memory: { totalBytes: mem.total, usedBytes: used, pct: round((used / mem.total) * 100) },
    disks: fs
      .filter((f) => !PSEUDO_FS.test(f.type) && f.size > 0)
      .map((f) => ({ mount: f.mount, fs: f.fs, type: f.type, sizeBytes: f.size, usedBytes: f.used, pct: round((f.used / f.size) * 100) })),
    smart: layout
      .filter((d) => d.smartStatus === 'Ok' || d.smartStatus === 'Predicted Failure')
      .map((d) => ({ device: d.device, name: d.name, status: d.smartStatus === 'Ok' ? 'ok' as const : 'failing' as const })),
    network: list.map((n) => ({
      iface: n.iface,
      ip4: n.ip4,
      up: n.internal || n.operstate === 'up',
      speedMbps: typeof n.speed === 'number' && n.speed > 0 ? n.speed : undefined,
      default: !!n.default,
      internal: n.internal,
      rxBytes: traffic.get(n.iface)?.rx_bytes,
      txBytes: traffic.get(n.iface)?.tx_bytes,
    })),
    dataDir: dataDir ? dataDirUse(dataDir) : undefined,
    uptimeSec: Math.round(os.uptime()),
    processUptimeSec: Math.round(process.uptime()),
  };
}

function dataDirUse(path: string): HardwareSample['dataDir'] {
  try {
    const s = statfsSync(path);
    const size = s.blocks * s.bsize;
    const used = size - s.bavail * s.bsize;
    return size > 0 ? { path, sizeBytes: size, usedBytes: used, pct: round((used / size) * 100) } : undefined;
  } catch {
    return undefined;
  }
}

/** The readings of a sample for the alert rules: load, temperature, memory, each disk, SMART, the default link. */
export function hardwareReadings(h: HardwareSample): Reading[] {
  const out: Reading[] = [
    { metric: 'cpuLoadPct', subject: '', value: h.cpu.loadPct },
    { metric: 'memoryPct', subject: '', value: h.memory.pct },
  ];
  if (h.cpu.tempC !== undefined) out.push({ metric: 'cpuTempC', subject: '', value: h.cpu.tempC });
  for (const d of h.disks) out.push({ metric: 'diskPct', subject: d.mount, value: d.pct });
  if (h.dataDir) out.push({ metric: 'diskPct', subject: h.dataDir.path, value: h.dataDir.pct });
  for (const d of h.smart) out.push({ metric: 'diskSmartOk', subject: d.device, value: d.status === 'ok' ? 1 : 0 });
  for (const n of h.network) if (n.default && !n.internal) out.push({ metric: 'linkUp', subject: n.iface, value: n.up ? 1 : 0 });
  return out;
}

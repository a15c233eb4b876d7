// What the technician console reads about the box, from outside the daemon's process: the
// running box's /api/status over loopback (HTTP up, ports, calls now), a SIP OPTIONS to its
// own SIP port (SIP up), the stored configuration and the last backup from LMDB, free disk
// under the data directory, and the network settings of the machine. Reads only.
import { existsSync, readFileSync, statfsSync } from 'node:fs';
import os from 'node:os';
import https from 'node:https';
import { join } from 'node:path';
import { open } from 'lmdb';
import { parseConfig } from '../../system/config/load.ts';
import type { BoxConfig } from '../../system/config/schema.ts';
import { sipOptions } from './diagnostics.ts';

export interface BoxStatusFacts {
  at: number;
  addresses: { iface: string; address: string }[];
  publicAddress?: string;
  http: { up: boolean; url: string; error?: string };
  sip: { up: boolean; port?: number; ms?: number; error?: string };
  calls?: number;
  disk?: { path: string; freeBytes: number; totalBytes: number; usedPct: number };
  lastBackup?: { at: number; id?: string; target?: string; ok: boolean; code?: string };
  trunks: { name: string; host: string; port: number; transport: string }[];
}

/** GET a JSON document from the box's API on loopback (self-signed HTTPS is accepted: it is the box itself). */
export async function getLocalJson(url: string, timeoutMs = 3000): Promise<unknown> {
  if (url.startsWith('https:')) {
    return new Promise((resolve, reject) => {
      const req = https.get(url, { rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if ((res.statusCode ?? 500) >= 400) return reject(new Error(`HTTP ${res.statusCode}`));
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(err);
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', reject);
    });
  }
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}

/** The stored configuration (defaults filled in) and the last backup outcome, read-only from LMDB. */
export async function readStored(dataDir: string): Promise<{ config?: BoxConfig; lastBackup?: BoxStatusFacts['lastBackup'] }> {
  const path = join(dataDir, 'box.lmdb');
  if (!existsSync(path)) return {};
  const env = open({ path, readOnly: true, maxDbs: 32 });
  try {
    let config: BoxConfig | undefined;
    try {
      config = parseConfig(env.openDB({ name: 'config' }).get('box-config') ?? {});
    } catch {
      config = undefined;
    }
    let lastBackup: BoxStatusFacts['lastBackup'];
    for (const { value } of env.openDB<any, [number, number]>({ name: 'events' }).getRange({ reverse: true })) {
      const e = value as { type?: string; at: number; id?: string; target?: string; code?: string };
      if (e.type === 'backup-completed' || e.type === 'backup-failed') {
        lastBackup = { at: e.at, id: e.id, target: e.target, ok: e.type === 'backup-completed', code: e.code };
        break;
      }
    }
    return { config, lastBackup };
  } finally {
    await env.close();
  }
}

export function lanAddresses(): BoxStatusFacts['addresses'] {
  return Object.entries(os.networkInterfaces()).flatMap(([iface, list]) => (list ?? []).filter((a) => a.family === 'IPv4' && !a.internal).map((a) => ({ iface, address: a.address })));
}

export function diskFacts(path: string): BoxStatusFacts['disk'] {
  try {
    const s = statfsSync(path);
    const total = s.blocks * s.bsize;
    const free = s.bavail * s.bsize;
    return { path, freeBytes: free, totalBytes: total, usedPct: total ? Math.round(((total - free) / total) * 1000) / 10 : 0 };
  } catch {
    return undefined;
  }
}

export async function gatherStatus(o: { dataDir: string; apiUrl: string }): Promise<BoxStatusFacts> {
  const stored = await readStored(o.dataDir);
  const facts: BoxStatusFacts = {
    at: Date.now(),
    addresses: lanAddresses(),
    publicAddress: stored.config?.sip.publicAddress,
    http: { up: false, url: o.apiUrl },
    sip: { up: false },
    disk: diskFacts(existsSync(o.dataDir) ? o.dataDir : '/'),
    lastBackup: stored.lastBackup,
    trunks: (stored.config?.trunks ?? []).map((t) => ({ name: t.name, host: t.host, port: t.port ?? 5060, transport: t.transport ?? 'udp' })),
  };
  try {
    const s = (await getLocalJson(`${o.apiUrl}/api/status`)) as { calls: number; ports: { sipUdp: number } };
    facts.http.up = true;
    facts.calls = s.calls;
    facts.sip.port = s.ports.sipUdp;
    const probe = await sipOptions({ host: '127.0.0.1', port: s.ports.sipUdp, timeoutMs: 2000 });
    facts.sip.up = probe.status !== undefined;
    facts.sip.ms = probe.ms;
    facts.sip.error = probe.error;
  } catch (err) {
    facts.http.error = (err as Error).message;
    facts.sip.error = 'box not answering';
  }
  return facts;
}

/** The machine's network settings: interfaces, default gateway, DNS servers. */
export function networkSettings(): { interfaces: { iface: string; address: string; netmask: string; mac: string; family: string }[]; gateway?: string; dns: string[] } {
  const interfaces = Object.entries(os.networkInterfaces()).flatMap(([iface, list]) => (list ?? []).map((a) => ({ iface, address: a.address, netmask: a.netmask, mac: a.mac, family: a.family })));
  let gateway: string | undefined;
  try {
    for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const [, dest, gw] = line.trim().split(/\s+/);
      if (dest === '00000000' && gw) {
        const n = parseInt(gw, 16);
        gateway = [n & 255, (n >> 8) & 255, (n >> 16) & 255, (n >>> 24) & 255].join('.');
        break;
      }
    }
  } catch {
    /* not Linux */
  }
  let dns: string[] = [];
  try {
    dns = readFileSync('/etc/resolv.conf', 'utf8').split('\n').filter((l) => l.startsWith('nameserver')).map((l) => l.split(/\s+/)[1]!).filter(Boolean);
  } catch {
    /* none */
  }
  return { interfaces, gateway, dns };
}

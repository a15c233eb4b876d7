// The appliance daemon as the system under test: a fresh data folder and config (loopback
// trunk topology of hil-tests), log level 'warn', readiness by polling GET /api/status (the
// harness's startBoxProcess waits for the "ready" line, which is logged at 'info' and so
// never appears at 'warn'), its mediasoup worker found as a child process, CDRs read from
// its LMDB, and a stop that escalates to SIGKILL so a hung box cannot hang the benchmark.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { open } from 'lmdb';
import { freePort } from '../../../hil-tests/harness/ports.ts';
import { onCleanup, tempDir, signalPid } from './cleanup.ts';
import { childrenOf, processName } from './proc.ts';
import { DAEMON_NODE_FLAGS } from '../../../appliance/daemon-flags.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
export const CARRIER_IP = '127.0.0.2';
export const CALLEE_IP = '127.0.0.3';
export const RTP_RANGE = { min: 20000, max: 29999 };

export interface BoxOptions {
  /** SIP port of the callee sipp for each upstream trunk: upstream0 answers dial prefix 90, upstream1 91, ... */
  upstreamPorts: number[];
  dtmfEvents: boolean;
  /** The box's `recording` config; left out, the box's default applies (every call recorded). */
  recording?: { enabled: boolean; dir?: string };
  /** More config sections, merged over the bench's (e.g. extensions for registering phones). */
  extra?: Record<string, unknown>;
}

export interface BoxStatus {
  calls: number;
  /** process.memoryUsage() of the daemon (bytes). */
  memory?: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  dialogs: number;
  transactions: { server: number; client: number };
  media: { workers: number; routers: number; transports: number; producers: number; consumers: number };
  sip: Record<string, number>;
}

/** Dial this prefix + digits to reach upstream trunk `i` (the box strips the prefix). */
export const dialPrefix = (i: number) => `9${i}`;

function boxConfig(o: BoxOptions, sipPort: number, httpPort: number): object {
  const upstream = o.upstreamPorts.map((port, i) => ({ name: `upstream${i}`, kind: 'static', host: CALLEE_IP, port }));
  return {
    sip: { bindAddress: '127.0.0.1', publicAddress: '127.0.0.1', udpPort: sipPort, tcpPort: sipPort },
    http: { host: '127.0.0.1', port: httpPort, tls: false },
    // BENCH_MEDIA_WORKERS: mediasoup workers (the box's media.workers; default 0: one per core).
    media: { listenIp: '127.0.0.1', rtpMinPort: RTP_RANGE.min, rtpMaxPort: RTP_RANGE.max, workers: Number(process.env.BENCH_MEDIA_WORKERS ?? 0) },
    calls: { maxCalls: 5000, dtmfEvents: o.dtmfEvents },
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER_IP }, ...upstream],
    dids: [{ number: '*', trunk: 'carrier', destination: 'dial:' }],
    dialPlan: upstream.map((t, i) => ({ prefix: dialPrefix(i), trunk: t.name, strip: 2 })),
    ...(o.recording ? { recording: o.recording } : {}),
    ...o.extra,
  };
}

/**
 * BENCH_BOX_ENV: extra environment for the daemon only (not the peers), NAME=value pairs
 * separated by ';', e.g. `MALLOC_ARENA_MAX=2;NODE_OPTIONS=--max-old-space-size=384 --min-semi-space-size=16`
 * to compare allocators or runtime flags under the same traffic.
 */
function benchBoxEnv(): Record<string, string> {
  const pairs = (process.env.BENCH_BOX_ENV ?? '').split(';').map((p) => p.trim()).filter(Boolean);
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]).filter(([k]) => /^[A-Z_][A-Z0-9_]*$/.test(k)));
}

export class Box {
  /** The daemon's warn/error log lines (JSON), newest last, capped. */
  readonly logs: string[] = [];
  private readonly exited: Promise<number | null>;
  private stopping?: Promise<void>;
  private readonly forget: () => void;

  private constructor(
    readonly child: ChildProcess,
    readonly sipPort: number,
    readonly httpPort: number,
    readonly dataDir: string,
    private readonly removeDataDir: () => void,
  ) {
    this.exited = new Promise((res) => child.once('exit', (code) => res(code)));
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      let buf = '';
      stream.on('data', (d: string) => {
        buf += d;
        const lines = buf.split('\n');
        buf = lines.pop()!;
        this.logs.push(...lines.filter((l) => l.trim()));
        if (this.logs.length > 2000) this.logs.splice(0, this.logs.length - 2000);
      });
    }
    this.forget = onCleanup(() => this.stop());
  }

  static async start(o: BoxOptions): Promise<Box> {
    const dataDir = mkdtempSync(join(tmpdir(), 'bench-box-'));
    const removeDir = tempDir(dataDir);
    const [sipPort, httpPort] = [await freePort(), await freePort()];
    const configPath = join(dataDir, 'config.json');
    writeFileSync(configPath, JSON.stringify(boxConfig(o, sipPort, httpPort), null, 2));
    // The daemon's heap flags as it ships (appliance/daemon-flags.ts). BENCH_BOX_NODE_ARGS replaces
    // them (space-separated node/V8 flags, e.g. ones NODE_OPTIONS refuses; 'none' for V8's defaults).
    const override = process.env.BENCH_BOX_NODE_ARGS;
    const nodeArgs = override === undefined ? [...DAEMON_NODE_FLAGS] : override.split(/\s+/).filter((a) => a.startsWith('--'));
    const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(ROOT, 'appliance/daemon.ts')], {
      cwd: ROOT,
      env: { ...process.env, ...benchBoxEnv(), CC_DATA_DIR: join(dataDir, 'data'), CC_CONFIG: configPath, CC_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // BENCH_BOX_OUTPUT=<file>: everything the daemon prints (e.g. with BENCH_BOX_ENV=DEBUG=mediasoup:*) is appended there too.
    if (process.env.BENCH_BOX_OUTPUT) {
      const out = createWriteStream(process.env.BENCH_BOX_OUTPUT, { flags: 'a' });
      child.stdout!.pipe(out, { end: false });
      child.stderr!.pipe(out, { end: false });
    }
    const box = new Box(child, sipPort, httpPort, dataDir, removeDir);
    try {
      await box.waitReady();
    } catch (err) {
      await box.stop();
      throw err;
    }
    return box;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  private async waitReady(timeoutMs = 120_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      if (!this.running) throw new Error(`box exited (${this.child.exitCode ?? this.child.signalCode}) while starting:\n${this.logs.slice(-10).join('\n')}`);
      try {
        await this.status();
        return;
      } catch {
        await sleep(100);
      }
    }
    throw new Error(`box not answering /api/status after ${timeoutMs} ms:\n${this.logs.slice(-10).join('\n')}`);
  }

  async status(): Promise<BoxStatus> {
    return this.getJson<BoxStatus>('/api/status', 5000);
  }

  /** GET /api/calls: the live calls, each with its legs' latest live quality reading once the box took one. */
  async liveCalls<T>(): Promise<T[]> {
    return this.getJson<T[]>('/api/calls', 10_000);
  }

  /** GET `path` as the admin (signing in on the first 401); throws on any other failure. */
  private async getJson<T>(path: string, timeoutMs: number): Promise<T> {
    const get = () => fetch(`http://127.0.0.1:${this.httpPort}${path}`, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {}, signal: AbortSignal.timeout(timeoutMs) });
    let res = await get();
    if (res.status === 401 && (await this.signIn())) res = await get();
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return (await res.json()) as T;
  }

  private token?: string;

  /** Where the API wants a session: sign in as the admin whose password the fresh box logged at its first start. */
  private async signIn(): Promise<boolean> {
    const line = this.logs.find((l) => l.includes('admin password generated'));
    if (!line) return false;
    const { username, password } = JSON.parse(line) as { username: string; password: string };
    const res = await fetch(`http://127.0.0.1:${this.httpPort}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return false;
    this.token = ((await res.json()) as { token: string }).token;
    return true;
  }

  /** The mediasoup worker processes (children of the daemon). */
  workerPids(): number[] {
    return childrenOf(this.pid).filter((c) => isMediasoupWorker(c.pid)).map((c) => c.pid);
  }

  /** Every CDR row (LMDB allows readers while the box writes). */
  async cdrs<T>(): Promise<T[]> {
    const env = open({ path: join(this.dataDir, 'data', 'box.lmdb'), readOnly: true, maxDbs: 32 });
    try {
      return [...env.openDB({ name: 'cdr' }).getRange()].map(({ value }) => value as T);
    } finally {
      await env.close();
    }
  }

  /** Where the box writes recordings unless the config names a folder (<data dir>/recordings). */
  get recordingsDir(): string {
    return join(this.dataDir, 'data', 'recordings');
  }

  /** Every row of one LMDB table of the box, e.g. 'recordings' (read-only, as cdrs()). */
  async table<T>(name: string): Promise<T[]> {
    const env = open({ path: join(this.dataDir, 'data', 'box.lmdb'), readOnly: true, maxDbs: 32 });
    try {
      return [...env.openDB({ name }).getRange()].map(({ value }) => value as T);
    } finally {
      await env.close();
    }
  }

  /** Poll until no call, dialog, router or transport is left, or, once calls and dialogs are
   *  gone, the media counters stop changing for 3 s (a leak), or the time is up. */
  async settle(timeoutMs: number): Promise<BoxStatus> {
    const until = Date.now() + timeoutMs;
    let s = await this.status();
    let stableSince = Date.now();
    while (Date.now() < until && (s.calls || s.dialogs || s.media.routers || s.media.transports)) {
      await sleep(250);
      const next = await this.status();
      if (next.calls || next.dialogs || JSON.stringify(next.media) !== JSON.stringify(s.media)) stableSince = Date.now();
      s = next;
      if (Date.now() - stableSince >= 3000) break;
    }
    return s;
  }

  /** Warn/error log lines counted by level+message, most frequent first, with one example each. */
  logSummary(): { key: string; count: number; example: string }[] {
    const groups = new Map<string, { key: string; count: number; example: string }>();
    for (const line of this.logs) {
      let key = line.slice(0, 120);
      try {
        const j = JSON.parse(line) as { level?: number; msg?: string; code?: string };
        key = `level=${j.level} ${j.code ? j.code + ' ' : ''}${j.msg}`;
      } catch {
        /* not JSON: keep the raw start */
      }
      const g = groups.get(key) ?? { key, count: 0, example: line.slice(0, 600) };
      g.count++;
      groups.set(key, g);
    }
    return [...groups.values()].sort((a, b) => b.count - a.count);
  }

  /** SIGTERM (the box BYEs its calls and closes LMDB); SIGKILL it and its workers after 15 s. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      const workers = this.workerPids();
      if (this.running) {
        signalPid(this.pid, 'SIGTERM');
        const code = await Promise.race([this.exited, sleep(15_000).then(() => 'timeout' as const)]);
        if (code === 'timeout') {
          this.logs.push('bench: box did not exit 15 s after SIGTERM; SIGKILL');
          signalPid(this.pid, 'SIGKILL');
          await this.exited;
        }
      }
      for (const pid of workers) if (isMediasoupWorker(pid)) signalPid(pid, 'SIGKILL');
      this.forget();
      this.removeDataDir();
    })());
  }
}

function isMediasoupWorker(pid: number): boolean {
  return processName(pid)?.startsWith('mediasoup') ?? false;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

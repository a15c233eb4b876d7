// Runs the real appliance daemon as a child process for whole-box tests: a fresh data
// directory, a config file with free ports, wait for the "ready" log line, read status over
// HTTP, read its LMDB files, and stop it with SIGTERM like systemd would.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { open } from 'lmdb';
import { freePort, freeRange } from './ports.ts';
import { DAEMON_NODE_FLAGS } from '../../appliance/daemon-flags.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** How long a box may take to say "ready": seconds on a quiet machine, over 30 s on a loaded one. */
const READY_TIMEOUT_MS = 90_000;

export interface BoxProcess {
  /** The address the box is reached at (127.0.0.1, or its LAN address in a namespace). */
  host: string;
  sipPort: number;
  httpPort: number;
  dataDir: string;
  logs: string[];
  status(): Promise<any>;
  /** The status once no call and no router is left (a CDR is visible in LMDB a moment before
   *  the box drops its call), or the last status after `timeoutMs`. */
  idle(timeoutMs?: number): Promise<any>;
  /** Read a table of the box's LMDB (works while it runs: LMDB allows many readers). */
  read<T = unknown>(table: 'cdr' | 'registrations' | 'events' | 'config' | 'recordings' | 'agents' | 'queue-log' | 'queue-calls' | 'callbacks' | 'customers'): Promise<{ key: unknown; value: T }[]>;
  /** The values of a table once `enough(values)` holds, polling `read`; after `timeoutMs` the
   *  values as they are then (re-read in a new process, which is what a caller's assertion
   *  then checks). For a row written before an event the test already saw: CI runs showed the
   *  in-process read a moment behind the box's commits about once in ten runs. */
  rowsWhen<T = any>(table: Parameters<BoxProcess['read']>[0], enough: (values: T[]) => boolean, timeoutMs?: number): Promise<T[]>;
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** The CDR of the call to `dialled` (matching `where`), once the box has written it. */
  cdr(dialled: string, where?: (row: any) => boolean, timeoutMs?: number): Promise<any>;
  stop(): Promise<number | null>;
  child: ChildProcess;
}

export interface StartOptions {
  /** Leave the data directory in place after stop(). */
  keepData?: boolean;
  /** Reuse a data directory from an earlier run (implies keepData for the caller to clean). */
  dataDir?: string;
  /** Start without a config file (the box uses what LMDB holds, else defaults). */
  noConfigFile?: boolean;
  /** Resolve as soon as the process exits or logs ready (for start-up failure tests). */
  allowExit?: boolean;
  /** Run the daemon inside this network namespace (`ip netns exec`, see netns.ts) and reach it at `host`. */
  netns?: { name: string; host: string };
}

export async function startBoxProcess(config: Record<string, any> = {}, opts: StartOptions = {}): Promise<BoxProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'ccbox-'));
  // Ports given in the config win (a restart on the same ports; a box alone in its namespace).
  const sipPort = config.sip?.udpPort ?? (await freePort());
  const httpPort = config.http?.port ?? (await freePort());
  const rtp = await freeRange(2000);
  const full = {
    ...config,
    sip: { bindAddress: '127.0.0.1', publicAddress: '127.0.0.1', udpPort: sipPort, tcpPort: sipPort, ...config.sip },
    http: { host: '127.0.0.1', port: httpPort, tls: false, ...config.http },
    media: { listenIp: '127.0.0.1', rtpMinPort: rtp.min, rtpMaxPort: rtp.max, ...config.media },
  };
  const configPath = join(dataDir, 'test-config.json');
  writeFileSync(configPath, typeof config.__raw === 'string' ? config.__raw : JSON.stringify(full, null, 2));
  // The daemon's heap flags as it ships (appliance/daemon-flags.ts).
  const node = [process.execPath, ...DAEMON_NODE_FLAGS, '--import', 'tsx', join(ROOT, 'appliance/daemon.ts')];
  const host = opts.netns?.host ?? '127.0.0.1';
  // `ip netns exec` execs the command: the child's pid is the daemon's (kill -9 reaches it).
  const child = spawn(opts.netns ? 'ip' : node[0], opts.netns ? ['netns', 'exec', opts.netns.name, ...node] : node.slice(1), {
    cwd: ROOT,
    env: { ...process.env, CC_DATA_DIR: join(dataDir, 'data'), CC_CONFIG: opts.noConfigFile ? '' : configPath, CC_LOG_LEVEL: process.env.CC_LOG_LEVEL ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const onLine = (line: string) => {
    logs.push(line);
    for (const w of [...waiters]) if (w.re.test(line)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(line);
    }
  };
  for (const stream of [child.stdout!, child.stderr!]) {
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (d: string) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  }
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const waitForLog = (re: RegExp, timeoutMs = 20_000) => {
    const seen = logs.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for log ${re}; last logs:\n${logs.slice(-15).join('\n')}`)), timeoutMs);
      waiters.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) });
      void exited.then((code) => {
        clearTimeout(t);
        reject(new Error(`box exited (${code}) while waiting for ${re}:\n${logs.slice(-15).join('\n')}`));
      });
    });
  };
  if (opts.allowExit) await Promise.race([waitForLog(/"msg":"ready"/, READY_TIMEOUT_MS).catch(() => undefined), exited]);
  else await waitForLog(/"msg":"ready"/, READY_TIMEOUT_MS).catch((err) => {
    // A box that never says ready is killed: left running, it kept the test process alive for good.
    child.kill('SIGKILL');
    throw err;
  });
  let stopped: Promise<number | null> | undefined;
  const readStatus = async () => (await fetch(`http://${host}:${httpPort}/api/status`)).json();
  const read: BoxProcess['read'] = async (table) => {
    const env = open({ path: join(dataDir, 'data', 'box.lmdb'), readOnly: true, maxDbs: 32 });
    try {
      const db = env.openDB({ name: table });
      return [...db.getRange()].map(({ key, value }) => ({ key, value: value as any }));
    } finally {
      await env.close();
    }
  };
  /** Said when a row a test waits for never shows: the box's errors so far (a failed CDR write
   *  is logged, not thrown), so a CI log tells a lost write from a late read. */
  const warnBoxErrors = (what: string) => {
    const errors = logs.filter((l) => /"level":(50|60)/.test(l)).slice(-10);
    console.warn(`${what}: the box logged ${errors.length ? `these errors:\n${errors.join('\n')}` : 'no error'}`);
  };
  // The same read in a new process: a check on the in-process read above, which once (in
  // ~10 CI runs) missed a CDR the box had logged as written; not reproduced since.
  const readInNewProcess = async (table: string) => {
    const script = `import { open } from 'lmdb';
      const env = open({ path: process.argv[1], readOnly: true, maxDbs: 32 });
      process.stdout.write(JSON.stringify([...env.openDB({ name: process.argv[2] }).getRange()].map(({ value }) => value)));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script, join(dataDir, 'data', 'box.lmdb'), table], { cwd: ROOT, maxBuffer: 64 * 1024 ** 2 });
    return JSON.parse(stdout) as any[];
  };
  /** BoxProcess.rowsWhen; `what` names the rows in the warnings of a read that gave up. */
  const rowsWhen = async <T = any>(table: Parameters<BoxProcess['read']>[0], enough: (values: T[]) => boolean, timeoutMs = 5000, what = `the rows of ${table}`): Promise<T[]> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const values = (await read<T>(table)).map((r) => r.value);
      if (enough(values)) return values;
      if (Date.now() > until) {
        const fresh = (await readInNewProcess(table)) as T[];
        if (enough(fresh)) console.warn(`box: the in-process LMDB read missed ${what}; a new process sees them`);
        else warnBoxErrors(`box: ${what} never came`);
        return fresh;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return {
    host,
    sipPort,
    httpPort,
    dataDir,
    logs,
    child,
    waitForLog,
    status: readStatus,
    read,
    idle: async (timeoutMs = 2000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const s = await readStatus();
        if ((s.calls === 0 && s.media.routers === 0) || Date.now() > until) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    rowsWhen,
    cdr: async (dialled, where = () => true, timeoutMs = 5000) => {
      const match = (c: any) => c.dialled === dialled && where(c);
      return (await rowsWhen('cdr', (values) => values.some(match), timeoutMs, `a CDR for ${dialled}`)).find(match);
    },
    stop: () =>
      (stopped ??= (async () => {
        child.kill('SIGTERM');
        const code = await exited;
        if (!opts.keepData && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
        return code;
      })()),
  };
}

// sipp (Debian sip-tester) as a load generator: each instance runs in its own temporary
// working folder (stat CSV, error log, media files), is registered for clean-up, and reports
// its final statistics from the -trace_stat CSV plus the first lines of its error log.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { onCleanup, tempDir, signalPid } from './cleanup.ts';

export const SCENARIOS = resolve(import.meta.dirname, '../../../hil-tests/peers/sipp');
/** Socket buffers for SIP and RTP sockets (the box's rmem_max allows 4 MB). */
export const BUFFER_BYTES = 4 * 1024 * 1024;

export interface SippStats {
  created: number;
  successful: number;
  failed: number;
  /** Calls created per second over the whole run (sipp's CallRate(C)). */
  callRate: number;
  retransmissions: number;
  /** Mean time from INVITE to 200 OK (sipp's response time 1), ms. */
  responseTimeMs: number;
  /** Calls or messages sipp could not place: OutOfCallMsgs, DeadCallMsgs. */
  strayMessages: number;
  /** Non-zero failure counters by sipp's name, e.g. FailedMaxUDPRetrans. */
  failures: Record<string, number>;
}

export interface SippResult {
  code: number | null;
  wallSec: number;
  stats?: SippStats;
  /** First lines of sipp's error log (and of stderr), for evidence. */
  errors: string[];
}

export interface SippInstance {
  pid: number;
  dir: string;
  done: Promise<SippResult>;
  /** SIGKILL it (used for UAS peers, which run until told to stop). */
  kill(): Promise<void>;
}

export interface SippSpec {
  /** Built-in scenario ('uac', 'uas') or a file name under hil-tests/peers/sipp. */
  scenario: string;
  builtin?: boolean;
  localIp: string;
  localPort: number;
  target?: string;
  args?: string[];
  /** Files to create in the working folder before sipp starts. */
  files?: Record<string, Buffer | string>;
  label: string;
}

export function startSipp(spec: SippSpec): SippInstance {
  const dir = mkdtempSync(join(tmpdir(), `bench-sipp-${spec.label}-`));
  const removeDir = tempDir(dir);
  for (const [name, data] of Object.entries(spec.files ?? {})) writeFileSync(join(dir, name), data);
  const args = [
    ...(spec.builtin ? ['-sn', spec.scenario] : ['-sf', join(SCENARIOS, spec.scenario)]),
    '-i', spec.localIp, '-p', String(spec.localPort),
    '-buff_size', String(BUFFER_BYTES),
    '-nostdin', '-trace_err', '-trace_stat', '-stf', 'stats.csv',
    ...(spec.args ?? []),
    ...(spec.target ? [spec.target] : []),
  ];
  const started = performance.now();
  const child: ChildProcess = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => {
    child.once('exit', (code) => res(code));
    child.once('error', (err) => {
      stderr += String(err);
      res(-1);
    });
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) signalPid(child.pid, 'SIGKILL');
    await exited;
  };
  const forget = onCleanup(kill);
  const done = exited.then(async (code) => {
    const result: SippResult = {
      code,
      wallSec: (performance.now() - started) / 1000,
      stats: readStats(dir),
      errors: [...readErrors(dir), ...stderr.split('\n').filter((l) => l.trim() && !/^Resolving remote host/.test(l))].slice(0, 8),
    };
    forget();
    removeDir();
    return result;
  });
  return { pid: child.pid ?? 0, dir, done, kill };
}

/** The last row of sipp's statistics CSV (';'-separated, header first). */
function readStats(dir: string): SippStats | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, 'stats.csv'), 'utf8');
  } catch {
    return undefined;
  }
  const rows = text.trim().split('\n');
  if (rows.length < 2) return undefined;
  const header = rows[0].split(';');
  const last = rows[rows.length - 1].split(';');
  const num = (name: string) => Number(last[header.indexOf(name)] ?? NaN);
  const failures: Record<string, number> = {};
  header.forEach((name, i) => {
    const m = name.match(/^(Failed\w+)\(C\)$/);
    if (m && Number(last[i]) > 0) failures[m[1]] = Number(last[i]);
  });
  return {
    created: num('TotalCallCreated'),
    successful: num('SuccessfulCall(C)'),
    failed: num('FailedCall(C)'),
    callRate: num('CallRate(C)'),
    retransmissions: num('Retransmissions(C)'),
    responseTimeMs: durationMs(last[header.indexOf('ResponseTime1(C)')]),
    strayMessages: num('OutOfCallMsgs(C)') + num('DeadCallMsgs(C)'),
    failures,
  };
}

/** sipp's 'HH:MM:SS:uuuuuu' durations in milliseconds. */
function durationMs(text: string | undefined): number {
  const m = text?.match(/^(\d+):(\d+):(\d+):(\d+)$/);
  return m ? ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) / 1000 : NaN;
}

function readErrors(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('_errors.log'))
      .flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n'))
      .filter((l) => l.trim() && !/^sipp: The following events occurred:$/.test(l.trim()));
  } catch {
    return [];
  }
}

/** Fails with an install hint when sipp is missing (sipp -v exits 99 after its version). */
export function requireSipp(): void {
  try {
    execFileSync('sipp', ['-v'], { stdio: 'ignore' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('sipp not found: apt-get install -y sip-tester');
  }
}

// Runs sipp (Debian sip-tester) as a real SIP peer: one scenario file from
// hil-tests/peers/sipp, keys substituted with -key, logs kept in a temporary folder so a
// test can read what the scenario logged (e.g. the port the box answered with).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SCENARIOS = resolve(import.meta.dirname, '../peers/sipp');

export interface SippOptions {
  /** File name under peers/sipp; '' for a built-in scenario given in `extra` (-sn uac). */
  scenario: string;
  target?: string; // host:port the UAC sends to
  localIp: string;
  localPort?: number;
  keys?: Record<string, string | number>;
  calls?: number;
  rate?: number;
  rateLimit?: number;
  /** -d: default pause in ms. */
  pauseMs?: number;
  timeoutSec?: number;
  extra?: string[];
  mediaPort?: number;
  rtpEcho?: boolean;
  /** Run sipp inside this network namespace (hil-tests/harness/netns.ts). */
  netns?: string;
}

export interface SippRun {
  /** Resolves with sipp's exit code: 0 all calls ok, 1 some failed, 255 timeout/fatal. */
  done: Promise<{ code: number | null; stdout: string; stderr: string; logs: string; errors: string }>;
  /** Lines the scenario wrote with <log>, polled from its log file. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  kill(): void;
}

export function runSipp(o: SippOptions): SippRun {
  const dir = mkdtempSync(join(tmpdir(), 'sipp-'));
  const args = [...(o.scenario ? ['-sf', join(SCENARIOS, o.scenario)] : []), '-i', o.localIp, '-nostdin', '-trace_err', '-trace_logs', '-m', String(o.calls ?? 1)];
  if (o.localPort) args.push('-p', String(o.localPort));
  if (o.mediaPort) args.push('-mp', String(o.mediaPort), '-mi', o.localIp);
  if (o.rtpEcho) args.push('-rtp_echo');
  if (o.rate) args.push('-r', String(o.rate));
  if (o.rateLimit) args.push('-l', String(o.rateLimit));
  if (o.pauseMs !== undefined) args.push('-d', String(o.pauseMs));
  args.push('-timeout', `${o.timeoutSec ?? 30}s`, '-timeout_error');
  for (const [k, v] of Object.entries(o.keys ?? {})) args.push('-key', k, String(v));
  args.push(...(o.extra ?? []));
  if (o.target) args.push(o.target);
  const child = o.netns
    ? spawn('ip', ['netns', 'exec', o.netns, 'sipp', ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const readAll = (suffix: string) =>
    readdirSync(dir)
      .filter((f) => f.endsWith(suffix))
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
  const done = new Promise<{ code: number | null; stdout: string; stderr: string; logs: string; errors: string }>((res) => {
    child.on('exit', (code) => {
      const result = { code, stdout, stderr, logs: readAll('_logs.log'), errors: readAll('_errors.log') };
      rmSync(dir, { recursive: true, force: true });
      res(result);
    });
  });
  return {
    done,
    kill: () => child.kill('SIGKILL'),
    waitForLog: async (pattern, timeoutMs = 15_000) => {
      const until = Date.now() + timeoutMs;
      while (Date.now() < until) {
        let text = '';
        try {
          text = readAll('_logs.log');
        } catch {
          /* folder gone: sipp ended */
        }
        const m = text.match(pattern);
        if (m) return m;
        if (child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`sipp never logged ${pattern}; stderr: ${stderr.slice(-500)}`);
    },
  };
}

// Linux /proc readings for benchmarks: CPU time of processes (utime+stime, all threads),
// their children, resident memory, and per-socket UDP receive drops from /proc/net/udp.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

export const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  ticks: number;
}

function readStat(pid: number | string): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm may contain spaces and parentheses: fields resume after the last ')'.
  const close = text.lastIndexOf(')');
  const rest = text.slice(close + 2).split(' ');
  // rest[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
  return { pid: Number(text.slice(0, text.indexOf(' '))), comm: text.slice(text.indexOf('(') + 1, close), ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
}

/** CPU seconds (user+system) a process has used so far; 0 if it is gone. */
export function cpuSeconds(pid: number): number {
  return (readStat(pid)?.ticks ?? 0) / CLOCK_TICKS;
}

/** The process's command name (15 characters at most), undefined if it is gone. */
export function processName(pid: number): string | undefined {
  return readStat(pid)?.comm;
}

/** Direct children of `pid` (scans /proc). */
export function childrenOf(pid: number): { pid: number; comm: string }[] {
  const out: { pid: number; comm: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st?.ppid === pid) out.push({ pid: st.pid, comm: st.comm });
  }
  return out;
}

/** Resident set size in MB (0 if gone). */
/** A process's resident memory split as the kernel counts it (MB): anonymous (heaps, arenas),
 *  file-backed (mapped files: the LMDB map, code) and shared memory. */
export function rssPartsMb(pid: number): { anon: number; file: number; shmem: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name: string) => Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? 0) / 1024;
    return { anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') };
  } catch {
    return { anon: 0, file: 0, shmem: 0 };
  }
}

export function rssMb(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU use of a set of processes over a window: start(), then stop() gives % of one core each. */
export class CpuWindow {
  private readonly start = new Map<number, number>();
  private t0 = 0;
  private machine0 = 0;

  constructor(private readonly pids: Record<string, number[]>) {}

  begin(): void {
    this.t0 = performance.now();
    this.machine0 = machineBusySeconds();
    for (const list of Object.values(this.pids)) for (const pid of list) this.start.set(pid, cpuSeconds(pid));
  }

  /** Percent of one core per named group (and `machine`: all processes), over the time since begin(). */
  end(): { seconds: number; pct: Record<string, number> } {
    const seconds = (performance.now() - this.t0) / 1000;
    const pct: Record<string, number> = {};
    for (const [name, list] of Object.entries(this.pids)) {
      const used = list.reduce((sum, pid) => sum + Math.max(0, cpuSeconds(pid) - (this.start.get(pid) ?? 0)), 0);
      pct[name] = (used / seconds) * 100;
    }
    pct.machine = ((machineBusySeconds() - this.machine0) / seconds) * 100;
    return { seconds, pct };
  }
}

export interface UdpSocket {
  ip: string;
  port: number;
  inode: number;
  rxQueue: number;
  drops: number;
}

function hexToIpv4(hex: string): string {
  // /proc/net/udp prints the address as a little-endian 32-bit hex number.
  return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.');
}

/** Every IPv4 UDP socket with its receive-queue bytes and drop counter. */
export function udpSockets(): UdpSocket[] {
  const lines = readFileSync('/proc/net/udp', 'utf8').trim().split('\n').slice(1);
  return lines.map((line) => {
    const f = line.trim().split(/\s+/);
    const [ipHex, portHex] = f[1].split(':');
    const [, rxHex] = f[4].split(':');
    return { ip: hexToIpv4(ipHex), port: parseInt(portHex, 16), inode: Number(f[9]), rxQueue: parseInt(rxHex, 16), drops: Number(f[f.length - 1]) };
  });
}

/** Receive drops of every UDP socket seen while it runs: polls /proc/net/udp so that sockets
 *  closed before the end (the box's media ports at hang-up) still count; sockets that existed
 *  at the start count only the drops since. Reading /proc/net/udp with ~4,000 sockets is not
 *  cheap: polled every 500 ms at 600 calls, the bench process took ~7 % of a core from the
 *  machine under test (perf: mostly the kernel printing the table and the parsing here), so a
 *  bench polls slowly while it measures and fast only while sockets close. */
export class UdpDropTracker {
  private readonly base = new Map<string, number>();
  private readonly seen = new Map<string, UdpSocket>();
  private timer?: NodeJS.Timeout;

  start(everyMs = 500): void {
    for (const s of udpSockets()) this.base.set(socketKey(s), s.drops);
    this.pollEvery(everyMs);
  }

  /** Polls now, then every `ms` from now on. */
  pollEvery(ms: number): void {
    clearInterval(this.timer);
    this.poll();
    this.timer = setInterval(() => this.poll(), ms);
    this.timer.unref();
  }

  /** Drops per socket since start(). */
  stop(): UdpSocket[] {
    clearInterval(this.timer);
    this.poll();
    return [...this.seen.entries()].map(([key, s]) => ({ ...s, drops: s.drops - (this.base.get(key) ?? 0) }));
  }

  private poll(): void {
    for (const s of udpSockets()) this.seen.set(socketKey(s), s);
  }
}

function socketKey(s: UdpSocket): string {
  return `${s.ip}:${s.port}:${s.inode}`;
}

/** Inodes of the sockets a process holds open (from its /proc/PID/fd links); empty if it is gone.
 *  Matches UdpSocket.inode, e.g. to tell a process's own UDP sockets from others on the address. */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = readlinkSync(`/proc/${pid}/fd/${fd}`).match(/^socket:\[(\d+)\]$/);
      if (m) out.add(Number(m[1]));
    } catch {
      /* closed meanwhile */
    }
  }
  return out;
}

/** CPU seconds used so far by each thread of a process (/proc/PID/task), by thread id; the
 *  main thread's id is the pid. Empty if the process is gone. */
export function threadCpu(pid: number): Map<number, { comm: string; seconds: number }> {
  const out = new Map<number, { comm: string; seconds: number }>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    const st = readStat(`${pid}/task/${tid}`);
    if (st) out.set(Number(tid), { comm: st.comm, seconds: st.ticks / CLOCK_TICKS });
  }
  return out;
}

/** Busy CPU seconds of the whole machine (all cores) so far, from /proc/stat. */
export function machineBusySeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/** Kernel softirq CPU seconds of the whole machine so far (/proc/stat): on loopback, packet
 *  delivery runs here and is charged to no process. */
export function softirqSeconds(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  return f[6] / CLOCK_TICKS;
}

/** CPU seconds used so far by every process on the machine, by pid, with its name. */
export function allProcessCpu(): Map<number, { comm: string; seconds: number }> {
  const out = new Map<number, { comm: string; seconds: number }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = readStat(Number(name));
    if (st) out.set(st.pid, { comm: st.comm, seconds: st.ticks / CLOCK_TICKS });
  }
  return out;
}

/** The kernel's machine-wide UDP counters (/proc/net/snmp), e.g. RcvbufErrors, SndbufErrors. */
export function udpCounters(): Record<string, number> {
  const lines = readFileSync('/proc/net/snmp', 'utf8').split('\n').filter((l) => l.startsWith('Udp:'));
  const names = lines[0].split(/\s+/).slice(1);
  const values = lines[1].split(/\s+/).slice(1).map(Number);
  return Object.fromEntries(names.map((n, i) => [n, values[i]]));
}

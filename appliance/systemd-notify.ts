// Telling systemd how the daemon is doing (sd_notify): READY=1 once it serves calls, a
// watchdog ping while its event loop runs, STOPPING=1 on shutdown. Only when systemd asked
// (NOTIFY_SOCKET; WATCHDOG_USEC for the watchdog), as on the appliance image; elsewhere
// nothing happens.
// Node has no unix datagram sockets, and spawning `systemd-notify` for every ping (a fork of
// the whole daemon, then a dynamically linked program) is what made the watchdog kill the
// daemon under software emulation. So one long-lived helper does the sending: perl (perl-base
// is part of every Debian system, the image included) with its core Socket module, fed one
// message per line (hex, so a message may hold newlines) over its stdin pipe. A ping costs
// the event loop one pipe write; the ping still comes from the event loop, so a stalled loop
// still misses it (the watchdog stays meaningful). The helper sends from its own pid: the unit
// needs NotifyAccess=all. If perl is missing or the helper dies, each message falls back to
// `systemd-notify --pid=<daemon>`.
import { execFile, spawn, type ChildProcess } from 'node:child_process';

export interface NotifyEnv {
  NOTIFY_SOCKET?: string;
  WATCHDOG_USEC?: string;
  WATCHDOG_PID?: string;
  PATH?: string;
}

/** The longest time between watchdog pings (pings are cheap: a stall, not the ping rate, trips the watchdog). */
const MAX_PING_EVERY_MS = 10_000;

/** The watchdog ping interval for this process (a third of systemd's timeout, at most 10 s), or undefined. Pure. */
export function watchdogIntervalMs(env: NotifyEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.NOTIFY_SOCKET || !Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1000, Math.min(MAX_PING_EVERY_MS, Math.floor(usec / 1000 / 3)));
}

/** A message as the helper reads it: one line of hex. Pure. */
export function helperLine(state: string): string {
  return `${Buffer.from(state, 'utf8').toString('hex')}\n`;
}

/** The helper: reads hex lines, sends each as one datagram to $NOTIFY_SOCKET ("@name": abstract). */
export const HELPER_PERL = [
  'use strict; use Socket;',
  'my $path = $ENV{NOTIFY_SOCKET}; $path =~ s/^@/\\0/;',
  'socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!\\n";',
  'my $to = pack_sockaddr_un($path);',
  'while (my $line = <STDIN>) { chomp $line; send($s, pack("H*", $line), 0, $to) or print STDERR "send to $ENV{NOTIFY_SOCKET}: $!\\n"; }',
].join('\n');

export class SystemdNotifier {
  private timer: NodeJS.Timeout | undefined;
  private helper: ChildProcess | undefined;
  private helperFailed = false;
  private closing = false;
  /** Messages written before the helper is known to run: sent the fallback way if it does not. */
  private unconfirmed: string[] | undefined;
  private lastPing = 0;
  /** The longest gap between two watchdog pings so far (ms): how long the event loop stalled. */
  maxPingGapMs = 0;

  constructor(
    private readonly env: NotifyEnv = process.env,
    private readonly onError: (err: Error) => void = () => undefined,
    /** A ping came later than twice its interval (the event loop stalled): the gap and systemd's limit, in ms. */
    private readonly onLate: (gapMs: number, limitMs: number) => void = () => undefined,
  ) {}

  get active(): boolean {
    return !!this.env.NOTIFY_SOCKET;
  }

  send(state: string): void {
    if (!this.active) return;
    const helper = this.sender();
    if (helper?.stdin?.writable) {
      this.unconfirmed?.push(state);
      helper.stdin.write(helperLine(state));
      return;
    }
    this.fallback(state);
  }

  private fallback(state: string): void {
    execFile('systemd-notify', [`--pid=${process.pid}`, state], { env: { ...process.env, ...this.helperEnv() } }, (err) => err && this.onError(err));
  }

  private helperEnv(): NodeJS.ProcessEnv {
    return { NOTIFY_SOCKET: this.env.NOTIFY_SOCKET, PATH: this.env.PATH ?? process.env.PATH };
  }

  /** READY=1, and the watchdog pings from now on (when systemd set a watchdog). */
  ready(): void {
    this.send('READY=1');
    const every = watchdogIntervalMs(this.env, process.pid);
    if (every) {
      this.lastPing = Date.now();
      this.timer = setInterval(() => this.ping(every), every);
      this.timer.unref();
    }
  }

  stopping(): void {
    if (this.timer) clearInterval(this.timer);
    this.send('STOPPING=1');
    this.closing = true;
    this.helper?.stdin?.end();
  }

  private ping(every: number): void {
    const now = Date.now();
    const gap = now - this.lastPing;
    this.lastPing = now;
    if (gap > this.maxPingGapMs) this.maxPingGapMs = gap;
    if (gap > 2 * every) this.onLate(gap, Number(this.env.WATCHDOG_USEC) / 1000);
    this.send('WATCHDOG=1');
  }

  /** The helper, started at the first message; undefined once it could not run. */
  private sender(): ChildProcess | undefined {
    if (this.helperFailed) return undefined;
    if (this.helper) return this.helper;
    const child = spawn('perl', ['-e', HELPER_PERL], {
      env: this.helperEnv(),
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    this.unconfirmed = [];
    const fail = (why: string) => {
      if (this.helperFailed || this.closing) return;
      this.helperFailed = true;
      this.helper = undefined;
      this.onError(new Error(`the notify helper ${why}; falling back to systemd-notify per message`));
      for (const state of this.unconfirmed ?? []) this.fallback(state);
      this.unconfirmed = undefined;
    };
    child.on('spawn', () => (this.unconfirmed = undefined));
    child.on('error', (err) => fail(`did not start (${err.message})`));
    child.on('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    child.stdin!.on('error', () => undefined);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.onError(new Error(`notify helper: ${d.trim()}`)));
    // Neither the helper nor its pipes keep the process alive; its stdin closing ends the helper.
    child.unref();
    for (const s of [child.stdin, child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
    this.helper = child;
    return child;
  }
}

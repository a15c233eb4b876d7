// Telling systemd how the daemon is doing (sd_notify): READY=1 once it serves calls, a
// watchdog ping while its event loop runs, STOPPING=1 on shutdown. Only when systemd asked
// (NOTIFY_SOCKET; WATCHDOG_USEC for the watchdog), as on the appliance image; elsewhere
// nothing happens. Node has no unix datagram sockets, so each message goes through
// systemd-notify with --pid set to the daemon's own pid (root may), so systemd attributes
// it to the main process even after systemd-notify has exited.
import { execFile } from 'node:child_process';

export interface NotifyEnv {
  NOTIFY_SOCKET?: string;
  WATCHDOG_USEC?: string;
  WATCHDOG_PID?: string;
}

/** The watchdog ping interval for this process (a third of systemd's timeout), or undefined. Pure. */
export function watchdogIntervalMs(env: NotifyEnv, pid: number): number | undefined {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.NOTIFY_SOCKET || !Number.isFinite(usec) || usec <= 0) return undefined;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return undefined;
  return Math.max(1000, Math.floor(usec / 1000 / 3));
}

export class SystemdNotifier {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly env: NotifyEnv = process.env, private readonly onError: (err: Error) => void = () => undefined) {}

  get active(): boolean {
    return !!this.env.NOTIFY_SOCKET;
  }

  send(state: string): void {
    if (!this.active) return;
    execFile('systemd-notify', [`--pid=${process.pid}`, state], (err) => err && this.onError(err));
  }

  /** READY=1, and the watchdog pings from now on (when systemd set a watchdog). */
  ready(): void {
    this.send('READY=1');
    const every = watchdogIntervalMs(this.env, process.pid);
    if (every) {
      this.timer = setInterval(() => this.send('WATCHDOG=1'), every);
      this.timer.unref();
    }
  }

  stopping(): void {
    if (this.timer) clearInterval(this.timer);
    this.send('STOPPING=1');
  }
}

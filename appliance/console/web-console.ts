// The technician console from the web UI: each WebSocket session gets its own
// pseudo-terminal (node-pty) running the console program (console.ts) against this box's data
// directory and API, as the signed-in technician. Every session is audit-logged when it
// starts and when it ends (who, from where, how long). Closing ends every open session.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import * as pty from 'node-pty';
import type { Logger } from 'pino';
import type { Box } from '../../system/box.ts';
import type { ConsoleSession } from '../../system/api/monitoring-routes.ts';
import { recordAudit } from '../../system/audit/audit-log.ts';

const PROGRAM = fileURLToPath(new URL('./console.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Console sessions open at once (each is a process on the box). */
const MAX_SESSIONS = 4;

/** The box's own API address for a console on the box (HTTPS when TLS is on). */
export function localApiUrl(box: Box): string {
  return box.api.tlsPort ? `https://127.0.0.1:${box.api.tlsPort}` : `http://127.0.0.1:${box.api.port}`;
}

export class WebConsole {
  private readonly open_ = new Set<pty.IPty>();
  private pending: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: { box: Box; log: Logger }) {}

  get sessions(): number {
    return this.open_.size;
  }

  async open(o: { username: string; source: string; cols: number; rows: number }): Promise<ConsoleSession> {
    const { box, log } = this.deps;
    if (this.open_.size >= MAX_SESSIONS) throw new Error(`${MAX_SESSIONS} console sessions are open already; close one first`);
    const id = randomUUID();
    const startedAt = Date.now();
    const term = pty.spawn(process.execPath, ['--import', 'tsx', PROGRAM], {
      name: 'xterm-256color',
      cols: o.cols,
      rows: o.rows,
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        HOME: process.env.HOME ?? '/root',
        LANG: process.env.LANG ?? 'C.UTF-8',
        TERM: 'xterm-256color',
        CC_DATA_DIR: box.store.dataDir,
        CC_API_URL: localApiUrl(box),
        CC_CONSOLE_USER: o.username,
        CC_CONSOLE_SOURCE: `web ${o.source}`,
      },
    });
    this.open_.add(term);
    await recordAudit(box.store, { actor: o.username, action: 'console-session', outcome: 'ok', source: o.source, target: id, detail: { phase: 'start', pid: term.pid } });
    log.info({ session: id, user: o.username, source: o.source }, 'technician console session started');
    let ended = false;
    const exitListeners: ((code: number) => void)[] = [];
    term.onExit(({ exitCode }) => {
      this.open_.delete(term);
      if (!ended) {
        ended = true;
        this.pending = recordAudit(box.store, { actor: o.username, action: 'console-session', outcome: 'ok', source: o.source, target: id, detail: { phase: 'end', exitCode, durationMs: Date.now() - startedAt } })
          .catch((err) => log.error({ err }, 'console session end not audit-logged'));
        log.info({ session: id, user: o.username, exitCode }, 'technician console session ended');
      }
      for (const fn of exitListeners) fn(exitCode);
    });
    return {
      write: (data) => term.write(data),
      resize: (cols, rows) => term.resize(cols, rows),
      onData: (fn) => void term.onData(fn),
      onExit: (fn) => void exitListeners.push(fn),
      close: () => {
        try {
          term.kill('SIGHUP');
        } catch {
          /* already gone */
        }
      },
    };
  }

  /** End every session and wait (up to 2 s) for their end rows to be written. */
  async closeAll(): Promise<void> {
    for (const t of this.open_) {
      try {
        t.kill('SIGHUP');
      } catch {
        /* already gone */
      }
    }
    for (let waited = 0; this.open_.size && waited < 2000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await this.pending;
  }
}

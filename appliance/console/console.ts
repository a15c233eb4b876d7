// The technician console (local terminal, serial line, or the web UI's terminal through
// node-pty): a numbered menu over the box — status summary, network settings, reset the
// admin password, diagnostics (SIP OPTIONS to a trunk, disk write test), the system log,
// factory reset and a shell. Talks to the running box only through its loopback API and
// LMDB, so it works while the daemon runs (and, for factory reset, when it does not).
// Run: `npm run console` (or `node --import tsx appliance/console/console.ts [status|network]`).
// Environment: CC_DATA_DIR (default ./data), CC_API_URL (default http://127.0.0.1:8080),
// CC_CONSOLE_USER / CC_CONSOLE_SOURCE (set by the web console: who and from where).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface, type Interface } from 'node:readline/promises';
import { gatherStatus, networkSettings, readStored, type BoxStatusFacts } from './box-facts.ts';
import { diskWriteTest, sipOptions } from './diagnostics.ts';
import { ConsoleError, FACTORY_RESET_WORD, factoryReset, resetAdminPassword } from './maintenance.ts';
import { LEVELS, queryLogs, type LevelName } from '../logs/log-query.ts';
import { LOG_FILE } from '../logs/rotating-file.ts';

const dataDir = resolve(process.env.CC_DATA_DIR ?? './data');
const apiUrl = process.env.CC_API_URL ?? 'http://127.0.0.1:8080';
const actor = process.env.CC_CONSOLE_USER ?? `console:${os.userInfo().username}`;
const source = process.env.CC_CONSOLE_SOURCE ?? `console ${process.env.SSH_TTY ?? (process.stdin.isTTY ? 'tty' : 'pipe')}`;

const gb = (n: number) => `${(n / 1024 ** 3).toFixed(1)} GB`;
const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');

export function renderStatus(s: BoxStatusFacts): string {
  const addr = s.addresses.map((a) => `${a.address} (${a.iface})`).join(', ') || 'none (no network link)';
  const lines = [
    `Status at ${when(s.at)}`,
    `  Network address : ${addr}${s.publicAddress ? `   SIP public address ${s.publicAddress}` : ''}`,
    `  HTTP            : ${s.http.up ? 'up' : 'DOWN'} (${s.http.url})${s.http.error ? ` — ${s.http.error}` : ''}`,
    `  SIP             : ${s.sip.up ? 'up' : 'DOWN'}${s.sip.port ? ` (UDP ${s.sip.port}${s.sip.ms !== undefined ? `, OPTIONS answered in ${s.sip.ms} ms` : ''})` : ''}${s.sip.error ? ` — ${s.sip.error}` : ''}`,
    `  Calls now       : ${s.calls ?? 'unknown'}`,
    `  Disk            : ${s.disk ? `${s.disk.usedPct}% used, ${gb(s.disk.freeBytes)} free of ${gb(s.disk.totalBytes)} (${s.disk.path})` : 'unknown'}`,
    `  Last backup     : ${s.lastBackup ? `${when(s.lastBackup.at)} ${s.lastBackup.ok ? 'ok' : `FAILED ${s.lastBackup.code ?? ''}`} ${s.lastBackup.id ?? ''} on ${s.lastBackup.target ?? '?'}` : 'none yet'}`,
  ];
  return lines.join('\n');
}

function renderNetwork(): string {
  const n = networkSettings();
  return [
    'Network settings (read-only here; change them in the operating system and the box configuration)',
    ...n.interfaces.map((i) => `  ${i.iface.padEnd(10)} ${i.family.padEnd(5)} ${i.address}/${i.netmask}  ${i.mac}`),
    `  Default gateway : ${n.gateway ?? 'none'}`,
    `  DNS servers     : ${n.dns.join(', ') || 'none'}`,
  ].join('\n');
}

function logFiles(): string[] {
  const dir = join(dataDir, 'logs');
  if (!existsSync(dir)) return [];
  const rotated = readdirSync(dir).filter((f) => f.startsWith(`${LOG_FILE}.`)).map((f) => Number(f.slice(LOG_FILE.length + 1))).filter(Number.isInteger).sort((a, b) => a - b);
  return [join(dir, LOG_FILE), ...rotated.map((i) => join(dir, `${LOG_FILE}.${i}`))];
}

const MENU = `
Call-center box — technician console (${actor})
  1  Status
  2  Network settings
  3  Reset admin password
  4  Diagnostics: SIP OPTIONS to a trunk
  5  Diagnostics: disk write test
  6  View system log
  7  Factory reset
  8  Shell
  0  Exit`;

async function menu(rl: Interface): Promise<void> {
  const out = (s: string) => process.stdout.write(`${s}\n`);
  out(renderStatus(await gatherStatus({ dataDir, apiUrl })));
  for (;;) {
    out(MENU);
    let choice: string;
    try {
      choice = (await rl.question('Choose: ')).trim();
    } catch {
      return; // input closed
    }
    try {
      switch (choice) {
        case '1':
          out(renderStatus(await gatherStatus({ dataDir, apiUrl })));
          break;
        case '2':
          out(renderNetwork());
          break;
        case '3': {
          const yes = (await rl.question('Reset the admin password? The old one stops working. [y/N] ')).trim().toLowerCase();
          if (yes !== 'y') {
            out('Nothing changed.');
            break;
          }
          const pw = await resetAdminPassword(dataDir, { actor, source });
          out(`New admin password: ${pw}\n(shown once; the admin must change it at the next sign-in; this reset is in the audit log)`);
          break;
        }
        case '4': {
          const { config } = await readStored(dataDir);
          const trunks = config?.trunks ?? [];
          trunks.forEach((t, i) => out(`  ${i + 1}  ${t.name} (${t.host}:${t.port ?? 5060})`));
          const pick = (await rl.question(trunks.length ? 'Trunk number, or host[:port]: ' : 'Host[:port]: ')).trim();
          const t = trunks[Number(pick) - 1];
          const [host, port] = t ? [t.host, t.port ?? 5060] : [pick.split(':')[0] ?? '', Number(pick.split(':')[1] ?? 5060)];
          if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
            out('Not a trunk or host.');
            break;
          }
          const r = await sipOptions({ host, port, timeoutMs: 3000 });
          out(r.status !== undefined ? `OPTIONS ${r.target}: ${r.status} ${r.reason} in ${r.ms} ms` : `OPTIONS ${r.target}: no answer — ${r.error}`);
          break;
        }
        case '5': {
          out(`Writing 16 MB under ${dataDir} …`);
          const r = diskWriteTest(existsSync(dataDir) ? dataDir : os.tmpdir());
          out(r.ok ? `Disk test ok: write ${r.writeMBps} MB/s (with fsync), read ${r.readMBps} MB/s` : `Disk test FAILED: ${r.error}`);
          break;
        }
        case '6': {
          const level = ((await rl.question('Lowest level [trace/debug/info/warn/error/fatal, default warn]: ')).trim() || 'warn') as LevelName;
          if (!(level in LEVELS)) {
            out('Unknown level.');
            break;
          }
          const text = (await rl.question('Text to find (empty: all): ')).trim();
          const { entries } = queryLogs(logFiles(), { level, text: text || undefined, limit: 20 });
          if (!entries.length) out('No matching log entries.');
          for (const e of entries.reverse()) out(`${when(e.time)} ${e.level.toUpperCase().padEnd(5)} ${(e.module ?? '-').padEnd(12)} ${e.code ? `${e.code} ` : ''}${e.msg}`);
          break;
        }
        case '7': {
          out('Factory reset empties the data directory: configuration, users, call records, recordings, logs.');
          const word = (await rl.question(`Type ${FACTORY_RESET_WORD} to confirm: `)).trim();
          const removed = factoryReset(dataDir, word);
          out(`Factory reset done: removed ${removed.join(', ') || 'nothing'}. The next start is a first start (new admin password).`);
          break;
        }
        case '8': {
          rl.pause();
          out('Shell (exit to come back to the console).');
          spawnSync(process.env.SHELL || '/bin/bash', ['-l'], { stdio: 'inherit', cwd: existsSync(dataDir) ? dataDir : '/' });
          rl.resume();
          break;
        }
        case '0':
        case 'q':
          return;
        case '':
          break;
        default:
          out('Choose a number from the menu.');
      }
    } catch (err) {
      out(err instanceof ConsoleError ? `${err.code}: ${err.message}` : `Failed: ${(err as Error).message}`);
    }
  }
}

async function main(): Promise<void> {
  const cmd = process.argv[2];
  if (cmd === 'status') {
    console.log(renderStatus(await gatherStatus({ dataDir, apiUrl })));
    return;
  }
  if (cmd === 'network') {
    console.log(renderNetwork());
    return;
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  try {
    await menu(rl);
  } finally {
    rl.close();
  }
}

if (resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  main().then(() => process.exit(0), (err) => {
    console.error(`console failed: ${(err as Error).message}`);
    process.exit(1);
  });
}

// What the kill -9 ("power cut") tests share: cutting the daemon with SIGKILL and waiting for
// it to be gone, starting it again on the same data directory and SIP ports (so the peers'
// dialogs still point at it), and reading the dialog journal the restart works from.
import { join } from 'node:path';
import { open } from 'lmdb';
import { startBoxProcess, type BoxProcess } from './box-process.ts';

/** kill -9 the daemon and wait until the process has exited. */
export async function cutPower(box: BoxProcess): Promise<void> {
  if (box.child.exitCode !== null || box.child.signalCode !== null) return;
  const exited = new Promise((r) => box.child.once('exit', r));
  box.child.kill('SIGKILL');
  await exited;
}

/** The same config started again on the cut box's data directory and SIP UDP/TCP port (kept for the next cut). */
export function restartOnSameData(config: Record<string, any>, cut: Pick<BoxProcess, 'dataDir' | 'sipPort'>): Promise<BoxProcess> {
  return startBoxProcess({ ...config, sip: { ...config.sip, udpPort: cut.sipPort, tcpPort: cut.sipPort } }, { dataDir: cut.dataDir, keepData: true });
}

/** Rows of the box's dialog journal (read-only; LMDB allows readers while the box runs). */
export async function dialogJournal(box: Pick<BoxProcess, 'dataDir'>): Promise<any[]> {
  const env = open({ path: join(box.dataDir, 'data', 'box.lmdb'), readOnly: true, maxDbs: 64 });
  try {
    return [...env.openDB({ name: 'dialog-journal' }).getRange()].map((r) => r.value);
  } finally {
    await env.close();
  }
}

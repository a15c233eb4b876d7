// The scheduling priority of the mediasoup workers. A worker forwards every RTP packet of its
// calls, so when the box is busy (recording 600 calls, a backup, a report, the web app) the
// worker must get the CPU first, or the packets it forwards queue behind everything else and
// leave late (jitter). The box runs them at a lower nice value than the rest of the daemon,
// as telephony servers run their media threads at a raised priority. Linux: nice is per
// thread, so every thread of the worker process is set. Needs root or CAP_SYS_NICE; without
// it the workers keep the daemon's priority and the caller is told why.
import { readdirSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

export type WorkerPriorityResult = { ok: true; threads: number } | { ok: false; error: string };

/** Sets every thread of process `pid` to `niceness` (-20 … 19). Never throws. */
export function setProcessNiceness(pid: number, niceness: number): WorkerPriorityResult {
  let threads: number[];
  try {
    threads = readdirSync(`/proc/${pid}/task`).map(Number).filter((t) => Number.isInteger(t) && t > 0);
  } catch {
    threads = [pid]; // no /proc (not Linux): the process as the OS defines it
  }
  try {
    for (const tid of threads) setPriority(tid, niceness);
    return { ok: true, threads: threads.length };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/**
 * Sets the calling thread's nice value (Linux: /proc/thread-self names its tid, and nice is per
 * thread), e.g. a worker thread doing background work (speech analytics) at 10 so that it
 * never takes the CPU from forwarding or the recording thread. Raising the value needs no
 * privilege; lowering it does. Never throws: false when it could not be set.
 */
export function setThisThreadNiceness(niceness: number): boolean {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), niceness);
    return true;
  } catch {
    return false; // not Linux, or not allowed: the thread keeps the process's priority
  }
}

// Entry point of the report worker thread (started by ReportRunner): opens the box's LMDB
// environment read-side in this thread (LMDB allows readers in many threads), reads the queue
// log of a window and runs the report arithmetic, so a month of rows never blocks the main
// thread (SIP signalling, the API). One request at a time, answered by id.
import { parentPort, workerData } from 'node:worker_threads';
import { Store } from '../store/store.ts';
import { computeReport } from './figures.ts';
import { reportRows } from './queue-log-reader.ts';
import type { ReportRequest, ReportReply } from './report-runner.ts';

const store = new Store((workerData as { dataDir: string }).dataDir);

parentPort!.on('message', (m: ReportRequest | { close: true }) => {
  if ('close' in m) {
    void store.close().then(() => process.exit(0));
    return;
  }
  let reply: ReportReply;
  try {
    const { rows, initialStates } = reportRows(store, m.input.from, m.input.to, m.input.now);
    reply = { id: m.id, report: computeReport({ ...m.input, rows, initialStates }), rows: rows.length };
  } catch (err) {
    reply = { id: m.id, error: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ ready: true });

// Calls cut by a crash or a power cut, ended at the next start (before the box says "ready"):
// every call left in the dialog journal (dialog-journal.ts) gets a BYE on each of its legs
// (the next CSeq of the journaled dialog, sent where the dialog lived), its CDR with hang-up
// cause 'box-restart', and its recording finished (header sizes repaired to the audio on
// disk) and indexed with stoppedBy 'box-restart'; each in one transaction with the journal
// row's removal. Agents are the ACD's to reconcile (agent-book.ts); queued callers too.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/store.ts';
import type { SipEndpoint } from '../sip/endpoint.ts';
import { Dialog } from '../sip/dialog.ts';
import { repairWav } from '../../media/wav-repair.ts';
import { sha256File } from '../../media/recording-session.ts';
import { ENCRYPTED_RECORDING_EXTENSION } from '../../media/recording-crypto.ts';
import { dispositionFor, type HangupCause } from './hangup.ts';
import type { CallErrorCode } from './errors.ts';
import { writeCdr, type Cdr, type RecordingRow } from './cdr.ts';
import { journaledCalls, malformedKeys, type JournalEntry, type JournaledDialog } from './dialog-journal.ts';

/** The hang-up cause of every call a restart ends. */
export const RESTART_CAUSE: HangupCause = { status: 503, reason: 'box restarted', side: 'system', cause: 'box-restart' };
/** stoppedBy of a recording cut by the crash and finished at the restart. */
export const RECORDING_CUT = 'box-restart';

export interface RestartCleanupDeps {
  store: Store;
  endpoint: SipEndpoint;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

export interface RestartCleanupReport {
  calls: number;
  byes: number;
  recordings: number;
  /** Recordings listed but not finished (file gone or unreadable). */
  recordingsLost: number;
}

/** End every journaled call; resolves once their CDRs are written (the BYEs' answers are only logged). */
export async function endCallsCutByRestart(deps: RestartCleanupDeps): Promise<RestartCleanupReport> {
  const { store, log } = deps;
  const report: RestartCleanupReport = { calls: 0, byes: 0, recordings: 0, recordingsLost: 0 };
  const bad = malformedKeys(store);
  if (bad.length) {
    await store.transaction(() => bad.forEach((k) => store.tables.dialogJournal.remove(k)));
    log.warn({ rows: bad.length }, 'malformed dialog journal rows removed');
  }
  const entries = journaledCalls(store);
  if (!entries.length) return report;
  const t0 = performance.now();
  for (const entry of entries) {
    try {
      if (store.tables.cdr.get(entry.callId) !== undefined) {
        // Its CDR was written (the row should have gone with it): nothing to end.
        await store.transaction(() => store.tables.dialogJournal.remove(entry.callId));
        continue;
      }
      for (const leg of entry.legs) {
        sendBye(deps, entry.callId, leg);
        report.byes++;
      }
      const recPath = entry.recording && (entry.recording.path ?? (await findRecording(entry.recording.dir, entry.callId, [entry.recording.startedAt, entry.at])));
      const endedAt = Math.max(entry.at, await mtime(recPath));
      const recording = entry.recording && recPath ? await finishRecording(deps, entry, recPath, endedAt) : undefined;
      if (recording) report.recordings++;
      else if (entry.recording) report.recordingsLost++;
      await writeCdr(store, cdrOf(entry, endedAt), recording);
      report.calls++;
    } catch (err) {
      log.error({ err, callId: entry.callId }, 'could not end a call cut by the restart');
    }
  }
  await store.transaction(() => store.appendEvent('calls-cut-by-restart', { ...report }));
  log.warn({ ...report, ms: Math.round(performance.now() - t0), code: 'CC_CALL_CUT_BY_RESTART' satisfies CallErrorCode }, 'calls cut by a crash or power loss ended at start-up (BYE sent, CDRs written, recordings finished)');
  return report;
}

/** The CDR of a cut call: what the journal knew, ended when the call was last known alive. */
export function cdrOf(entry: JournalEntry, endedAt: number): Cdr {
  return {
    callId: entry.callId,
    sipCallId: entry.sipCallId,
    caller: entry.caller,
    callee: entry.callee,
    dialled: entry.dialled,
    startedAt: entry.startedAt,
    ringingAt: entry.ringingAt,
    answeredAt: entry.answeredAt,
    endedAt,
    durationMs: endedAt - entry.startedAt,
    billableMs: entry.answeredAt !== undefined ? Math.max(0, endedAt - entry.answeredAt) : 0,
    disposition: dispositionFor(entry.answeredAt !== undefined, RESTART_CAUSE),
    hangup: RESTART_CAUSE,
    codec: entry.codec,
    quality: {},
    dtmf: { caller: '', callee: '' },
    ...(entry.connectedAt ? { connectedAt: entry.connectedAt } : {}),
    ...(entry.queue ? { queue: entry.queue } : {}),
    ...(entry.agents?.length ? { agents: entry.agents } : {}),
  };
}

function sendBye(deps: RestartCleanupDeps, boxCallId: string, leg: JournaledDialog): void {
  const { endpoint, log } = deps;
  const dialog = new Dialog({ ...leg });
  const rq = dialog.createRequest('BYE', endpoint.via(leg.remote.protocol), { headers: { reason: 'SIP;cause=503;text="box restarted"' } });
  endpoint.sendRequest(rq, leg.remote, (rs) => {
    if (rs.status < 200) return;
    log.info({ callId: boxCallId, sipCallId: leg.callId, side: leg.side, status: rs.status }, 'BYE after restart answered');
  });
}

async function mtime(path: string | undefined): Promise<number> {
  if (!path) return 0;
  return stat(path).then((s) => s.mtimeMs, () => 0);
}

/** The recording file of a call: `<dir>/YYYY/MM/DD/<callId>.wav[.ccrec]` for the UTC day it
 *  started (call-recording.ts), looked for on the days of `times` (and a minute before them). */
export async function findRecording(dir: string | undefined, callId: string, times: number[]): Promise<string | undefined> {
  if (!dir) return undefined;
  const days = new Set(times.flatMap((t) => [t, t - 60_000]).map((t) => new Date(t).toISOString().slice(0, 10).replace(/-/g, '/')));
  for (const day of days) {
    for (const name of [`${callId}.wav`, `${callId}.wav${ENCRYPTED_RECORDING_EXTENSION}`]) {
      const path = join(dir, day, name);
      if (await stat(path).then((s) => s.isFile(), () => false)) return path;
    }
  }
  return undefined;
}

/** Repair the file's header to the audio on disk and build its index row; undefined when it cannot be read. */
async function finishRecording(deps: RestartCleanupDeps, entry: JournalEntry, path: string, endedAt: number): Promise<RecordingRow | undefined> {
  const rec = { ...entry.recording!, path };
  let durationMs = Math.max(0, endedAt - rec.startedAt);
  try {
    if (!rec.path.endsWith(ENCRYPTED_RECORDING_EXTENSION)) {
      // Encrypted files are sealed in blocks as written (recording-crypto.ts); a plain WAV needs its sizes fixed.
      const fixed = await repairWav(rec.path, { channels: 2, encoding: entry.codec === 'PCMA' ? 'alaw' : 'ulaw' });
      durationMs = Math.round(fixed.durationMs);
    }
    const bytes = (await stat(rec.path)).size;
    const sha256 = await sha256File(rec.path);
    return {
      callId: entry.callId,
      path: rec.path,
      startedAt: rec.startedAt,
      endedAt,
      durationMs,
      caller: entry.caller.number,
      callee: entry.callee?.number ?? '',
      parties: [...rec.parties, ...[entry.caller.number, entry.callee?.number ?? ''].filter((p) => p && !rec.parties.includes(p))],
      bytes,
      sha256,
      stoppedBy: RECORDING_CUT,
      gapMs: { caller: 0, callee: 0 },
      ...(entry.queue ? { queue: entry.queue } : {}),
      ...(entry.agents?.length ? { agents: entry.agents } : {}),
    };
  } catch (err) {
    deps.log.warn({ err, callId: entry.callId, path: rec.path }, 'the recording of a call cut by the restart could not be finished');
    return undefined;
  }
}

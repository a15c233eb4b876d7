// Calls cut by a crash or a power cut, ended at the next start (before the box says "ready"):
// every call left in the dialog journal (dialog-journal.ts) gets a BYE on each of its legs
// (the next CSeq of the journaled dialog, sent where the dialog lived), its CDR with hang-up
// cause 'box-restart', and its recording finished (header sizes repaired to the audio on
// disk) and indexed with stoppedBy 'box-restart'; each in one transaction with the journal
// row's removal. Agents are the ACD's to reconcile (agent-book.ts); queued callers too.
// A leg over TCP or TLS lost its connection with the process: its BYE goes over a new
// connection to where the peer listens (the route set's first hop, else its Contact), else to
// the journaled flow (a trunk the box had connected to); a phone reached by neither gets it
// over its own new connection when it registers again (polled, until its old binding would
// have expired, at most `reRegisterWaitMs`).
// Workspace consultations left in LMDB are cleared, each with an event (consult-book.ts).
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Store } from '../store/store.ts';
import type { SipEndpoint } from '../sip/endpoint.ts';
import { Dialog } from '../sip/dialog.ts';
import { parseUri } from '../sip/codec.ts';
import { remoteKey, type Remote } from '../sip/message.ts';
import type { Binding } from '../sip/registrar.ts';
import { repairWav } from '../../media/wav-repair.ts';
import { sha256File } from '../../media/recording-session.ts';
import { ENCRYPTED_RECORDING_EXTENSION } from '../../media/recording-crypto.ts';
import { dispositionFor, type HangupCause } from './hangup.ts';
import type { CallErrorCode } from './errors.ts';
import { writeCdr, type Cdr, type RecordingRow } from './cdr.ts';
import { journaledCalls, malformedKeys, type JournalEntry, type JournaledDialog } from './dialog-journal.ts';
import { clearConsultsAfterRestart } from './consult-book.ts';

/** The hang-up cause of every call a restart ends. */
export const RESTART_CAUSE: HangupCause = { status: 503, reason: 'box restarted', side: 'system', cause: 'box-restart' };
/** stoppedBy of a recording cut by the crash and finished at the restart. */
export const RECORDING_CUT = 'box-restart';

export interface RestartCleanupDeps {
  store: Store;
  endpoint: SipEndpoint;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
  /** The configured trunks: a TCP/TLS trunk's leg may get its BYE at the trunk's address (its Contact may name a dead connection). */
  trunks?: readonly { name: string; host: string; port?: number; transport?: 'udp' | 'tcp' | 'tls' }[];
  /** Longest wait for a phone (TCP/TLS, unreachable) to register again and get its BYE; default 1 h. */
  reRegisterWaitMs?: number;
  /** How often the registrations are looked at while a BYE waits; default 1 s. */
  reRegisterPollMs?: number;
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
  // Consultations (consult-book.ts) never outlive their calls: none survived the restart.
  const consults = await clearConsultsAfterRestart(store);
  if (consults) log.info({ consultations: consults }, 'consultations cut by the restart cleared');
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
        sendBye(deps, entry.callId, leg, leg.side === 'caller' ? entry.caller : entry.callee);
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

function sendBye(deps: RestartCleanupDeps, boxCallId: string, leg: JournaledDialog, party: JournalEntry['callee']): void {
  if (leg.remote.protocol === 'UDP') byeTo(deps, boxCallId, leg, leg.remote);
  else void byeOverNewConnection(deps, boxCallId, leg, Date.now(), trunkAddress(deps, party));
}

/** Where a TCP/TLS trunk of the config listens, for a leg whose party is that trunk. */
function trunkAddress(deps: RestartCleanupDeps, party: JournalEntry['callee']): Remote | undefined {
  const t = party?.kind === 'trunk' ? deps.trunks?.find((x) => x.name === party.id) : undefined;
  if (!t || (t.transport !== 'tcp' && t.transport !== 'tls')) return undefined;
  const protocol = t.transport === 'tls' ? 'TLS' : 'TCP';
  return { protocol, address: t.host, port: t.port ?? (protocol === 'TLS' ? 5061 : 5060) };
}

/** The BYE of a leg (next CSeq of the journaled dialog) sent to `remote`. */
function byeTo(deps: RestartCleanupDeps, boxCallId: string, leg: JournaledDialog, remote: Remote): void {
  const { endpoint, log } = deps;
  const dialog = new Dialog({ ...leg });
  const rq = dialog.createRequest('BYE', endpoint.via(remote.protocol), { seq: leg.localSeq + 1, headers: { reason: 'SIP;cause=503;text="box restarted"' } });
  endpoint.sendRequest(rq, remote, (rs) => {
    if (rs.status < 200) return;
    log.info({ callId: boxCallId, sipCallId: leg.callId, side: leg.side, status: rs.status, remote }, 'BYE after restart answered');
  });
}

/**
 * Where a BYE may reach a TCP/TLS leg whose connection is gone, in the order tried: the first
 * route or the dialog's Contact, the Contact the phone registered (a phone answering on its
 * registration's connection puts that connection's port in its dialog Contact), the address
 * of the trunk the leg is with (a carrier calling in names its connection too), the journaled
 * flow (a trunk the box had connected to). Pure.
 */
export function connectionTargets(leg: JournaledDialog, registeredContact?: string, trunk?: Remote): Remote[] {
  const out: Remote[] = [];
  const add = (r: Remote | undefined) => r && !out.some((o) => remoteKey(o) === remoteKey(r)) && out.push(r);
  add(uriTarget(leg.routeSet[0]?.uri ?? leg.remoteTarget, leg.remote.protocol));
  if (registeredContact) add(uriTarget(registeredContact, leg.remote.protocol));
  add(trunk);
  add({ ...leg.remote });
  return out;
}

function uriTarget(uri: string, flowProtocol: Remote['protocol']): Remote | undefined {
  const u = parseUri(uri);
  if (!u?.host) return undefined;
  const t = (u.params.transport ?? '').toLowerCase();
  const protocol: Remote['protocol'] = u.schema === 'sips' || t === 'tls' ? 'TLS' : t === 'tcp' ? 'TCP' : t === 'udp' ? 'UDP' : flowProtocol;
  return { protocol, address: u.host.replace(/^\[|\]$/g, ''), port: u.port ?? (protocol === 'TLS' ? 5061 : 5060) };
}

async function byeOverNewConnection(deps: RestartCleanupDeps, boxCallId: string, leg: JournaledDialog, since: number, trunk?: Remote): Promise<void> {
  const tried: string[] = [];
  const registered = trunk ? undefined : bindingOf(deps.store, leg)?.contact;
  for (const target of connectionTargets(leg, registered, trunk)) {
    try {
      await deps.endpoint.transport.openFlow(target, 4000);
    } catch (err) {
      tried.push(`${remoteKey(target)} (${(err as Error).message})`);
      continue;
    }
    deps.log.info({ callId: boxCallId, sipCallId: leg.callId, side: leg.side, remote: target }, 'BYE after restart sent over a new connection');
    byeTo(deps, boxCallId, leg, target);
    return;
  }
  if (trunk) {
    deps.log.warn({ callId: boxCallId, sipCallId: leg.callId, side: leg.side, tried }, 'BYE after restart never sent: the trunk could not be reached');
    return;
  }
  deps.log.warn({ callId: boxCallId, sipCallId: leg.callId, side: leg.side, tried }, 'BYE after restart: no connection to the leg; it goes out when the phone registers again');
  waitForRegistration(deps, { boxCallId, leg, since, contact: registered ?? leg.remoteTarget });
}

/** Legs whose BYE waits for their phone to register again (one poll for all of them). */
const waiting: { deps: RestartCleanupDeps; boxCallId: string; leg: JournaledDialog; since: number; until: number; contact: string }[] = [];
let poll: NodeJS.Timeout | undefined;

function waitForRegistration(deps: RestartCleanupDeps, w: { boxCallId: string; leg: JournaledDialog; since: number; contact: string }): void {
  const old = bindingOf(deps.store, w.leg);
  const cap = w.since + (deps.reRegisterWaitMs ?? 3_600_000);
  waiting.push({ deps, ...w, until: Math.min(cap, old && old.expiresAt > w.since ? old.expiresAt : cap) });
  poll ??= setInterval(pollRegistrations, deps.reRegisterPollMs ?? 1000);
  poll.unref();
}

function pollRegistrations(): void {
  const now = Date.now();
  for (const w of [...waiting]) {
    let flow: Remote | undefined;
    try {
      const b = bindingOf(w.deps.store, { ...w.leg, remoteTarget: w.contact });
      flow = b && b.registeredAt >= w.since ? b.remote : undefined;
    } catch {
      waiting.splice(waiting.indexOf(w), 1); // the store is closed: the box is stopping
      continue;
    }
    if (flow) {
      waiting.splice(waiting.indexOf(w), 1);
      w.deps.log.info({ callId: w.boxCallId, sipCallId: w.leg.callId, side: w.leg.side, remote: flow }, 'BYE after restart sent on the phone\'s new registration');
      byeTo(w.deps, w.boxCallId, w.leg, flow);
    } else if (now > w.until) {
      waiting.splice(waiting.indexOf(w), 1);
      w.deps.log.warn({ callId: w.boxCallId, sipCallId: w.leg.callId, side: w.leg.side }, 'BYE after restart never sent: the phone did not register again');
    }
  }
  if (!waiting.length && poll) {
    clearInterval(poll);
    poll = undefined;
  }
}

/** The phone's registration binding: its Contact is the leg's remote target (same user, host
 *  and port), else (a callee reached on its registration's connection) it came over the leg's flow. */
export function bindingOf(store: Store, leg: Pick<JournaledDialog, 'remoteTarget' | 'remote'>): Binding | undefined {
  const want = contactId(leg.remoteTarget);
  const flow = remoteKey(leg.remote);
  let byFlow: Binding | undefined;
  for (const { value } of store.tables.registrations.getRange()) {
    for (const b of (value as Binding[]) ?? []) {
      if (want && contactId(b.contact) === want) return b;
      if (!byFlow && b.remote && remoteKey(b.remote) === flow) byFlow = b;
    }
  }
  return byFlow;
}

function contactId(uri: string): string | undefined {
  const u = parseUri(uri);
  return u?.host ? `${u.user ?? ''}@${u.host.toLowerCase()}:${u.port ?? ''}` : undefined;
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

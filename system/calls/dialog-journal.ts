// The dialog journal: one LMDB row per live call (table `dialogJournal`, keyed by the box's
// call id) holding what a restarted box needs to end that call properly after a crash or a
// power cut: each confirmed leg's dialog (Call-ID, tags, URIs, remote target, route set, our
// CSeq, where to send) and the call's CDR so far (parties, times, queue, agents, recording).
// Written once per dialog state change (answer, connect, hold, transfer), never per packet;
// deleted in the CDR's own transaction when the call ends normally (cdr.ts writeCdr).
// restart-cleanup.ts reads what is left at the next start.
import type { Store } from '../store/store.ts';
import type { NameAddr, Remote } from '../sip/message.ts';
import type { Dialog } from '../sip/dialog.ts';
import type { CdrParty } from './cdr.ts';
import type { LegSide } from './sip-leg.ts';
import type { Call } from './call.ts';

/** What it takes to send a BYE in a dialog without the process that set it up. */
export interface JournaledDialog {
  side: LegSide;
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: NameAddr;
  remoteUri: NameAddr;
  remoteTarget: string;
  routeSet: NameAddr[];
  /** Our last CSeq in the dialog (the BYE takes the next one), and the peer's. */
  localSeq: number;
  remoteSeq: number;
  /** The flow in-dialog requests go to (symmetric signalling). */
  remote: Remote;
  /** Our Contact in the dialog (its host is the box's Via/Contact host). */
  contact: NameAddr;
}

export interface JournalEntry {
  callId: string;
  sipCallId: string;
  dialled: string;
  caller: CdrParty;
  callee?: CdrParty;
  startedAt: number;
  ringingAt?: number;
  answeredAt?: number;
  connectedAt?: number;
  codec: string;
  queue?: string;
  agents?: string[];
  /** The call is recorded: its file (`path`, or `<dir>/YYYY/MM/DD/<callId>.wav[.ccrec]` for the
   *  UTC day its recording started), from about `startedAt`, with these parties. */
  recording?: { path?: string; dir?: string; startedAt: number; parties: string[] };
  legs: JournaledDialog[];
  /** When this row was last written (the call was alive then). */
  at: number;
}

/** A leg's dialog as a journal row part (plain data). */
export function journalDialog(side: LegSide, d: Dialog): JournaledDialog {
  return {
    side,
    callId: d.callId,
    localTag: d.localTag,
    remoteTag: d.remoteTag,
    localUri: { ...d.localUri },
    remoteUri: { ...d.remoteUri },
    remoteTarget: d.remoteTarget,
    routeSet: d.routeSet.map((r) => ({ ...r })),
    localSeq: d.localSeq,
    remoteSeq: d.remoteSeq,
    remote: { ...d.remote },
    contact: { ...d.contact },
  };
}

/**
 * Keep `call`'s row current while it is up: written when it is answered, connected, held or
 * transferred, or its members change (several changes in one turn of the event loop, tags
 * that listeners set included, are one put). Never once the call is ending: its CDR's
 * transaction removes the row (cdr.ts). `recordingDir`: where its recording goes, if recorded.
 */
export function journalWhileUp(call: Call, o: { store: Store; recordingDir?: string; log: { warn: (o: object, m: string) => void } }): void {
  let queued = false;
  let ringingAt: number | undefined;
  let connectedAt: number | undefined;
  let codec = '';
  const gone = () => call.state === 'ending' || call.state === 'ended';
  const write = () => {
    if (queued || gone()) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      if (gone()) return;
      const legs: JournaledDialog[] = [];
      for (const leg of [call.caller, call.callee]) if (leg?.dialog && !leg.ended) legs.push(journalDialog(leg.side, leg.dialog));
      if (!legs.length) return;
      codec = call.mediaContext?.codecs.codec.name ?? codec;
      const { caller, callee } = call.parties;
      const answeredAt = call.answeredAtMs;
      journalCall(o.store, {
        callId: call.id, sipCallId: call.sipCallId, dialled: call.dialled, caller, callee,
        startedAt: call.startedAt, ringingAt, answeredAt, connectedAt, codec,
        ...(call.tags.queue ? { queue: call.tags.queue } : {}),
        ...(call.tags.agents.length ? { agents: [...call.tags.agents] } : {}),
        // A box-answered call is recorded from its connect, a routed one from its answer.
        ...(o.recordingDir && callee && (connectedAt ?? answeredAt) ? { recording: { dir: o.recordingDir, startedAt: (connectedAt ?? answeredAt)!, parties: [caller.number, callee.number] } } : {}),
        legs, at: Date.now(),
      }).catch((err) => o.log.warn({ err, callId: call.id }, 'dialog journal not written'));
    });
  };
  call.on('stateChanged', (_from, to) => {
    if (to === 'ringing') ringingAt ??= Date.now();
    if (to === 'answered') write();
  });
  call.on('connected', () => {
    connectedAt ??= Date.now();
    write();
  });
  for (const e of ['held', 'transferred', 'members'] as const) call.on(e, write);
}

/** Write (replace) a call's row: one put in its own transaction. */
export function journalCall(store: Store, entry: JournalEntry): Promise<void> {
  return store.transaction(() => {
    store.tables.dialogJournal.put(entry.callId, entry);
  });
}

/** Remove a call's row; call it inside the transaction that writes the call's CDR. */
export function forgetCall(store: Store, callId: string): void {
  store.tables.dialogJournal.remove(callId);
}

/** Every row left (calls that were up when the process stopped without ending them). Bad rows are skipped. */
export function journaledCalls(store: Store): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const { value } of store.tables.dialogJournal.getRange()) {
    if (isEntry(value)) out.push(value);
  }
  return out;
}

/** Keys of rows that are not journal entries (written by something else or corrupt): removed by the clean-up. */
export function malformedKeys(store: Store): string[] {
  const out: string[] = [];
  for (const { key, value } of store.tables.dialogJournal.getRange()) if (!isEntry(value)) out.push(key);
  return out;
}

function isEntry(v: unknown): v is JournalEntry {
  const e = v as JournalEntry | null;
  return !!e && typeof e === 'object' && typeof e.callId === 'string' && typeof e.startedAt === 'number' && Array.isArray(e.legs) && typeof e.caller === 'object' && e.caller !== null
    && e.legs.every((l) => l && typeof l.callId === 'string' && typeof l.remoteTarget === 'string' && l.remote && typeof l.remote.address === 'string' && typeof l.remote.port === 'number');
}

// The call detail record: one row per call in LMDB (table `cdr`, keyed by call id), written
// in the same transaction as its `call-ended` event.
import type { Store } from '../store/store.ts';
import type { Disposition, HangupCause } from './hangup.ts';
import type { LegQuality } from '../../media/sip-leg-media.ts';
import type { CdrConference } from './call-party-mix.ts';

export interface CdrParty {
  uri: string;
  number: string;
  kind: 'trunk' | 'extension';
  /** Trunk name or extension number. */
  id: string;
  address?: string;
}

/** One completed transfer: `from` left the call on `side` and `to` took its place. */
export interface CdrTransfer {
  at: number;
  kind: 'blind' | 'consultative';
  side: 'caller' | 'callee';
  from: CdrParty;
  to: CdrParty;
  /** Consultative: the call (box call id) whose party was joined into this one. */
  consultCallId?: string;
}

export interface Cdr {
  callId: string;
  sipCallId: string;
  caller: CdrParty;
  callee?: CdrParty;
  dialled: string;
  startedAt: number;
  ringingAt?: number;
  answeredAt?: number;
  endedAt: number;
  durationMs: number;
  billableMs: number;
  disposition: Disposition;
  hangup: HangupCause;
  codec?: string;
  quality: { caller?: LegQuality; callee?: LegQuality };
  /** Digits each side sent (RFC 4733 or SIP INFO), in order. */
  dtmf: { caller: string; callee: string };
  /** A box-answered call (queue, IVR): when a callee was connected. */
  connectedAt?: number;
  /** The queue the call went through, and the agents who took it, in order. */
  queue?: string;
  agents?: string[];
  /** 'outbound': a call an agent placed from the workspace (calls/browser-dial.ts). */
  direction?: 'outbound';
  /** Transfers, in order; `caller` and `callee` above are the parties at the end of the call. */
  transfers?: CdrTransfer[];
  /** The IVR flow the caller went through: its version, the nodes visited and the data collected. */
  ivr?: IvrTag;
  /** A call grown beyond two parties or supervised (call-party-mix.ts): everyone in the mix, with join/leave times and supervisors' modes. */
  conference?: CdrConference;
  /** Time on hold (anyone holding) and how many holds began; absent when never held. */
  holdMs?: number;
  holds?: number;
}

/** What an IVR flow leaves on a call (call.tags.ivr, copied to the CDR). */
export interface IvrTag {
  flow: string;
  version: number;
  /** Node ids in the order visited (the last 200). */
  path: string[];
  variables: Record<string, string>;
}

/** The recording index row, written with the CDR. */
export interface RecordingRow {
  callId: string;
  path: string;
  startedAt: number;
  endedAt: number;
  durationMs: number;
  caller: string;
  callee: string;
  /** Everyone who was on the recording (numbers/extensions), in order of joining. */
  parties: string[];
  bytes: number;
  sha256: string;
  /** Why it stopped early (e.g. CC_MEDIA_DISK_FULL), if it did. */
  stoppedBy?: string;
  /** Milliseconds of silence filled in per side after its audio began: packets lost, too
   *  late, or never sent (a peer that stops talking or suppresses silence). Large values on
   *  a call with continuous audio mean a lossy recording. */
  gapMs: { caller: number; callee: number };
  queue?: string;
  agents?: string[];
}

export async function writeCdr(store: Store, cdr: Cdr, recording?: RecordingRow): Promise<void> {
  await store.transaction(() => {
    store.tables.cdr.put(cdr.callId, cdr);
    if (recording) store.tables.recordings.put(cdr.callId, recording);
    // The call ended here: a restart has nothing left to end (dialog-journal.ts).
    store.tables.dialogJournal.remove(cdr.callId);
    store.appendEvent('call-ended', { callId: cdr.callId, disposition: cdr.disposition, cause: cdr.hangup.cause, side: cdr.hangup.side }, cdr.endedAt);
  });
}

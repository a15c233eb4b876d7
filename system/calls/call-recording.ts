// A call's recording as the call sees it: starts the media recorder at the answer (the audio
// is written, and searched for in-band DTMF, in a recording worker thread; digits come back
// here), turns a failure (disk full) into an alert and an event row without touching the
// call, and builds the index row written with the CDR.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { types } from 'mediasoup';
import type { Store } from '../store/store.ts';
import type { CallCodecs } from '../../media/media-engine.ts';
import { CallRecorder } from '../../media/call-recorder.ts';
import { ENCRYPTED_RECORDING_EXTENSION, type RecordingKey } from '../../media/recording-crypto.ts';
import type { RecordingHub } from '../../media/recording-hub.ts';
import type { RecordingRow } from './cdr.ts';
import type { LegSide } from './sip-leg.ts';

export interface CallRecordingOptions {
  callId: string;
  store: Store;
  hub: RecordingHub;
  dir: string;
  /** Sides whose audio is searched for in-band DTMF. */
  inbandDtmf: LegSide[];
  onInbandDigit: (digit: string, side: LegSide) => void;
  /** Encrypt the recording at rest with this box key: the file is <callId>.wav.ccrec (recording-crypto.ts). */
  encryption?: RecordingKey;
  log: { error: (o: object, m: string) => void };
}

export class CallRecording {
  private recorder?: CallRecorder;
  private startedAt?: number;
  private stopped = false;
  private alerted = false;
  /** What each side records now (a transfer may change it while the recorder starts). */
  private producers: Record<LegSide, string | undefined> = { caller: undefined, callee: undefined };
  /** Everyone who was on the recording, in order of joining. */
  private readonly joined: string[] = [];

  constructor(private readonly o: CallRecordingOptions) {}

  /** Start recording the two producers (one per side) on `router`. Never throws. */
  async start(router: types.Router, codecs: CallCodecs, producers: Record<LegSide, string | undefined>, parties?: { caller: string; callee: string }): Promise<void> {
    const { o } = this;
    this.producers = { ...producers };
    if (parties) this.join(parties.caller, parties.callee);
    const dir = join(o.dir, new Date().toISOString().slice(0, 10).replace(/-/g, '/'));
    try {
      mkdirSync(dir, { recursive: true });
      const file = `${o.callId}.wav${o.encryption ? ENCRYPTED_RECORDING_EXTENSION : ''}`;
      const recorder = await CallRecorder.start(router, codecs, o.hub, join(dir, file), { inbandDtmf: o.inbandDtmf, encryption: o.encryption });
      if (this.stopped) return void (await recorder.stop()); // the call ended while we set up
      this.recorder = recorder;
      this.startedAt = Date.now();
      recorder.on('failed', (code, message) => this.failed(code, message));
      recorder.on('digit', (side, digit) => o.onInbandDigit(digit, side));
      await recorder.follow('caller', this.producers.caller);
      await recorder.follow('callee', this.producers.callee);
    } catch (err) {
      this.failed((err as { code?: string }).code ?? 'CC_MEDIA_WAV_WRITE_FAILED', (err as Error).message);
    }
  }

  /** A transfer put another party on `side`: record its producer there, in the same file. Never throws. */
  async follow(side: LegSide, producerId: string | undefined, party: string): Promise<void> {
    this.producers[side] = producerId;
    this.join(party);
    try {
      await this.recorder?.follow(side, producerId);
    } catch (err) {
      this.failed((err as { code?: string }).code ?? 'CC_CALL_RECORDING_FOLLOW_FAILED', (err as Error).message);
    }
  }

  private join(...parties: string[]): void {
    for (const p of parties) if (p && !this.joined.includes(p)) this.joined.push(p);
  }

  private failed(code: string, message: string): void {
    if (this.alerted) return;
    this.alerted = true;
    const { o } = this;
    o.log.error({ callId: o.callId, code, message }, 'recording stopped (the call goes on)');
    void o.store.transaction(() => o.store.appendEvent('recording-stopped', { callId: o.callId, code, message })).catch(() => undefined);
  }

  /** Finish the file; the index row for the CDR's transaction (undefined if nothing was recorded). */
  async stop(parties: { caller: string; callee: string }, endedAt = Date.now()): Promise<RecordingRow | undefined> {
    this.stopped = true;
    const summary = await this.recorder?.stop().catch(() => undefined);
    if (!summary) return undefined;
    // A failure on the last write (at the hang-up) is alerted too.
    if (summary.stoppedBy) this.failed(summary.stoppedBy, `the recording ${summary.path} ended short`);
    return {
      callId: this.o.callId,
      path: summary.path,
      startedAt: this.startedAt ?? endedAt,
      endedAt,
      durationMs: summary.durationMs,
      caller: parties.caller,
      callee: parties.callee,
      parties: [...this.joined, ...[parties.caller, parties.callee].filter((p) => p && !this.joined.includes(p))],
      bytes: summary.bytes,
      sha256: summary.sha256,
      stoppedBy: summary.stoppedBy,
      gapMs: { caller: summary.filledFrames.caller * 20, callee: summary.filledFrames.callee * 20 },
    };
  }
}

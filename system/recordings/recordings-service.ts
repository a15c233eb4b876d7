// The recordings area as the box runs it: the catalog over LMDB, the retention job, the
// box's recording keys (to play encrypted files, including ones made under an older key id),
// which sessions have already been audit-logged as playing which recording, and a small cache
// of waveform summaries. Created and closed by box.ts; used by system/api/recordings-routes.ts.
import { createHash } from 'node:crypto';
import type { Store } from '../store/store.ts';
import type { RecordingKeyLookup } from '../../media/recording-crypto.ts';
import type { RecordingsConfig } from './recordings-config.ts';
import { RecordingCatalog } from './recording-catalog.ts';
import { RecordingRetention, type RetentionLog } from './recording-retention.ts';
import type { WaveformPeaks } from './waveform-peaks.ts';

const MAX_PLAY_MARKS = 100_000;
const MAX_PEAKS = 200;

const playMark = (sessionToken: string, callId: string) => createHash('sha256').update(sessionToken).update('\n').update(callId).digest('base64');

export class RecordingsService {
  readonly catalog: RecordingCatalog;
  readonly retention: RecordingRetention;
  /** Keys are read from LMDB (config table, `secret:<key id>`) each time: a restored backup's keys work at once. */
  readonly keys: RecordingKeyLookup;
  private readonly playMarks = new Set<string>();
  private readonly pendingPlays = new Map<string, Promise<void>>();
  private readonly peaks = new Map<string, WaveformPeaks>();

  constructor(store: Store, config: () => RecordingsConfig, log: RetentionLog) {
    this.catalog = new RecordingCatalog(store);
    this.keys = (keyId) => {
      const b64 = store.tables.config.get(`secret:${keyId}`);
      return typeof b64 === 'string' ? Buffer.from(b64, 'base64') : undefined;
    };
    this.retention = new RecordingRetention({
      catalog: this.catalog,
      config,
      log,
      appendRunEvent: (r) => store.transaction(() => store.appendEvent('recording-retention-run', { deleted: r.deleted, held: r.held, failed: r.failed }, r.at)),
    });
  }

  start(): void {
    this.retention.start();
  }

  /**
   * Playback is audit-logged once per session and recording (the first request: an audio
   * element then sends many range requests while seeking, which are the same act of
   * listening). Runs `write` (the audit row) unless it already committed for this pair;
   * requests racing the first one wait for it; a failed write is tried again next request.
   */
  async auditFirstPlay(sessionToken: string, callId: string, write: () => Promise<unknown>): Promise<void> {
    const mark = playMark(sessionToken, callId);
    if (this.playMarks.has(mark)) return;
    let pending = this.pendingPlays.get(mark);
    if (!pending) {
      pending = write()
        .then(() => {
          if (this.playMarks.size >= MAX_PLAY_MARKS) this.playMarks.clear();
          this.playMarks.add(mark);
        })
        .finally(() => this.pendingPlays.delete(mark));
      this.pendingPlays.set(mark, pending);
    }
    await pending;
  }

  cachedPeaks(id: string): WaveformPeaks | undefined {
    return this.peaks.get(id);
  }

  rememberPeaks(id: string, p: WaveformPeaks): void {
    if (this.peaks.size >= MAX_PEAKS) this.peaks.delete(this.peaks.keys().next().value!);
    this.peaks.set(id, p);
  }

  close(): Promise<void> {
    return this.retention.close();
  }
}

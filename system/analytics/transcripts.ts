// Transcripts of recorded calls, on request (experimental): a supervisor asks for one from the
// recordings page; the recording's speech spans (from its speech analytics) are cut into
// utterances per side and each goes through the box's offline transcriber (media/transcriber.ts;
// on these machines pocketsphinx en-us, English only). The row is written to LMDB table
// `transcripts` as `running` with the request's event, then `done` (utterances with side, time
// and text) or `failed`. Every row carries the engine, its language, that it is experimental, and
// the word accuracy bench:transcribe measured, so the page can never show a transcript without
// saying how far to trust it. One transcript at a time; a second request for the same call
// while one runs or after one is done returns the existing row.
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import type { RecordingRow } from '../calls/cdr.ts';
import type { RecordingKeyLookup } from '../../media/recording-crypto.ts';
import type { Transcriber } from '../../media/transcriber.ts';
import { TELEPHONY_RATE } from '../../media/wav.ts';
import { readRecordingBytes, telephonyChannels } from './analyze-wav.ts';
import { openRecordingAudio } from '../recordings/recording-audio.ts';
import type { SpeechAnalyticsRow } from './speech-analytics-service.ts';
import type { AnalyticsErrorCode } from './errors.ts';

/** What `npm run bench:transcribe` measured for the Debian engine (synthetic voices through G.711; see docs). */
export const MEASURED_WORD_ACCURACY: Record<string, { pct: number; measuredOn: string; set: string }> = {
  'pocketsphinx-en-us': { pct: 17.8, measuredOn: '2026-11-27', set: '40 espeak-ng utterances (20 call-centre sentences, voice en-us, 2 speeds), 8 kHz G.711 μ-law' },
};

type Side = 'caller' | 'callee';

export interface Utterance {
  side: Side;
  startMs: number;
  endMs: number;
  text: string;
}

export interface TranscriptRow {
  callId: string;
  state: 'running' | 'done' | 'failed';
  engine: string;
  language: string;
  experimental: boolean;
  measuredWordAccuracyPct: number | null;
  requestedBy: string;
  requestedAt: number;
  finishedAt?: number;
  utterances: Utterance[];
  error?: { code: AnalyticsErrorCode; message: string };
}

export type TranscriptRefusal = Extract<AnalyticsErrorCode, 'CC_TRANSCRIBE_UNAVAILABLE' | 'CC_TRANSCRIBE_NO_RECORDING' | 'CC_ANALYTICS_PENDING'>;

/** Gaps shorter than this join two speech spans into one utterance; utterances stop growing at MAX_UTTERANCE_MS. */
const JOIN_GAP_MS = 600;
const MAX_UTTERANCE_MS = 15_000;
const PAD_MS = 150;

/** Speech spans of both sides as utterances, in time order. Pure. */
export function utteranceSpans(segments: Record<Side, Array<[number, number]>>): Array<{ side: Side; startMs: number; endMs: number }> {
  const out: Array<{ side: Side; startMs: number; endMs: number }> = [];
  for (const side of ['caller', 'callee'] as const) {
    let cur: { side: Side; startMs: number; endMs: number } | undefined;
    for (const [a, b] of segments[side] ?? []) {
      if (cur && a - cur.endMs < JOIN_GAP_MS && b - cur.startMs <= MAX_UTTERANCE_MS) cur.endMs = b;
      else {
        if (cur) out.push(cur);
        cur = { side, startMs: a, endMs: b };
      }
    }
    if (cur) out.push(cur);
  }
  return out.sort((x, y) => x.startMs - y.startMs || (x.side < y.side ? -1 : 1));
}

export class TranscriptService {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly o: { store: Store; keys: RecordingKeyLookup; engine?: Transcriber; log: Pick<Logger, 'warn'> }) {}

  get engine(): Transcriber | undefined {
    return this.o.engine;
  }

  get(callId: string): TranscriptRow | undefined {
    return this.o.store.tables.transcripts.get(callId) as TranscriptRow | undefined;
  }

  /** Start a transcript of `callId` (or return the one there is); a refusal code when it cannot. */
  async request(callId: string, by: string): Promise<TranscriptRow | TranscriptRefusal> {
    const engine = this.o.engine;
    if (!engine) return 'CC_TRANSCRIBE_UNAVAILABLE';
    const existing = this.get(callId);
    if (existing && existing.state !== 'failed') return existing;
    const recording = this.o.store.tables.recordings.get(callId) as RecordingRow | undefined;
    if (!recording) return 'CC_TRANSCRIBE_NO_RECORDING';
    const analytics = this.o.store.tables.speechAnalytics.get(callId) as SpeechAnalyticsRow | undefined;
    if (!analytics?.figures) return 'CC_ANALYTICS_PENDING';
    const measured = MEASURED_WORD_ACCURACY[engine.name]?.pct;
    const row: TranscriptRow = {
      callId, state: 'running', engine: engine.name, language: engine.language, experimental: engine.experimental,
      measuredWordAccuracyPct: Number.isFinite(measured) ? measured! : null, requestedBy: by, requestedAt: Date.now(), utterances: [],
    };
    await this.write(row, 'transcript-requested');
    const spans = utteranceSpans(analytics.figures.segments);
    this.chain = this.chain.then(() => this.run(row, recording, spans, engine)).catch((err) => this.o.log.warn({ callId, err: (err as Error).message }, 'transcript failed'));
    return row;
  }

  /** Resolves once every requested transcript has finished. */
  whenIdle(): Promise<void> {
    return this.chain;
  }

  private async run(row: TranscriptRow, recording: RecordingRow, spans: ReturnType<typeof utteranceSpans>, engine: Transcriber): Promise<void> {
    let next: TranscriptRow;
    try {
      const audio = await openRecordingAudio(recording.path, this.o.keys);
      const channels = telephonyChannels(await readRecordingBytes(audio));
      const audioOf = { caller: channels[0] ?? new Int16Array(0), callee: channels[1] ?? new Int16Array(0) };
      const utterances: Utterance[] = [];
      for (const s of spans) {
        if (this.closed) return;
        const from = Math.max(0, Math.round(((s.startMs - PAD_MS) * TELEPHONY_RATE) / 1000));
        const to = Math.round(((s.endMs + PAD_MS) * TELEPHONY_RATE) / 1000);
        const { text } = await engine.transcribe(audioOf[s.side].subarray(from, to));
        if (text) utterances.push({ ...s, text });
      }
      next = { ...row, state: 'done', utterances, finishedAt: Date.now() };
    } catch (err) {
      next = { ...row, state: 'failed', finishedAt: Date.now(), error: { code: 'CC_TRANSCRIBE_FAILED', message: (err as Error).message } };
    }
    if (!this.closed) await this.write(next, next.state === 'done' ? 'transcript-done' : 'transcript-failed');
  }

  private write(row: TranscriptRow, event: string): Promise<void> {
    return this.o.store.transaction(() => {
      this.o.store.tables.transcripts.put(row.callId, row);
      this.o.store.appendEvent(event, { callId: row.callId, engine: row.engine, by: row.requestedBy, utterances: row.utterances.length, ...(row.error ? { code: row.error.code } : {}) });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain.catch(() => undefined);
  }
}

// The recordings a bench:media run leaves, checked against the box's CDRs and its recording
// index: every answered call has a complete file of the indexed size and checksum, at the
// expected path, with a valid 2-channel G.711 header; how late each recording starts, its
// silent frames once a channel has sound (RTP the recorder never got), and its duration
// against wall time. Also the bytes on disk (the write rate over a window).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ALAW_DECODE, ULAW_DECODE } from '../../../media/g711.ts';
import { round, say } from './report.ts';
import { percentile } from './rtp-capture.ts';
import type { CdrRow } from './cdr.ts';
import type { RecordingRow } from '../../../system/calls/cdr.ts';

/** A recording is G.711 (μ-law, format tag 7, or A-law, 6: the call's codec), 2 channels, 8 kHz,
 *  after a 58-byte header (fmt of 18 bytes, fact chunk). */
export const WAV = { header: 58, bytesPerSec: 8000 * 2, frameSamples: 160 };
/** Frames whose peak stays below this are silence (the tone peaks near 8000). */
const SILENCE_PEAK = 200;

export interface MediaCdr extends CdrRow {
  callId: string;
}

/** The box's recording index row, as it writes it. */
export type { RecordingRow } from '../../../system/calls/cdr.ts';

export interface RecordingCheck {
  rows: number;
  answered: number;
  /** Answered calls without a complete recording: no row, stoppedBy set, file missing or of another size. */
  missing: number;
  noRow: number;
  stopped: Record<string, number>;
  noFile: number;
  sizeMismatch: number;
  badChecksum: number;
  badHeader: number;
  /** Rows whose path is not <recordings>/YYYY/MM/DD/<callId>.wav. */
  oddPath: number;
  /** Files on disk no row names, rows no answered call has. */
  strayFiles: number;
  strayRows: number;
  /** Silent 20 ms frames after a channel's first sound (last second left out), in %, per channel. */
  gapPct: { caller: number; callee: number };
  filesWithGaps: number;
  /** Silence at the start of each channel, ms: p50, p99, max over recordings (caller, callee). */
  leadingMs: { caller: [number, number, number]; callee: [number, number, number] };
  /** From the answer to the recording's start (index row startedAt - CDR answeredAt), ms: p50, p99, max. */
  startDelayMs: [number, number, number];
  /** Recorded duration / wall time from the recording's start to the call's end: min, median. */
  durationRatio: { min: number; median: number };
  /** Call ids with a complete recording. */
  complete: Set<string>;
  examples: string[];
}

function wavFiles(dir: string): { path: string; size: number }[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return wavFiles(p);
    if (!e.name.endsWith('.wav')) return [];
    try {
      return [{ path: p, size: statSync(p).size }];
    } catch {
      return []; // removed meanwhile
    }
  });
}

/** Bytes of all the WAV files under `dir` now. */
export const diskBytes = (dir: string) => wavFiles(dir).reduce((n, f) => n + f.size, 0);

/** The header of a 2-channel 8 kHz G.711 WAV whose sizes match the file; undefined when fine. */
function headerProblem(buf: Buffer): string | undefined {
  if (buf.length < WAV.header) return 'shorter than a header';
  if (buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') return 'not RIFF/WAVE';
  if (buf.readUInt32LE(4) !== buf.length - 8) return `RIFF size ${buf.readUInt32LE(4)} for a file of ${buf.length}`;
  if (buf.toString('latin1', 12, 16) !== 'fmt ' || buf.readUInt32LE(16) !== 18 || ![6, 7].includes(buf.readUInt16LE(20))) return 'no G.711 fmt chunk first';
  const [channels, rate, bits] = [buf.readUInt16LE(22), buf.readUInt32LE(24), buf.readUInt16LE(34)];
  if (channels !== 2 || rate !== 8000 || bits !== 8) return `fmt ${channels} ch ${rate} Hz ${bits} bit`;
  if (buf.toString('latin1', 38, 42) !== 'fact') return 'no fact chunk at 38';
  if (buf.toString('latin1', 50, 54) !== 'data') return 'no data chunk at 50';
  const data = buf.readUInt32LE(54);
  if (data !== buf.length - WAV.header && data + 1 !== buf.length - WAV.header) return `data size ${data} for ${buf.length - WAV.header} bytes after the header`;
  if (buf.readUInt32LE(46) !== data / 2) return `fact says ${buf.readUInt32LE(46)} frames, data holds ${data / 2}`;
  return undefined;
}

/** Silence per channel: how long each channel stays silent from the recording's start (the
 *  recorder not yet fed), and silent frames after that channel's first sound up to its last
 *  second (the caller pauses its tone before the BYE): audio lost while the call went on. */
function audioGaps(buf: Buffer): { leadingFrames: [number, number]; frames: [number, number]; silent: [number, number] } {
  const table = buf.readUInt16LE(20) === 6 ? ALAW_DECODE : ULAW_DECODE;
  const samples = Int16Array.from(buf.subarray(WAV.header), (b) => table[b]);
  const frameLen = WAV.frameSamples * 2;
  const total = Math.floor(samples.length / frameLen);
  const first: [number, number] = [-1, -1];
  const frames: [number, number] = [0, 0];
  const silent: [number, number] = [0, 0];
  for (let f = 0; f < total - 50; f++) {
    const peak = [0, 0];
    for (let i = f * frameLen; i < (f + 1) * frameLen; i += 2) {
      peak[0] = Math.max(peak[0], Math.abs(samples[i]));
      peak[1] = Math.max(peak[1], Math.abs(samples[i + 1]));
    }
    for (const ch of [0, 1] as const) {
      const sound = peak[ch] >= SILENCE_PEAK;
      if (first[ch] < 0 && sound) first[ch] = f;
      if (first[ch] < 0) continue;
      frames[ch]++;
      if (!sound) silent[ch]++;
    }
  }
  return { leadingFrames: [first[0] < 0 ? total : first[0], first[1] < 0 ? total : first[1]], frames, silent };
}

/** Every answered call against the `recordings` index and the files on disk. */
export function checkRecordings(dir: string, cdrs: MediaCdr[], rows: RecordingRow[]): RecordingCheck {
  const answered = cdrs.filter((c) => c.answeredAt !== undefined);
  const byCall = new Map(rows.map((r) => [r.callId, r]));
  const c: RecordingCheck = {
    rows: rows.length, answered: answered.length, missing: 0, noRow: 0, stopped: {}, noFile: 0, sizeMismatch: 0, badChecksum: 0, badHeader: 0, oddPath: 0,
    strayFiles: 0, strayRows: 0, gapPct: { caller: 0, callee: 0 }, filesWithGaps: 0, leadingMs: { caller: [NaN, NaN, NaN], callee: [NaN, NaN, NaN] }, startDelayMs: [NaN, NaN, NaN], durationRatio: { min: NaN, median: NaN }, complete: new Set(), examples: [],
  };
  const example = (s: string) => c.examples.length < 6 && c.examples.push(s);
  const frames = [0, 0];
  const silent = [0, 0];
  const leading: [number[], number[]] = [[], []];
  const delays: number[] = [];
  const ratios: number[] = [];
  for (const call of answered) {
    const row = byCall.get(call.callId);
    if (!row) {
      c.noRow++;
      c.missing++;
      example(`call ${call.callId}: no recording row`);
      continue;
    }
    let problem = false;
    if (row.stoppedBy !== undefined) {
      c.stopped[row.stoppedBy] = (c.stopped[row.stoppedBy] ?? 0) + 1;
      example(`call ${call.callId}: stoppedBy ${row.stoppedBy}`);
      problem = true;
    }
    if (!/^\d{4}\/\d{2}\/\d{2}\/[^/]+\.wav$/.test(relative(dir, row.path)) || !row.path.endsWith(`/${call.callId}.wav`)) {
      c.oddPath++;
      example(`call ${call.callId}: path ${row.path}`);
    }
    let buf: Buffer;
    try {
      buf = readFileSync(row.path);
    } catch {
      c.noFile++;
      c.missing++;
      example(`call ${call.callId}: ${row.path} not on disk`);
      continue;
    }
    if (buf.length !== row.bytes) {
      c.sizeMismatch++;
      example(`call ${call.callId}: ${buf.length} bytes on disk, ${row.bytes} indexed`);
      problem = true;
    }
    if (problem) {
      c.missing++;
      continue;
    }
    c.complete.add(call.callId);
    delays.push(row.startedAt - call.answeredAt!);
    if (createHash('sha256').update(buf).digest('hex') !== row.sha256) {
      c.badChecksum++;
      example(`call ${call.callId}: SHA-256 differs from the index`);
    }
    const bad = headerProblem(buf);
    if (bad) {
      c.badHeader++;
      example(`call ${call.callId}: header: ${bad}`);
      continue;
    }
    const gaps = audioGaps(buf);
    for (const ch of [0, 1]) {
      frames[ch] += gaps.frames[ch];
      silent[ch] += gaps.silent[ch];
      leading[ch].push(gaps.leadingFrames[ch] * 20);
    }
    if (gaps.silent[0] > 0.01 * gaps.frames[0] || gaps.silent[1] > 0.01 * gaps.frames[1]) c.filesWithGaps++;
    if (row.endedAt > row.startedAt) ratios.push(row.durationMs / (row.endedAt - row.startedAt));
  }
  const answeredIds = new Set(answered.map((a) => a.callId));
  c.strayRows = rows.filter((r) => !answeredIds.has(r.callId)).length;
  const indexed = new Set(rows.map((r) => r.path));
  c.strayFiles = wavFiles(dir).filter((f) => !indexed.has(f.path)).length;
  c.gapPct = { caller: frames[0] ? (100 * silent[0]) / frames[0] : 0, callee: frames[1] ? (100 * silent[1]) / frames[1] : 0 };
  const spread = (xs: number[]): [number, number, number] => [percentile(xs, 50), percentile(xs, 99), xs.length ? Math.max(...xs) : NaN];
  c.leadingMs = { caller: spread(leading[0]), callee: spread(leading[1]) };
  c.startDelayMs = spread(delays);
  c.durationRatio = { min: ratios.length ? Math.min(...ratios) : NaN, median: percentile(ratios, 50) };
  return c;
}

export function reportRecordings(label: string, c: RecordingCheck): void {
  const stopped = Object.entries(c.stopped).map(([k, v]) => `${k} ${v}`).join(' ') || '0';
  say(
    `${label}: recordings: ${c.rows} index rows for ${c.answered} answered calls; missing ${c.missing} (no row ${c.noRow}, stoppedBy ${stopped}, file gone ${c.noFile}, size on disk != indexed ${c.sizeMismatch}); ` +
      `checksum differs ${c.badChecksum}, bad WAV header ${c.badHeader}, unexpected path ${c.oddPath}, files without a row ${c.strayFiles}, rows without an answered call ${c.strayRows}`,
  );
  const ms = (xs: number[]) => xs.map((x) => round(x, 0)).join('/');
  say(
    `${label}: recorded audio: from the answer to the recording's start p50/p99/max ${ms(c.startDelayMs)} ms; silence at the start p50/p99/max ${ms(c.leadingMs.caller)} ms (caller channel), ${ms(c.leadingMs.callee)} ms (callee channel); ` +
      `after that, silent 20 ms frames ${round(c.gapPct.caller, 3)} % (caller), ${round(c.gapPct.callee, 3)} % (callee), files with > 1 % ${c.filesWithGaps}; ` +
      `recorded duration / wall time from the recording's start to the call's end min ${round(c.durationRatio.min, 4)}, median ${round(c.durationRatio.median, 4)}`,
  );
  for (const e of c.examples) say(`  ${e}`);
}

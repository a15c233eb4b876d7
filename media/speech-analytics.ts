// Speech analytics of a two-channel call recording (语音分析), pure: who spoke when, in 20 ms
// frames, and the figures supervisors, QA sampling and reports use — talk time per side and
// the talk/listen ratio, silence (neither side speaking), overtalk (both at once), the longest
// monologue, and an agitation estimate from loudness and pitch movement. No cloud, no model:
// a level detector per channel against the channel's own noise floor, and an autocorrelation
// pitch tracker. Channel 0 is the caller, channel 1 the callee (the agent on a queue call), as
// calls/call-recording.ts writes them. Reads no files and no clock; never throws on odd audio
// (empty, one channel, digital silence): the figures are then zero or null.

export const FRAME_MS = 20;
const RATE = 8000;
const FRAME = (RATE * FRAME_MS) / 1000;

export type Side = 'caller' | 'callee';

export interface SpeechAnalyticsOptions {
  /** A frame is speech only when its level is above this (dBFS)... */
  minSpeechDbfs: number;
  /** ...and this many dB above its channel's noise floor (the channel's 10th-percentile frame level, at most -50 dBFS). */
  aboveNoiseDb: number;
  /** The other side's speech shorter than this (a "mm", a cough) does not end a monologue. */
  backchannelMs: number;
}

export const DEFAULT_OPTIONS: SpeechAnalyticsOptions = { minSpeechDbfs: -45, aboveNoiseDb: 12, backchannelMs: 400 };

export interface SideFigures {
  talkMs: number;
  /** Talk time as a share of the recording (0-100). */
  talkPct: number;
  longestMonologueMs: number;
  /** 0 (calm) to 100 (agitated), an estimate; null with under a second of voiced speech. */
  agitation: number | null;
  medianPitchHz: number | null;
  /** 90th percentile level of the side's speech frames (dBFS); null when it never spoke. */
  speechLevelP90Dbfs: number | null;
}

export interface SpeechFigures {
  frameMs: number;
  durationMs: number;
  caller: SideFigures;
  callee: SideFigures;
  /** Neither side speaking. */
  silenceMs: number;
  silencePct: number;
  longestSilenceMs: number;
  /** Both sides speaking at once. */
  overtalkMs: number;
  overtalkPct: number;
  /** Callee talk ÷ caller talk (on a queue call: the agent's talk per unit of listening); null when the caller never spoke. */
  talkListenRatio: number | null;
  longestMonologue: { side: Side; ms: number; atMs: number } | null;
  /** Speech spans per side as [startMs, endMs), gaps under 200 ms merged (for a timeline); at most 2000 each. */
  segments: Record<Side, Array<[number, number]>>;
}

/** Per-frame measures of one channel. */
export interface ChannelFrames {
  levelDbfs: Float32Array;
  speech: Uint8Array;
  /** Pitch of voiced speech frames in Hz, 0 where unvoiced or not speech. */
  pitchHz: Float32Array;
}

const SILENT_DBFS = -96;
const MAX_NOISE_FLOOR_DBFS = -50;

/** Frame level in dBFS (RMS against full scale), SILENT_DBFS for digital silence. */
export function frameLevels(samples: Int16Array): Float32Array {
  const frames = Math.floor(samples.length / FRAME);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let i = f * FRAME, end = i + FRAME; i < end; i++) sum += samples[i] * samples[i];
    const rms = Math.sqrt(sum / FRAME);
    out[f] = rms > 0 ? Math.max(SILENT_DBFS, 20 * Math.log10(rms / 32768)) : SILENT_DBFS;
  }
  return out;
}

function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(p * (sorted.length - 1))))];
}

/** Speech frames: above the absolute minimum and far enough above the channel's noise floor. */
export function speechFrames(levels: Float32Array, opts: SpeechAnalyticsOptions = DEFAULT_OPTIONS): Uint8Array {
  // A channel that speaks nearly all the time has its speech as the 10th percentile: no real
  // line is noisier than MAX_NOISE_FLOOR_DBFS, so the floor is capped there.
  const floor = Math.min(MAX_NOISE_FLOOR_DBFS, levels.length ? percentile(levels, 0.1) : SILENT_DBFS);
  const threshold = Math.max(opts.minSpeechDbfs, floor + opts.aboveNoiseDb);
  const out = new Uint8Array(levels.length);
  for (let f = 0; f < levels.length; f++) out[f] = levels[f] > threshold ? 1 : 0;
  return out;
}

/**
 * Pitch of one speech frame by normalised autocorrelation over 40 ms (this frame and the next),
 * decimated to 4 kHz, lags for 70-400 Hz; 0 when no lag correlates above 0.5 (unvoiced).
 */
export function framePitch(samples: Int16Array, frame: number): number {
  const start = frame * FRAME;
  const n = Math.min(2 * FRAME, samples.length - start) >> 1;
  if (n < 80) return 0;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = (samples[start + 2 * i] + samples[start + 2 * i + 1]) / 2;
  const minLag = Math.floor(4000 / 400);
  const maxLag = Math.min(Math.ceil(4000 / 70), n - 20);
  let best = 0;
  let bestLag = 0;
  for (let lag = minLag; lag <= maxLag; lag++) {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = 0; i + lag < n; i++) {
      xy += x[i] * x[i + lag];
      xx += x[i] * x[i];
      yy += x[i + lag] * x[i + lag];
    }
    const r = xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
    if (r > best) {
      best = r;
      bestLag = lag;
    }
  }
  return best > 0.5 && bestLag > 0 ? 4000 / bestLag : 0;
}

export function analyzeChannel(samples: Int16Array, opts: SpeechAnalyticsOptions = DEFAULT_OPTIONS): ChannelFrames {
  const levelDbfs = frameLevels(samples);
  const speech = speechFrames(levelDbfs, opts);
  const pitchHz = new Float32Array(levelDbfs.length);
  for (let f = 0; f < speech.length; f++) if (speech[f]) pitchHz[f] = framePitch(samples, f);
  return { levelDbfs, speech, pitchHz };
}

function stddev(values: number[]): number {
  if (values.length < 2) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (values.length - 1));
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/**
 * Agitation, 0-100, a heuristic estimate: how much the voice's pitch moves (semitone spread
 * of voiced frames, half the score), how much its loudness moves (level spread of speech
 * frames, 30 %), and how loud it is (90th percentile level, 20 %). Calm read speech scores
 * low; a raised, swinging voice high. null with under 50 voiced frames (one second).
 */
export function agitationOf(ch: ChannelFrames): { agitation: number | null; medianPitchHz: number | null; speechLevelP90Dbfs: number | null } {
  const pitches: number[] = [];
  const levels: number[] = [];
  for (let f = 0; f < ch.speech.length; f++) {
    if (!ch.speech[f]) continue;
    levels.push(ch.levelDbfs[f]);
    if (ch.pitchHz[f] > 0) pitches.push(ch.pitchHz[f]);
  }
  const speechLevelP90Dbfs = levels.length ? round1(percentile(levels, 0.9)) : null;
  if (pitches.length < 50) return { agitation: null, medianPitchHz: pitches.length ? round1(percentile(pitches, 0.5)) : null, speechLevelP90Dbfs };
  const median = percentile(pitches, 0.5);
  const semitones = pitches.map((p) => 12 * Math.log2(p / median));
  const pitchSpread = clamp01((stddev(semitones) - 2) / 4);
  const levelSpread = clamp01((stddev(levels) - 4) / 8);
  const loudness = clamp01(((speechLevelP90Dbfs ?? -60) + 30) / 20);
  return { agitation: Math.round(100 * (0.5 * pitchSpread + 0.3 * levelSpread + 0.2 * loudness)), medianPitchHz: round1(median), speechLevelP90Dbfs };
}

const round1 = (v: number) => Math.round(v * 10) / 10;
const pct = (part: number, whole: number) => (whole > 0 ? round1((100 * part) / whole) : 0);

/** The other side's speech runs shorter than `minFrames` removed (backchannel, coughs). */
function withoutShortRuns(speech: Uint8Array, minFrames: number): Uint8Array {
  const out = Uint8Array.from(speech);
  for (let f = 0; f < out.length;) {
    if (!out[f]) {
      f++;
      continue;
    }
    let end = f;
    while (end < out.length && out[end]) end++;
    if (end - f < minFrames) out.fill(0, f, end);
    f = end;
  }
  return out;
}

/**
 * Longest monologue of `mine`: a stretch in which the other side (its short runs ignored)
 * says nothing, measured from this side's first to its last speech frame inside it.
 */
function longestMonologue(mine: Uint8Array, other: Uint8Array): { frames: number; at: number } {
  let best = { frames: 0, at: 0 };
  let first = -1;
  let last = -1;
  const close = () => {
    if (first >= 0 && last - first + 1 > best.frames) best = { frames: last - first + 1, at: first };
    first = -1;
    last = -1;
  };
  for (let f = 0; f < mine.length; f++) {
    if (other[f]) {
      close();
      continue;
    }
    if (mine[f]) {
      if (first < 0) first = f;
      last = f;
    }
  }
  close();
  return best;
}

function segmentsOf(speech: Uint8Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const mergeFrames = 200 / FRAME_MS;
  for (let f = 0; f < speech.length;) {
    if (!speech[f]) {
      f++;
      continue;
    }
    let end = f;
    while (end < speech.length && speech[end]) end++;
    const prev = out[out.length - 1];
    if (prev && f * FRAME_MS - prev[1] < mergeFrames * FRAME_MS) prev[1] = end * FRAME_MS;
    else if (out.length < 2000) out.push([f * FRAME_MS, end * FRAME_MS]);
    f = end;
  }
  return out;
}

/** The figures of a recording given as one Int16Array per channel (8 kHz): [caller, callee]. */
export function analyzeSpeech(channels: readonly Int16Array[], opts: SpeechAnalyticsOptions = DEFAULT_OPTIONS): SpeechFigures {
  const empty = new Int16Array(0);
  const callerAudio = channels[0] ?? empty;
  const calleeAudio = channels[1] ?? new Int16Array(callerAudio.length);
  const caller = analyzeChannel(callerAudio, opts);
  const callee = analyzeChannel(calleeAudio, opts);
  const frames = Math.max(caller.speech.length, callee.speech.length);
  const a = padded(caller.speech, frames);
  const b = padded(callee.speech, frames);
  let talkA = 0;
  let talkB = 0;
  let both = 0;
  let neither = 0;
  let run = 0;
  let longestSilence = 0;
  for (let f = 0; f < frames; f++) {
    talkA += a[f];
    talkB += b[f];
    if (a[f] && b[f]) both++;
    if (!a[f] && !b[f]) {
      neither++;
      run++;
      if (run > longestSilence) longestSilence = run;
    } else run = 0;
  }
  const backchannel = Math.max(1, Math.round(opts.backchannelMs / FRAME_MS));
  const monoA = longestMonologue(a, withoutShortRuns(b, backchannel));
  const monoB = longestMonologue(b, withoutShortRuns(a, backchannel));
  const durationMs = frames * FRAME_MS;
  const side = (talk: number, mono: { frames: number }, ch: ChannelFrames): SideFigures => ({
    talkMs: talk * FRAME_MS,
    talkPct: pct(talk, frames),
    longestMonologueMs: mono.frames * FRAME_MS,
    ...agitationOf(ch),
  });
  const longest = monoA.frames === 0 && monoB.frames === 0 ? null
    : monoA.frames >= monoB.frames ? { side: 'caller' as const, ms: monoA.frames * FRAME_MS, atMs: monoA.at * FRAME_MS }
      : { side: 'callee' as const, ms: monoB.frames * FRAME_MS, atMs: monoB.at * FRAME_MS };
  return {
    frameMs: FRAME_MS,
    durationMs,
    caller: side(talkA, monoA, caller),
    callee: side(talkB, monoB, callee),
    silenceMs: neither * FRAME_MS,
    silencePct: pct(neither, frames),
    longestSilenceMs: longestSilence * FRAME_MS,
    overtalkMs: both * FRAME_MS,
    overtalkPct: pct(both, frames),
    talkListenRatio: talkA > 0 ? Math.round((100 * talkB) / talkA) / 100 : null,
    longestMonologue: longest,
    segments: { caller: segmentsOf(a), callee: segmentsOf(b) },
  };
}

function padded(speech: Uint8Array, frames: number): Uint8Array {
  if (speech.length === frames) return speech;
  const out = new Uint8Array(frames);
  out.set(speech);
  return out;
}

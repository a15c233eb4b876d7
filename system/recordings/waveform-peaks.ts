// The waveform summary the playback page draws: a recording's audio cut into `buckets` equal
// spans, and per channel the lowest and highest sample of each span, scaled to -1..1. Pure:
// takes decoded audio (media/wav.ts readWav), returns plain numbers.
import type { Wav } from '../../media/wav.ts';

export interface WaveformPeaks {
  sampleRate: number;
  durationMs: number;
  /** Spans per channel (fewer than asked when the recording has fewer samples). */
  buckets: number;
  /** One entry per channel (caller left first, then callee). */
  channels: { min: number[]; max: number[] }[];
}

const round = (v: number) => Math.round((v / 32768) * 10_000) / 10_000;

export function computePeaks(wav: Wav, wanted: number): WaveformPeaks {
  const frames = wav.samples[0]?.length ?? 0;
  const buckets = Math.max(0, Math.min(wanted, frames));
  const channels = wav.samples.map((s) => {
    const min = new Array<number>(buckets);
    const max = new Array<number>(buckets);
    for (let b = 0; b < buckets; b++) {
      const from = Math.floor((b * frames) / buckets);
      const to = Math.floor(((b + 1) * frames) / buckets);
      let lo = 32767;
      let hi = -32768;
      for (let i = from; i < to; i++) {
        const v = s[i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      min[b] = round(lo);
      max[b] = round(hi);
    }
    return { min, max };
  });
  return { sampleRate: wav.sampleRate, durationMs: Math.round((frames / wav.sampleRate) * 1000), buckets, channels };
}

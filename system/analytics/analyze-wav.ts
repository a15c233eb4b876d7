// A recording's WAV bytes to speech figures: parse (any PCM/G.711 WAV, media/wav.ts), bring each
// channel to 8 kHz, analyse (media/speech-analytics.ts). Shared by the worker thread and the
// service's on-thread fallback. Throws WavError on a file that is not a WAV.
import { analyzeSpeech, type SpeechFigures } from '../../media/speech-analytics.ts';
import { readWav, resample, TELEPHONY_RATE } from '../../media/wav.ts';

export interface AnalyticsJob {
  id: number;
  /** The plaintext WAV (transferred, not copied). */
  wav: ArrayBuffer;
}
export type AnalyticsReply = { id: number; figures: SpeechFigures } | { id: number; error: string };

export function analyzeRecordingWav(bytes: Buffer): SpeechFigures {
  const wav = readWav(bytes);
  const channels = wav.samples.map((ch) => (wav.sampleRate === TELEPHONY_RATE ? ch : Int16Array.from(resample(ch, wav.sampleRate, TELEPHONY_RATE), (v) => Math.max(-32768, Math.min(32767, Math.round(v))))));
  return analyzeSpeech(channels);
}

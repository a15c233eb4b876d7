// A recording's WAV bytes to speech figures: parse (any PCM/G.711 WAV, media/wav.ts), bring each
// channel to 8 kHz, analyse (media/speech-analytics.ts). Shared by the worker thread and the
// service's on-thread fallback, and the transcripts. Throws WavError on a file that is not a WAV.
import { analyzeSpeech, type SpeechFigures } from '../../media/speech-analytics.ts';
import { readWav, resample, TELEPHONY_RATE } from '../../media/wav.ts';
import type { RecordingAudio } from '../recordings/recording-audio.ts';

export interface AnalyticsJob {
  id: number;
  /** The plaintext WAV (transferred, not copied). */
  wav: ArrayBuffer;
}
export type AnalyticsReply = { id: number; figures: SpeechFigures } | { id: number; error: string };

/** Each channel of a WAV at 8 kHz (resampled when recorded at another rate). */
export function telephonyChannels(bytes: Buffer): Int16Array[] {
  const wav = readWav(bytes);
  return wav.samples.map((ch) => (wav.sampleRate === TELEPHONY_RATE ? ch : Int16Array.from(resample(ch, wav.sampleRate, TELEPHONY_RATE), (v) => Math.max(-32768, Math.min(32767, Math.round(v))))));
}

export function analyzeRecordingWav(bytes: Buffer): SpeechFigures {
  return analyzeSpeech(telephonyChannels(bytes));
}

/** A recording's whole plaintext WAV in memory. */
export async function readRecordingBytes(audio: RecordingAudio): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of audio.stream(0, Math.max(0, audio.length - 1))) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

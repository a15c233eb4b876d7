// Entry point of the speech analytics worker thread (started by SpeechAnalyticsService): parses
// a recording's plaintext WAV and runs media/speech-analytics.ts on it, so minutes of audio
// never block the main thread (SIP signalling, the API). One job at a time, answered by id.
import { parentPort } from 'node:worker_threads';
import { analyzeRecordingWav, type AnalyticsJob, type AnalyticsReply } from './analyze-wav.ts';

parentPort!.on('message', (m: AnalyticsJob | { close: true }) => {
  if ('close' in m) process.exit(0);
  let reply: AnalyticsReply;
  try {
    reply = { id: m.id, figures: analyzeRecordingWav(Buffer.from(m.wav)) };
  } catch (err) {
    reply = { id: m.id, error: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ ready: true });

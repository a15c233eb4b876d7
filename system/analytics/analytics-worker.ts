// Entry point of the speech analytics worker thread (started by SpeechAnalyticsService): parses
// a recording's plaintext WAV and runs media/speech-analytics.ts on it, so minutes of audio
// never block the main thread (SIP signalling, the API). One job at a time, answered by id.
// The thread runs at nice 10: calls end in bursts (a shift's end, a mass hang-up), and their
// analysis must not take the CPU from the calls still up (forwarding, recording).
import { parentPort } from 'node:worker_threads';
import { setThisThreadNiceness } from '../../media/worker-priority.ts';
import { analyzeRecordingWav, type AnalyticsJob, type AnalyticsReply } from './analyze-wav.ts';

const ANALYTICS_THREAD_NICENESS = 10;
setThisThreadNiceness(ANALYTICS_THREAD_NICENESS);

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

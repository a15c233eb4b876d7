// Transcription benchmark (`npm run bench:transcribe`, no arguments, a few minutes): the word
// accuracy of the box's offline transcriber (media/speech-pocketsphinx.ts `transcribe`: Debian
// pocketsphinx en-us with its general language model) on telephone audio, the figure the
// recordings page shows next to every transcript. Conventions: ../shared/docs/BENCHMARKS.md.
//
// Labelled set: 20 call-centre sentences with known text, spoken by espeak-ng (one voice, two
// speeds = 40 utterances; synthetic voices only: Debian ships no transcribed real telephone
// speech), taken through the same path a call's audio takes: 8 kHz, G.711 μ-law. Word accuracy
// = 100 − WER (word-level edit distance ÷ reference words, over the whole set). Baseline: the
// same utterances at 16 kHz without the telephone channel (what the model was trained for).
// Exits 0 whenever it ran (2 when pocketsphinx or espeak-ng is missing: run npm run setup).
import { execFileSync } from 'node:child_process';
import { PocketsphinxRecognizer } from '../../media/speech-pocketsphinx.ts';
import { readWav, resample, toTelephony } from '../../media/wav.ts';
import { decodeUlaw, encodeUlaw } from '../../media/g711.ts';
import { wordErrors } from '../../media/word-errors.ts';
import { printResults, record, round, say } from './lib/report.ts';

const SENTENCES = [
  'i would like to check my account balance',
  'my internet connection has been down since yesterday',
  'can you tell me when my order will arrive',
  'i need to change the address on my account',
  'the bill this month is higher than usual',
  'please cancel my subscription',
  'i want to speak to a manager',
  'my password does not work',
  'thank you for calling how can i help you',
  'could you give me your account number please',
  'i will transfer you to the billing department',
  'is there anything else i can help you with',
  'the payment was made last friday',
  'i did not receive the confirmation email',
  'please hold while i check that for you',
  'we will send a technician tomorrow morning',
  'your ticket number is one two three four',
  'the service has been very slow this week',
  'i would like a refund for this order',
  'have a nice day goodbye',
];
const VOICES = ['en-us'];
const SPEEDS = [150, 175];

const engine = PocketsphinxRecognizer.open({ maxConcurrent: 2 });
let espeakOk = true;
try {
  execFileSync('espeak-ng', ['--version']);
} catch {
  espeakOk = false;
}
if (!engine || !espeakOk) {
  console.error('pocketsphinx (pocketsphinx, pocketsphinx-en-us) or espeak-ng is not installed: run npm run setup');
  process.exit(2);
}

const ulaw = (x: Int16Array) => decodeUlaw(encodeUlaw(x));
const asInt16 = (x: ArrayLike<number>) => Int16Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));

let refWords = 0;
let errors8k = 0;
let errors16k = 0;
let decodes = 0;
let audioMs = 0;
const jobs: Promise<void>[] = [];
for (const voice of VOICES) {
  for (const speed of SPEEDS) {
    for (const sentence of SENTENCES) {
      const wav = readWav(execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '--stdout', sentence], { maxBuffer: 16 * 1024 * 1024 }));
      const audio8k = ulaw(toTelephony(wav));
      const wide16k = asInt16(resample(wav.samples[0], wav.sampleRate, 16000));
      audioMs += (audio8k.length / 8000) * 1000;
      jobs.push((async () => {
        const [narrow, wide] = await Promise.all([engine.transcribe(audio8k), engine.transcribeWideband(wide16k)]);
        const e8 = wordErrors(sentence, narrow.text);
        const e16 = wordErrors(sentence, wide.text);
        refWords += e8.reference;
        errors8k += e8.errors;
        errors16k += e16.errors;
        decodes++;
        if (decodes % 10 === 0) say(`${decodes} utterances decoded; e.g. "${sentence}" -> "${narrow.text}"`);
      })());
    }
  }
}
await Promise.all(jobs);
const acc8 = 100 * (1 - errors8k / refWords);
const acc16 = 100 * (1 - errors16k / refWords);
say(`${decodes} utterances, ${refWords} reference words, ${round(audioMs / 1000, 1)} s of audio; engine ${engine.name}`);
record({ figure: 'transcript_word_accuracy', value: round(acc8, 1), unit: '%', baseline: round(acc16, 1), target: '-' });
record({ figure: 'transcript_word_accuracy_wideband', value: round(acc16, 1), unit: '%', target: '-' });
printResults();

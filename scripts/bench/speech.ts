// Speech keyword benchmark (`npm run bench:speech`, no arguments, about a minute): how often the
// IVR's recogniser (media/speech-pocketsphinx.ts, Debian pocketsphinx en-us) picks the right
// keyword from a small grammar, on real 8 kHz voice, through the same path a caller takes:
// G.711 μ-law round trip, the energy endpointer with line noise around the word, then the
// recogniser. Conventions: ../shared/docs/BENCHMARKS.md.
//
// Labelled set, built at run time from what the machine has:
//  - real voice: Debian asterisk-core-sounds-en-wav (Allison Smith, recorded at 8 kHz): digits
//    zero..nine, weekdays, months, the NATO alphabet; each against its own grammar;
//  - espeak-ng voices (six, two speeds): IVR keywords (sales, support, billing, operator, ...)
//    and digits, synthesised, resampled to 8 kHz.
// Baseline: the espeak items synthesised and decoded at 16 kHz without the telephone channel
// (what the model was trained for), so the ratio shows what the 8 kHz channel costs.
// Chance level of each grammar is printed too. Exits 0 whenever it ran (2 when pocketsphinx or
// the sounds are missing: run npm run setup).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PocketsphinxRecognizer } from '../../media/speech-pocketsphinx.ts';
import { Endpointer } from '../../media/speech-endpointer.ts';
import { readWav, resample, toTelephony } from '../../media/wav.ts';
import { decodeUlaw, encodeUlaw } from '../../media/g711.ts';
import { printResults, record, round, say } from './lib/report.ts';

const SOUNDS = '/usr/share/asterisk/sounds/en_US_f_Allison';
const DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
const NATO = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey', 'x-ray', 'yankee', 'zulu'];
const KEYWORDS = ['sales', 'support', 'billing', 'operator', 'agent', 'yes', 'no', 'repeat', 'cancel', 'balance'];
const VOICES = ['en-us', 'en-gb', 'en-us+f2', 'en-gb-x-rp+m3', 'en-029', 'en-gb-scotland+f4'];
const SPEEDS = [150, 185];

interface Item {
  set: string;
  word: string;
  grammar: readonly string[];
  audio8k: Int16Array;
  /** The same utterance at 16 kHz without the telephone channel (espeak only). */
  wide16k?: Int16Array;
}

const recognizer = PocketsphinxRecognizer.open({ maxConcurrent: 2 });
if (!recognizer || !existsSync(SOUNDS)) {
  console.error('pocketsphinx (pocketsphinx, pocketsphinx-en-us) or asterisk-core-sounds-en-wav is not installed: run npm run setup');
  process.exit(2);
}

/** Through a G.711 μ-law channel, as a caller's audio arrives. */
const ulaw = (x: Int16Array) => decodeUlaw(encodeUlaw(x));
const asInt16 = (x: ArrayLike<number>) => Int16Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v))));

function espeak(voice: string, speed: number, text: string): { audio8k: Int16Array; wide16k: Int16Array } {
  const wav = readWav(execFileSync('espeak-ng', ['-v', voice, '-s', String(speed), '--stdout', text], { maxBuffer: 16 * 1024 * 1024 }));
  return { audio8k: ulaw(toTelephony(wav)), wide16k: asInt16(resample(wav.samples[0], wav.sampleRate, 16000)) };
}

function items(): Item[] {
  const out: Item[] = [];
  const real = (set: string, grammar: readonly string[], file: (i: number) => string) =>
    grammar.forEach((word, i) => {
      const path = join(SOUNDS, file(i));
      if (existsSync(path)) out.push({ set, word, grammar, audio8k: ulaw(toTelephony(readWav(readFileSync(path)))) });
    });
  real('real-digits', DIGITS, (i) => `digits/${i}.wav`);
  real('real-days', DAYS, (i) => `digits/day-${i}.wav`);
  real('real-months', MONTHS, (i) => `digits/mon-${i}.wav`);
  real('real-nato', NATO, (i) => `phonetic/${String.fromCharCode(97 + i)}_p.wav`);
  for (const voice of VOICES) {
    for (const speed of SPEEDS) for (const word of KEYWORDS) out.push({ set: 'espeak-keywords', word, grammar: KEYWORDS, ...espeak(voice, speed, word) });
    for (const word of DIGITS) out.push({ set: 'espeak-digits', word, grammar: DIGITS, ...espeak(voice, 170, word) });
  }
  return out;
}

/** 400 ms of quiet line noise, the word, 900 ms of noise: what the IVR's endpointer sees. */
function onTheLine(word: Int16Array, seed: number): Int16Array {
  let s = seed;
  const noise = (n: number) => Int16Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff - 0.5) * 120);
  const out = new Int16Array(3200 + word.length + 7200);
  out.set(noise(3200), 0);
  out.set(word, 3200);
  out.set(noise(7200), 3200 + word.length);
  return out;
}

async function main(): Promise<void> {
  const set = items();
  say(`${set.length} utterances (${set.filter((i) => i.set.startsWith('real')).length} real voice, ${set.filter((i) => !i.set.startsWith('real')).length} espeak-ng); recogniser ${recognizer!.name}`);
  const tally = new Map<string, { ok: number; n: number; chance: number }>();
  const add = (key: string, ok: boolean, grammar: readonly string[]) => {
    const t = tally.get(key) ?? { ok: 0, n: 0, chance: 0 };
    t.n++;
    t.chance += 1 / grammar.length;
    if (ok) t.ok++;
    tally.set(key, t);
  };
  const misses: string[] = [];
  let decodeMs = 0;
  let decodes = 0;
  let seed = 7;
  const work = set.map((item) => async () => {
    const ep = new Endpointer({ noSpeechMs: 3000, maxSpeechMs: 4000 });
    const line = onTheLine(item.audio8k, seed++);
    for (let i = 0; i < line.length && ep.state !== 'done'; i += 160) ep.push(line.subarray(i, i + 160));
    const utterance = ep.utterance();
    const res = utterance ? await recognizer!.recognize(utterance, item.grammar) : { phrase: undefined, raw: '(no speech found)', ms: 0 };
    decodeMs += res.ms;
    decodes++;
    const ok = res.phrase === item.word;
    add('all', ok, item.grammar);
    add(item.set.startsWith('real') ? 'real' : 'espeak', ok, item.grammar);
    add(item.set, ok, item.grammar);
    if (!ok) misses.push(`${item.set}: ${item.word} -> ${res.raw || '(nothing)'}`);
    if (item.wide16k) add('espeak-wideband', (await recognizer!.recognizeWideband(item.wide16k, item.grammar)).phrase === item.word, item.grammar);
  });
  // Two at a time (the box has two cores; the recogniser allows two processes).
  const queue = [...work];
  await Promise.all([0, 1].map(async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  }));
  const pct = (key: string) => {
    const t = tally.get(key);
    return t && t.n ? (100 * t.ok) / t.n : 0;
  };
  for (const [key, t] of [...tally.entries()].sort()) say(`${key.padEnd(16)} ${t.ok}/${t.n} = ${round((100 * t.ok) / t.n, 1)} % (chance ${round((100 * t.chance) / t.n, 1)} %)`);
  say(`misses (first 40 of ${misses.length}):\n  ${misses.slice(0, 40).join('\n  ')}`);
  say(`mean decode time ${round(decodeMs / Math.max(1, decodes), 0)} ms per utterance (one pocketsphinx_batch process each)`);
  record({ figure: 'keyword_accuracy', value: round(pct('all'), 1), unit: '%', baseline: round(pct('espeak-wideband'), 1), target: '>=90' });
  record({ figure: 'keyword_accuracy_real_voice', value: round(pct('real'), 1), unit: '%', target: '>=90' });
  record({ figure: 'keyword_accuracy_espeak_8k', value: round(pct('espeak'), 1), unit: '%', baseline: round(pct('espeak-wideband'), 1), target: '>=90' });
  record({ figure: 'speech_decode_ms', value: round(decodeMs / Math.max(1, decodes), 0), unit: 'ms', target: '-' });
  printResults();
}

main().catch((err) => {
  console.error(err);
  process.exit(2);
});

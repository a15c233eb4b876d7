// Mixer micro-benchmark (`npm run bench:mixer`, no arguments, a few seconds): CPU cost of one
// MixMinus tick per party and 20 ms frame with 8 talking parties, against a baseline that only
// copies each party's frame into a fresh output array. Conventions: docs/BENCHMARKS.md.
//
// 8 parties × 1000 frames (20 s of conference audio) per round; 3 warm-up rounds, then the median
// of 15 timed rounds for both the mixer and the baseline. Prints RESULT lines last; exits 0
// whenever it ran.
import { FRAME_SAMPLES, MixMinus, SAMPLE_RATE } from '../../media/mixer.ts';
import { printResults, record, say } from './lib/report.ts';

const PARTIES = 8;
const FRAMES = 1000;
const WARMUP = 3;
const ROUNDS = 15;

// Pre-built input: each party a tone at its own frequency, 50 distinct frames cycled.
const CYCLE = 50;
const input: Int16Array[][] = [];
for (let p = 0; p < PARTIES; p++) {
  const frames: Int16Array[] = [];
  for (let n = 0; n < CYCLE; n++) {
    const f = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      f[i] = Math.round(6000 * Math.sin((2 * Math.PI * (300 + 350 * p) * (n * FRAME_SAMPLES + i)) / SAMPLE_RATE));
    }
    frames.push(f);
  }
  input.push(frames);
}
const ids = Array.from({ length: PARTIES }, (_, p) => `party-${p}`);

let sink = 0; // keeps results alive so nothing is optimised away

function mixerRound(): number {
  const m = new MixMinus();
  for (const id of ids) m.addParty(id);
  const t0 = process.hrtime.bigint();
  for (let n = 0; n < FRAMES; n++) {
    for (let p = 0; p < PARTIES; p++) m.push(ids[p], input[p][n % CYCLE]);
    const out = m.mix();
    sink += out.get(ids[n % PARTIES])![n % FRAME_SAMPLES];
  }
  return Number(process.hrtime.bigint() - t0) / 1000;
}

function copyRound(): number {
  const t0 = process.hrtime.bigint();
  for (let n = 0; n < FRAMES; n++) {
    const out = new Map<string, Int16Array>();
    for (let p = 0; p < PARTIES; p++) out.set(ids[p], new Int16Array(input[p][n % CYCLE]));
    sink += out.get(ids[n % PARTIES])![n % FRAME_SAMPLES];
  }
  return Number(process.hrtime.bigint() - t0) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

for (let i = 0; i < WARMUP; i++) {
  mixerRound();
  copyRound();
}
const mixUs: number[] = [];
const copyUs: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  mixUs.push(mixerRound());
  copyUs.push(copyRound());
}
const perMix = median(mixUs) / (PARTIES * FRAMES);
const perCopy = median(copyUs) / (PARTIES * FRAMES);
say(`${PARTIES} parties × ${FRAMES} frames, median of ${ROUNDS} rounds: mixer ${median(mixUs).toFixed(0)} us/round, copy ${median(copyUs).toFixed(0)} us/round (sink ${sink & 1})`);
say(`a 20 ms tick for ${PARTIES} parties costs ${(perMix * PARTIES).toFixed(2)} us of CPU (${((perMix * PARTIES) / 200).toFixed(3)} % of one core)`);
record({ figure: 'mixer_us_per_party_frame', value: perMix, unit: 'us', baseline: perCopy, target: '-' });
printResults();

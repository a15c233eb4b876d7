// In-band DTMF detection on 8 kHz linear audio (for peers that send tones in the audio
// instead of RFC 4733 events): Goertzel filters on sliding windows, the usual validity checks
// against speech and noise, and debouncing so that one key press gives exactly one digit.

const RATE = 8000;
/** Goertzel window: 102 samples (12.75 ms) puts the neighbouring DTMF tones near a spectral null. */
const WINDOW = 102;
/** A window every 34 samples (4.25 ms), for timing resolution finer than the 40 ms / 23 ms limits. */
const HOP = 34;

const ROWS = [697, 770, 852, 941];
const COLS = [1209, 1336, 1477, 1633];
const KEYS = ['123A', '456B', '789C', '*0#D'];
/** Peak of a 0 dBm0 sine in 16-bit linear G.711 audio (G.711: the largest sine is +3.14 dBm0). */
const DBM0_PEAK = 32768 * 10 ** (-3.14 / 20);
/**
 * One window's twist can be off by about ±1.5 dB (the strong tone's sidelobes add to the weak
 * one, in a phase that varies from window to window): windows are checked against the limits
 * widened by this much, and the digit against the exact limits on energies averaged over its run.
 */
const TWIST_WINDOW_MARGIN_DB = 2;
/**
 * Frequency tolerance: a tone is taken when it is nearer its nominal frequency than 5 % off it
 * (so within ±2.5 %: ±1.5 % must be accepted, ±3.5 % rejected), judged on energies summed over
 * the digit's windows, with Goertzel filters at 0.95 f and 1.05 f.
 */
const OFF_FREQUENCY = 0.05;

export interface InbandDtmfOptions {
  /** Weakest tone (each of the two) accepted, dBm0. Default −38. */
  minToneDbm0?: number;
  /** Low-group tone louder than the high-group one by at most this ("normal twist"). Default 8 dB. */
  normalTwistDb?: number;
  /** High-group tone louder than the low-group one by at most this ("reverse twist"). Default 4 dB. */
  reverseTwistDb?: number;
  /** Each tone this much above the other frequencies of its group. Default 8 dB. */
  relativePeakDb?: number;
  /** The two tones hold at least this fraction of the window's energy. Default 0.75. */
  minEnergyFraction?: number;
  /** The 2nd harmonic of the low / high tone is at least this much below it. Defaults 8 / 12 dB. */
  rowHarmonicDb?: number;
  colHarmonicDb?: number;
  /** Consecutive agreeing windows before a digit is reported. Default 7 (a tone of about 38 ms). */
  minWindows?: number;
  /** Consecutive windows without the digit that end it (the pause that separates key presses). Default 6. */
  endWindows?: number;
}

const DEFAULTS: Required<InbandDtmfOptions> = {
  minToneDbm0: -38,
  normalTwistDb: 8,
  reverseTwistDb: 4,
  relativePeakDb: 8,
  minEnergyFraction: 0.75,
  rowHarmonicDb: 8,
  colHarmonicDb: 12,
  minWindows: 7,
  endWindows: 6,
};

function coefficient(freq: number): number {
  return 2 * Math.cos((2 * Math.PI * freq) / RATE);
}
const ROW_COEF = ROWS.map(coefficient);
const COL_COEF = COLS.map(coefficient);
const ROW_HARM_COEF = ROWS.map((f) => coefficient(2 * f));
const COL_HARM_COEF = COLS.map((f) => coefficient(2 * f));
const ROW_LOW_COEF = ROWS.map((f) => coefficient(f * (1 - OFF_FREQUENCY)));
const ROW_HIGH_COEF = ROWS.map((f) => coefficient(f * (1 + OFF_FREQUENCY)));
const COL_LOW_COEF = COLS.map((f) => coefficient(f * (1 - OFF_FREQUENCY)));
const COL_HIGH_COEF = COLS.map((f) => coefficient(f * (1 + OFF_FREQUENCY)));

/** Energies of one window (or summed over a run): the two tones, and beside each at ±5 %. */
interface ToneEnergies {
  row: number;
  rowLow: number;
  rowHigh: number;
  col: number;
  colLow: number;
  colHigh: number;
}
const zeroEnergies = (): ToneEnergies => ({ row: 0, rowLow: 0, rowHigh: 0, col: 0, colLow: 0, colHigh: 0 });

/** Mean power of the component at the Goertzel frequency (a sine of amplitude A gives A²/2). */
function goertzelPower(x: Float64Array, coef: number): number {
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i] + coef * s1 - s2;
    s2 = s1;
    s1 = s;
  }
  return (2 * (s1 * s1 + s2 * s2 - coef * s1 * s2)) / (x.length * x.length);
}

/**
 * Calls `onDigit(digit, atMs)` once per key press, `atMs` being where the tone began (within a
 * few ms) counted from the first sample pushed. Timing: a tone of 40 ms or more is reported, one
 * of 30 ms or less is not; a break of up to 10 ms inside a tone does not split it, a pause of
 * 20 ms or more separates two presses of the same key. Tones must be within ±2.5 % of nominal
 * (±1.5 % is always taken, ±3 % never) and at least −38 dBm0 each.
 *
 * Twist convention (as in spandsp and Asterisk): "normal" twist is the high-group tone weaker
 * than the low-group one (line loss does that), "reverse" twist is it stronger.
 */
export class InbandDtmfDetector {
  private readonly opts: Required<InbandDtmfOptions>;
  private readonly minTonePower: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private readonly windowNormalTwist: number;
  private readonly windowReverseTwist: number;
  private readonly relativePeak: number;
  private readonly rowHarmonic: number;
  private readonly colHarmonic: number;
  private readonly ring = new Float64Array(WINDOW);
  private readonly window = new Float64Array(WINDOW);
  private ringPos = 0;
  private samples = 0;
  /** The digit the current run of windows agrees on (undefined: no digit), its length and first window. */
  private runDigit: string | undefined;
  private runLength = 0;
  private runStart = 0;
  private runEnergies = zeroEnergies();
  /** Energies found by the last analyse() that gave a digit. */
  private readonly energies = zeroEnergies();
  /** The digit being held down, and how many windows have gone by without it. */
  private inDigit: string | undefined;
  private misses = 0;

  constructor(
    private readonly onDigit: (digit: string, atMs: number) => void,
    options: InbandDtmfOptions = {},
  ) {
    this.opts = { ...DEFAULTS, ...options };
    const peak = DBM0_PEAK * 10 ** (this.opts.minToneDbm0 / 20);
    this.minTonePower = (peak * peak) / 2;
    this.normalTwist = 10 ** (this.opts.normalTwistDb / 10);
    this.reverseTwist = 10 ** (this.opts.reverseTwistDb / 10);
    this.windowNormalTwist = 10 ** ((this.opts.normalTwistDb + TWIST_WINDOW_MARGIN_DB) / 10);
    this.windowReverseTwist = 10 ** ((this.opts.reverseTwistDb + TWIST_WINDOW_MARGIN_DB) / 10);
    this.relativePeak = 10 ** (this.opts.relativePeakDb / 10);
    this.rowHarmonic = 10 ** (this.opts.rowHarmonicDb / 10);
    this.colHarmonic = 10 ** (this.opts.colHarmonicDb / 10);
  }

  /** Feeds audio; chunks may be of any size. */
  push(samples: Int16Array): void {
    for (let i = 0; i < samples.length; i++) {
      this.ring[this.ringPos] = samples[i];
      this.ringPos = this.ringPos + 1 === WINDOW ? 0 : this.ringPos + 1;
      this.samples++;
      if (this.samples >= WINDOW && this.samples % HOP === 0) this.step(this.analyse(), this.samples - WINDOW);
    }
  }

  /** The digit whose tones fill the last WINDOW samples, if the window passes every check. */
  private analyse(): string | undefined {
    const x = this.window;
    const tail = WINDOW - this.ringPos;
    x.set(this.ring.subarray(this.ringPos), 0);
    x.set(this.ring.subarray(0, this.ringPos), tail);

    let total = 0;
    for (let i = 0; i < WINDOW; i++) total += x[i] * x[i];
    total /= WINDOW;
    if (total < 2 * this.minTonePower) return undefined;

    const rows = ROW_COEF.map((c) => goertzelPower(x, c));
    const cols = COL_COEF.map((c) => goertzelPower(x, c));
    const r = argmax(rows);
    const c = argmax(cols);
    const er = rows[r];
    const ec = cols[c];
    if (er < this.minTonePower || ec < this.minTonePower) return undefined;
    if (ec > er * this.windowReverseTwist || er > ec * this.windowNormalTwist) return undefined;
    for (let i = 0; i < 4; i++) {
      if (i !== r && rows[i] * this.relativePeak > er) return undefined;
      if (i !== c && cols[i] * this.relativePeak > ec) return undefined;
    }
    if (er + ec < this.opts.minEnergyFraction * total) return undefined;
    // Speech is rich in harmonics; DTMF is not. The low tone's 2nd harmonic (1394-1882 Hz) is
    // not checked when it falls within 100 Hz of the high tone, whose leakage would dominate it.
    if (Math.abs(2 * ROWS[r] - COLS[c]) >= 100 && goertzelPower(x, ROW_HARM_COEF[r]) * this.rowHarmonic > er) return undefined;
    if (goertzelPower(x, COL_HARM_COEF[c]) * this.colHarmonic > ec) return undefined;
    const e = this.energies;
    e.row = er;
    e.col = ec;
    e.rowLow = goertzelPower(x, ROW_LOW_COEF[r]);
    e.rowHigh = goertzelPower(x, ROW_HIGH_COEF[r]);
    e.colLow = goertzelPower(x, COL_LOW_COEF[c]);
    e.colHigh = goertzelPower(x, COL_HIGH_COEF[c]);
    return KEYS[r][c];
  }

  /** Debouncing: a run of `minWindows` agreeing windows starts a digit, `endWindows` others end it. */
  private step(hit: string | undefined, windowStart: number): void {
    if (hit !== undefined && hit === this.runDigit) this.runLength++;
    else {
      this.runDigit = hit;
      this.runLength = hit === undefined ? 0 : 1;
      this.runStart = windowStart;
      this.runEnergies = zeroEnergies();
    }
    if (hit !== undefined) {
      const run = this.runEnergies;
      const e = this.energies;
      run.row += e.row;
      run.rowLow += e.rowLow;
      run.rowHigh += e.rowHigh;
      run.col += e.col;
      run.colLow += e.colLow;
      run.colHigh += e.colHigh;
    }

    if (this.inDigit !== undefined) {
      if (hit === this.inDigit) {
        this.misses = 0;
        return;
      }
      this.misses++;
      if (this.misses >= this.opts.endWindows) this.inDigit = undefined;
      // Another digit straight after this one (keys rolled without a pause) takes over.
      if (hit === undefined || this.runLength < this.opts.minWindows) return;
    }
    if (hit !== undefined && this.runLength >= this.opts.minWindows && this.runChecksOk()) {
      this.inDigit = hit;
      this.misses = 0;
      this.onDigit(hit, (this.runStart * 1000) / RATE);
    }
  }

  /** Twist and frequency, on the energies summed over the run (steadier than one window's). */
  private runChecksOk(): boolean {
    const e = this.runEnergies;
    if (e.col > e.row * this.reverseTwist || e.row > e.col * this.normalTwist) return false;
    return e.row > Math.max(e.rowLow, e.rowHigh) && e.col > Math.max(e.colLow, e.colHigh);
  }
}

function argmax(v: number[]): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

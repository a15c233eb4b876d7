// Finds one utterance in a stream of 8 kHz telephone audio by energy: per 20 ms frame the RMS
// is compared with a threshold that follows the line's noise floor; a few loud frames start
// speech (with a short pre-roll kept), a stretch of quiet ends it. Counts time in samples, not
// on a clock, so it is pure and testable; whoever feeds it adds a wall-clock backstop for a
// caller who sends no packets at all. Also used to stop a recorded message after silence.

export interface EndpointerOptions {
  /** No speech within this much audio: the result is silence. */
  noSpeechMs: number;
  /** Longest utterance kept. */
  maxSpeechMs: number;
  /** Quiet after speech that ends the utterance. */
  endSilenceMs?: number;
  /** Lowest RMS counted as speech (16-bit linear); the threshold is at least this. */
  minThreshold?: number;
}

export type EndpointerState = 'waiting' | 'speaking' | 'done';

const FRAME = 160;
const START_FRAMES = 3;
const PREROLL_FRAMES = 10;

export class Endpointer {
  state: EndpointerState = 'waiting';
  private readonly frame = new Int16Array(FRAME);
  private filled = 0;
  private frames = 0;
  private loudRun = 0;
  private quietRun = 0;
  private noise = 0;
  private readonly kept: Int16Array[] = [];
  private readonly preroll: Int16Array[] = [];
  private speechFrames = 0;
  private readonly endSilenceFrames: number;
  private readonly minThreshold: number;

  constructor(private readonly opts: EndpointerOptions) {
    this.endSilenceFrames = Math.ceil((opts.endSilenceMs ?? 700) / 20);
    this.minThreshold = opts.minThreshold ?? 400;
  }

  /** The current speech threshold (RMS). */
  get threshold(): number {
    return Math.max(this.minThreshold, this.noise * 4);
  }

  /** Feed audio; returns the state after it. */
  push(samples: Int16Array): EndpointerState {
    let i = 0;
    while (i < samples.length && this.state !== 'done') {
      const n = Math.min(FRAME - this.filled, samples.length - i);
      this.frame.set(samples.subarray(i, i + n), this.filled);
      this.filled += n;
      i += n;
      if (this.filled === FRAME) {
        this.filled = 0;
        this.onFrame(this.frame.slice());
      }
    }
    return this.state;
  }

  private onFrame(f: Int16Array): void {
    this.frames++;
    let sum = 0;
    for (let i = 0; i < f.length; i++) sum += f[i] * f[i];
    const rms = Math.sqrt(sum / f.length);
    const loud = rms >= this.threshold;
    if (this.state === 'waiting') {
      // The noise floor follows quiet frames (fast down, slow up).
      if (!loud) this.noise = this.noise === 0 ? rms : rms < this.noise ? rms : this.noise * 0.95 + rms * 0.05;
      this.preroll.push(f);
      if (this.preroll.length > PREROLL_FRAMES) this.preroll.shift();
      this.loudRun = loud ? this.loudRun + 1 : 0;
      if (this.loudRun >= START_FRAMES) {
        this.state = 'speaking';
        this.kept.push(...this.preroll);
        this.speechFrames = this.preroll.length;
      } else if (this.frames * 20 >= this.opts.noSpeechMs) this.state = 'done';
      return;
    }
    this.kept.push(f);
    this.speechFrames++;
    this.quietRun = loud ? 0 : this.quietRun + 1;
    if (this.quietRun >= this.endSilenceFrames || this.speechFrames * 20 >= this.opts.maxSpeechMs) this.state = 'done';
  }

  /** Whether speech was heard. */
  get heardSpeech(): boolean {
    return this.kept.length > 0;
  }

  /** The utterance (pre-roll included, trailing quiet trimmed to 200 ms), or undefined for silence. */
  utterance(): Int16Array | undefined {
    if (!this.kept.length) return undefined;
    const keep = this.kept.length - Math.max(0, this.quietRun - 10);
    const out = new Int16Array(keep * FRAME);
    for (let k = 0; k < keep; k++) out.set(this.kept[k], k * FRAME);
    return out;
  }
}

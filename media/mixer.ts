// Conference mix-minus for up to 8 parties of 8 kHz 16-bit linear audio in 20 ms frames: each
// party hears the sum of everyone else, soft-limited (never wraps), plus per-party gain and
// the supervisor modes listen-only and whisper. Pure and synchronous; one instance per room.

export const SAMPLE_RATE = 8000;
export const FRAME_SAMPLES = 160; // 20 ms at 8 kHz
export const MAX_PARTIES = 8;

/** Highest gain setGain accepts; keeps 8 × 32768 × gain well inside Int32 and float precision. */
export const MAX_GAIN = 16;

/** The soft clipper is linear up to this magnitude, then bends smoothly towards full scale. */
export const LIMIT_KNEE = 24576; // -2.5 dBFS
const FULL_SCALE = 32767;
const KNEE_SPAN = FULL_SCALE - LIMIT_KNEE;

interface Party {
  id: string;
  gain: number;
  listenOnly: boolean;
  /** Set: this party's audio goes only to that party (who may have left: then to nobody). */
  whisperTo: string | undefined;
  /** The latest frame pushed since the last mix(), or silence. */
  frame: Int16Array;
  hasFrame: boolean;
  /** Its frame after gain, as it enters the mix (valid during mix() when contributing). */
  contrib: Int32Array;
  /** During mix(): whether contrib went into the room total. */
  inTotal: boolean;
}

/** Integer sum -> Int16 sample: exact below the knee, soft-clipped above. */
function limit(s: number): number {
  return s <= LIMIT_KNEE && s >= -LIMIT_KNEE ? s : Math.round(softClip(s));
}

/**
 * Soft clipper: identity for |x| <= LIMIT_KNEE, above it a tanh curve with slope 1 at the knee
 * that approaches but never passes full scale. Monotone, odd, so loud sums saturate instead of
 * wrapping round to the opposite sign.
 */
export function softClip(x: number): number {
  if (x <= LIMIT_KNEE && x >= -LIMIT_KNEE) return x;
  if (x !== x) return 0; // NaN
  const over = (Math.abs(x) - LIMIT_KNEE) / KNEE_SPAN;
  const y = LIMIT_KNEE + KNEE_SPAN * Math.tanh(over);
  return x > 0 ? y : -y;
}

export class MixMinus {
  private readonly parties = new Map<string, Party>();
  private readonly total = new Int32Array(FRAME_SAMPLES);

  get size(): number {
    return this.parties.size;
  }

  has(id: string): boolean {
    return this.parties.has(id);
  }

  ids(): string[] {
    return [...this.parties.keys()];
  }

  /** Adds a party (no-op if already present). Throws when the room already holds MAX_PARTIES. */
  addParty(id: string): void {
    if (this.parties.has(id)) return;
    if (this.parties.size >= MAX_PARTIES) throw new RangeError(`mixer is full (${MAX_PARTIES} parties); cannot add ${id}`);
    this.parties.set(id, {
      id,
      gain: 1,
      listenOnly: false,
      whisperTo: undefined,
      frame: new Int16Array(FRAME_SAMPLES),
      hasFrame: false,
      contrib: new Int32Array(FRAME_SAMPLES),
      inTotal: false,
    });
  }

  /**
   * Removes a party; returns whether it was there. Anyone whispering to it stays a whisperer
   * (heard by nobody) rather than suddenly being heard by the whole room.
   */
  removeParty(id: string): boolean {
    return this.parties.delete(id);
  }

  /**
   * Stores the latest 20 ms frame of a party (copied; the caller may reuse its buffer). A later
   * push before the next mix() replaces it. Returns false for an unknown party (e.g. a late
   * packet after removeParty). Throws on a frame that is not FRAME_SAMPLES long.
   */
  push(id: string, frame: Int16Array): boolean {
    const p = this.parties.get(id);
    if (!p) return false;
    if (frame.length !== FRAME_SAMPLES) throw new RangeError(`frame must be ${FRAME_SAMPLES} samples, got ${frame.length}`);
    p.frame.set(frame);
    p.hasFrame = true;
    return true;
  }

  /** Linear gain applied to this party's contribution (0 mutes it). Clamped to [0, MAX_GAIN]. */
  setGain(id: string, gain: number): void {
    const p = this.must(id);
    p.gain = Number.isFinite(gain) ? Math.min(MAX_GAIN, Math.max(0, gain)) : gain === Infinity ? MAX_GAIN : 0;
  }

  /** Listen-only: the party hears everyone and contributes nothing (supervisor listen). */
  setListenOnly(id: string, listenOnly: boolean): void {
    this.must(id).listenOnly = listenOnly;
  }

  /**
   * Whisper: only `to` hears `from`; everyone else stops hearing `from`. `from` still hears
   * everyone. `to` = undefined ends the whisper and `from` is heard by the room again (unless
   * listen-only, which wins over whisper).
   */
  setWhisper(from: string, to: string | undefined): void {
    const p = this.must(from);
    if (to === from) throw new Error(`party ${from} cannot whisper to itself`);
    if (to !== undefined) this.must(to);
    p.whisperTo = to;
  }

  /**
   * One 20 ms tick: for every party, the sum of all others that contribute to it, soft-limited.
   * O(N) per tick: the room total is built once and each party's own contribution subtracted
   * (exact integer arithmetic, so a party's own audio cancels completely); whispers are summed
   * per target and added to that one party only. Consumes the pushed frames: a party that
   * pushes nothing before the next tick contributes silence there. The returned frames are new
   * arrays the caller may keep.
   */
  mix(): Map<string, Int16Array> {
    const total = this.total;
    total.fill(0);
    const whispers = new Map<string, Int32Array>(); // target id -> sum of what is whispered to it

    for (const p of this.parties.values()) {
      p.inTotal = false;
      if (!p.hasFrame || p.listenOnly || p.gain === 0) continue;
      const c = p.contrib;
      const f = p.frame;
      if (p.gain === 1) {
        for (let i = 0; i < FRAME_SAMPLES; i++) c[i] = f[i];
      } else {
        const g = p.gain;
        for (let i = 0; i < FRAME_SAMPLES; i++) c[i] = Math.round(f[i] * g);
      }
      let dest: Int32Array = total;
      if (p.whisperTo !== undefined) {
        let w = whispers.get(p.whisperTo);
        if (!w) whispers.set(p.whisperTo, (w = new Int32Array(FRAME_SAMPLES)));
        dest = w;
      } else {
        p.inTotal = true;
      }
      for (let i = 0; i < FRAME_SAMPLES; i++) dest[i] += c[i];
    }

    const out = new Map<string, Int16Array>();
    for (const p of this.parties.values()) {
      const o = new Int16Array(FRAME_SAMPLES);
      const own = p.contrib;
      const extra = whispers.get(p.id);
      if (p.inTotal && !extra) {
        for (let i = 0; i < FRAME_SAMPLES; i++) o[i] = limit(total[i] - own[i]);
      } else if (!p.inTotal && !extra) {
        for (let i = 0; i < FRAME_SAMPLES; i++) o[i] = limit(total[i]);
      } else {
        const sub = p.inTotal ? 1 : 0;
        for (let i = 0; i < FRAME_SAMPLES; i++) o[i] = limit(total[i] - sub * own[i] + extra![i]);
      }
      out.set(p.id, o);
      p.hasFrame = false;
    }
    return out;
  }

  private must(id: string): Party {
    const p = this.parties.get(id);
    if (!p) throw new Error(`no party ${id} in the mixer`);
    return p;
  }
}

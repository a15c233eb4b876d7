// Ringback tone (回铃音) generated at the box: a leg that waits for a far end to answer hears
// the national ring cadence from a PromptPlayer in the call's router. Owns the cadence table
// ('cn', the default: 450 Hz, 1 s on / 4 s off, China's tone as ITU-T E.180 lists it; 'us':
// 440 + 480 Hz, 2 s on / 4 s off), the generated 8 kHz samples of one cadence period (made
// once, in code, nothing on disk) and the player that loops them into one leg. Whoever
// creates a RingbackTone closes it; start(), stop() and close() are idempotent.
import type { types } from 'mediasoup';
import type { CallCodecs } from './media-engine.ts';
import { PromptPlayer } from './prompt-player.ts';

export type RingbackStyle = 'cn' | 'us';

export interface RingbackCadence {
  /** Summed sine frequencies of the "on" part, Hz. */
  hz: number[];
  onMs: number;
  offMs: number;
}

export const RINGBACK_CADENCES: Record<RingbackStyle, RingbackCadence> = {
  cn: { hz: [450], onMs: 1000, offMs: 4000 },
  us: { hz: [440, 480], onMs: 2000, offMs: 4000 },
};

const RATE = 8000;
/** Peak of the summed tone, about -10 dBm0 in G.711 terms (a comfortable ringback level). */
const PEAK = 7000;
/** Raised-cosine ramp at each end of the "on" part, so the tone starts and stops without clicks. */
const RAMP_SAMPLES = 40;

const cache = new Map<RingbackStyle, Int16Array>();

/** One cadence period of `style` (the "on" part first), 8 kHz linear. */
export function ringbackSamples(style: RingbackStyle = 'cn'): Int16Array {
  const cached = cache.get(style);
  if (cached) return cached;
  const { hz, onMs, offMs } = RINGBACK_CADENCES[style];
  const on = (onMs * RATE) / 1000;
  const out = new Int16Array(((onMs + offMs) * RATE) / 1000);
  const amp = PEAK / hz.length;
  for (let i = 0; i < on; i++) {
    let v = 0;
    for (const f of hz) v += Math.sin((2 * Math.PI * f * i) / RATE);
    const edge = Math.min(i, on - 1 - i);
    const gain = edge < RAMP_SAMPLES ? 0.5 - 0.5 * Math.cos((Math.PI * edge) / RAMP_SAMPLES) : 1;
    out[i] = Math.round(v * amp * gain);
  }
  cache.set(style, out);
  return out;
}

/** What a leg must offer to hear the tone (SipLegMedia and WebRtcLegMedia both do). */
export interface RingbackListener {
  receiveFrom(source: { producerId: string | undefined }): Promise<void>;
}

export class RingbackTone {
  private started = false;
  private closed = false;

  private constructor(private readonly player: PromptPlayer, readonly style: RingbackStyle) {}

  static async create(router: types.Router, codecs: CallCodecs, style: RingbackStyle = 'cn'): Promise<RingbackTone> {
    return new RingbackTone(await PromptPlayer.create(router, codecs), style);
  }

  get playing(): boolean {
    return this.started && !this.closed;
  }

  /**
   * `leg` hears the tone from the start of a cadence period, looped, until stop() or close().
   * The switch is asked for at once, so a later switch of the leg (the far end's audio) wins.
   */
  start(leg: RingbackListener, onError?: (err: unknown) => void): void {
    if (this.started || this.closed) return;
    this.started = true;
    leg.receiveFrom(this.player).catch((err) => onError?.(err));
    void this.player.play([ringbackSamples(this.style)], { loop: true });
  }

  /** The tone stops (the leg then hears silence until it is switched elsewhere). */
  stop(): void {
    this.player.stop();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.player.close();
  }
}

// A conference party's incoming audio between packet arrival and the room's 20 ms tick: the
// late-packet policy of conference mixing. Pure (no sockets, no timers); one per party.
//
// Policy, kept simple on purpose:
// - decoded samples queue in arrival order (no reordering by sequence number or timestamp:
//   G.711 on a LAN hardly reorders, and a reordered packet costs one 20 ms frame);
// - each tick takes the oldest 160 samples; with fewer than 160 waiting the party contributes
//   silence to that tick (nothing is invented: no loss concealment) and what waits is kept;
// - at most `maxFrames` (default 3, 60 ms) wait: beyond that the oldest samples are dropped,
//   so a burst or a sender whose clock runs fast never adds more than 60 ms of delay.
// Why not "the latest packet per tick": packets and ticks are not phase-locked. A sender
// whose packets arrive around the tick instant with ±1-2 ms of jitter would then lose every
// other packet to the next one (two in one tick, none in the next); the queue absorbs that
// with one frame of delay after the first miss (see the tests).

export const FRAME = 160;

export class PartyAudioQueue {
  private readonly buf: Int16Array;
  private head = 0;
  private length = 0;
  /** Ticks that found a full frame. */
  taken = 0;
  /** Ticks that found less than a frame after the party's first audio (underruns). */
  silent = 0;
  /** Samples dropped because more than maxFrames waited. */
  droppedSamples = 0;
  private started = false;

  constructor(readonly maxFrames = 3) {
    // Room for the cap plus one large packet (ptime up to 120 ms) before the cap is applied.
    this.buf = new Int16Array((maxFrames + 6) * FRAME);
  }

  /** Samples waiting. */
  get queued(): number {
    return this.length;
  }

  /** Append decoded audio (any length); the oldest samples go when more than maxFrames wait. */
  push(samples: Int16Array): void {
    const cap = this.buf.length;
    let src = samples;
    if (src.length > cap) {
      this.droppedSamples += src.length - cap;
      src = src.subarray(src.length - cap);
    }
    let tail = (this.head + this.length) % cap;
    for (let i = 0; i < src.length; i++) {
      this.buf[tail] = src[i];
      tail = tail + 1 === cap ? 0 : tail + 1;
    }
    this.length += src.length;
    if (this.length > cap) {
      // The ring wrapped over its oldest samples: they are gone.
      this.droppedSamples += this.length - cap;
      this.head = tail;
      this.length = cap;
    }
    const limit = this.maxFrames * FRAME;
    if (this.length > limit) {
      const drop = this.length - limit;
      this.head = (this.head + drop) % cap;
      this.length = limit;
      this.droppedSamples += drop;
    }
    if (src.length) this.started = true;
  }

  /** One tick: the oldest frame into `out` (true), or false when less than a frame waits. */
  take(out: Int16Array): boolean {
    if (this.length < FRAME) {
      if (this.started) this.silent++;
      return false;
    }
    const cap = this.buf.length;
    let h = this.head;
    for (let i = 0; i < FRAME; i++) {
      out[i] = this.buf[h];
      h = h + 1 === cap ? 0 : h + 1;
    }
    this.head = h;
    this.length -= FRAME;
    this.taken++;
    return true;
  }
}

// One 20 ms clock for every player in the process: each tick calls every subscriber once,
// so 600 calls with music on hold cost one timer, not 600. Corrects its own drift against
// the wall clock and catches up missed ticks (bounded) after a stall.
export const FRAME_MS = 20;

type Tick = () => void;

export class FrameClock {
  private readonly subscribers = new Set<Tick>();
  private timer?: NodeJS.Timeout;
  private next = 0;

  subscribe(fn: Tick): () => void {
    this.subscribers.add(fn);
    if (!this.timer) {
      this.next = Date.now() + FRAME_MS;
      this.schedule();
    }
    return () => {
      this.subscribers.delete(fn);
      if (this.subscribers.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  get size(): number {
    return this.subscribers.size;
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.fire(), Math.max(0, this.next - Date.now()));
    this.timer.unref();
  }

  private fire(): void {
    const now = Date.now();
    // Catch up at most 5 frames (100 ms); beyond that, skip ahead rather than burst.
    let due = Math.min(5, Math.floor((now - this.next) / FRAME_MS) + 1);
    if (now - this.next > 5 * FRAME_MS) this.next = now - FRAME_MS;
    while (due-- > 0) {
      this.next += FRAME_MS;
      for (const fn of [...this.subscribers]) {
        try {
          fn();
        } catch {
          /* a player's failure must not stop the others */
        }
      }
    }
    if (this.subscribers.size > 0) this.schedule();
    else this.timer = undefined;
  }
}

/** The process-wide clock. */
export const frameClock = new FrameClock();

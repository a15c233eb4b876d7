// How long a call was on hold: the time during which at least one side had put the other on
// hold (a held side and a mixed-call member's hold count the same), and how many holds
// began. Fed by the call's own `held` events; read once when the call ends (CDR `holdMs`,
// and the queue log's `complete` row for reports and QA). Pure.
export class HoldClock {
  private readonly heldSince = new Map<string, number>();
  /** When the call went from nobody held to somebody held. */
  private since: number | undefined;
  private totalMs = 0;
  holds = 0;

  set(side: string, held: boolean, now: number): void {
    if (held === this.heldSince.has(side)) return;
    if (held) {
      this.heldSince.set(side, now);
      this.holds++;
      this.since ??= now;
    } else {
      this.heldSince.delete(side);
      if (this.heldSince.size === 0 && this.since !== undefined) {
        this.totalMs += Math.max(0, now - this.since);
        this.since = undefined;
      }
    }
  }

  /** Total hold time up to `now` (a hold still running counts until now). */
  total(now: number): number {
    return this.totalMs + (this.since !== undefined ? Math.max(0, now - this.since) : 0);
  }
}

// Serialises requests where only the latest matters (which producer a leg hears): each runs
// after the ones before it, and one that a newer request overtook while it waited is
// skipped. Without it, two overlapping switches (music starting while an agent answers) could
// both create a consumer, and the leg would hear both streams at once.
export class LatestOnly {
  private chain: Promise<unknown> = Promise.resolve();
  private latest = 0;

  run(fn: () => Promise<void>): Promise<void> {
    const ticket = ++this.latest;
    const next = this.chain.then(() => (ticket === this.latest ? fn() : undefined));
    this.chain = next.catch(() => undefined);
    return next;
  }
}

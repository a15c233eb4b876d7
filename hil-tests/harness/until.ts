// Polling for whole-box tests: call a probe until it returns a value (anything but undefined),
// or fail after a timeout naming what was awaited. For state the box reaches in its own time
// (a trunk marked down, calls journaled, a phone ending its call), never for a timed assertion.

/** The first value `probe` returns that is not undefined, polled every `everyMs`; throws after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

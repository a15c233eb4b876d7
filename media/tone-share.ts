// How much of a signal is one frequency: the Goertzel power of `hz` against the signal's
// energy (1 for a pure tone at hz, ~0 without it), over 8 kHz linear samples. Used by tests
// and benchmarks to tell who is heard on which stream.
export function toneShare(samples: ArrayLike<number>, hz: number): number {
  const k = 2 * Math.cos((2 * Math.PI * hz) / 8000);
  let s1 = 0;
  let s2 = 0;
  let energy = 0;
  for (let i = 0; i < samples.length; i++) {
    const x = samples[i];
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += x * x;
  }
  const power = s1 * s1 + s2 * s2 - k * s1 * s2;
  return energy ? power / ((energy * samples.length) / 2) : 0;
}

// Word errors of a hypothesis against a reference transcript (the edit distance over words:
// substitutions + deletions + insertions), for word error rate and word accuracy figures.
// Case and punctuation are ignored. Pure.

const words = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}' ]+/gu, ' ').split(/\s+/).filter(Boolean);

export function wordErrors(reference: string, hypothesis: string): { errors: number; reference: number } {
  const r = words(reference);
  const h = words(hypothesis);
  let prev = Array.from({ length: h.length + 1 }, (_, j) => j);
  for (let i = 1; i <= r.length; i++) {
    const row = [i];
    for (let j = 1; j <= h.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (r[i - 1] === h[j - 1] ? 0 : 1));
    prev = row;
  }
  return { errors: prev[h.length], reference: r.length };
}

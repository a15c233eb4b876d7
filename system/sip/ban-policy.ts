// How long a ban lasts: `base` for a first offence, doubled for each repeat offence within a
// day of the previous one, capped at `max`. Pure; the ban list (ban-list.ts) applies it.
export const REPEAT_MEMORY_MS = 24 * 3600_000;

export interface BanHistory {
  /** Offences so far (the one being punished not included). */
  offences: number;
  lastOffenceAt: number;
}

export function nextBan(history: BanHistory | undefined, now: number, baseMs: number, maxMs: number): { offences: number; durationMs: number } {
  const offences = history && now - history.lastOffenceAt < REPEAT_MEMORY_MS ? history.offences + 1 : 1;
  const durationMs = Math.min(maxMs, baseMs * 2 ** Math.min(30, offences - 1));
  return { offences, durationMs };
}

// The SLA clock of a ticket (服务时限): a budget of working time set by the priority, used up
// while the clock runs and paused while it does not (waiting for the customer, resolved,
// closed). Stored on the ticket as { budgetMs, usedMs, runningSince? }: usedMs counts the
// closed running stretches, runningSince the start of the open one. Pure: every function
// takes `now`.
export interface SlaClock {
  budgetMs: number;
  usedMs: number;
  /** When the current running stretch began; absent while paused. */
  runningSince?: number;
}

export function startClock(budgetMs: number, now: number, running = true): SlaClock {
  return running ? { budgetMs, usedMs: 0, runningSince: now } : { budgetMs, usedMs: 0 };
}

/** Working time used so far. */
export function usedMs(c: SlaClock, now: number): number {
  return c.usedMs + (c.runningSince !== undefined ? Math.max(0, now - c.runningSince) : 0);
}

export function pauseClock(c: SlaClock, now: number): SlaClock {
  if (c.runningSince === undefined) return c;
  return { budgetMs: c.budgetMs, usedMs: usedMs(c, now) };
}

export function resumeClock(c: SlaClock, now: number): SlaClock {
  if (c.runningSince !== undefined) return c;
  return { ...c, runningSince: now };
}

/** Run or pause the clock as `running` says. */
export function setRunning(c: SlaClock, running: boolean, now: number): SlaClock {
  return running ? resumeClock(c, now) : pauseClock(c, now);
}

/** A new budget (the priority changed): the time used so far stays used. */
export function rebudget(c: SlaClock, budgetMs: number): SlaClock {
  return { ...c, budgetMs };
}

/** Working time left (negative once over). */
export function remainingMs(c: SlaClock, now: number): number {
  return c.budgetMs - usedMs(c, now);
}

/** When the budget runs out if the clock keeps running; undefined while paused. */
export function dueAt(c: SlaClock, now: number): number | undefined {
  return c.runningSince !== undefined ? now + remainingMs(c, now) : undefined;
}

export function isBreached(c: SlaClock, now: number): boolean {
  return remainingMs(c, now) < 0;
}

// What a waiting caller hears at each announcement, as a list of prompt ids (pure): their
// position ("first in line" for 1), the estimated wait when there is one, and thanks. The
// estimate is the average recent handle time times the callers ahead, shared among the
// agents staffing the queue.

/** Average handle time (talk + wrap-up) of recent calls, times the position, per staffed agent. */
export function estimatedWaitSec(position: number, recentHandleMs: readonly number[], staffedAgents: number): number | undefined {
  if (!recentHandleMs.length || staffedAgents < 1 || position < 1) return undefined;
  const avg = recentHandleMs.reduce((a, b) => a + b, 0) / recentHandleMs.length;
  return Math.round((avg * position) / staffedAgents / 1000);
}

/** Prompt ids to play; a digit is written as `digit-N`. */
export function announcementFor(position: number, ewtSec: number | undefined): string[] {
  const out: string[] = [];
  if (position <= 1) out.push('queue-next');
  else out.push('queue-position-before', ...digitIds(position), 'queue-position-after');
  if (ewtSec !== undefined) {
    out.push('queue-hold-time');
    if (ewtSec < 60) out.push('queue-less-than', 'digit-1', 'queue-minute');
    else {
      const minutes = Math.round(ewtSec / 60);
      out.push(...digitIds(minutes), minutes === 1 ? 'queue-minute' : 'queue-minutes');
    }
  }
  out.push('queue-thank-you');
  return out;
}

function digitIds(n: number): string[] {
  return String(n).split('').map((d) => `digit-${d}`);
}

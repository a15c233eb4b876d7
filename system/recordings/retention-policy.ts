// Which recordings retention deletes, as a pure function of the index rows, the policy, the
// calls under QA review and an injected clock. A recording is past retention when its call
// ended more than its queue's `retentionDays` ago (else the box-wide default; 0 keeps it
// forever). One under legal hold or under QA review is never deleted: it is reported as held.
import type { RecordingsConfig } from './recordings-config.ts';

export const DAY_MS = 86_400_000;

export interface RetentionCandidate {
  callId: string;
  path: string;
  endedAt: number;
  queue?: string;
  legalHold?: boolean;
}

export interface RetentionDecision {
  /** Past retention and free to go. */
  delete: { callId: string; path: string; retentionDays: number; endedAt: number }[];
  /** Past retention but kept: legal hold wins over QA review when both apply. */
  held: { callId: string; why: 'legal-hold' | 'qa-review' }[];
}

/** The retention (days, 0 = forever) that applies to a recording of a call through `queue`. */
export function retentionDaysFor(policy: Pick<RecordingsConfig, 'retentionDays' | 'queues'>, queue: string | undefined): number {
  const own = queue === undefined ? undefined : policy.queues.find((q) => q.queue === queue);
  return own ? own.retentionDays : policy.retentionDays;
}

export function decideRetention(
  rows: Iterable<RetentionCandidate>,
  policy: Pick<RecordingsConfig, 'retentionDays' | 'queues'>,
  underReview: ReadonlySet<string>,
  now: number,
): RetentionDecision {
  const out: RetentionDecision = { delete: [], held: [] };
  for (const r of rows) {
    const days = retentionDaysFor(policy, r.queue);
    if (days <= 0 || r.endedAt + days * DAY_MS > now) continue;
    if (r.legalHold) out.held.push({ callId: r.callId, why: 'legal-hold' });
    else if (underReview.has(r.callId)) out.held.push({ callId: r.callId, why: 'qa-review' });
    else out.delete.push({ callId: r.callId, path: r.path, retentionDays: days, endedAt: r.endedAt });
  }
  return out;
}

// The life of a call under QA review, as one table: sampled (or picked by hand) it is open;
// a supervisor scores it (and may score it again while nobody disputes); the agent may
// dispute a score; a supervisor resolves the dispute (upheld or revised), which closes it.
// Any other step is refused with CC_QA_BAD_TRANSITION. Pure.
export type ReviewStatus = 'open' | 'scored' | 'disputed' | 'closed';
export type ReviewAction = 'score' | 'dispute' | 'resolve';

export const REVIEW_STATUSES: readonly ReviewStatus[] = ['open', 'scored', 'disputed', 'closed'];
export const REVIEW_ACTIONS: readonly ReviewAction[] = ['score', 'dispute', 'resolve'];

export const REVIEW_TRANSITIONS: Readonly<Record<ReviewStatus, Readonly<Partial<Record<ReviewAction, ReviewStatus>>>>> = {
  open: { score: 'scored' },
  scored: { score: 'scored', dispute: 'disputed' },
  disputed: { resolve: 'closed' },
  closed: {},
};

/** The status after `action`, or undefined when the table does not allow it. */
export function nextReviewStatus(from: ReviewStatus, action: ReviewAction): ReviewStatus | undefined {
  return REVIEW_TRANSITIONS[from][action];
}

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REVIEW_ACTIONS, REVIEW_STATUSES, nextReviewStatus } from './review-states.ts';

test('every edge of the review table: open → scored (→ scored again) → disputed → closed, nothing else', () => {
  const allowed: Record<string, string> = {
    'open score': 'scored',
    'scored score': 'scored',
    'scored dispute': 'disputed',
    'disputed resolve': 'closed',
  };
  for (const from of REVIEW_STATUSES) {
    for (const action of REVIEW_ACTIONS) assert.equal(nextReviewStatus(from, action), allowed[`${from} ${action}`], `${from} ${action}`);
  }
});

test('a closed review is final and a disputed score cannot be re-scored behind the dispute', () => {
  for (const action of REVIEW_ACTIONS) assert.equal(nextReviewStatus('closed', action), undefined);
  assert.equal(nextReviewStatus('disputed', 'score'), undefined);
  assert.equal(nextReviewStatus('open', 'dispute'), undefined, 'nothing to dispute before a score');
});

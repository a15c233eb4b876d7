import { test } from 'node:test';
import assert from 'node:assert/strict';
import { announcementFor, estimatedWaitSec } from './announcements.ts';

test('the first caller hears "first in line", others their position digit by digit', () => {
  assert.deepEqual(announcementFor(1, undefined), ['queue-next', 'queue-thank-you']);
  assert.deepEqual(announcementFor(12, undefined), ['queue-position-before', 'digit-1', 'digit-2', 'queue-position-after', 'queue-thank-you']);
});

test('the estimated wait is spoken in minutes, "less than one minute" under 60 s', () => {
  assert.deepEqual(announcementFor(3, 40).slice(3, 7), ['queue-hold-time', 'queue-less-than', 'digit-1', 'queue-minute']);
  assert.deepEqual(announcementFor(3, 89).slice(3, 5), ['queue-hold-time', 'digit-1']);
  assert.deepEqual(announcementFor(3, 89)[5], 'queue-minute');
  assert.deepEqual(announcementFor(3, 150).slice(3, 6), ['queue-hold-time', 'digit-3', 'queue-minutes']);
});

test('estimated wait: average handle time x position / staffed agents; unknown without history', () => {
  assert.equal(estimatedWaitSec(4, [60_000, 120_000], 2), 180);
  assert.equal(estimatedWaitSec(1, [30_000], 1), 30);
  assert.equal(estimatedWaitSec(4, [], 2), undefined);
  assert.equal(estimatedWaitSec(4, [60_000], 0), undefined);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapCalleeFailure, dispositionFor, type HangupCause } from './hangup.ts';

// mapCalleeFailure: one test per branch

test('a callee 486 or 600 reaches the caller as 486 Busy Here', () => {
  assert.deepEqual(mapCalleeFailure(486, 'Busy Here'), { status: 486, reason: 'Busy Here' });
  assert.deepEqual(mapCalleeFailure(600, 'Busy Everywhere'), { status: 486, reason: 'Busy Here' });
});

test('a callee 603 Decline passes through as 603 Decline', () => {
  assert.deepEqual(mapCalleeFailure(603, 'Nope'), { status: 603, reason: 'Decline' });
});

test('a trunk authentication failure (401/407) becomes 403, never a challenge the caller cannot answer', () => {
  for (const s of [401, 407]) {
    const m = mapCalleeFailure(s, 'Unauthorized');
    assert.equal(m.status, 403);
    assert.match(m.reason, /Forbidden/);
  }
});

test('a callee 408 becomes 480 (no answer)', () => {
  assert.deepEqual(mapCalleeFailure(408, 'Request Timeout'), { status: 480, reason: 'Temporarily Unavailable (no answer)' });
});

test('a redirect (3xx) is not followed and becomes 480', () => {
  for (const s of [300, 301, 302, 305, 380, 399]) assert.deepEqual(mapCalleeFailure(s, 'Moved'), { status: 480, reason: 'Temporarily Unavailable' });
});

test('meaningful 4xx codes pass through with their reason', () => {
  for (const s of [403, 404, 410, 415, 480, 484, 488]) assert.deepEqual(mapCalleeFailure(s, `reason ${s}`), { status: s, reason: `reason ${s}` });
});

test('other 4xx codes become 480', () => {
  for (const s of [400, 402, 405, 420, 481, 482, 483, 487, 489, 491, 499]) {
    assert.deepEqual(mapCalleeFailure(s, 'x'), { status: 480, reason: 'Temporarily Unavailable' }, `status ${s}`);
  }
});

test('502, 503 and 504 become 503 Service Unavailable', () => {
  for (const s of [502, 503, 504]) assert.deepEqual(mapCalleeFailure(s, 'x'), { status: 503, reason: 'Service Unavailable' });
});

test('other 5xx codes become 502 Bad Gateway', () => {
  for (const s of [500, 501, 505, 513, 580, 599]) assert.deepEqual(mapCalleeFailure(s, 'x'), { status: 502, reason: 'Bad Gateway' });
});

test('other 6xx codes pass through with their reason', () => {
  for (const s of [604, 606, 607, 608, 699]) assert.deepEqual(mapCalleeFailure(s, `r${s}`), { status: s, reason: `r${s}` });
});

test('a status that is not a failure at all (below 300) becomes 500 with the reason kept', () => {
  assert.deepEqual(mapCalleeFailure(200, 'OK'), { status: 500, reason: 'OK' });
  assert.deepEqual(mapCalleeFailure(183, 'Session Progress'), { status: 500, reason: 'Session Progress' });
});

test('every callee status 300..699 maps to a final failure 400..699 that is never 401 or 407', () => {
  for (let s = 300; s <= 699; s++) {
    const m = mapCalleeFailure(s, 'reason');
    assert.ok(Number.isInteger(m.status) && m.status >= 400 && m.status <= 699, `${s} -> ${m.status}`);
    assert.notEqual(m.status, 401, `${s} -> 401`);
    assert.notEqual(m.status, 407, `${s} -> 407`);
    assert.equal(typeof m.reason, 'string');
    assert.ok(m.reason.length > 0, `${s} has a reason`);
  }
});

// dispositionFor

const cause = (status: number, c = 'rejected', side: HangupCause['side'] = 'callee'): HangupCause => ({ status, reason: 'r', side, cause: c });

test('an answered call is "answered" whatever ended it', () => {
  assert.equal(dispositionFor(true, cause(200, 'bye')), 'answered');
  assert.equal(dispositionFor(true, cause(408, 'dead-media', 'system')), 'answered');
  assert.equal(dispositionFor(true, cause(487, 'cancel', 'caller')), 'answered');
});

test('an unanswered call ended by CANCEL is "cancelled", even with a busy-looking status', () => {
  assert.equal(dispositionFor(false, cause(487, 'cancel', 'caller')), 'cancelled');
  assert.equal(dispositionFor(false, cause(486, 'cancel', 'caller')), 'cancelled');
});

test('the no-answer timeout, 408 and 480 are "no-answer"', () => {
  assert.equal(dispositionFor(false, cause(480, 'no-answer-timeout', 'system')), 'no-answer');
  assert.equal(dispositionFor(false, cause(408)), 'no-answer');
  assert.equal(dispositionFor(false, cause(480)), 'no-answer');
  assert.equal(dispositionFor(false, cause(500, 'no-answer-timeout', 'system')), 'no-answer');
});

test('486 and 600 are "busy"', () => {
  assert.equal(dispositionFor(false, cause(486)), 'busy');
  assert.equal(dispositionFor(false, cause(600)), 'busy');
});

test('other 4xx codes and 603 are "rejected"', () => {
  for (const s of [400, 403, 404, 484, 487, 488, 499, 603]) assert.equal(dispositionFor(false, cause(s)), 'rejected', `status ${s}`);
});

test('5xx, other 6xx and anything else are "failed"', () => {
  for (const s of [500, 502, 503, 599, 604, 606, 699, 200, 0]) assert.equal(dispositionFor(false, cause(s, 'shutdown', 'system')), 'failed', `status ${s}`);
});

test('every unanswered status 300..699 gets exactly one of the known dispositions', () => {
  const known = new Set(['no-answer', 'busy', 'rejected', 'failed']);
  for (let s = 300; s <= 699; s++) assert.ok(known.has(dispositionFor(false, cause(s))), `status ${s}`);
});

test('the caller status of a mapped callee failure gives the same disposition class as the callee status for busy and no-answer', () => {
  for (const s of [408, 480, 486, 600]) {
    const mapped = mapCalleeFailure(s, 'r').status;
    assert.equal(dispositionFor(false, cause(mapped)), dispositionFor(false, cause(s)), `status ${s} -> ${mapped}`);
  }
});

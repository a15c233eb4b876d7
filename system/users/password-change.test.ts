// The rules for a new password chosen by its user.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPasswordProblem } from './password-change.ts';

test('a new password needs 10 characters, may not be the user name, and must differ from the current one', () => {
  assert.equal(newPasswordProblem('li.na', 'old-password', 'short-pw'), 'CC_USER_WEAK_PASSWORD');
  assert.equal(newPasswordProblem('administrator', 'old-password', 'Administrator'), 'CC_USER_WEAK_PASSWORD');
  assert.equal(newPasswordProblem('li.na', 'same-password-1', 'same-password-1'), 'CC_USER_SAME_PASSWORD');
  assert.equal(newPasswordProblem('li.na', 'old-password', 'a-new-password'), undefined);
  assert.equal(newPasswordProblem('li.na', 'old-password', '0123456789'), undefined, 'exactly 10 characters is enough');
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wordErrors } from './word-errors.ts';

test('word errors count substitutions, deletions and insertions; case and punctuation do not count', () => {
  assert.deepEqual(wordErrors('Please hold, while I check.', 'please hold while i check'), { errors: 0, reference: 5 });
  assert.deepEqual(wordErrors('please hold while i check', 'please fold while check that'), { errors: 3, reference: 5 });
  assert.deepEqual(wordErrors('a b c', ''), { errors: 3, reference: 3 });
  assert.deepEqual(wordErrors('', 'x y'), { errors: 2, reference: 0 });
});

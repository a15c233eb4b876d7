// The interactions section's defaults, with and without a section in the box's document.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { interactionsConfig } from './interactions-config.ts';

test('a missing section gets every default, nested ones included', () => {
  const c = interactionsConfig(undefined);
  assert.deepEqual(c.capacity, { calls: 1, chats: 3, emails: 3 });
  assert.equal(c.callsExclusive, true);
  assert.equal(c.chat.maxMessageChars, 2000);
  assert.deepEqual(c.reopenOnReply, { chat: false, email: true });
});

test('a partial section keeps its values, gets the rest, and is not changed', () => {
  const section = { callsExclusive: false, capacity: { calls: 1, chats: 5, emails: 0 } };
  const c = interactionsConfig(section);
  assert.equal(c.callsExclusive, false);
  assert.equal(c.capacity.chats, 5);
  assert.equal(c.offerTimeoutSec, 30);
  assert.deepEqual(section, { callsExclusive: false, capacity: { calls: 1, chats: 5, emails: 0 } });
});

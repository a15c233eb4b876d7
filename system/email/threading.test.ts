import { test } from 'node:test';
import assert from 'node:assert/strict';
import { messageIdList, newThreadRef, normalizeMessageId, replyHeaders, replySubject, resolveThread, subjectTag } from './threading.ts';

const seen = new Map([
  ['first@customer.example', 'EM-AAAAAAAA'],
  ['reply-1@callcenter.box', 'EM-AAAAAAAA'],
  ['other@customer.example', 'EM-BBBBBBBB'],
]);
const threadOf = (id: string) => seen.get(id);
const exists = (ref: string) => ref === 'EM-AAAAAAAA' || ref === 'EM-BBBBBBBB';

test('a reply whose In-Reply-To is a message the box sent joins that thread', () => {
  assert.deepEqual(resolveThread({ inReplyTo: '<reply-1@callcenter.box>' }, threadOf, exists), { ref: 'EM-AAAAAAAA', by: 'in-reply-to' });
});

test('without a known In-Reply-To, the newest known References entry decides', () => {
  const m = resolveThread({ inReplyTo: '<unknown@x>', references: '<first@customer.example> <other@customer.example> <unknown@x>' }, threadOf, exists);
  assert.deepEqual(m, { ref: 'EM-BBBBBBBB', by: 'references' });
  assert.deepEqual(resolveThread({ references: ['<first@customer.example>', '<nope@x>'] }, threadOf, exists), { ref: 'EM-AAAAAAAA', by: 'references' });
});

test('a client that drops the headers is threaded by the [#ref] tag in the subject, in any case', () => {
  assert.deepEqual(resolveThread({ subject: 'Re: my order [#em-bbbbbbbb]' }, threadOf, exists), { ref: 'EM-BBBBBBBB', by: 'subject-tag' });
});

test('a made-up tag or no reference at all starts a new thread', () => {
  assert.equal(resolveThread({ subject: 'hello [#EM-ZZZZZZZZ]' }, threadOf, exists), undefined);
  assert.equal(resolveThread({ subject: 'hello' }, threadOf, exists), undefined);
  assert.equal(resolveThread({}, threadOf, exists), undefined);
});

test('headers win over the subject tag', () => {
  assert.deepEqual(resolveThread({ inReplyTo: '<other@customer.example>', subject: 'Re: x [#EM-AAAAAAAA]' }, threadOf, exists), { ref: 'EM-BBBBBBBB', by: 'in-reply-to' });
});

test('Message-IDs are read with or without brackets, and junk is dropped', () => {
  assert.equal(normalizeMessageId(' <a@b> '), 'a@b');
  assert.equal(normalizeMessageId('a@b'), 'a@b');
  assert.equal(normalizeMessageId(undefined), '');
  assert.deepEqual(messageIdList('<a@b>\r\n <c@d>'), ['a@b', 'c@d']);
  assert.deepEqual(messageIdList('a@b c@d'), ['a@b', 'c@d']);
  assert.deepEqual(messageIdList(''), []);
});

test('a reply subject has one Re: and the tag once, whatever the customer wrote', () => {
  assert.equal(replySubject('Order 42', 'EM-AAAAAAAA'), 'Re: Order 42 [#EM-AAAAAAAA]');
  assert.equal(replySubject('RE: Re: Order 42 [#EM-AAAAAAAA]', 'EM-AAAAAAAA'), 'Re: Order 42 [#EM-AAAAAAAA]');
  assert.equal(replySubject('回复：订单', 'EM-AAAAAAAA'), 'Re: 订单 [#EM-AAAAAAAA]');
  assert.equal(replySubject(undefined, 'EM-AAAAAAAA'), 'Re: (no subject) [#EM-AAAAAAAA]');
  assert.equal(subjectTag(replySubject('x', 'EM-AAAAAAAA')), 'EM-AAAAAAAA');
});

test('reply headers point at the parent and carry the chain', () => {
  assert.deepEqual(replyHeaders('<p@x>', ['a@x', '<b@x>']), { inReplyTo: '<p@x>', references: ['<a@x>', '<b@x>', '<p@x>'] });
  assert.deepEqual(replyHeaders('p@x', ['p@x']), { inReplyTo: '<p@x>', references: ['<p@x>'] });
  assert.deepEqual(replyHeaders(undefined, []), { inReplyTo: undefined, references: [] });
});

test('new thread references are tags the subject parser reads back', () => {
  for (let i = 0; i < 100; i++) {
    const ref = newThreadRef();
    assert.match(ref, /^EM-[A-Z2-9]{8}$/);
    assert.equal(subjectTag(`Re: x [#${ref}]`), ref);
  }
});

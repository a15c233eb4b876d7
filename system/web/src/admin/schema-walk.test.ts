import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoxConfigSchema } from '../../../config/schema.ts';
import { emptyValue, fieldKind, parseInput, problemsAt, problemsUnder, setAt, type JsonSchema } from './schema-walk.ts';

// The schema as the page receives it (JSON, without TypeBox's symbols).
const schema = JSON.parse(JSON.stringify(BoxConfigSchema)) as JsonSchema;
const queue = schema.properties!.queues!.items!;

test('each configuration field gets the input its schema calls for', () => {
  assert.deepEqual(fieldKind(schema.properties!.queues!, 'queues').kind, 'list');
  assert.deepEqual(fieldKind(schema.properties!.sip!, 'sip').kind, 'object');
  const strategy = fieldKind(queue.properties!.strategy!, 'strategy');
  assert.equal(strategy.kind, 'choices');
  assert.ok(strategy.kind === 'choices' && strategy.options.includes('longest-idle') && !strategy.multiple);
  const codecs = fieldKind(schema.properties!.media!.properties!.codecs!, 'codecs');
  assert.deepEqual(codecs, { kind: 'choices', options: ['PCMU', 'PCMA'], multiple: true });
  assert.deepEqual(fieldKind(schema.properties!.sip!.properties!.udpPort!, 'udpPort'), { kind: 'number', integer: true, min: 1, max: 65535 });
  assert.deepEqual(fieldKind(schema.properties!.extensions!.items!.properties!.password!, 'password'), { kind: 'text', secret: true });
  assert.deepEqual(fieldKind(schema.properties!.acd!.properties!.breakReasons!, 'breakReasons'), { kind: 'strings' });
  assert.deepEqual(fieldKind(schema.properties!.calls!.properties!.dtmfEvents!, 'dtmfEvents'), { kind: 'boolean' });
  const skills = fieldKind(schema.properties!.agents!.items!.properties!.skills!, 'skills');
  assert.ok(skills.kind === 'map' && skills.value.type === 'integer', 'a record of skill levels is edited as key/value rows');
  assert.deepEqual(fieldKind({ type: 'object', patternProperties: { '^x$': { type: 'object', properties: {} } } }), { kind: 'json' }, 'a record of objects is edited as JSON');
  assert.deepEqual(fieldKind(schema.properties!.dids!.items!.properties!.number!, 'number'), { kind: 'text', secret: false }, "digits or '*'");
});

test('a new list item has every required member, at its default where there is one', () => {
  const q = emptyValue(queue) as Record<string, unknown>;
  for (const key of queue.required ?? []) assert.ok(key in q, `new queue has ${key}`);
  assert.equal(typeof q.name, 'string');
  const ext = emptyValue(schema.properties!.extensions!.items!) as Record<string, unknown>;
  assert.deepEqual(Object.keys(ext).sort(), [...(schema.properties!.extensions!.items!.required ?? [])].sort());
});

test('setAt writes a copy; undefined removes an optional member', () => {
  const before = { queues: [{ name: 'a', maxWaitSec: 10 }] };
  const after = setAt(before, ['queues', 0, 'maxWaitSec'], 20);
  assert.deepEqual(after, { queues: [{ name: 'a', maxWaitSec: 20 }] });
  assert.equal(before.queues[0]!.maxWaitSec, 10);
  assert.deepEqual(setAt(after, ['queues', 0, 'maxWaitSec'], undefined), { queues: [{ name: 'a' }] });
});

test('problems are found at a field, and under an item or section', () => {
  const problems = [{ path: '/queues/0/maxWaitSec', message: 'too small' }, { path: '/queues/1', message: 'x' }, { path: '/queuesX', message: 'y' }];
  assert.deepEqual(problemsAt(problems, '/queues/0/maxWaitSec').map((p) => p.message), ['too small']);
  assert.deepEqual(problemsUnder(problems, '/queues').map((p) => p.message), ['too small', 'x']);
});

test('typed text becomes the schema type; numbers that are not numbers stay visible to the validator', () => {
  assert.equal(parseInput({ kind: 'number', integer: true }, '42'), 42);
  assert.equal(parseInput({ kind: 'number', integer: true }, ''), undefined);
  assert.ok(Number.isNaN(parseInput({ kind: 'number', integer: true }, 'abc')));
  assert.deepEqual(parseInput({ kind: 'strings' }, 'lunch, training,,'), ['lunch', 'training']);
  assert.deepEqual(parseInput({ kind: 'json' }, '{"a":1}'), { a: 1 });
  assert.equal(parseInput({ kind: 'json' }, '{bad'), '{bad');
});

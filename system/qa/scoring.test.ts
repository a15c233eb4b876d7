import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateScorecard, type Scorecard } from './scorecard.ts';
import { scoreCall, type Answers } from './scoring.ts';

const DOC = {
  name: 'inbound',
  title: 'Inbound service',
  sections: [
    { id: 'attitude', title: 'Attitude', criteria: [
      { id: 'greet', kind: 'yes-no', label: 'Greets with name', weight: 10 },
      { id: 'tone', kind: 'scale', label: 'Friendly tone', weight: 20 },
    ] },
    { id: 'accuracy', title: 'Accuracy', criteria: [{ id: 'correct', kind: 'yes-no', label: 'Correct answer', weight: 30, na: true }] },
    { id: 'compliance', title: 'Compliance', criteria: [
      { id: 'verify', kind: 'critical', label: 'Verifies identity', na: true },
      { id: 'disclose', kind: 'yes-no', label: 'Recording disclosure', weight: 40, na: true },
    ] },
  ],
};

function card(doc: unknown = DOC): Scorecard {
  const c = validateScorecard(doc);
  assert.ok(c.ok, JSON.stringify(!c.ok && c.errors));
  return c.scorecard;
}

const all = (over: Answers = {}): Answers => ({ greet: true, tone: 5, correct: true, verify: true, disclose: true, ...over });

function ok(answers: Answers, doc?: unknown) {
  const r = scoreCall(card(doc), answers);
  assert.ok(r.ok, JSON.stringify(!r.ok && r.problems));
  return r.result;
}

test('a call that meets every criterion scores 100', () => {
  const r = ok(all());
  assert.deepEqual([r.score, r.failed, r.earned, r.possible], [100, false, 100, 100]);
});

test('weights decide: yes-no earns all or nothing, a scale earns in proportion (3 of 0–5 on weight 20 = 12)', () => {
  const r = ok(all({ greet: false, tone: 3, disclose: false }));
  assert.equal(r.earned, 42);
  assert.equal(r.possible, 100);
  assert.equal(r.score, 42);
  assert.deepEqual(r.criteria.tone, { section: 'attitude', earned: 12, possible: 20, na: false, failedCall: false });
  assert.deepEqual(r.criteria.greet, { section: 'attitude', earned: 0, possible: 10, na: false, failedCall: false });
});

test('N/A criteria leave the denominator: 26 of 30 points is 86.67', () => {
  const r = ok(all({ tone: 4, correct: 'na', disclose: 'na' }));
  assert.deepEqual([r.earned, r.possible, r.score], [26, 30, 86.67]);
  assert.equal(r.criteria.correct.na, true);
});

test('a scale from its own minimum: 2 on 1–4 with weight 3 earns 1 point', () => {
  const doc = { name: 'x', title: 'X', sections: [{ id: 's', title: 'S', criteria: [
    { id: 'a', kind: 'scale', label: 'A', weight: 3, min: 1, max: 4 },
    { id: 'b', kind: 'yes-no', label: 'B', weight: 1 },
  ] }] };
  const r = ok({ a: 2, b: true }, doc);
  assert.deepEqual([r.earned, r.possible, r.score], [2, 4, 50]);
  assert.equal(ok({ a: 1, b: false }, doc).score, 0);
  assert.equal(ok({ a: 4, b: false }, doc).score, 75);
});

test('thirds round to two decimals: 1 of 3 equal weights is 33.33, 2 of 3 is 66.67', () => {
  const doc = { name: 'x', title: 'X', sections: [{ id: 's', title: 'S', criteria: ['a', 'b', 'c'].map((id) => ({ id, kind: 'yes-no', label: id, weight: 1 })) }] };
  assert.equal(ok({ a: true, b: false, c: false }, doc).score, 33.33);
  assert.equal(ok({ a: true, b: true, c: false }, doc).score, 66.67);
});

test('a critical criterion not met fails the whole call: score 0, flagged, the weighted score kept for reference', () => {
  const r = ok(all({ verify: false }));
  assert.deepEqual([r.score, r.failed, r.weightedScore, r.failedBy], [0, true, 100, ['verify']]);
  assert.equal(r.criteria.verify.failedCall, true);
  const na = ok(all({ verify: 'na' }));
  assert.deepEqual([na.score, na.failed], [100, false], 'a critical criterion answered N/A fails nothing');
});

test('answers that do not fit the scorecard are refused, one problem per criterion', () => {
  const r = scoreCall(card(), { greet: 'na', tone: 6, correct: 1, disclose: true, extra: true } as Answers);
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.code, 'CC_QA_ANSWERS_INVALID');
  assert.deepEqual(r.problems.map((p) => p.path), ['/answers/greet', '/answers/tone', '/answers/correct', '/answers/verify', '/answers/extra']);
  assert.match(r.problems[0]!.message, /may not be answered N\/A/);
  assert.match(r.problems[1]!.message, /whole number from 0 to 5/);
  assert.match(r.problems[3]!.message, /not answered/);
  const half = scoreCall(card(), all({ tone: 2.5 }));
  assert.ok(!half.ok && half.problems[0]!.path === '/answers/tone');
  const boolOnScale = scoreCall(card(), all({ tone: true }));
  assert.ok(!boolOnScale.ok && boolOnScale.problems[0]!.path === '/answers/tone');
});

test('every weighted criterion N/A leaves nothing to score', () => {
  const doc = { name: 'x', title: 'X', sections: [{ id: 's', title: 'S', criteria: [{ id: 'a', kind: 'yes-no', label: 'A', weight: 1, na: true }, { id: 'k', kind: 'critical', label: 'K' }] }] };
  const r = scoreCall(card(doc), { a: 'na', k: true });
  assert.ok(!r.ok && r.code === 'CC_QA_NOTHING_SCORED');
});

test('scorecard validation names the path of every problem', () => {
  const bad = validateScorecard({
    name: 'bad name!',
    title: 'T',
    sections: [
      { id: 's', title: 'S', criteria: [
        { id: 'a', kind: 'yes-no', label: 'A' },
        { id: 'b', kind: 'scale', label: 'B', weight: 1, min: 3, max: 3 },
        { id: 'c', kind: 'maybe', label: 'C' },
        { id: 'b', kind: 'critical', label: 'B again' },
        'nope',
      ] },
      { id: 's', title: 'S2', criteria: [] },
    ],
  });
  assert.ok(!bad.ok);
  const paths = bad.errors.map((e) => e.path);
  for (const p of ['/name', '/sections/1/criteria', '/sections/0/criteria/0/weight', '/sections/0/criteria/1/max', '/sections/0/criteria/2/kind', '/sections/0/criteria/3/id', '/sections/0/criteria/4', '/sections/1/id']) {
    assert.ok(paths.includes(p), `${p} missing from ${JSON.stringify(bad.errors)}`);
  }
  assert.deepEqual(validateScorecard([]), { ok: false, errors: [{ path: '', message: 'a scorecard must be a JSON object' }] });
  const onlyCritical = validateScorecard({ name: 'k', title: 'K', sections: [{ id: 's', title: 'S', criteria: [{ id: 'k', kind: 'critical', label: 'K' }] }] });
  assert.ok(!onlyCritical.ok && onlyCritical.errors[0]!.path === '/sections');
  const extra = validateScorecard({ ...DOC, colour: 'red' });
  assert.ok(!extra.ok && extra.errors.some((e) => e.path === '/colour'));
});

test('validation fills defaults: scale 0–5, N/A not allowed', () => {
  const c = card();
  const tone = c.sections[0]!.criteria[1]!;
  assert.deepEqual(tone, { id: 'tone', kind: 'scale', label: 'Friendly tone', weight: 20, min: 0, max: 5, na: false });
});

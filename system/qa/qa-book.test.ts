// QaBook against a real LMDB store in a temporary directory.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { writeCdr, type Cdr } from '../calls/cdr.ts';
import { listAudit } from '../audit/audit-log.ts';
import { verifyAudit } from '../audit/verify.ts';
import { QaBook } from './qa-book.ts';
import { QaError } from './errors.ts';

const MON = Date.UTC(2026, 10, 23);
let dir: string;
let store: Store;
let book: QaBook;

const CARD = {
  name: 'inbound', title: 'Inbound',
  sections: [
    { id: 'attitude', title: 'Attitude', criteria: [{ id: 'greet', kind: 'yes-no', label: 'Greets', weight: 40 }, { id: 'tone', kind: 'scale', label: 'Tone', weight: 60 }] },
    { id: 'compliance', title: 'Compliance', criteria: [{ id: 'verify', kind: 'critical', label: 'Verifies identity' }] },
  ],
};

function cdr(callId: string, startedAt: number, over: Partial<Cdr> = {}): Cdr {
  return {
    callId, sipCallId: `sip-${callId}`, caller: { uri: 'sip:139@x', number: '139', kind: 'trunk', id: 'carrier' }, dialled: '555',
    startedAt, answeredAt: startedAt + 100, connectedAt: startedAt + 2000, endedAt: startedAt + 62_000, durationMs: 62_000, billableMs: 61_900,
    disposition: 'answered', hangup: { status: 200, reason: 'BYE', side: 'caller', cause: 'bye' }, quality: {}, dtmf: { caller: '', callee: '' },
    queue: 'sales', agents: ['a1'], ...over,
  };
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof QaError, String(err));
    return err.code;
  }
  return 'no error';
}

const events = (type: string) => [...store.tables.events.getRange()].map((e) => e.value as any).filter((e) => e.type === type);

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qa-book-'));
  store = new Store(dir);
  book = new QaBook(store);
  await writeCdr(store, cdr('c-long', MON + 3_600_000));
  await writeCdr(store, cdr('c-short', MON + 7_200_000, { endedAt: MON + 7_200_000 + 5000 }));
  await writeCdr(store, cdr('c-gone', MON + 9_000_000, { connectedAt: undefined, agents: undefined }));
  await writeCdr(store, cdr('c-tuesday', MON + 86_400_000 + 1000, { endedAt: MON + 86_400_000 + 3000 }));
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the sampling run of a day reads its CDRs through the call-ended events and opens reviews with their reasons, once', async () => {
  const rules = { randomPerAgentPerWeek: 7, shortTalkSec: 10, longHoldSec: 120, abandoned: true, transfers: true };
  const added = await book.sampleDay(MON + 5, rules, 'seed', 'system', MON + 2 * 86_400_000);
  assert.deepEqual(added.map((s) => [s.callId, s.reasons]).sort(), [['c-gone', ['abandoned']], ['c-long', ['random']], ['c-short', ['short-talk']]]);
  const short = book.review('c-short')!;
  assert.deepEqual([short.agent, short.queue, short.reason, short.status, short.callAt], ['a1', 'sales', 'short-talk', 'open', MON + 7_200_000]);
  assert.equal(book.review('c-gone')!.agent, undefined);
  assert.deepEqual(await book.sampleDay(MON, rules, 'seed', 'system'), [], 'a second run adds nothing');
  assert.equal(events('qa-review-opened').length, 3);
  assert.deepEqual(events('qa-sampling-run').map((e) => [e.day, e.calls, e.selected]), [['2026-11-23', 3, 3], ['2026-11-23', 3, 0]]);
  assert.deepEqual(book.reviews({ status: 'open', agent: 'a1' }).map((r) => r.callId), ['c-short', 'c-long'], 'newest call first');
});

test('scorecards are versioned: an edit is a new version and a score keeps the version it used', async () => {
  const v1 = await book.saveScorecard(CARD, 'sup1', MON);
  assert.equal(v1.version, 1);
  const scored = await book.scoreCall('c-short', { scorecard: 'inbound', answers: { greet: true, tone: 3, verify: true }, comments: 'ok' }, 'sup1', MON + 1);
  assert.deepEqual([scored.score, scored.failed, scored.version, scored.agent, scored.status, scored.scorer], [76, false, 1, 'a1', 'scored', 'sup1']);
  const v2 = await book.saveScorecard({ ...CARD, sections: [CARD.sections[0]] }, 'sup1', MON + 2);
  assert.equal(v2.version, 2);
  assert.equal(book.score('c-short')!.version, 1);
  assert.equal(book.scorecard('inbound', 1).sections.length, 2, 'version 1 is untouched');
  assert.deepEqual(book.versions('inbound').map((v) => v.version), [1, 2]);
  assert.equal(book.review('c-short')!.status, 'scored');
  const bad = await book.saveScorecard({ ...CARD, sections: [] }, 'sup1').catch((e: QaError) => e);
  assert.ok(bad instanceof QaError && bad.code === 'CC_QA_SCORECARD_INVALID' && bad.problems?.[0]?.path === '/sections');
});

test('scoring refuses answers that do not fit, unknown calls and scorecards; any call with a CDR can be scored by hand', async () => {
  assert.equal(await code(book.scoreCall('c-long', { scorecard: 'inbound', version: 1, answers: { greet: true } }, 'sup1')), 'CC_QA_ANSWERS_INVALID');
  assert.equal(await code(book.scoreCall('nope', { scorecard: 'inbound', answers: {} }, 'sup1')), 'CC_QA_NO_CALL');
  assert.equal(await code(book.scoreCall('c-long', { scorecard: 'other', answers: {} }, 'sup1')), 'CC_QA_NO_SCORECARD');
  const manual = await book.scoreCall('c-tuesday', { scorecard: 'inbound', answers: { greet: false, tone: 5 } }, 'sup1');
  assert.deepEqual([manual.score, manual.version], [60, 2]);
  assert.deepEqual([book.review('c-tuesday')!.reason, book.review('c-tuesday')!.status], ['manual', 'scored']);
});

test('the agent disputes their own score with a reason; the supervisor revises it; every step has its event and audit row', async () => {
  assert.equal(await code(book.dispute('c-short', 'a2', 'not mine')), 'CC_QA_FORBIDDEN');
  assert.equal(await code(book.dispute('c-long', 'a1', 'x')), 'CC_QA_NO_SCORE');
  assert.equal(await code(book.resolve('c-short', { outcome: 'upheld', note: 'n' }, 'sup1')), 'CC_QA_BAD_TRANSITION', 'nothing to resolve before a dispute');
  const d = await book.dispute('c-short', 'a1', 'I did greet the caller', MON + 10);
  assert.deepEqual([d.status, d.dispute], ['disputed', { by: 'a1', at: MON + 10, reason: 'I did greet the caller' }]);
  assert.equal(book.review('c-short')!.status, 'disputed');
  assert.equal(await code(book.scoreCall('c-short', { scorecard: 'inbound', version: 1, answers: { greet: true, tone: 5, verify: true } }, 'sup1')), 'CC_QA_BAD_TRANSITION');
  assert.equal(await code(book.resolve('c-short', { outcome: 'revised', note: 'n', answers: { greet: true } }, 'sup1')), 'CC_QA_ANSWERS_INVALID');
  const r = await book.resolve('c-short', { outcome: 'revised', note: 'greeting heard at 0:03', answers: { greet: true, tone: 4, verify: true } }, 'sup2', MON + 20);
  assert.deepEqual([r.score, r.status, r.version, r.resolution], [88, 'closed', 1, { by: 'sup2', at: MON + 20, outcome: 'revised', note: 'greeting heard at 0:03', previousScore: 76 }]);
  assert.equal(book.review('c-short')!.status, 'closed');
  assert.equal(await code(book.dispute('c-short', 'a1', 'again')), 'CC_QA_BAD_TRANSITION');
  assert.deepEqual(['qa-scored', 'qa-disputed', 'qa-resolved'].map((t) => events(t).length), [2, 1, 1]);
  const audit = listAudit(store).filter((a) => a.action.startsWith('qa-'));
  assert.deepEqual(audit.map((a) => [a.action, a.actor, a.target]), [
    ['qa-scorecard-save', 'sup1', 'inbound v1'],
    ['qa-score', 'sup1', 'c-short'],
    ['qa-scorecard-save', 'sup1', 'inbound v2'],
    ['qa-score', 'sup1', 'c-tuesday'],
    ['qa-dispute', 'a1', 'c-short'],
    ['qa-dispute-resolve', 'sup2', 'c-short'],
  ]);
  assert.deepEqual(audit.at(-1)!.detail, { agent: 'a1', outcome: 'revised', previousScore: 76, score: 88, note: 'greeting heard at 0:03' });
  assert.equal(verifyAudit(store).ok, true);
});

test('an agent\'s scores and report; a deleted scorecard takes no new scores but keeps its old ones', async () => {
  assert.deepEqual(book.scoresOf('a1').map((s) => [s.callId, s.score]), [['c-tuesday', 60], ['c-short', 88]]);
  assert.deepEqual(book.report({ by: 'agent', interval: 'week', agent: 'a1' }), [{ period: '2026-11-23', key: 'a1', count: 2, average: 74, failed: 0 }]);
  const retired = await book.retireScorecard('inbound', 'admin');
  assert.deepEqual([retired.version, retired.retired], [3, true]);
  assert.equal(await code(book.scoreCall('c-long', { scorecard: 'inbound', version: 1, answers: { greet: true, tone: 1, verify: true } }, 'sup1')), 'CC_QA_SCORECARD_RETIRED');
  assert.equal(book.score('c-tuesday')!.scorecard, 'inbound');
  assert.equal(book.scorecards().find((c) => c.name === 'inbound')!.retired, true);
});

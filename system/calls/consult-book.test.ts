// The consultations table on a real LMDB: a row and its event go together, a reloaded page
// finds the consultations of both agents, an end removes the row once, and a restart clears
// every left-over row (also a malformed one) with an event each. The pure helpers of
// workspace-consult.ts: what a decline or a ring-out tells the agent, what a leave leads to.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { clearConsultsAfterRestart, consultsOf, endConsult, readConsult, saveConsult, type ConsultRow } from './consult-book.ts';
import { afterMemberLeft, consultFailure } from './workspace-consult.ts';
import { CallPartyError } from './call-party-mix.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
function store(): Store {
  const d = mkdtempSync(join(tmpdir(), 'consult-book-'));
  dirs.push(d);
  return new Store(d);
}

const events = (s: Store) => [...s.tables.events.getRange()].map(({ value }) => value as { type: string; callId?: string; phase?: string });

function row(callId: string, over: Partial<ConsultRow> = {}): ConsultRow {
  return { callId, agent: 'w1', target: { kind: 'agent', agent: 'w2' }, to: '2102', toAgent: 'w2', caller: '13900002222', phase: 'ringing', startedAt: 1, at: 1, ...over };
}

test('a consultation is stored with its event, found by both agents, and ends once', async () => {
  const s = store();
  try {
    await saveConsult(s, row('c1'), 'started');
    assert.deepEqual(readConsult(s, 'c1'), row('c1'));
    await saveConsult(s, row('c1', { phase: 'talking', member: 'p1' }), 'answered');
    await saveConsult(s, row('c2', { agent: 'w3', target: { kind: 'number', number: '1005' }, to: '1005', toAgent: undefined }), 'started');
    assert.deepEqual(consultsOf(s, 'w1').map((r) => [r.callId, r.phase]), [['c1', 'talking']]);
    assert.deepEqual(consultsOf(s, 'w2').map((r) => r.callId), ['c1'], 'the consulted agent finds it too');
    assert.deepEqual(consultsOf(s, 'w9'), []);
    assert.equal(await endConsult(s, 'c1', 'complete'), true);
    assert.equal(await endConsult(s, 'c1', 'call-ended'), false, 'a second end is a no-op');
    assert.equal(readConsult(s, 'c1'), undefined);
    assert.deepEqual(events(s).filter((e) => e.callId === 'c1').map((e) => e.type), ['workspace-consult-started', 'workspace-consult-answered', 'workspace-consult-complete']);
  } finally {
    await s.root.close();
  }
});

test('a restart clears every consultation row, malformed ones too, each with an event', async () => {
  const s = store();
  try {
    await saveConsult(s, row('a'), 'started');
    await saveConsult(s, row('b', { phase: 'talking', member: 'p1' }), 'answered');
    await s.transaction(() => s.tables.consultations.put('junk', { nonsense: true }));
    assert.equal(readConsult(s, 'junk'), undefined, 'a malformed row is never read as a consultation');
    assert.equal(await clearConsultsAfterRestart(s), 3);
    assert.deepEqual([...s.tables.consultations.getKeys()], []);
    const cleared = events(s).filter((e) => e.type === 'workspace-consult-box-restart');
    assert.deepEqual(cleared.map((e) => e.callId).sort(), ['a', 'b', 'junk']);
    assert.equal(await clearConsultsAfterRestart(s), 0);
  } finally {
    await s.root.close();
  }
});

test('what the consulting agent is told, and what a leave leads to', () => {
  assert.equal(consultFailure(new CallPartyError('CC_CALL_PARTY_FAILED', 'w2: 603 Decline'), 'w2').code, 'CC_TRANSFER_TARGET_DECLINED');
  assert.equal(consultFailure(new CallPartyError('CC_CALL_PARTY_FAILED', 'w2: no answer', 408), 'w2').code, 'CC_TRANSFER_TARGET_NO_ANSWER');
  const refused = consultFailure(new CallPartyError('CC_CALL_PARTY_FAILED', '9999: 404 Not Found', 404), '9999');
  assert.deepEqual([refused.code, refused.status], ['CC_TRANSFER_TARGET_REFUSED', 404]);
  assert.equal(afterMemberLeft('talking', 'target'), 'back-to-agent');
  assert.equal(afterMemberLeft('talking', 'agent'), 'complete');
});

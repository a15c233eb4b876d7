import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { Dialog } from '../sip/dialog.ts';
import { forgetCall, journalCall, journalDialog, journaledCalls, malformedKeys, type JournalEntry } from './dialog-journal.ts';
import { writeCdr } from './cdr.ts';
import { cdrOf } from './restart-cleanup.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'journal-'));
  dirs.push(d);
  return d;
};

function dialog(localSeq = 17): Dialog {
  return new Dialog({
    callId: 'abc@10.0.0.9', localTag: 'lt1', remoteTag: 'rt1',
    localUri: { uri: 'sip:4000@10.0.0.1', params: {} }, remoteUri: { uri: 'sip:139@10.0.0.9', params: {} },
    remoteTarget: 'sip:139@10.0.0.9:5070', routeSet: [{ uri: 'sip:proxy.example;lr', params: {} }],
    localSeq, remoteSeq: 3, remote: { protocol: 'UDP', address: '10.0.0.9', port: 5070 }, contact: { uri: 'sip:10.0.0.1:5060', params: {} },
  });
}

function entry(callId: string, over: Partial<JournalEntry> = {}): JournalEntry {
  return {
    callId, sipCallId: 'abc@10.0.0.9', dialled: '4000',
    caller: { kind: 'trunk', id: 'carrier', uri: 'sip:139@10.0.0.9', number: '139' },
    callee: { kind: 'extension', id: '2001', uri: 'sip:2001@10.0.0.5', number: '2001' },
    startedAt: 1_000, answeredAt: 3_000, codec: 'PCMU', queue: 'sales', agents: ['a1'],
    recording: { path: '/rec/x.wav', startedAt: 3_100, parties: ['139', '2001'] },
    legs: [journalDialog('caller', dialog())], at: 9_000, ...over,
  };
}

test('a journaled call survives closing and reopening the store, with what a BYE needs', async () => {
  const dir = tempDir();
  let store = new Store(dir);
  const d = dialog();
  d.createRequest('INVITE', { version: '2.0', protocol: 'UDP', host: '10.0.0.1', params: {} }); // a re-INVITE moved our CSeq to 18
  await journalCall(store, entry('call-1', { legs: [journalDialog('caller', d)] }));
  await store.close();
  store = new Store(dir);
  try {
    const [row] = journaledCalls(store);
    assert.equal(row.callId, 'call-1');
    assert.deepEqual(row.legs[0], {
      side: 'caller', callId: 'abc@10.0.0.9', localTag: 'lt1', remoteTag: 'rt1',
      localUri: { uri: 'sip:4000@10.0.0.1', params: {} }, remoteUri: { uri: 'sip:139@10.0.0.9', params: {} },
      remoteTarget: 'sip:139@10.0.0.9:5070', routeSet: [{ uri: 'sip:proxy.example;lr', params: {} }],
      localSeq: 18, remoteSeq: 3, remote: { protocol: 'UDP', address: '10.0.0.9', port: 5070 }, contact: { uri: 'sip:10.0.0.1:5060', params: {} },
    });
    // The BYE built from the row goes to the remote target with the route set and the next CSeq.
    const bye = new Dialog({ ...row.legs[0] }).createRequest('BYE', { version: '2.0', protocol: 'UDP', host: '10.0.0.1', params: {} });
    assert.deepEqual([bye.uri, bye.headers.cseq, bye.headers.route, bye.headers.from.params.tag, bye.headers.to.params.tag], ['sip:139@10.0.0.9:5070', { seq: 19, method: 'BYE' }, [{ uri: 'sip:proxy.example;lr', params: {} }], 'lt1', 'rt1']);
  } finally {
    await store.close();
  }
});

test('a later write replaces the row; the CDR write removes it in the same transaction', async () => {
  const store = new Store(tempDir());
  try {
    await journalCall(store, entry('call-2', { agents: undefined }));
    await journalCall(store, entry('call-2', { agents: ['a1'], at: 12_000 }));
    await journalCall(store, entry('call-3'));
    assert.deepEqual(journaledCalls(store).map((e) => [e.callId, e.at, e.agents]), [['call-2', 12_000, ['a1']], ['call-3', 9_000, ['a1']]]);
    await writeCdr(store, cdrOf(entry('call-2'), 20_000));
    assert.deepEqual(journaledCalls(store).map((e) => e.callId), ['call-3']);
    assert.equal((store.tables.cdr.get('call-2') as any).hangup.cause, 'box-restart');
    await store.transaction(() => forgetCall(store, 'call-3'));
    assert.deepEqual(journaledCalls(store), []);
  } finally {
    await store.close();
  }
});

test('rows that are not journal entries are listed as malformed and never returned as calls', async () => {
  const store = new Store(tempDir());
  try {
    await store.transaction(() => {
      store.tables.dialogJournal.put('junk', { hello: 1 });
      store.tables.dialogJournal.put('bad-leg', { ...entry('bad-leg'), legs: [{ callId: 'x' }] });
      store.tables.dialogJournal.put('ok', entry('ok'));
    });
    assert.deepEqual(journaledCalls(store).map((e) => e.callId), ['ok']);
    assert.deepEqual(malformedKeys(store).sort(), ['bad-leg', 'junk']);
  } finally {
    await store.close();
  }
});

test('the CDR of a cut call: answered, billed up to when it was last known alive, with its queue and agents', () => {
  const cdr = cdrOf(entry('c'), 9_500);
  assert.deepEqual(
    { d: cdr.disposition, dur: cdr.durationMs, bill: cdr.billableMs, hangup: cdr.hangup, queue: cdr.queue, agents: cdr.agents },
    { d: 'answered', dur: 8_500, bill: 6_500, hangup: { status: 503, reason: 'box restarted', side: 'system', cause: 'box-restart' }, queue: 'sales', agents: ['a1'] },
  );
  assert.equal(cdrOf(entry('u', { answeredAt: undefined }), 2_000).disposition, 'failed');
});

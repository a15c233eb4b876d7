// The restart clean-up against real parts: an LMDB store in a temp dir, the box's SIP
// transport and endpoint on loopback, a UDP socket as the far end of each leg (it answers
// the BYE 200 OK), and a real recording file cut short by its writer.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { SipTransport } from '../sip/transport.ts';
import { SipEndpoint } from '../sip/endpoint.ts';
import { decode, encode, makeResponse } from '../sip/codec.ts';
import type { SipRequest } from '../sip/message.ts';
import { readWav } from '../../media/wav.ts';
import { WavFileWriter } from '../../media/wav-writer.ts';
import { journalCall, journaledCalls, type JournalEntry, type JournaledDialog } from './dialog-journal.ts';
import { endCallsCutByRestart } from './restart-cleanup.ts';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'restart-cleanup-'));
  dirs.push(d);
  return d;
};
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A far end of a dialog: collects the requests it gets and answers each 200 OK. */
async function farEnd(): Promise<{ port: number; got: SipRequest[]; next(): Promise<SipRequest>; close(): void }> {
  const sock = dgram.createSocket('udp4');
  const got: SipRequest[] = [];
  const waiting: ((r: SipRequest) => void)[] = [];
  sock.on('message', (buf, rinfo) => {
    const d = decode(buf);
    if (!d.ok || !('method' in d.message)) return;
    const rq = d.message as SipRequest;
    got.push(rq);
    sock.send(encode(makeResponse(rq, 200, 'OK')), rinfo.port, rinfo.address);
    waiting.shift()?.(rq);
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return {
    port: sock.address().port, got,
    next: () => (got.length > waiting.length ? Promise.resolve(got[waiting.length]) : new Promise((r) => waiting.push(r))),
    close: () => sock.close(),
  };
}

function leg(side: 'caller' | 'callee', port: number, localSeq: number): JournaledDialog {
  return {
    side, callId: `${side}-sip-call@127.0.0.1`, localTag: `${side}-lt`, remoteTag: `${side}-rt`,
    localUri: { uri: 'sip:4000@127.0.0.1', params: {} }, remoteUri: { uri: `sip:${side}@127.0.0.1`, params: {} },
    remoteTarget: `sip:${side}@127.0.0.1:${port}`, routeSet: [], localSeq, remoteSeq: 1,
    remote: { protocol: 'UDP', address: '127.0.0.1', port }, contact: { uri: 'sip:127.0.0.1:5060', params: {} },
  };
}

test('every journaled call gets a BYE per leg, a box-restart CDR, its recording repaired and indexed, and leaves the journal', async () => {
  const dir = tempDir();
  const store = new Store(join(dir, 'data'));
  const transport = new SipTransport({ bindAddress: '127.0.0.1', udpPort: 0, tcpPort: 0, maxMessageBytes: 65535 });
  await transport.listen();
  const endpoint = new SipEndpoint(transport, { publicAddress: '127.0.0.1', userAgent: 'test-box', log: quiet });
  const caller = await farEnd();
  const callee = await farEnd();
  const queued = await farEnd();
  try {
    // A recorded two-party call whose recorder died with a second of audio after its last header update.
    // Where call-recording.ts puts it: <dir>/YYYY/MM/DD/<callId>.wav (the journal names the folder).
    const recDir = join(dir, 'recordings');
    const day = join(recDir, new Date().toISOString().slice(0, 10).replace(/-/g, '/'));
    mkdirSync(day, { recursive: true });
    const wavPath = join(day, 'call-a.wav');
    const w = await WavFileWriter.open(wavPath, { channels: 2, encoding: 'ulaw' });
    w.appendEncoded(new Uint8Array(3200).fill(0x7f));
    await w.flush();
    appendFileSync(wavPath, Buffer.alloc(16001, 0x7f));
    const base: Omit<JournalEntry, 'callId' | 'legs'> = {
      sipCallId: 'caller-sip-call@127.0.0.1', dialled: '4000', startedAt: Date.now() - 60_000, answeredAt: Date.now() - 55_000, codec: 'PCMU',
      caller: { kind: 'trunk', id: 'carrier', uri: 'sip:139@127.0.0.1', number: '139' }, at: Date.now() - 1000,
    };
    await journalCall(store, {
      ...base, callId: 'call-a', legs: [leg('caller', caller.port, 1), leg('callee', callee.port, 4)],
      callee: { kind: 'extension', id: '2001', uri: 'sip:2001@127.0.0.1', number: '2001' }, queue: 'sales', agents: ['a1'],
      recording: { dir: recDir, startedAt: Date.now() - 54_000, parties: ['139', '2001'] },
    });
    // A caller waiting in a queue (the box answered it; no callee).
    await journalCall(store, { ...base, callId: 'call-b', sipCallId: 'b@x', queue: 'sales', legs: [{ ...leg('caller', queued.port, 7), callId: 'b@x' }] });

    const report = await endCallsCutByRestart({ store, endpoint, log: quiet });
    assert.deepEqual(report, { calls: 2, byes: 3, recordings: 1, recordingsLost: 0 });
    const [a, b, q] = await Promise.all([caller.next(), callee.next(), queued.next()]);
    for (const [rq, l] of [[a, leg('caller', caller.port, 1)], [b, leg('callee', callee.port, 4)]] as const) {
      assert.equal(rq.method, 'BYE');
      assert.equal(rq.uri, l.remoteTarget);
      assert.deepEqual([rq.headers['call-id'], rq.headers.from.params.tag, rq.headers.to.params.tag, rq.headers.cseq], [l.callId, l.localTag, l.remoteTag, { seq: l.localSeq + 1, method: 'BYE' }]);
    }
    assert.deepEqual([q.method, q.headers['call-id'], q.headers.cseq.seq], ['BYE', 'b@x', 8]);

    const cdrA = store.tables.cdr.get('call-a') as any;
    assert.deepEqual([cdrA.disposition, cdrA.hangup.cause, cdrA.queue, cdrA.agents, cdrA.callee.id], ['answered', 'box-restart', 'sales', ['a1'], '2001']);
    assert.ok(cdrA.endedAt >= base.at && cdrA.billableMs > 0, JSON.stringify(cdrA));
    assert.equal((store.tables.cdr.get('call-b') as any).hangup.cause, 'box-restart');

    const rec = store.tables.recordings.get('call-a') as any;
    const file = readFileSync(wavPath);
    assert.deepEqual([rec.path, rec.stoppedBy, rec.bytes, rec.sha256, rec.durationMs, rec.parties], [wavPath, 'box-restart', file.length, createHash('sha256').update(file).digest('hex'), 1200, ['139', '2001']]);
    assert.equal(readWav(file).samples[0].length, 9600, 'the repaired file holds every whole frame on disk');
    assert.equal(store.tables.recordings.get('call-b'), undefined);

    assert.deepEqual(journaledCalls(store), []);
    const events = [...store.tables.events.getRange()].map((r) => r.value as any);
    assert.deepEqual(events.filter((e) => e.type === 'call-ended').map((e) => [e.callId, e.cause]).sort(), [['call-a', 'box-restart'], ['call-b', 'box-restart']]);
    assert.deepEqual(events.filter((e) => e.type === 'calls-cut-by-restart').map((e) => [e.calls, e.byes, e.recordings]), [[2, 3, 1]]);

    // A second start finds nothing left to end.
    assert.deepEqual(await endCallsCutByRestart({ store, endpoint, log: quiet }), { calls: 0, byes: 0, recordings: 0, recordingsLost: 0 });
    await w.close().catch(() => undefined);
  } finally {
    for (const p of [caller, callee, queued]) p.close();
    endpoint.close();
    await transport.close();
    await store.close();
  }
});

test('a recording file that is gone does not stop the CDR; a malformed journal row is dropped', async () => {
  const dir = tempDir();
  const store = new Store(join(dir, 'data'));
  const transport = new SipTransport({ bindAddress: '127.0.0.1', udpPort: 0, tcpPort: 0, maxMessageBytes: 65535 });
  await transport.listen();
  const endpoint = new SipEndpoint(transport, { publicAddress: '127.0.0.1', userAgent: 'test-box', log: quiet });
  const peer = await farEnd();
  try {
    await store.transaction(() => store.tables.dialogJournal.put('junk', { nonsense: true }));
    await journalCall(store, {
      callId: 'call-c', sipCallId: 'c@x', dialled: '9100', startedAt: Date.now() - 5000, answeredAt: Date.now() - 4000, codec: 'PCMA', at: Date.now() - 100,
      caller: { kind: 'extension', id: '2002', uri: 'sip:2002@127.0.0.1', number: '2002' },
      recording: { path: join(dir, 'missing.wav'), startedAt: Date.now() - 4000, parties: [] },
      legs: [leg('caller', peer.port, 2)],
    });
    const report = await endCallsCutByRestart({ store, endpoint, log: quiet });
    assert.deepEqual(report, { calls: 1, byes: 1, recordings: 0, recordingsLost: 1 });
    assert.equal((await peer.next()).method, 'BYE');
    assert.equal((store.tables.cdr.get('call-c') as any).hangup.cause, 'box-restart');
    assert.deepEqual([...store.tables.dialogJournal.getKeys()], []);
  } finally {
    peer.close();
    endpoint.close();
    await transport.close();
    await store.close();
  }
});

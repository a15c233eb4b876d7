// The restart clean-up for legs over TCP and TLS, whose connections died with the process,
// against real parts: an LMDB store, the box's transport and endpoint (with its TLS listener)
// on loopback, and TLS/TCP servers as the far ends. A phone listening at its Contact gets its
// BYE over a new TLS connection; a trunk whose Contact is unreachable gets it at the address
// the box had connected to; a phone reachable at neither gets it over its own new connection
// once it registers again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.ts';
import { SipTransport } from '../sip/transport.ts';
import { SipEndpoint } from '../sip/endpoint.ts';
import { decode, encode, makeResponse } from '../sip/codec.ts';
import type { Remote, SipRequest } from '../sip/message.ts';
import type { Binding } from '../sip/registrar.ts';
import { journalCall, journaledCalls, type JournalEntry, type JournaledDialog } from './dialog-journal.ts';
import { connectionTargets, endCallsCutByRestart } from './restart-cleanup.ts';
import { makeSelfSigned } from '../../hil-tests/harness/test-ca.ts';

const cert = makeSelfSigned(['127.0.0.1']);
const dirs: string[] = [cert.dir];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Requests cut out of a stream and answered 200 OK on it. */
function answerOn(socket: net.Socket, got: SipRequest[], waiting: ((r: SipRequest) => void)[]): void {
  let buf = '';
  socket.on('error', () => undefined);
  socket.on('data', (d) => {
    buf += d.toString('latin1');
    let end: number;
    while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
      const len = Number(/\r\ncontent-length:\s*(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + len) return;
      const r = decode(Buffer.from(buf.slice(0, end + 4 + len), 'latin1'));
      buf = buf.slice(end + 4 + len);
      if (!r.ok || !('method' in r.message)) continue;
      const rq = r.message as SipRequest;
      got.push(rq);
      socket.write(encode(makeResponse(rq, 200, 'OK')));
      waiting.shift()?.(rq);
    }
  });
}

interface FarEnd { port: number; got: SipRequest[]; next(): Promise<SipRequest>; close(): Promise<void> }

/** A TLS (self-signed, as a LAN phone's) or TCP server: where a phone or trunk listens. */
async function streamFarEnd(kind: 'TLS' | 'TCP'): Promise<FarEnd> {
  const got: SipRequest[] = [];
  const waiting: ((r: SipRequest) => void)[] = [];
  const sockets = new Set<net.Socket>();
  const onSocket = (s: net.Socket) => {
    sockets.add(s);
    answerOn(s, got, waiting);
  };
  const server = kind === 'TLS' ? tls.createServer({ cert: cert.certPem, key: cert.keyPem }, onSocket) : net.createServer(onSocket);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    got,
    next: () => (got.length > waiting.length ? Promise.resolve(got[waiting.length]) : new Promise((r) => waiting.push(r))),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** A port nothing listens on (the phone's side of a connection that died with the box). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function leg(side: 'caller' | 'callee', remote: Remote, remoteTarget: string, localSeq: number): JournaledDialog {
  return {
    side, callId: `${side}-${remote.port}@127.0.0.1`, localTag: `${side}-lt`, remoteTag: `${side}-rt`,
    localUri: { uri: 'sip:4000@127.0.0.1', params: {} }, remoteUri: { uri: `sip:${side}@127.0.0.1`, params: {} },
    remoteTarget, routeSet: [], localSeq, remoteSeq: 1, remote, contact: { uri: 'sip:127.0.0.1:5061;transport=tls', params: {} },
  };
}

const base = (callId: string, legs: JournaledDialog[]): JournalEntry => ({
  callId, sipCallId: legs[0].callId, dialled: '4000', startedAt: Date.now() - 60_000, answeredAt: Date.now() - 55_000, codec: 'PCMU', at: Date.now() - 1000,
  caller: { kind: 'extension', id: '2001', uri: 'sip:2001@127.0.0.1', number: '2001' }, legs,
});

test('where a BYE may reach a TCP/TLS leg: the first route, else the Contact (its transport, default port), then the journaled flow', () => {
  const flow: Remote = { protocol: 'TLS', address: '10.0.0.9', port: 40123 };
  assert.deepEqual(connectionTargets(leg('caller', flow, 'sip:2001-x@10.0.0.9:5071;transport=tls', 1)), [{ protocol: 'TLS', address: '10.0.0.9', port: 5071 }, flow]);
  assert.deepEqual(connectionTargets(leg('caller', flow, 'sips:2001@phone.example', 1)), [{ protocol: 'TLS', address: 'phone.example', port: 5061 }, flow]);
  assert.deepEqual(connectionTargets(leg('caller', { ...flow, protocol: 'TCP' }, 'sip:2001@10.0.0.9', 1)), [{ protocol: 'TCP', address: '10.0.0.9', port: 5060 }, { ...flow, protocol: 'TCP' }]);
  const trunkFlow: Remote = { protocol: 'TLS', address: '192.0.2.1', port: 5061 };
  assert.deepEqual(connectionTargets(leg('callee', trunkFlow, 'sip:192.0.2.1:5061;transport=tls', 1)), [trunkFlow]);
  // A callee phone that answered on its registration's connection: its dialog Contact is that connection; its registered Contact is its listener.
  assert.deepEqual(connectionTargets(leg('callee', flow, 'sip:2001-x@10.0.0.9:40123;transport=tls', 1), 'sip:2001-x@10.0.0.9:5071;transport=tls'), [flow, { protocol: 'TLS', address: '10.0.0.9', port: 5071 }]);
  // A carrier that called in over TLS (its Contact names its connection): its configured address before the dead flow.
  assert.deepEqual(connectionTargets(leg('caller', flow, 'sip:carrier@10.0.0.9:40123;transport=tls', 1), undefined, trunkFlow), [flow, trunkFlow]);
  assert.deepEqual(connectionTargets(leg('caller', flow, 'sip:carrier@10.0.0.9:5999;transport=tls', 1), undefined, trunkFlow), [{ protocol: 'TLS', address: '10.0.0.9', port: 5999 }, trunkFlow, flow]);
  assert.deepEqual(connectionTargets({ ...leg('callee', trunkFlow, 'sip:x@192.0.2.7', 1), routeSet: [{ uri: 'sip:192.0.2.2:5061;transport=tls;lr', params: {} }] }), [{ protocol: 'TLS', address: '192.0.2.2', port: 5061 }, trunkFlow]);
});

test('legs over TLS and TCP get their BYE over new connections: at the Contact, at the journaled flow, or on the phone\'s next registration', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'restart-cleanup-tls-'));
  dirs.push(dir);
  const store = new Store(join(dir, 'data'));
  const transport = new SipTransport({ bindAddress: '127.0.0.1', udpPort: 0, tcpPort: 0, maxMessageBytes: 65535, tls: { port: 0, key: cert.keyPem, cert: cert.certPem } });
  await transport.listen();
  const endpoint = new SipEndpoint(transport, { publicAddress: '127.0.0.1', userAgent: 'test-box', log: quiet });
  const phone = await streamFarEnd('TLS');
  const trunk = await streamFarEnd('TCP');
  const callee = await streamFarEnd('TLS');
  let rejoined: tls.TLSSocket | undefined;
  try {
    // A TLS phone that called in (its connection's port is gone) and listens at its Contact.
    const phoneLeg = leg('caller', { protocol: 'TLS', address: '127.0.0.1', port: await deadPort() }, `sip:2001-a@127.0.0.1:${phone.port};transport=tls`, 3);
    // A TCP trunk the box had called (the journaled flow is its address); its Contact is unreachable.
    const trunkLeg = leg('callee', { protocol: 'TCP', address: '127.0.0.1', port: trunk.port }, `sip:carrier@127.0.0.1:${await deadPort()};transport=tcp`, 1);
    // A TLS phone reachable at neither (behind NAT): registered before the crash, it registers again after.
    const lostContact = `sip:2002-b@127.0.0.1:${await deadPort()};transport=tls`;
    const lostLeg = leg('caller', { protocol: 'TLS', address: '127.0.0.1', port: await deadPort() }, lostContact, 5);
    const oldBinding: Binding = { extension: '2002', contact: lostContact, remote: lostLeg.remote, expiresAt: Date.now() + 300_000, callId: 'reg-b', cseq: 1, registeredAt: Date.now() - 60_000 };
    await store.transaction(() => store.tables.registrations.put('2002', [oldBinding]));
    // A TLS phone the box had called on its registration's flow: its dialog Contact is that (dead) flow; it listens at its registered Contact.
    const calleeFlow: Remote = { protocol: 'TLS', address: '127.0.0.1', port: await deadPort() };
    const calleeLeg = leg('callee', calleeFlow, `sip:2003-c@127.0.0.1:${calleeFlow.port};transport=tls`, 1);
    await store.transaction(() => store.tables.registrations.put('2003', [{ ...oldBinding, extension: '2003', contact: `sip:2003-c@127.0.0.1:${callee.port};transport=tls`, remote: calleeFlow }]));
    await journalCall(store, base('call-1', [phoneLeg, trunkLeg]));
    await journalCall(store, base('call-3', [calleeLeg]));
    await journalCall(store, base('call-2', [lostLeg]));

    const report = await endCallsCutByRestart({ store, endpoint, log: quiet, reRegisterPollMs: 100 });
    assert.deepEqual(report, { calls: 3, byes: 4, recordings: 0, recordingsLost: 0 });
    assert.deepEqual(journaledCalls(store), [], 'CDRs written without waiting for the BYEs');

    const [p, t, c] = await Promise.all([phone.next(), trunk.next(), callee.next()]);
    for (const [rq, l] of [[p, phoneLeg], [t, trunkLeg], [c, calleeLeg]] as const) {
      assert.equal(rq.method, 'BYE');
      assert.equal(rq.uri, l.remoteTarget);
      assert.deepEqual([rq.headers['call-id'], rq.headers.from.params.tag, rq.headers.to.params.tag, rq.headers.cseq], [l.callId, l.localTag, l.remoteTag, { seq: l.localSeq + 1, method: 'BYE' }]);
    }
    assert.equal(p.headers.via[0].protocol, 'TLS');
    assert.equal(t.headers.via[0].protocol, 'TCP');

    // The lost phone reconnects over TLS to the box and registers (the registrar writes the binding with the new flow).
    const got: SipRequest[] = [];
    const waiting: ((r: SipRequest) => void)[] = [];
    rejoined = tls.connect({ host: '127.0.0.1', port: transport.ports.tls, rejectUnauthorized: false });
    await new Promise<void>((r, j) => rejoined!.once('secureConnect', r).once('error', j));
    answerOn(rejoined, got, waiting);
    while (transport.counters.tcpConnections < 4) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(got.length, 0, 'no BYE before the phone registered again');
    const newFlow: Remote = { protocol: 'TLS', address: '127.0.0.1', port: rejoined.localPort! };
    await store.transaction(() => store.tables.registrations.put('2002', [{ ...oldBinding, remote: newFlow, registeredAt: Date.now(), cseq: 2 }]));
    const bye = got[0] ?? (await new Promise<SipRequest>((r) => waiting.push(r)));
    assert.deepEqual([bye.method, bye.headers['call-id'], bye.headers.cseq.seq], ['BYE', lostLeg.callId, 6]);
  } finally {
    rejoined?.destroy();
    await phone.close();
    await trunk.close();
    await callee.close();
    endpoint.close();
    await transport.close();
    await store.close();
  }
});

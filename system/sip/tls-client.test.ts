// Outbound SIP over TLS against real TLS servers on loopback (certificates made by openssl):
// a trunk's certificate pinned, verified against a configured CA, against the system's CAs,
// or not verified; a peer that fails its check gets nothing (not even the INVITE's bytes) and
// the request gets a local 503 at once; a refused connection too.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { rmSync } from 'node:fs';
import { SipTransport } from './transport.ts';
import { SipEndpoint } from './endpoint.ts';
import { newBranch } from './transactions.ts';
import type { Remote, SipRequest, SipResponse } from './message.ts';
import { normalizeFingerprint, tlsPolicyOfRemote, type TlsTrunk } from './tls-client.ts';
import { makeCaAndLeaf, makeSelfSigned } from '../../hil-tests/harness/test-ca.ts';

const pki = makeCaAndLeaf(['127.0.0.1']);
const self = makeSelfSigned(['127.0.0.1']);
after(() => [pki.dir, self.dir].forEach((d) => rmSync(d, { recursive: true, force: true })));
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** A TLS server presenting `cert`: collects what it receives and answers every request 200 OK. */
async function tlsPeer(cert: { certPem: string; keyPem: string }): Promise<{ port: number; received: () => string; handshakes: () => number; close(): Promise<void> }> {
  let text = '';
  let handshakes = 0;
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (s) => {
    handshakes++;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('data', (d) => {
      text += d;
      const m = /^(\w+) [^\r\n]*\r\n([\s\S]*?)\r\n\r\n/.exec(String(d));
      if (!m) return;
      const head = String(d).split('\r\n\r\n')[0].split('\r\n');
      const keep = head.filter((l) => /^(via|from|to|call-id|cseq):/i.test(l));
      s.write(['SIP/2.0 200 OK', ...keep.map((l) => (/^to:/i.test(l) && !/tag=/.test(l) ? `${l};tag=peer` : l)), 'Content-Length: 0', '', ''].join('\r\n'));
    });
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => text,
    handshakes: () => handshakes,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function boxSide(trunks: TlsTrunk[]): Promise<{ endpoint: SipEndpoint; transport: SipTransport; warnings: { code?: string; trunk?: string }[] }> {
  const warnings: { code?: string; trunk?: string }[] = [];
  const transport = new SipTransport({ bindAddress: '127.0.0.1', udpPort: 0, tcpPort: 0, maxMessageBytes: 65535, log: { warn: (o) => warnings.push(o as never) } });
  transport.tlsPeerPolicy = (remote) => tlsPolicyOfRemote(trunks, remote);
  await transport.listen();
  return { endpoint: new SipEndpoint(transport, { publicAddress: '127.0.0.1', userAgent: 'test-box', log: quiet }), transport, warnings };
}

function options(endpoint: SipEndpoint, remote: Remote): Promise<{ rs: SipResponse; ms: number }> {
  const rq: SipRequest = {
    method: 'OPTIONS', uri: `sip:127.0.0.1:${remote.port};transport=tls`, version: '2.0',
    headers: {
      via: [{ ...endpoint.via('TLS'), params: { branch: newBranch(), rport: null } }],
      from: { uri: 'sip:box@127.0.0.1', params: { tag: 'b1' } }, to: { uri: 'sip:trunk@127.0.0.1', params: {} },
      'call-id': `tls-client-${Math.random()}`, cseq: { seq: 1, method: 'OPTIONS' }, 'max-forwards': '70',
    },
    content: '',
  };
  const t0 = performance.now();
  return new Promise((resolve) => endpoint.sendRequest(rq, remote, (rs) => rs.status >= 200 && resolve({ rs, ms: performance.now() - t0 })));
}

const trunk = (port: number, tlsOpts?: TlsTrunk['tls']): TlsTrunk => ({ name: 'carrier', host: '127.0.0.1', port, transport: 'tls', ...(tlsOpts ? { tls: tlsOpts } : {}) });

test('fingerprints are compared in one form whatever their spelling', () => {
  const fp = self.fingerprint;
  assert.equal(normalizeFingerprint(fp.toLowerCase()), fp);
  assert.equal(normalizeFingerprint(fp.replace(/:/g, '')), fp);
  assert.equal(normalizeFingerprint(`SHA-256 ${fp}`), fp);
});

test('policy: a pinned trunk, a CA trunk (configured or system), an unverified trunk, and no verification for what is no TLS trunk', () => {
  const r: Remote = { protocol: 'TLS', address: '127.0.0.1', port: 5061 };
  assert.deepEqual(tlsPolicyOfRemote([{ name: 't', host: '127.0.0.1', transport: 'tls', tls: { fingerprints: [self.fingerprint.toLowerCase()] } }], r), { mode: 'pin', fingerprints: [self.fingerprint], name: 't' });
  assert.deepEqual(tlsPolicyOfRemote([{ name: 't', host: '127.0.0.1', transport: 'tls', tls: { ca: 'PEM' } }], r), { mode: 'ca', ca: 'PEM', name: 't' });
  assert.deepEqual(tlsPolicyOfRemote([{ name: 't', host: '127.0.0.1', transport: 'tls' }], r), { mode: 'ca', name: 't' });
  assert.deepEqual(tlsPolicyOfRemote([{ name: 't', host: '127.0.0.1', transport: 'tls', tls: { verify: false } }], r), { mode: 'none', warn: true, name: 't' });
  assert.deepEqual(tlsPolicyOfRemote([{ name: 't', host: '127.0.0.1', transport: 'udp' }], r), { mode: 'none', warn: false });
  assert.deepEqual(tlsPolicyOfRemote([{ name: 't', host: '127.0.0.1', port: 5062, transport: 'tls' }], r), { mode: 'none', warn: false });
});

test('a pinned self-signed trunk is talked to; a wrong pin gets nothing and the request a 503 at once', async () => {
  const peer = await tlsPeer(self);
  const good = await boxSide([trunk(peer.port, { fingerprints: [self.fingerprint] })]);
  const bad = await boxSide([trunk(peer.port, { fingerprints: [pki.leaf.fingerprint] })]);
  try {
    const remote: Remote = { protocol: 'TLS', address: '127.0.0.1', port: peer.port };
    const ok = await options(good.endpoint, remote);
    assert.equal(ok.rs.status, 200);
    assert.match(peer.received(), /^OPTIONS /);
    const before = peer.received().length;
    const refused = await options(bad.endpoint, remote);
    assert.equal(refused.rs.status, 503);
    assert.match(refused.rs.reason, /TLS peer not trusted/);
    assert.ok(refused.ms < 10_000, `503 after ${Math.round(refused.ms)} ms, not the 32 s timeout`);
    assert.equal(peer.received().length, before, 'the peer that failed its pin got no byte of the request');
    assert.deepEqual(bad.warnings.map((w) => [w.code, w.trunk]), [['CC_SIP_TLS_PEER_PIN_MISMATCH', 'carrier']]);
  } finally {
    await good.transport.close();
    await bad.transport.close();
    await peer.close();
  }
});

test('CA verification: a trunk whose certificate chains to the configured CA is talked to; without that CA (system CAs) it is not', async () => {
  const peer = await tlsPeer(pki.leaf);
  const withCa = await boxSide([trunk(peer.port, { ca: pki.ca.certPem })]);
  const systemCas = await boxSide([trunk(peer.port)]);
  const selfPeer = await tlsPeer(self);
  const wrongCa = await boxSide([trunk(selfPeer.port, { ca: pki.ca.certPem })]);
  try {
    assert.equal((await options(withCa.endpoint, { protocol: 'TLS', address: '127.0.0.1', port: peer.port })).rs.status, 200);
    const refused = await options(systemCas.endpoint, { protocol: 'TLS', address: '127.0.0.1', port: peer.port });
    assert.equal(refused.rs.status, 503);
    assert.deepEqual(systemCas.warnings.map((w) => w.code), ['CC_SIP_TLS_PEER_UNTRUSTED']);
    assert.equal((await options(wrongCa.endpoint, { protocol: 'TLS', address: '127.0.0.1', port: selfPeer.port })).rs.status, 503);
    assert.equal(peer.received().match(/OPTIONS /g)?.length, 1, 'only the verified connection carried a request');
    assert.equal(selfPeer.received(), '');
  } finally {
    for (const b of [withCa, systemCas, wrongCa]) await b.transport.close();
    await peer.close();
    await selfPeer.close();
  }
});

test('a changed trunk policy is applied to the next request: the open connection is replaced and checked again', async () => {
  const peer = await tlsPeer(self);
  const trunks = [trunk(peer.port, { fingerprints: [self.fingerprint] })];
  const box = await boxSide(trunks);
  const remote: Remote = { protocol: 'TLS', address: '127.0.0.1', port: peer.port };
  try {
    assert.equal((await options(box.endpoint, remote)).rs.status, 200);
    assert.equal((await options(box.endpoint, remote)).rs.status, 200);
    assert.equal(peer.handshakes(), 1, 'one connection while the policy stays');
    // Reusing the connection checked under the old pin would have answered 200.
    trunks[0] = trunk(peer.port, { fingerprints: [pki.leaf.fingerprint] });
    assert.equal((await options(box.endpoint, remote)).rs.status, 503);
    trunks[0] = trunk(peer.port, { fingerprints: [self.fingerprint] });
    assert.equal((await options(box.endpoint, remote)).rs.status, 200);
    // (The refused connection may not count as a handshake on the server: the box drops it right after its Finished.)
    assert.ok(peer.handshakes() >= 2);
    assert.equal(peer.received().match(/OPTIONS /g)?.length, 3, 'the connection under the wrong pin carried nothing');
  } finally {
    await box.transport.close();
    await peer.close();
  }
});

test('verify: false talks to any certificate, with a warning per connection', async () => {
  const peer = await tlsPeer(self);
  const box = await boxSide([trunk(peer.port, { verify: false })]);
  try {
    assert.equal((await options(box.endpoint, { protocol: 'TLS', address: '127.0.0.1', port: peer.port })).rs.status, 200);
    assert.deepEqual(box.warnings.map((w) => w.code), ['CC_SIP_TLS_PEER_UNVERIFIED']);
  } finally {
    await box.transport.close();
    await peer.close();
  }
});

test('a refused connection (TLS or TCP) gets a 503 at once; openFlow rejects', async () => {
  const closed = net.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const box = await boxSide([]);
  try {
    for (const protocol of ['TLS', 'TCP'] as const) {
      const { rs, ms } = await options(box.endpoint, { protocol, address: '127.0.0.1', port });
      assert.equal(rs.status, 503, protocol);
      assert.ok(ms < 10_000);
      await assert.rejects(box.transport.openFlow({ protocol, address: '127.0.0.1', port }, 3000));
    }
    assert.deepEqual(box.warnings.map((w) => w.code), ['CC_SIP_TLS_CONNECT', 'CC_SIP_TLS_CONNECT', 'CC_SIP_TCP_CONNECT', 'CC_SIP_TCP_CONNECT']);
  } finally {
    await box.transport.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import pino from 'pino';
import { SipTransport } from './transport.ts';
import { SipCertificate } from './tls-certificate.ts';
import { makeResponse } from './codec.ts';
import type { Remote, SipMessage, SipRequest } from './message.ts';

const OPTIONS = (port: number) => [
  `OPTIONS sip:box@127.0.0.1:${port};transport=tls SIP/2.0`,
  'Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bKtls1;rport',
  'From: <sip:1001@127.0.0.1>;tag=a1',
  'To: <sip:box@127.0.0.1>',
  'Call-ID: tls-test-1',
  'CSeq: 1 OPTIONS',
  'Max-Forwards: 70',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

test('SIP over TLS: a request on a TLS connection arrives as protocol TLS and its answer goes back on that connection', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'siptls-'));
  const cert = await SipCertificate.load(dir, pino({ level: 'silent' }));
  const t = new SipTransport({ bindAddress: '127.0.0.1', udpPort: 0, tcpPort: 0, maxMessageBytes: 65535, tls: { port: 0, ...cert.material } });
  await t.listen();
  const got: [SipMessage, Remote][] = [];
  t.on('message', (m, r) => {
    got.push([m, r]);
    t.send(makeResponse(m as SipRequest, 200, 'OK'), r);
  });
  const client = tls.connect({ host: '127.0.0.1', port: t.ports.tls, rejectUnauthorized: false });
  try {
    await new Promise<void>((resolve, reject) => client.once('secureConnect', resolve).once('error', reject));
    assert.equal(client.getPeerX509Certificate()?.fingerprint256, cert.current.fingerprint);
    let answer = '';
    client.on('data', (d) => (answer += d));
    // In two pieces: the stream framing reassembles them.
    const text = OPTIONS(t.ports.tls);
    client.write(text.slice(0, 40));
    await new Promise((r) => setTimeout(r, 50));
    client.write(text.slice(40));
    const until = Date.now() + 3000;
    while (!answer.includes('\r\n\r\n') && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    assert.match(answer, /^SIP\/2\.0 200 OK/);
    assert.equal(got.length, 1);
    assert.equal(got[0][1].protocol, 'TLS');
    assert.equal(got[0][1].port, client.localPort);
    assert.equal(t.counters.tcpConnections, 1);
  } finally {
    client.destroy();
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a taken TLS port does not stop UDP and TCP from listening', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'siptls-'));
  const cert = await SipCertificate.load(dir, pino({ level: 'silent' }));
  const a = new SipTransport({ bindAddress: '127.0.0.1', udpPort: 0, tcpPort: 0, maxMessageBytes: 65535, tls: { port: 0, ...cert.material } });
  await a.listen();
  const warnings: string[] = [];
  const b = new SipTransport({ bindAddress: '127.0.0.1', udpPort: 0, tcpPort: 0, maxMessageBytes: 65535, tls: { port: a.ports.tls, ...cert.material }, log: { warn: (o) => warnings.push((o as { code?: string }).code ?? '') } });
  try {
    await b.listen();
    assert.ok(b.ports.udp > 0 && b.ports.tcp > 0);
    assert.equal(b.ports.tls, 0);
    assert.deepEqual(warnings, ['CC_SIP_TLS_LISTEN']);
  } finally {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

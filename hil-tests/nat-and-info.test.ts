// A phone behind NAT (its SDP names an address its RTP does not come from) still gets its
// audio: the box latches onto where the RTP really comes from (comedia). And DTMF sent as
// SIP INFO (application/dtmf-relay) is surfaced on the call like RFC 4733 digits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { runSipp } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer } from './harness/rtp-peer.ts';
import { SipClient, digestAuthorization, parseChallenge } from './harness/sip-client.ts';

let box: BoxProcess;
let upstreamPort: number;

before(async () => {
  upstreamPort = await freePort('127.0.0.3');
  box = await startBoxProcess({
    extensions: [{ number: '1001', password: 'secret1001' }],
    trunks: [{ name: 'upstream', kind: 'static', host: '127.0.0.3', port: upstreamPort }],
    dialPlan: [{ prefix: '9', trunk: 'upstream', strip: 1 }],
  });
});

after(async () => {
  await box.stop();
});

/** A phone (extension 1001) placing a call by hand: INVITE, 407, authenticated INVITE, ACK. */
async function phoneCall(c: SipClient, dialled: string, sdpAddress: string, sdpPort: number) {
  const callId = randomBytes(8).toString('hex');
  const uri = `sip:${dialled}@127.0.0.1:${box.sipPort}`;
  const sdp = ['v=0', `o=- 1 1 IN IP4 ${sdpAddress}`, 's=-', `c=IN IP4 ${sdpAddress}`, 't=0 0', `m=audio ${sdpPort} RTP/AVP 0 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000', ''].join('\r\n');
  const msg = (method: string, cseq: number, extra: string[] = [], body = '', toTag = '') =>
    [
      `${method} ${uri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${c.local.address}:${c.local.port};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      `From: <sip:1001@127.0.0.1>;tag=nat1`,
      `To: <${uri}>${toTag}`,
      `Call-ID: ${callId}`,
      `CSeq: ${cseq} ${method}`,
      `Contact: <sip:1001@${c.local.address}:${c.local.port}>`,
      'Max-Forwards: 70',
      ...extra,
      ...(body && !extra.some((e) => e.startsWith('Content-Type')) ? ['Content-Type: application/sdp'] : []),
      `Content-Length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
  c.sendRaw(msg('INVITE', 1, [], sdp));
  const challenge = await c.response((r) => r.status === 407);
  c.sendRaw(msg('ACK', 1, [], '', /;tag=[^;\s]+/.exec(challenge.headers.get('to')![0])![0]));
  const ch = parseChallenge(challenge.headers.get('proxy-authenticate')![0]);
  c.sendRaw(msg('INVITE', 2, [`Proxy-Authorization: ${digestAuthorization(ch, { username: '1001', password: 'secret1001', method: 'INVITE', uri })}`], sdp));
  const ok = await c.response((r) => r.status === 200 && r.text.includes('CSeq: 2 INVITE'), 5000);
  const toTag = /;tag=[^;\s]+/.exec(ok.headers.get('to')![0])![0];
  const boxPort = Number(/m=audio (\d+)/.exec(ok.text)![1]);
  c.sendRaw(msg('ACK', 2, [], '', toTag));
  return { boxPort, inDialog: (method: string, cseq: number, extra: string[] = [], body = '') => c.sendRaw(msg(method, cseq, extra, body, toTag)) };
}

test('a phone behind NAT gets its audio back at the address its RTP comes from, not the one in its SDP', async () => {
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
  const c = await SipClient.open('127.0.0.1', { host: '127.0.0.1', port: box.sipPort });
  const peer = await RtpPeer.open('127.0.0.1');
  try {
    // The SDP names 127.0.0.66:9 (a "private" address the box cannot reach); RTP really comes from `peer`.
    const call = await phoneCall(c, '94242', '127.0.0.66', 9);
    await peer.sendStream(Array.from({ length: 30 }, (_, i) => Buffer.alloc(160, i + 1)), '127.0.0.1', call.boxPort);
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(peer.received.length >= 25, `echo reached the real RTP source: ${peer.received.length}`);
    call.inDialog('BYE', 3);
    await c.response((r) => r.text.includes('CSeq: 3 BYE'));
    assert.equal((await uas.done).code, 0);
  } finally {
    peer.close();
    c.close();
  }
});

test('DTMF sent as SIP INFO (application/dtmf-relay) is surfaced on the call', async () => {
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
  const c = await SipClient.open('127.0.0.1', { host: '127.0.0.1', port: box.sipPort });
  const peer = await RtpPeer.open('127.0.0.1');
  try {
    const call = await phoneCall(c, '94343', '127.0.0.1', peer.port);
    call.inDialog('INFO', 3, ['Content-Type: application/dtmf-relay'], 'Signal=9\r\nDuration=160\r\n');
    assert.equal((await c.response((r) => r.text.includes('CSeq: 3 INFO'))).status, 200);
    call.inDialog('INFO', 4, ['Content-Type: application/dtmf-relay'], 'Signal=#\r\nDuration=160\r\n');
    assert.equal((await c.response((r) => r.text.includes('CSeq: 4 INFO'))).status, 200);
    call.inDialog('BYE', 5);
    await c.response((r) => r.text.includes('CSeq: 5 BYE'));
    await uas.done;
  } finally {
    peer.close();
    c.close();
  }
  const cdr = await box.cdr('94343');
  assert.equal(cdr.dtmf.caller, '9#');
});

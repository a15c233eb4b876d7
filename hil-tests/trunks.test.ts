// Trunks towards a carrier, with sipp as the carrier verifying the box's digest answers:
// outbound registration (and its failure with a wrong password), and an outbound call on a
// trunk that challenges INVITEs (401; sipp's verifyauth reads only Authorization).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startBoxProcess } from './harness/box-process.ts';
import { runSipp } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer } from './harness/rtp-peer.ts';

async function trunkState(status: () => Promise<any>, want: string): Promise<any> {
  let s: any;
  for (let i = 0; i < 50; i++) {
    s = (await status()).trunks[0];
    if (s?.state === want) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  return s;
}

for (const [password, verdict, state] of [
  ['s3cret', 'AUTH GOOD', 'registered'],
  ['wrong-password', 'AUTH BAD', 'failed'],
] as const) {
  test(`the box registers to a carrier with ${password === 's3cret' ? 'the right' : 'a wrong'} password and reports ${state}`, async () => {
    const port = await freePort('127.0.0.3');
    const carrier = runSipp({ scenario: 'uas-registrar.xml', localIp: '127.0.0.3', localPort: port });
    const box = await startBoxProcess({
      trunks: [{ name: 'sipco', kind: 'register', host: '127.0.0.3', port, username: 'acme', password, registerExpires: 120 }],
    });
    try {
      const r = await carrier.done;
      assert.match(r.logs, new RegExp(verdict), `carrier verified the digest: ${r.errors}`);
      const t = await trunkState(box.status, state);
      assert.equal(t.state, state);
      if (state === 'registered') assert.ok(t.expiresAt - Date.now() > 30_000 && t.expiresAt - Date.now() <= 61_000, 'the granted 60 s are kept');
      else assert.equal(t.lastStatus, 403);
    } finally {
      carrier.kill();
      await box.stop();
    }
  });
}

test('an outbound call on a trunk that answers INVITE with 401 is retried with the trunk credentials', async () => {
  const port = await freePort('127.0.0.3');
  const box = await startBoxProcess({
    trunks: [
      { name: 'carrier', kind: 'static', host: '127.0.0.2' },
      { name: 'upstream', kind: 'static', host: '127.0.0.3', port, username: 'acme', password: 's3cret' },
    ],
    dids: [{ number: '*', trunk: 'carrier', destination: 'dial:' }],
    dialPlan: [{ prefix: '', trunk: 'upstream' }],
  });
  const peer = await RtpPeer.open('127.0.0.2');
  try {
    const uas = runSipp({ scenario: 'uas-challenge.xml', localIp: '127.0.0.3', localPort: port, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
    const uac = runSipp({ scenario: 'uac-call.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '01065529988', caller: '1', rtp_ip: '127.0.0.2', rtp_port: peer.port }, pauseMs: 500 });
    const [a, b] = await Promise.all([uac.done, uas.done]);
    assert.equal(b.code, 0, `carrier accepted the credentials: ${b.errors}`);
    assert.equal(a.code, 0, a.errors);
    assert.equal((await box.cdr('01065529988'))?.disposition, 'answered');
  } finally {
    peer.close();
    await box.stop();
  }
});

// Every call is recorded: a two-channel WAV (caller left, callee right) written while the
// call runs, indexed in LMDB with the CDR. Checked with sox as an independent reader: the
// duration matches the call, each channel carries its own side's tone, and the index row's
// size and checksum match the file. In-band DTMF is detected on that audio, and a key press
// sent both as RFC 4733 and as tones counts once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { carrierToUpstream } from './harness/topology.ts';
import { runSipp } from './harness/sipp.ts';
import { twoToneCall } from './harness/two-tone-call.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer } from './harness/rtp-peer.ts';
import { bandRms, dtmfTone } from './harness/audio.ts';

let box: BoxProcess;
let upstreamPort: number;

before(async () => {
  upstreamPort = await freePort('127.0.0.3');
  box = await startBoxProcess(
    carrierToUpstream(upstreamPort, {
      trunks: [
        { name: 'private', kind: 'static', host: '127.0.0.4', record: false },
        { name: 'tones', kind: 'static', host: '127.0.0.5', dtmfInband: true },
      ],
      dids: [{ number: '*', destination: 'dial:' }],
    }),
  );
});

after(async () => {
  await box.stop();
});

test('a call is recorded as caller-left / callee-right WAV, indexed in LMDB with size and checksum', async () => {
  await twoToneCall(box, upstreamPort, '96001');
  const cdr = await box.cdr('96001');
  const rows = await box.read<any>('recordings');
  const row = rows.find((r) => r.key === cdr.callId)?.value;
  assert.ok(row, 'an index row for the call');
  assert.equal(row.stoppedBy, undefined);
  // Each side sent 2 s of tone, then nothing until the hang-up: at least 1.5 s must be real audio.
  assert.ok(row.durationMs - row.gapMs.caller >= 1500 && row.durationMs - row.gapMs.callee >= 1500, `gaps ${JSON.stringify(row.gapMs)} of ${row.durationMs} ms`);
  assert.ok(row.gapMs.caller > 0, 'the silence after the caller stopped sending is counted');
  assert.deepEqual(row.parties, ['1', '6001']);
  const file = row.path as string;
  assert.equal(statSync(file).size, row.bytes, 'the index holds the file size');
  assert.equal(createHash('sha256').update(readFileSync(file)).digest('hex'), row.sha256);
  const info = execFileSync('sox', ['--i', file], { encoding: 'utf8' });
  assert.match(info, /Channels\s+:\s+2/);
  assert.match(info, /Sample Rate\s+:\s+8000/);
  const seconds = Number(execFileSync('sox', ['--i', '-D', file], { encoding: 'utf8' }).trim());
  const callSeconds = (cdr.endedAt - cdr.answeredAt) / 1000;
  assert.ok(Math.abs(seconds - callSeconds) < 0.5, `recording ${seconds} s vs call ${callSeconds} s`);
  assert.ok(bandRms(file, 1, 500) > 0.05, 'the caller\'s 500 Hz is on the left');
  assert.ok(bandRms(file, 2, 1500) > 0.05, 'the callee\'s 1500 Hz is on the right');
  assert.ok(bandRms(file, 1, 1500) < bandRms(file, 2, 1500) / 10, 'and not on the left');
  assert.ok(bandRms(file, 2, 500) < bandRms(file, 1, 500) / 10, 'and the caller not on the right');
});

test('a trunk with record: false is not recorded', async () => {
  const caller = await RtpPeer.open('127.0.0.4');
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
  const uac = runSipp({ scenario: 'uac-call.xml', localIp: '127.0.0.4', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '96002', caller: '1', rtp_ip: '127.0.0.4', rtp_port: caller.port }, pauseMs: 500 });
  await Promise.all([uac.done, uas.done]);
  caller.close();
  const cdr = await box.cdr('96002');
  assert.equal(cdr.disposition, 'answered');
  assert.equal((await box.read<any>('recordings')).find((r) => r.key === cdr.callId), undefined);
});

test('in-band DTMF from a tone-sending trunk is detected, and a key sent both ways counts once', async () => {
  const caller = await RtpPeer.open('127.0.0.5');
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
  const uac = runSipp({ scenario: 'uac-call.xml', localIp: '127.0.0.5', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '96003', caller: '1', rtp_ip: '127.0.0.5', rtp_port: caller.port }, pauseMs: 4000 });
  try {
    const [, p] = await uac.waitForLog(/BOXPORT (\d+)/);
    const port = Number(p);
    const silence = (n: number) => Array.from({ length: n }, () => Buffer.alloc(160, 0xff));
    await caller.sendStream([...silence(15), ...dtmfTone('4', 100), ...silence(10)], '127.0.0.1', port);
    // 7 as tones and, at the same time, as RFC 4733 events (what many phones do).
    await Promise.all([caller.sendStream(dtmfTone('7', 120), '127.0.0.1', port), caller.sendDigit('7', '127.0.0.1', port)]);
    await caller.sendStream([...silence(10), ...dtmfTone('9', 100), ...silence(15)], '127.0.0.1', port);
    const [a] = await Promise.all([uac.done, uas.done]);
    assert.equal(a.code, 0, a.errors);
  } finally {
    caller.close();
  }
  const cdr = await box.cdr('96003');
  assert.equal(cdr.dtmf.caller, '479', `caller digits: ${JSON.stringify(cdr.dtmf)}`);
});

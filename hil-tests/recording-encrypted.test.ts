// Recordings encrypted at rest (recording.encrypt): the file on disk is AES-256-GCM
// (.wav.ccrec, no audio readable without the key); decrypted with the box's recording key it
// is the same two-channel WAV, each side's tone on its channel. On a tone-sending trunk the
// decrypted caller channel, given to multimon-ng as an independent DTMF decoder, yields the
// same digits the box detected in-band.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { carrierToUpstream } from './harness/topology.ts';
import { runSipp } from './harness/sipp.ts';
import { twoToneCall } from './harness/two-tone-call.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer } from './harness/rtp-peer.ts';
import { bandRms, dtmfTone } from './harness/audio.ts';
import { decryptRecording, isEncryptedRecording } from '../media/recording-crypto.ts';

let box: BoxProcess;
let upstreamPort: number;
const scratch = mkdtempSync(join(tmpdir(), 'rec-enc-'));

before(async () => {
  upstreamPort = await freePort('127.0.0.3');
  box = await startBoxProcess(
    carrierToUpstream(upstreamPort, {
      recording: { enabled: true, encrypt: true },
      trunks: [{ name: 'tones', kind: 'static', host: '127.0.0.5', dtmfInband: true }],
      dids: [{ number: '*', destination: 'dial:' }],
    }),
  );
});

after(async () => {
  await box.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The box's recording key, read from its LMDB like a technician's restore tool would. */
async function recordingKeys(): Promise<(id: string) => Uint8Array | undefined> {
  const config = await box.read<string>('config');
  return (id) => {
    const row = config.find((r) => r.key === `secret:${id}`);
    return row ? Buffer.from(row.value, 'base64') : undefined;
  };
}

async function decryptedRow(dialled: string): Promise<{ row: any; wav: string; cdr: any }> {
  const cdr = await box.cdr(dialled);
  const row = (await box.read<any>('recordings')).find((r) => r.key === cdr.callId)?.value;
  assert.ok(row, 'an index row for the call');
  const file = readFileSync(row.path);
  assert.match(row.path, /\.wav\.ccrec$/);
  assert.ok(isEncryptedRecording(file), 'the file is in the encrypted format');
  assert.notEqual(file.subarray(0, 4).toString('latin1'), 'RIFF', 'no WAV header in clear');
  assert.equal(createHash('sha256').update(file).digest('hex'), row.sha256, 'the index checksum is of the file on disk');
  const plain = decryptRecording(file, await recordingKeys());
  assert.equal(plain.complete, true, 'the recording was closed properly');
  const wav = join(scratch, `${cdr.callId}.wav`);
  writeFileSync(wav, plain.data);
  return { row, wav, cdr };
}

test('an encrypted recording decrypts to the call: caller left, callee right', async () => {
  await twoToneCall(box, upstreamPort, '96101');
  const { wav, cdr } = await decryptedRow('96101');
  const info = execFileSync('sox', ['--i', wav], { encoding: 'utf8' });
  assert.match(info, /Channels\s+:\s+2/);
  const seconds = Number(execFileSync('sox', ['--i', '-D', wav], { encoding: 'utf8' }).trim());
  assert.ok(Math.abs(seconds - (cdr.endedAt - cdr.answeredAt) / 1000) < 0.5, `recording ${seconds} s`);
  assert.ok(bandRms(wav, 1, 500) > 0.05, 'the caller\'s 500 Hz is on the left');
  assert.ok(bandRms(wav, 2, 1500) > 0.05, 'the callee\'s 1500 Hz is on the right');
  assert.ok(bandRms(wav, 1, 1500) < bandRms(wav, 2, 1500) / 10, 'and not on the left');
});

test('multimon-ng finds the same in-band digits in the recording as the box did', async () => {
  const caller = await RtpPeer.open('127.0.0.5');
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
  const uac = runSipp({ scenario: 'uac-call.xml', localIp: '127.0.0.5', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '96102', caller: '1', rtp_ip: '127.0.0.5', rtp_port: caller.port }, pauseMs: 4000 });
  try {
    const [, p] = await uac.waitForLog(/BOXPORT (\d+)/);
    const port = Number(p);
    const silence = (n: number) => Array.from({ length: n }, () => Buffer.alloc(160, 0xff));
    const frames: Buffer[] = [...silence(15)];
    for (const key of ['3', '1', '5', '#']) frames.push(...dtmfTone(key, 100), ...silence(10));
    await caller.sendStream([...frames, ...silence(10)], '127.0.0.1', port);
    const [a] = await Promise.all([uac.done, uas.done]);
    assert.equal(a.code, 0, a.errors);
  } finally {
    caller.close();
  }
  const { wav, cdr } = await decryptedRow('96102');
  assert.equal(cdr.dtmf.caller, '315#', `the box's digits: ${JSON.stringify(cdr.dtmf)}`);
  const raw = join(scratch, 'caller.raw');
  execFileSync('sox', [wav, '-t', 'raw', '-r', '22050', '-e', 'signed-integer', '-b', '16', '-c', '1', raw, 'remix', '1']);
  const out = execFileSync('multimon-ng', ['-q', '-c', '-a', 'DTMF', '-t', 'raw', raw], { encoding: 'utf8' });
  const digits = [...out.matchAll(/DTMF: (\S)/g)].map((m) => m[1]).join('');
  assert.equal(digits, cdr.dtmf.caller, `multimon-ng heard ${JSON.stringify(out)}`);
});

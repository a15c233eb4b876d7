// Disk full during a recorded call: the recording stops with CC_MEDIA_DISK_FULL (an alert in
// the log and a `recording-stopped` event row), the call itself goes on to its normal end,
// and the file left behind is a valid WAV of what fitted. Uses a 128 KiB tmpfs (root only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBoxProcess } from './harness/box-process.ts';
import { carrierToUpstream } from './harness/topology.ts';
import { runSipp } from './harness/sipp.ts';
import { freePort } from './harness/ports.ts';
import { RtpPeer } from './harness/rtp-peer.ts';

const isRoot = process.getuid?.() === 0;

test('a full disk stops the recording with an alert and an event, never the call', { skip: !isRoot && 'needs root to mount a tmpfs' }, async () => {
  const mount = mkdtempSync(join(tmpdir(), 'ccbox-full-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', mount]);
  const upstreamPort = await freePort('127.0.0.3');
  const box = await startBoxProcess(carrierToUpstream(upstreamPort, { recording: { enabled: true, dir: mount } }));
  const caller = await RtpPeer.open('127.0.0.2');
  try {
    // 128 KiB holds about 8 s of 8 kHz G.711 stereo (16 kB/s); the call lasts 12 s.
    const uas = runSipp({ scenario: 'uas-answer.xml', localIp: '127.0.0.3', localPort: upstreamPort, mediaPort: await freePort('127.0.0.3'), rtpEcho: true });
    const uac = runSipp({ scenario: 'uac-call.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled: '97001', caller: '1', rtp_ip: '127.0.0.2', rtp_port: caller.port }, pauseMs: 12000, timeoutSec: 40 });
    const [, port] = await uac.waitForLog(/BOXPORT (\d+)/);
    const talking = setInterval(() => caller.socket.send(caller.packet(0, Buffer.alloc(160, 0x20)), Number(port), '127.0.0.1'), 20);
    const [a, b] = await Promise.all([uac.done, uas.done]);
    clearInterval(talking);
    assert.equal(a.code, 0, `the caller's call ran to its own BYE: ${a.errors}`);
    assert.equal(b.code, 0, b.errors);
    const cdr = await box.cdr('97001');
    assert.equal(cdr.disposition, 'answered');
    assert.equal(cdr.hangup.cause, 'bye');
    assert.ok(cdr.billableMs >= 11_000, `the call lasted ${cdr.billableMs} ms`);
    const events = (await box.read<any>('events')).map((e) => e.value).filter((e) => e.type === 'recording-stopped');
    assert.equal(events.length, 1);
    assert.equal(events[0].code, 'CC_MEDIA_DISK_FULL');
    assert.ok(box.logs.some((l) => l.includes('CC_MEDIA_DISK_FULL') && l.includes('recording stopped')), 'an alert in the log');
    const row = (await box.read<any>('recordings')).find((r) => r.key === cdr.callId)?.value;
    assert.equal(row?.stoppedBy, 'CC_MEDIA_DISK_FULL');
    const seconds = Number(execFileSync('sox', ['--i', '-D', row.path], { encoding: 'utf8' }).trim());
    assert.ok(seconds > 5 && seconds < 9, `a valid WAV of what fitted: ${seconds} s`);
  } finally {
    caller.close();
    await box.stop();
    execFileSync('umount', [mount]);
    rmSync(mount, { recursive: true, force: true });
  }
});

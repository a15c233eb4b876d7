// One carrier call through the box to an upstream sipp that answers, with both sides talking
// at once for 2 s: the caller a 500 Hz tone, the callee 1500 Hz (what recording tests check
// per channel). Resolves when both sipps ended well. Other audio (20 ms μ-law frames per side,
// sent at the same moment, under 3 s) can be given instead of the tones.
import assert from 'node:assert/strict';
import type { BoxProcess } from './box-process.ts';
import { runSipp } from './sipp.ts';
import { RtpPeer } from './rtp-peer.ts';
import { tone } from './audio.ts';

export const CALLER_HZ = 500;
export const CALLEE_HZ = 1500;

export interface CallAudio {
  caller: Buffer[];
  callee: Buffer[];
}

export async function twoToneCall(box: BoxProcess, upstreamPort: number, dialled: string, audio: CallAudio = { caller: tone(CALLER_HZ, 100), callee: tone(CALLEE_HZ, 100) }): Promise<void> {
  const caller = await RtpPeer.open('127.0.0.2');
  const callee = await RtpPeer.open('127.0.0.3');
  const uas = runSipp({ scenario: 'uas-answer-to.xml', localIp: '127.0.0.3', localPort: upstreamPort, keys: { rtp_ip: '127.0.0.3', rtp_port: callee.port } });
  const uac = runSipp({ scenario: 'uac-call.xml', localIp: '127.0.0.2', target: `127.0.0.1:${box.sipPort}`, keys: { dialled, caller: '1', rtp_ip: '127.0.0.2', rtp_port: caller.port }, pauseMs: 3000 });
  try {
    const [, boxPort] = await uac.waitForLog(/BOXPORT (\d+)/);
    // The callee's box port: where the box sends the caller's audio from.
    let calleeBoxPort = 0;
    for (let i = 0; i < 50 && !calleeBoxPort; i++) {
      await new Promise((r) => setTimeout(r, 20));
      caller.socket.send(caller.packet(0, Buffer.alloc(160, 0xff)), Number(boxPort), '127.0.0.1');
      calleeBoxPort = callee.received[0]?.from.port ?? 0;
    }
    assert.ok(calleeBoxPort, 'media flows to the callee');
    await Promise.all([caller.sendStream(audio.caller, '127.0.0.1', Number(boxPort)), callee.sendStream(audio.callee, '127.0.0.1', calleeBoxPort)]);
    const [a, b] = await Promise.all([uac.done, uas.done]);
    assert.equal(a.code, 0, a.errors);
    assert.equal(b.code, 0, b.errors);
  } finally {
    caller.close();
    callee.close();
    uac.kill();
    uas.kill();
  }
}

// The child side of netns-rtp-peer.ts: an RtpPeer bound inside a network namespace, driven by
// one JSON command per stdin line, answering one JSON line per command on stdout. Started
// with `ip netns exec NS node --import tsx netns-rtp-peer-main.ts ADDRESS`.
import { createInterface } from 'node:readline';
import { RtpPeer, toneRatio } from './rtp-peer.ts';
import { tone } from './audio.ts';

const peer = await RtpPeer.open(process.argv[2]);
const answer = (id: number, body: object) => process.stdout.write(`${JSON.stringify({ id, ...body })}\n`);
answer(0, { port: peer.port });

const silence = (n: number) => Array.from({ length: n }, () => Buffer.alloc(160, 0xff));

for await (const line of createInterface({ input: process.stdin })) {
  let cmd: any;
  try {
    cmd = JSON.parse(line);
  } catch {
    continue;
  }
  try {
    if (cmd.op === 'silence') await peer.sendStream(silence(cmd.frames), cmd.host, cmd.port);
    else if (cmd.op === 'tone') await peer.sendStream(tone(cmd.hz, cmd.frames), cmd.host, cmd.port);
    else if (cmd.op === 'digit') await peer.sendDigit(cmd.key, cmd.host, cmd.port);
    else if (cmd.op === 'heard') {
      const audio = peer.received.filter((p) => p.payloadType === 0).map((p) => p.payload).slice(-(cmd.last ?? 50));
      answer(cmd.id, { packets: peer.received.length, ratio: toneRatio(audio, cmd.hz) });
      continue;
    } else if (cmd.op === 'close') {
      answer(cmd.id, {});
      break;
    }
    answer(cmd.id, {});
  } catch (err) {
    answer(cmd.id, { error: (err as Error).message });
  }
}
peer.close();
process.exit(0);

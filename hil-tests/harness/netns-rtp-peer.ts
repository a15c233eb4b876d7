// A test-owned RTP endpoint inside a network namespace (e.g. the carrier's caller): the test
// process cannot bind a socket there, so a small child process (netns-rtp-peer-main.ts) holds
// the socket and does what RtpPeer does on command: send silence, a tone, an RFC 4733 digit,
// and say how much of a tone it heard.
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { BranchOffice } from './netns.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface NetnsRtpPeer {
  port: number;
  silence(frames: number, host: string, port: number): Promise<void>;
  tone(hz: number, frames: number, host: string, port: number): Promise<void>;
  digit(key: string, host: string, port: number): Promise<void>;
  /** Packets received so far, and the share of `hz` in the last `last` audio packets (Goertzel). */
  heard(hz: number, last?: number): Promise<{ packets: number; ratio: number }>;
  close(): Promise<void>;
}

export async function openNetnsRtpPeer(office: BranchOffice, ns: string, address: string): Promise<NetnsRtpPeer> {
  const child = office.spawn(ns, process.execPath, ['--import', 'tsx', resolve(ROOT, 'hil-tests/harness/netns-rtp-peer-main.ts'), address], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const pending = new Map<number, (v: any) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const msg = JSON.parse(line);
    pending.get(msg.id)?.(msg);
    pending.delete(msg.id);
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let next = 1;
  const ask = (op: string, args: object = {}): Promise<any> => {
    const id = next++;
    return new Promise((res, rej) => {
      pending.set(id, (m) => (m.error ? rej(new Error(m.error)) : res(m)));
      void exited.then(() => rej(new Error(`the RTP peer in ${ns} exited: ${stderr.slice(-500)}`)));
      child.stdin!.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  };
  const hello = await new Promise<any>((res, rej) => {
    pending.set(0, res);
    void exited.then(() => rej(new Error(`the RTP peer in ${ns} did not start: ${stderr.slice(-500)}`)));
  });
  return {
    port: hello.port,
    silence: (frames, host, port) => ask('silence', { frames, host, port }),
    tone: (hz, frames, host, port) => ask('tone', { hz, frames, host, port }),
    digit: (key, host, port) => ask('digit', { key, host, port }),
    heard: (hz, last) => ask('heard', { hz, last }),
    close: async () => {
      if (child.exitCode === null) {
        await ask('close').catch(() => undefined);
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}

// RTP timing on the wire, from a loopback capture (dumpcap, Debian `tshark`): each packet on
// `lo` is stamped by the kernel when its sender hands it to the loopback device, so the stamps
// are send times, independent of how busy the receiving sipp is. For traffic through the box:
// - the interarrival jitter (RFC 3550) of the streams a peer sends to the box (input) and of
//   the streams the box sends on (output), from capture time against RTP timestamp;
// - the box's transit time per packet: mediasoup forwards a packet with its RTP timestamp
//   unchanged (new SSRC and sequence numbers), so an output stream is paired with the input
//   stream whose packets of the same timestamps left shortly before, and transit = output
//   stamp - input stamp. The variation of that transit is the jitter the box itself adds.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCleanup, signalPid, tempDir } from './cleanup.ts';
import { sleep } from './box.ts';

export interface RtpCapture {
  pid: number;
  file: string;
  /** Stop capturing (SIGINT lets dumpcap finish the file); its own packet/drop counts. */
  stop(): Promise<{ captured?: number; dropped?: number; stderr: string }>;
  /** Remove the capture file's folder. */
  remove(): void;
}

/** Capture the UDP packets on `lo` matching `filter` (BPF), first `snaplen` bytes of each
 *  (64 holds Ethernet + IPv4 + UDP + the RTP fixed header), to a pcap file. */
export async function startRtpCapture(label: string, filter: string, snaplen = 64): Promise<RtpCapture> {
  const dir = mkdtempSync(join(tmpdir(), `bench-cap-${label}-`));
  const remove = tempDir(dir);
  const file = join(dir, 'rtp.pcap');
  const child = spawn('dumpcap', ['-i', 'lo', '-P', '-s', String(snaplen), '-B', '64', '-f', filter, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((res) => {
    child.once('close', (code) => res(code)); // 'close': stderr is complete
    child.once('error', (err) => {
      stderr += String(err);
      res(-1);
    });
  });
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) signalPid(child.pid, 'SIGINT');
    const code = await Promise.race([exited, sleep(5000).then(() => 'timeout' as const)]);
    if (code === 'timeout') {
      signalPid(child.pid, 'SIGKILL');
      await exited;
    }
  };
  const forget = onCleanup(kill);
  // dumpcap says "Capturing on ..." once the filter is attached.
  const until = Date.now() + 5000;
  while (!/Capturing on/.test(stderr) && child.exitCode === null && Date.now() < until) await sleep(50);
  if (!/Capturing on/.test(stderr)) {
    await kill();
    forget();
    remove();
    throw new Error(`dumpcap did not start: ${stderr.trim() || 'no output'}`);
  }
  return {
    pid: child.pid ?? 0,
    file,
    remove,
    async stop() {
      await kill();
      forget();
      const m = stderr.match(/received\/dropped on interface .*?: (\d+)\/(\d+)/);
      return { captured: m ? Number(m[1]) : undefined, dropped: m ? Number(m[2]) : undefined, stderr: stderr.trim() };
    },
  };
}

export interface RtpPacket {
  /** Capture time, ms since the epoch (microsecond resolution). */
  t: number;
  src: string;
  sport: number;
  dst: string;
  dport: number;
  ssrc: number;
  seq: number;
  ts: number;
}

/** The RTP packets (UDP over IPv4, version-2 header) of a pcap file, in capture order. */
export function readPcapRtp(file: string): RtpPacket[] {
  const buf = readFileSync(file);
  if (buf.length < 24) return [];
  const magic = buf.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && buf.readUInt32BE(0) !== 0xa1b2c3d4 && buf.readUInt32BE(0) !== 0xa1b23c4d) throw new Error(`${file}: not a pcap file`);
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const nanos = (le ? magic : buf.readUInt32BE(0)) === 0xa1b23c4d;
  const linktype = u32(20);
  // Ethernet (lo on Linux), Linux cooked v1 / v2.
  const l2 = linktype === 1 ? 14 : linktype === 113 ? 16 : linktype === 276 ? 20 : -1;
  if (l2 < 0) throw new Error(`${file}: link type ${linktype} not handled`);
  const ethertypeAt = linktype === 1 ? 12 : linktype === 113 ? 14 : 0;
  const out: RtpPacket[] = [];
  const ip = (o: number) => `${buf[o]}.${buf[o + 1]}.${buf[o + 2]}.${buf[o + 3]}`;
  for (let o = 24; o + 16 <= buf.length; ) {
    const t = u32(o) * 1000 + u32(o + 4) / (nanos ? 1e6 : 1e3);
    const incl = u32(o + 8);
    const p = o + 16;
    o = p + incl;
    if (o > buf.length) break;
    if (buf.readUInt16BE(p + ethertypeAt) !== 0x0800) continue;
    const iph = p + l2;
    if (buf[iph] >> 4 !== 4 || buf[iph + 9] !== 17) continue;
    const udp = iph + (buf[iph] & 0x0f) * 4;
    const rtp = udp + 8;
    if (rtp + 12 > o || buf[rtp] >> 6 !== 2) continue;
    out.push({
      t,
      src: ip(iph + 12),
      sport: buf.readUInt16BE(udp),
      dst: ip(iph + 16),
      dport: buf.readUInt16BE(udp + 2),
      seq: buf.readUInt16BE(rtp + 2),
      ts: buf.readUInt32BE(rtp + 4),
      ssrc: buf.readUInt32BE(rtp + 8),
    });
  }
  return out;
}

/** One RTP stream: packets of one SSRC between one pair of ports, in capture order. */
export type Stream = RtpPacket[];

export function streamsOf(packets: RtpPacket[], match: (p: RtpPacket) => boolean): Map<string, Stream> {
  const out = new Map<string, Stream>();
  for (const p of packets) {
    if (!match(p)) continue;
    const key = `${p.src}:${p.sport}>${p.dst}:${p.dport}/${p.ssrc}`;
    let s = out.get(key);
    if (!s) out.set(key, (s = []));
    s.push(p);
  }
  return out;
}

/** RFC 3550 interarrival jitter of a stream (running estimate J, ms) after each packet, from
 *  the capture time against the RTP timestamp (`clockHz`); `at(i)` gives packet i's time. */
function runningJitter(n: number, at: (i: number) => number, rtpTs: (i: number) => number, clockHz: number): number[] {
  const out = new Array<number>(n).fill(0);
  let j = 0;
  for (let i = 1; i < n; i++) {
    const d = at(i) - at(i - 1) - (((rtpTs(i) - rtpTs(i - 1)) | 0) * 1000) / clockHz;
    j += (Math.abs(d) - j) / 16;
    out[i] = j;
  }
  return out;
}

const inWindow = (t: number, w: { start: number; end: number }) => t >= w.start && t <= w.end;
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Nearest-rank percentile (p in 0..100) of `xs`; NaN when empty. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Per stream, the mean of its running RFC 3550 jitter over the packets inside the window (ms),
 *  and its sequence gaps inside the window (packets missing on the wire). */
export function streamJitter(streams: Map<string, Stream>, window: { start: number; end: number }, clockHz = 8000) {
  const jitter: number[] = [];
  let gaps = 0;
  let packets = 0;
  for (const s of streams.values()) {
    const j = runningJitter(s.length, (i) => s[i].t, (i) => s[i].ts, clockHz);
    const inside = s.map((p, i) => (inWindow(p.t, window) ? i : -1)).filter((i) => i >= 0);
    if (inside.length < 10) continue;
    jitter.push(mean(inside.map((i) => j[i])));
    packets += inside.length;
    for (let k = 1; k < inside.length; k++) gaps += Math.max(0, ((s[inside[k]].seq - s[inside[k - 1]].seq) & 0xffff) - 1);
  }
  return { streams: jitter.length, jitterMs: jitter, packets, gaps };
}

/** Pair each output stream with the input stream it forwards: the input whose packets with the
 *  same RTP timestamps were sent least long before (0..1000 ms, on at least 80 % of 15 sample
 *  packets). Then per packet inside the window: transit = output time - input time. */
export function boxTransit(inputs: Map<string, Stream>, outputs: Map<string, Stream>, window: { start: number; end: number }) {
  const byTs = new Map<string, Map<number, number>>();
  for (const [key, s] of inputs) {
    const m = new Map<number, number>();
    for (const p of s) if (!m.has(p.ts)) m.set(p.ts, p.t);
    byTs.set(key, m);
  }
  const transitMs: number[] = [];
  const streamTransitJitter: number[] = [];
  let matched = 0;
  let unmatched = 0;
  let unpairedPackets = 0;
  for (const out of outputs.values()) {
    const samples = Array.from({ length: Math.min(15, out.length) }, (_, i) => out[Math.floor((i * out.length) / Math.min(15, out.length))]);
    let best: { key: string; median: number } | undefined;
    for (const [key, m] of byTs) {
      const d = samples.map((p) => (m.has(p.ts) ? p.t - m.get(p.ts)! : NaN)).filter((x) => x >= -0.05 && x <= 1000);
      if (d.length < 0.8 * samples.length) continue;
      const median = percentile(d, 50);
      if (!best || median < best.median) best = { key, median };
    }
    if (!best) {
      unmatched++;
      continue;
    }
    matched++;
    const m = byTs.get(best.key)!;
    const transits: number[] = [];
    for (const p of out) {
      if (!inWindow(p.t, window)) continue;
      const sent = m.get(p.ts);
      if (sent === undefined) {
        unpairedPackets++;
        continue;
      }
      transits.push(p.t - sent);
    }
    transitMs.push(...transits);
    // RFC 3550's jitter with the input's send time as the sender clock: D = transit difference.
    const j = runningJitter(transits.length, (i) => transits[i], () => 0, 8000);
    if (j.length >= 10) streamTransitJitter.push(mean(j.slice(1)));
  }
  return { matched, unmatched, unpairedPackets, transitMs, streamTransitJitter };
}

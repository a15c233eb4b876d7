// Conference benchmark (`npm run bench:conference`, no arguments, about 100 s on the 2-core
// box): what conference mixing costs per party. Conventions: docs/BENCHMARKS.md; peers and
// measuring pitfalls: docs/TESTING.md.
//
// 1. io (in this process, real mediasoup, no SIP): 8 rooms × 8 parties, each party a SIP leg
//    (SipLegMedia) fed 50 packets/s of G.711 by a child process that also counts the mixes it
//    gets back. The same mixing loop runs twice over two paths between the worker and Node:
//    the box's ConferenceMix (a PlainTransport per router aimed at a room UDP socket), and, as
//    the baseline, the same queue/MixMinus/encode loop over a DirectTransport (consumer 'rtp'
//    events in, producer.send() out, mediasoup's worker channel). Node CPU per packet (in +
//    out) over a 12 s window: `conference_io_node_us_per_packet` (baseline = DirectTransport).
//    This is the measurement behind the choice of the UDP path.
// 2. box: the appliance daemon with ROOMS (10) rooms of 8 (one DID each, carrier trunk), one sipp
//    per room placing 8 calls that each stream a tone at 50 packets/s (rtp_stream). Daemon and
//    worker CPU over 10 s with no call, then over 20 s once every party has joined: the
//    increment per party is `conference_node_cpu_pct_per_party` (% of one core; baseline = the
//    MixMinus arithmetic alone for one party, measured here in-process, so the ratio is what
//    the whole path costs over the pure mixing) and `conference_worker_cpu_pct_per_party`.
//    The rooms' own counters (logged when each room closes) give the mix packets sent against the
//    packets the parties sent in (`conference_mix_sent_per_received`: one mix per party per
//    tick against one packet per party per 20 ms, ~1 when every party is served every tick) and how often a
//    talking party had no frame at a tick (`conference_underrun_pct`: sipp's pacing plus the
//    box's clock, against the late-packet policy of media/conference-jitter.ts).
//
// Prints RESULT lines last; exits 0 whenever it ran, non-zero only if it could not run.
// BENCH_CONFERENCE_ROOMS=N changes the number of rooms of the box phase.
import { fork, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { once } from 'node:events';
import type { types } from 'mediasoup';
import { MediaEngine, type CallCodecs } from '../../media/media-engine.ts';
import { SipLegMedia } from '../../media/sip-leg-media.ts';
import { ConferenceMix } from '../../media/conference-mix.ts';
import { PartyAudioQueue } from '../../media/conference-jitter.ts';
import { FRAME_SAMPLES, MixMinus } from '../../media/mixer.ts';
import { frameClock } from '../../media/frame-clock.ts';
import { ULAW_DECODE, encodeUlaw, linearToUlaw } from '../../media/g711.ts';
import { parseRtp } from '../../media/rtp-event.ts';
import { freePort, freeRange } from '../../hil-tests/harness/ports.ts';
import { startBoxProcess, type BoxProcess } from '../../hil-tests/harness/box-process.ts';
import { CARRIER_IP } from '../../hil-tests/harness/topology.ts';
import { cleanupAll, cleanupOnSignals, onCleanup, signalPid } from './lib/cleanup.ts';
import { CpuWindow, childrenOf, processName } from './lib/proc.ts';
import { boxPhase, printResults, record, round, say } from './lib/report.ts';
import { requireSipp, startSipp, type SippInstance } from './lib/sipp.ts';
import { muLawTone } from './lib/tone.ts';

const PCMU: CallCodecs = { codec: { name: 'PCMU', payloadType: 0 }, telephoneEventPayloadType: 101 };
const PARTIES_PER_ROOM = 8;
const IO = { rooms: 8, warmSec: 2, windowSec: 12 };
const BOX = {
  rooms: Number(process.env.BENCH_CONFERENCE_ROOMS ?? 10),
  idleSec: 10,
  joinWaitSec: 20,
  settleSec: 3,
  windowSec: 20,
  marginSec: 5,
  cpsPerRoom: 4,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// The RTP sender child of the io phase: `--rtp-sender` with the legs' ports as JSON on argv.
if (process.argv[2] === '--rtp-sender') runSender(JSON.parse(process.argv[3]) as number[]);
else void main();

function runSender(ports: number[]): void {
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  socket.bind(0, '127.0.0.1');
  let received = 0;
  let sent = 0;
  socket.on('message', () => received++);
  const frames = Array.from({ length: 50 }, (_, n) => {
    const s = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) s[i] = Math.round(4000 * Math.sin((2 * Math.PI * 440 * (n * FRAME_SAMPLES + i)) / 8000));
    return encodeUlaw(s);
  });
  let n = 0;
  const next0 = Date.now();
  const tick = () => {
    for (const [i, port] of ports.entries()) {
      const h = Buffer.alloc(12);
      h[0] = 0x80;
      h[1] = 0;
      h.writeUInt16BE(n & 0xffff, 2);
      h.writeUInt32BE((n * FRAME_SAMPLES) >>> 0, 4);
      h.writeUInt32BE(0x10000 + i, 8);
      socket.send(Buffer.concat([h, frames[n % frames.length]]), port, '127.0.0.1');
      sent++;
    }
    n++;
    setTimeout(tick, Math.max(0, next0 + n * 20 - Date.now()));
  };
  socket.once('listening', tick);
  process.on('message', (m) => {
    if (m === 'count') process.send!({ sent, received });
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
/** The baseline path of the io phase: the ConferenceMix loop over a DirectTransport. */
class DirectTransportMix {
  private readonly mixer = new MixMinus();
  private readonly parties: { id: string; queue: PartyAudioQueue; frame: Int16Array; producer: types.Producer; ssrc: number; seq: number; ts: number }[] = [];
  private unsubscribe?: () => void;
  sent = 0;

  constructor(private readonly transport: types.DirectTransport) {}

  static async open(router: types.Router): Promise<DirectTransportMix> {
    return new DirectTransportMix(await router.createDirectTransport());
  }

  async add(id: string, producerId: string): Promise<{ producerId: string }> {
    this.mixer.addParty(id);
    const caps: types.RtpCapabilities = { codecs: [{ kind: 'audio', mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, preferredPayloadType: 0 }], headerExtensions: [] };
    const consumer = await this.transport.consume({ producerId, rtpCapabilities: caps });
    const ssrc = 0x20000 + this.parties.length;
    const producer = await this.transport.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000, channels: 1 }], encodings: [{ ssrc }] } });
    const party = { id, queue: new PartyAudioQueue(), frame: new Int16Array(FRAME_SAMPLES), producer, ssrc, seq: 0, ts: 0 };
    consumer.on('rtp', (packet) => {
      const rtp = parseRtp(packet);
      if (!rtp || rtp.payloadType !== 0) return;
      const samples = new Int16Array(rtp.payload.length);
      for (let i = 0; i < samples.length; i++) samples[i] = ULAW_DECODE[rtp.payload[i]];
      party.queue.push(samples);
    });
    this.parties.push(party);
    this.unsubscribe ??= frameClock.subscribe(() => this.tick());
    return { producerId: producer.id };
  }

  private tick(): void {
    for (const p of this.parties) if (p.queue.take(p.frame)) this.mixer.push(p.id, p.frame);
    const mixes = this.mixer.mix();
    for (const p of this.parties) {
      const samples = mixes.get(p.id)!;
      const packet = Buffer.allocUnsafe(12 + FRAME_SAMPLES);
      packet[0] = 0x80;
      packet[1] = 0;
      packet.writeUInt16BE(p.seq, 2);
      packet.writeUInt32BE(p.ts >>> 0, 4);
      packet.writeUInt32BE(p.ssrc, 8);
      for (let i = 0; i < FRAME_SAMPLES; i++) packet[12 + i] = linearToUlaw(samples[i]);
      p.seq = (p.seq + 1) & 0xffff;
      p.ts = (p.ts + FRAME_SAMPLES) >>> 0;
      p.producer.send(packet);
      this.sent++;
    }
  }

  close(): void {
    this.unsubscribe?.();
    this.transport.close();
  }
}

interface IoResult {
  usPerPacket: number;
  nodePct: number;
  inPps: number;
  outPps: number;
  backAtSenderPps: number;
}

/** One io run: 8 rooms × 8 legs mixed over `path`; Node CPU per packet over the window. */
async function ioRun(path: 'udp' | 'direct'): Promise<IoResult> {
  const range = await freeRange(1000);
  const engine = await MediaEngine.start({ workers: 1, listenIp: '127.0.0.1', rtpMinPort: range.min, rtpMaxPort: range.max, log: { warn() {}, error() {} } });
  const forgetEngine = onCleanup(() => engine.close());
  let sender: ChildProcess | undefined;
  const legs: SipLegMedia[] = [];
  const mixes: { close(): void; sent(): number }[] = [];
  try {
    const router = await engine.createRouter(PCMU);
    for (let r = 0; r < IO.rooms; r++) {
      const udp = path === 'udp' ? await ConferenceMix.open() : undefined;
      const direct = path === 'direct' ? await DirectTransportMix.open(router) : undefined;
      mixes.push(udp ? { close: () => udp.close(), sent: () => udp.counters.sent } : { close: () => direct!.close(), sent: () => direct!.sent });
      for (let p = 0; p < PARTIES_PER_ROOM; p++) {
        const leg = await SipLegMedia.create(router, PCMU, { listenIp: '127.0.0.1', announcedAddress: '127.0.0.1', portRange: range, comedia: true });
        legs.push(leg);
        await leg.start(undefined);
        const id = `r${r}p${p}`;
        const joined = udp ? await udp.add(id, { router, codecs: PCMU, producerId: leg.producerId! }) : await direct!.add(id, leg.producerId!);
        await leg.receiveFrom(joined!);
      }
    }
    sender = fork(new URL(import.meta.url).pathname, ['--rtp-sender', JSON.stringify(legs.map((l) => l.local.port))], { stdio: 'ignore' });
    const s = sender;
    const forgetSender = onCleanup(() => void signalPid(s.pid, 'SIGKILL'));
    const count = async () => {
      s.send('count');
      const [m] = (await once(s, 'message')) as [{ sent: number; received: number }];
      return m;
    };
    await sleep(IO.warmSec * 1000);
    const c0 = process.cpuUsage();
    const sent0 = mixes.reduce((n, m) => n + m.sent(), 0);
    const k0 = await count();
    const t0 = performance.now();
    await sleep(IO.windowSec * 1000);
    const cpu = process.cpuUsage(c0);
    const seconds = (performance.now() - t0) / 1000;
    const k1 = await count();
    const outPackets = mixes.reduce((n, m) => n + m.sent(), 0) - sent0;
    const inPackets = k1.sent - k0.sent;
    const cpuUs = cpu.user + cpu.system;
    s.disconnect();
    forgetSender();
    return {
      usPerPacket: cpuUs / (inPackets + outPackets),
      nodePct: (cpuUs / 1e6 / seconds) * 100,
      inPps: inPackets / seconds,
      outPps: outPackets / seconds,
      backAtSenderPps: (k1.received - k0.received) / seconds,
    };
  } finally {
    if (sender && sender.exitCode === null) signalPid(sender.pid, 'SIGKILL');
    for (const m of mixes) m.close();
    for (const l of legs) l.close();
    await sleep(100);
    const left = { ...engine.counters, workers: 0 };
    if (left.routers > 1 || left.transports || left.producers || left.consumers) say(`io ${path}: left open after close: ${JSON.stringify(left)}`);
    await engine.close();
    forgetEngine();
  }
}

/** The MixMinus arithmetic alone for 8 talking parties: % of one core per party. */
function pureMixerPctPerParty(): number {
  const m = new MixMinus();
  const frames: Int16Array[] = [];
  for (let p = 0; p < PARTIES_PER_ROOM; p++) {
    m.addParty(`p${p}`);
    const f = new Int16Array(FRAME_SAMPLES);
    for (let i = 0; i < FRAME_SAMPLES; i++) f[i] = Math.round(6000 * Math.sin((2 * Math.PI * (300 + 350 * p) * i) / 8000));
    frames.push(f);
  }
  const ticks = 20_000;
  const round = () => {
    const t0 = process.hrtime.bigint();
    for (let n = 0; n < ticks; n++) {
      for (let p = 0; p < PARTIES_PER_ROOM; p++) m.push(`p${p}`, frames[p]);
      m.mix();
    }
    return Number(process.hrtime.bigint() - t0) / 1000;
  };
  round();
  const us = Math.min(round(), round(), round());
  const usPerPartyTick = us / (ticks * PARTIES_PER_ROOM);
  return (usPerPartyTick * 50) / 1e4; // 50 ticks/s; 1e6 us/s -> percent
}

// ---------------------------------------------------------------------------------------------
interface RoomClosed {
  room: string;
  received: number;
  sent: number;
  ticks: number;
  silentFrames: number;
  droppedSamples: number;
  time: number;
}

function boxConfig(rooms: number): Record<string, unknown> {
  return {
    calls: { maxCalls: 2000 },
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER_IP }],
    conferences: Array.from({ length: rooms }, (_, k) => ({ name: `room${k}`, maxParties: PARTIES_PER_ROOM })),
    dids: Array.from({ length: rooms }, (_, k) => ({ number: String(8000 + k), trunk: 'carrier', destination: `conf:room${k}` })),
    recording: { enabled: false },
  };
}

function workerPids(pid: number): number[] {
  return childrenOf(pid).filter((c) => processName(c.pid)?.startsWith('mediasoup')).map((c) => c.pid);
}

async function boxRun(errors: string[]): Promise<void> {
  const rooms = BOX.rooms;
  const parties = rooms * PARTIES_PER_ROOM;
  process.env.CC_LOG_LEVEL ??= 'info'; // the join/leave lines and the rooms' counters are info
  const box: BoxProcess = await startBoxProcess(boxConfig(rooms));
  const forgetBox = onCleanup(() => stopBox(box));
  const sipps: SippInstance[] = [];
  try {
    const workers = workerPids(box.child.pid!);
    say(`box pid ${box.child.pid}, mediasoup workers ${workers.join(',')}`);
    await sleep(2000);
    const idle = new CpuWindow({ node: [box.child.pid!], worker: workers });
    idle.begin();
    await sleep(BOX.idleSec * 1000);
    const idleCpu = idle.end();
    say(`idle box: node ${idleCpu.pct.node.toFixed(2)} %, worker ${idleCpu.pct.worker.toFixed(2)} % of a core (machine ${idleCpu.pct.machine.toFixed(0)} %)`);

    const holdMs = (PARTIES_PER_ROOM / BOX.cpsPerRoom + BOX.joinWaitSec + BOX.settleSec + BOX.windowSec + BOX.marginSec) * 1000;
    const joinedBefore = box.logs.filter((l) => l.includes('conference party joined')).length;
    for (let k = 0; k < rooms; k++) {
      sipps.push(
        startSipp({
          scenario: 'bench-uac-rtp.xml',
          localIp: CARRIER_IP,
          localPort: await freePort(CARRIER_IP),
          target: `127.0.0.1:${box.sipPort}`,
          label: `conf${k}`,
          files: { 'bench-tone.ulaw': muLawTone(1, 300 + 150 * k) },
          args: [
            '-s', String(8000 + k), '-mi', CARRIER_IP, '-mp', String(await freePort(CARRIER_IP)),
            '-m', String(PARTIES_PER_ROOM), '-l', String(PARTIES_PER_ROOM), '-r', String(BOX.cpsPerRoom), '-d', String(holdMs),
            '-timeout', `${Math.ceil(holdMs / 1000) + 60}s`, '-timeout_error',
          ],
        }),
      );
    }
    const joinDeadline = Date.now() + BOX.joinWaitSec * 1000;
    let joined = 0;
    while (Date.now() < joinDeadline) {
      joined = box.logs.filter((l) => l.includes('conference party joined')).length - joinedBefore;
      if (joined >= parties) break;
      await sleep(250);
    }
    say(`${joined} of ${parties} parties joined`);
    record({ figure: 'conference_parties_joined', value: joined, unit: 'parties', baseline: parties, target: `>=${parties}` });
    await sleep(BOX.settleSec * 1000);
    const loaded = new CpuWindow({ node: [box.child.pid!], worker: workers });
    loaded.begin();
    await sleep(BOX.windowSec * 1000);
    const load = loaded.end();
    say(`${joined} parties: node ${load.pct.node.toFixed(2)} %, worker ${load.pct.worker.toFixed(2)} % of a core (machine ${load.pct.machine.toFixed(0)} %)`);
    const nodePerParty = joined ? (load.pct.node - idleCpu.pct.node) / joined : NaN;
    const workerPerParty = joined ? (load.pct.worker - idleCpu.pct.worker) / joined : NaN;
    const pure = pureMixerPctPerParty();
    say(`MixMinus arithmetic alone: ${(pure * 1e3).toFixed(2)} m% of a core per party`);
    record({ figure: 'conference_node_cpu_pct_per_party', value: round(nodePerParty, 4), unit: '%core', baseline: round(pure, 5), target: '<=0.3' });
    record({ figure: 'conference_worker_cpu_pct_per_party', value: round(workerPerParty, 4), unit: '%core', target: '-' });

    // The calls end (sipp BYEs when the hold is over); each room logs its counters as it closes.
    const results = await Promise.all(sipps.map((s) => s.done));
    for (const [k, r] of results.entries()) {
      if (r.code !== 0 || (r.stats?.successful ?? 0) < PARTIES_PER_ROOM) say(`sipp of room${k}: exit ${r.code}, ${r.stats?.successful ?? 0} calls ok; ${r.errors.slice(0, 4).join(' | ')}`);
    }
    const failed = results.reduce((n, r) => n + (r.stats?.failed ?? 0), 0);
    say(`sipp: ${results.reduce((n, r) => n + (r.stats?.successful ?? 0), 0)} calls ok, ${failed} failed${failed ? ': ' + results.flatMap((r) => r.errors).slice(0, 3).join(' | ') : ''}`);
    const closedDeadline = Date.now() + 10_000;
    let closed: RoomClosed[] = [];
    while (Date.now() < closedDeadline) {
      closed = box.logs.filter((l) => l.includes('conference room closed')).map((l) => JSON.parse(l) as RoomClosed);
      if (closed.length >= rooms) break;
      await sleep(250);
    }
    if (closed.length) {
      const sent = closed.reduce((n, c) => n + c.sent, 0);
      const ticks = closed.reduce((n, c) => n + c.ticks, 0);
      const silent = closed.reduce((n, c) => n + c.silentFrames, 0);
      const taken = closed.reduce((n, c) => n + c.received, 0); // one packet = one frame at ptime 20
      say(`${closed.length} rooms closed after ${ticks} ticks: ${sent} mix packets sent, ${taken} received, ${silent} under-runs, ${closed.reduce((n, c) => n + c.droppedSamples, 0)} samples dropped (queue over 60 ms)`);
      record({ figure: 'conference_underrun_pct', value: round((100 * silent) / (taken + silent || 1), 3), unit: '%', target: '<=2' });
      // Every party gets one mix packet per tick and sends one per 20 ms: sent ≈ received.
      record({ figure: 'conference_mix_sent_per_received', value: round(sent / (taken || 1), 4), unit: 'packets/packet', target: '>=0.98' });
    } else errors.push('no room closed');
  } finally {
    for (const s of sipps) await s.kill();
    await stopBox(box);
    forgetBox();
  }
}

/** SIGTERM, then SIGKILL (daemon and its workers) after 15 s. */
async function stopBox(box: BoxProcess): Promise<void> {
  const workers = workerPids(box.child.pid!);
  const stopped = box.stop();
  const t = await Promise.race([stopped.then(() => 'ok'), sleep(15_000).then(() => 'timeout')]);
  if (t === 'timeout') {
    signalPid(box.child.pid, 'SIGKILL');
    await stopped;
  }
  for (const pid of workers) if (processName(pid)?.startsWith('mediasoup')) signalPid(pid, 'SIGKILL');
}

async function main(): Promise<void> {
  cleanupOnSignals();
  const errors: string[] = [];
  try {
    requireSipp();
    const io: Partial<Record<'udp' | 'direct', IoResult>> = {};
    for (const path of ['udp', 'direct'] as const) {
      const r = await boxPhase(`io ${path}`, errors, () => ioRun(path));
      if (!r) continue;
      io[path] = r;
      say(`io ${path}: ${IO.rooms * PARTIES_PER_ROOM} parties, node ${r.nodePct.toFixed(2)} % of a core, ${r.usPerPacket.toFixed(2)} us per packet (in ${r.inPps.toFixed(0)}/s, mixes out ${r.outPps.toFixed(0)}/s, back at the sender ${r.backAtSenderPps.toFixed(0)}/s)`);
    }
    if (io.udp) record({ figure: 'conference_io_node_us_per_packet', value: round(io.udp.usPerPacket, 3), unit: 'us', baseline: io.direct && round(io.direct.usPerPacket, 3), target: '-' });
    await boxPhase('box', errors, () => boxRun(errors));
  } catch (err) {
    say(`could not run: ${(err as Error).stack ?? err}`);
    await cleanupAll();
    process.exit(1);
  }
  record({ figure: 'box_phase_errors', value: errors.length, unit: 'phases', target: '<=0' });
  await cleanupAll();
  printResults();
  process.exit(0);
}

// Entry point of a recording worker thread (started by RecordingHub): one UDP socket that
// receives the RTP of this thread's recordings (recorders' PlainTransports send to it),
// demultiplexed by SSRC onto RecordingSessions, and one 20 ms frame clock that makes every
// session write what is due. Keeps packet handling, file writing and DTMF detection off the
// main thread (SIP signalling). Talks to the hub only through recording-protocol.ts messages.
//
// Receiving: a dgram 'message' event costs several µs per packet (a 64 KiB allocation, a
// callback into JS, an rinfo object), too much at 60,000 packets/s on a 2-core box. So libuv's
// reading is stopped and the socket is drained every few ms with synchronous read(2) calls
// into one reused buffer (~1.3 µs per packet); the 8 MiB receive buffer holds the packets
// in between. If the socket's descriptor cannot be reached (another runtime), the events are used.
// The patched mediasoup worker sends the recorders' packets in batches (recording-batch.ts), a
// datagram every few ms per worker instead of one per packet; plain RTP datagrams are taken too.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { FrameClock } from './frame-clock.ts';
import { setThisThreadNiceness } from './worker-priority.ts';
import type { FromWorker, RecorderSide, RecordingWorkerOptions, ToWorker } from './recording-protocol.ts';
import { RecordingSession } from './recording-session.ts';
import { forEachBatchedPacket, isRecordingBatch } from './recording-batch.ts';

interface Route {
  session: RecordingSession;
  side: RecorderSide;
  payloadType: number;
}

interface Entry {
  session: RecordingSession;
  ssrcs: Partial<Record<RecorderSide, number>>;
}

/** How often the socket is drained when reading by descriptor. */
const DRAIN_EVERY_MS = 5;

const opts = workerData as RecordingWorkerOptions;
const port = parentPort!;
const post = (m: FromWorker) => port.postMessage(m);

const sessions = new Map<number, Entry>();
const routes = new Map<number, Route>();
const ticking = new Set<RecordingSession>();
const clock = new FrameClock();
let unsubscribe: (() => void) | undefined;
let received = 0;
let batches = 0;
let unknown = 0;

if (opts.niceness) setThisThreadNiceness(opts.niceness);

const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: opts.recvBufferSize });
socket.on('error', () => undefined);
socket.bind(0, opts.address);
await once(socket, 'listening');
let stopReading = () => undefined as void;
const receive = readByDescriptor() ? 'fd' : 'events';
port.on('message', (m: ToWorker) => void onMessage(m));
post({ type: 'ready', ip: socket.address().address, port: socket.address().port, recvBufferBytes: socket.getRecvBufferSize() });

/** Stops libuv reading the socket and drains it with read(2) on a timer; false if the descriptor is out of reach. */
function readByDescriptor(): boolean {
  // Node keeps the UDP handle under a 'state symbol' property (the public `_handle` getter is deprecated).
  const state = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'state symbol');
  const handle = state ? (socket as unknown as Record<symbol, { handle?: { fd?: number; recvStop?: () => number } }>)[state]?.handle : undefined;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0 || typeof handle?.recvStop !== 'function' || handle.recvStop() !== 0) {
    socket.on('message', (msg: Buffer) => onDatagram(msg, msg.length));
    return false;
  }
  const buf = Buffer.allocUnsafe(65536);
  const drain = () => {
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch {
        return; // EAGAIN: empty (or the socket is closing)
      }
      onDatagram(buf, n);
    }
  };
  const timer = setInterval(drain, DRAIN_EVERY_MS);
  stopReading = () => clearInterval(timer);
  return true;
}

function onDatagram(msg: Buffer, length: number): void {
  if (!isRecordingBatch(msg, length)) return onPacket(msg, 0, length);
  batches++;
  forEachBatchedPacket(msg, length, (start, end) => onPacket(msg, start, end));
}

/** One RTP packet at msg[start, end). */
function onPacket(msg: Buffer, start: number, end: number): void {
  if (end - start < 12 || (msg[start] & 0xc0) !== 0x80) return;
  const b0 = msg[start];
  const b1 = msg[start + 1];
  if (b1 >= 192 && b1 <= 223) return; // RTCP (the recorder's transport is rtcp-mux)
  received++;
  const route = routes.get(msg.readUInt32BE(start + 8));
  if (!route) {
    unknown++;
    return;
  }
  if ((b1 & 0x7f) !== route.payloadType) return; // anything but the call's codec is not audio to record
  let offset = start + 12 + (b0 & 0x0f) * 4;
  if (b0 & 0x10) {
    if (end < offset + 4) return;
    offset += 4 + msg.readUInt16BE(offset + 2) * 4;
  }
  if (b0 & 0x20) end -= msg[end - 1];
  if (offset >= end) return;
  route.session.push(route.side, msg, offset, end, msg.readUInt32BE(start + 4));
}

function tickAll(): void {
  for (const s of ticking) s.tick();
}

function startTicking(s: RecordingSession): void {
  ticking.add(s);
  unsubscribe ??= clock.subscribe(tickAll);
}

function stopTicking(s: RecordingSession): void {
  ticking.delete(s);
  if (ticking.size === 0) {
    unsubscribe?.();
    unsubscribe = undefined;
  }
}

function unroute(e: Entry): void {
  for (const ssrc of Object.values(e.ssrcs)) if (routes.get(ssrc)?.session === e.session) routes.delete(ssrc);
  e.ssrcs = {};
}

async function onMessage(m: ToWorker): Promise<void> {
  switch (m.type) {
    case 'open': {
      let session: RecordingSession;
      try {
        session = await RecordingSession.open(m.spec, {
          flushIntervalMs: opts.flushIntervalMs,
          onFailed: (code, message) => {
            const e = sessions.get(m.id);
            if (e) unroute(e);
            stopTicking(session);
            post({ type: 'failed', id: m.id, code, message });
          },
          onDigit: (side, digit) => post({ type: 'digit', id: m.id, side, digit }),
        });
      } catch (err) {
        const e = err as { code?: string; message?: string };
        return post({ type: 'open-failed', id: m.id, code: e.code ?? 'CC_MEDIA_WAV_WRITE_FAILED', message: e.message ?? String(err) });
      }
      sessions.set(m.id, { session, ssrcs: {} });
      startTicking(session);
      return post({ type: 'opened', id: m.id });
    }
    case 'follow': {
      const e = sessions.get(m.id);
      if (!e || !e.session.active) return;
      const previous = e.ssrcs[m.side];
      if (previous !== undefined && routes.get(previous)?.session === e.session) routes.delete(previous);
      delete e.ssrcs[m.side];
      e.session.restart(m.side);
      if (m.ssrc === undefined) return;
      const ssrc = m.ssrc >>> 0;
      e.ssrcs[m.side] = ssrc;
      routes.set(ssrc, { session: e.session, side: m.side, payloadType: e.session.spec.payloadType });
      return;
    }
    case 'stop': {
      const e = sessions.get(m.id);
      if (!e) return;
      unroute(e);
      stopTicking(e.session);
      const summary = await e.session.stop();
      sessions.delete(m.id);
      return post({ type: 'stopped', id: m.id, summary });
    }
    case 'stats': {
      let lateBytes = 0;
      let reanchors = 0;
      for (const e of sessions.values()) {
        lateBytes += e.session.late.bytes;
        reanchors += e.session.late.reanchors;
      }
      return post({ type: 'stats', id: m.id, stats: { received, batches, unknown, lateBytes, reanchors, receive, recordings: sessions.size, recvBufferBytes: socket.getRecvBufferSize() } });
    }
    case 'close': {
      // Recordings still open (the process is going down) are finished, so their files are complete.
      await Promise.all([...sessions.values()].map((e) => e.session.stop()));
      sessions.clear();
      routes.clear();
      unsubscribe?.();
      stopReading();
      socket.close();
      port.close();
      return;
    }
  }
}

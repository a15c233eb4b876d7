// The process's recording service, as the main thread sees it: one or more recording worker
// threads (recording-worker.ts), each with its own local UDP socket that recorders point a
// PlainTransport at (the mediasoup worker just sends UDP, as for any leg). The main thread
// only sends small messages (open, follow an SSRC, stop) and gets back failures, in-band DTMF
// digits and the finished file's summary: receiving ~50 packets/s per side of every recorded
// call, writing files and detecting tones never run on it (SIP signalling lives there), nor on
// mediasoup's worker channel (it cannot carry every audio packet of hundreds of calls).
import { EventEmitter, once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import type {
  FromWorker, RecorderSide, RecordingSpec, RecordingSummary, RecordingWorkerOptions, RecordingWorkerStats, ToWorker,
} from './recording-protocol.ts';
import { decryptRecording } from './recording-crypto.ts';
import { sha256File } from './recording-session.ts';
import { WavError } from './wav.ts';
import { wavHeaderLength } from './wav-writer.ts';

export interface RecordingHubOptions {
  /** Worker threads; recordings go to the one with the fewest. Default 1 (enough for 600 calls on 2 cores). */
  workers?: number;
  /** SO_RCVBUF asked for per socket. Default 32 MiB (the kernel caps it at net.core.rmem_max, then
   *  doubles it; the image and `npm run setup` raise that cap to 32 MiB): about a second of 600
   *  calls' RTP at ~1 KB of kernel memory per packet, while forwarding keeps the thread waiting. */
  recvBufferSize?: number;
  /** Nice value of the worker threads (Linux, per thread; > 0 lets SIP and forwarding go first). Default 0. */
  niceness?: number;
  /** Buffered audio reaches each file at least this often (what a crash can lose). Default 1000 ms. */
  flushIntervalMs?: number;
}

export type HubRecordingEvents = {
  /** The recording stopped by itself (disk full, worker died); the call goes on. */
  failed: [code: string, message: string];
  /** An in-band DTMF digit detected on a side listed in the spec's inbandDtmf. */
  digit: [side: RecorderSide, digit: string];
};

const WORKER_CLOSE_TIMEOUT_MS = 5000;

/** One recording, in a worker thread. */
export class HubRecording extends EventEmitter<HubRecordingEvents> {
  private stopping?: Promise<RecordingSummary>;
  /** @internal resolves the stop; set by the thread. */
  settle?: (s: RecordingSummary) => void;

  /** @internal */
  constructor(
    private readonly thread: RecordingThread,
    readonly id: number,
    readonly spec: RecordingSpec,
  ) {
    super();
  }

  /** Where this recording's RTP must be sent. */
  get address(): { ip: string; port: number } {
    return this.thread.address;
  }

  /** Record the RTP stream with this SSRC as `side` (undefined: that side records silence). */
  follow(side: RecorderSide, ssrc: number | undefined): void {
    if (!this.stopping) this.thread.send({ type: 'follow', id: this.id, side, ssrc });
  }

  /** Finish the file: its size, duration, checksum and gaps. Idempotent, never rejects. */
  stop(): Promise<RecordingSummary> {
    this.stopping ??= new Promise<RecordingSummary>((resolve) => {
      this.settle = resolve;
      if (!this.thread.send({ type: 'stop', id: this.id })) void this.thread.orphaned(this);
    });
    return this.stopping;
  }
}

/** One worker thread and its socket. */
class RecordingThread {
  readonly recordings = new Map<number, HubRecording>();
  private readonly requests = new Map<number, { resolve: (m: FromWorker) => void }>();
  private nextId = 1;
  dead = false;
  closing = false;

  private constructor(
    private readonly worker: Worker,
    readonly address: { ip: string; port: number },
    readonly recvBufferBytes: number,
  ) {
    worker.on('message', (m: FromWorker) => this.onMessage(m));
    worker.on('error', () => undefined); // 'exit' follows
    worker.on('exit', () => this.onExit());
  }

  static async start(o: RecordingWorkerOptions): Promise<RecordingThread> {
    const worker = spawnWorker(o);
    try {
      const [ready] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([e]) => Promise.reject(e))])) as [FromWorker];
      if (ready.type !== 'ready') throw new Error(`recording worker said ${ready.type} first`);
      return new RecordingThread(worker, { ip: ready.ip, port: ready.port }, ready.recvBufferBytes);
    } catch (err) {
      await worker.terminate();
      throw err;
    }
  }

  send(m: ToWorker): boolean {
    if (this.dead) return false;
    this.worker.postMessage(m);
    return true;
  }

  private request(m: ToWorker & { id: number }): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      if (!this.send(m)) return reject(new WavError('CC_MEDIA_RECORDER_DIED'));
      this.requests.set(m.id, { resolve });
    });
  }

  async record(spec: RecordingSpec): Promise<HubRecording> {
    const id = this.nextId++;
    const rec = new HubRecording(this, id, spec);
    this.recordings.set(id, rec);
    let reply: FromWorker;
    try {
      reply = await this.request({ type: 'open', id, spec });
    } catch (err) {
      this.recordings.delete(id);
      throw err;
    }
    if (reply.type !== 'opened') {
      this.recordings.delete(id);
      const r = reply as { code?: string; message?: string };
      throw Object.assign(new Error(r.message ?? 'the recording could not be opened'), { code: r.code ?? 'CC_MEDIA_WAV_WRITE_FAILED' });
    }
    return rec;
  }

  async stats(): Promise<RecordingWorkerStats> {
    const id = this.nextId++;
    const reply = await this.request({ type: 'stats', id });
    return (reply as { stats: RecordingWorkerStats }).stats;
  }

  private onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'opened':
      case 'open-failed':
      case 'stats': {
        const r = this.requests.get(m.id);
        this.requests.delete(m.id);
        r?.resolve(m);
        return;
      }
      case 'failed':
        this.recordings.get(m.id)?.emit('failed', m.code, m.message);
        return;
      case 'digit':
        this.recordings.get(m.id)?.emit('digit', m.side, m.digit);
        return;
      case 'stopped': {
        const rec = this.recordings.get(m.id);
        this.recordings.delete(m.id);
        rec?.settle?.(m.summary);
        return;
      }
    }
  }

  /** The thread ended: its recordings are over (an alert each, unless we closed it on purpose). */
  private onExit(): void {
    this.dead = true;
    for (const r of this.requests.values()) r.resolve({ type: 'open-failed', id: 0, code: 'CC_MEDIA_RECORDER_DIED', message: new WavError('CC_MEDIA_RECORDER_DIED').message });
    this.requests.clear();
    for (const rec of [...this.recordings.values()]) {
      if (!this.closing) rec.emit('failed', 'CC_MEDIA_RECORDER_DIED', new WavError('CC_MEDIA_RECORDER_DIED').message);
      if (rec.settle) void this.orphaned(rec);
    }
  }

  /** A recording whose thread is gone: its summary from the file as the thread left it. */
  async orphaned(rec: HubRecording): Promise<void> {
    this.recordings.delete(rec.id);
    const path = rec.spec.path;
    const bytes = await stat(path).then((s) => s.size, () => 0);
    const enc = rec.spec.encryption;
    const wavBytes = enc ? await readFile(path).then((f) => decryptRecording(f, (id) => (id === enc.id ? enc.key : undefined)).data.length, () => 0) : bytes;
    const data = Math.max(0, wavBytes - wavHeaderLength(rec.spec.codec === 'PCMU' ? 'ulaw' : 'alaw'));
    rec.settle?.({ path, bytes, durationMs: (Math.floor(data / 2) * 1000) / 8000, sha256: await sha256File(path), stoppedBy: 'CC_MEDIA_RECORDER_DIED', filledFrames: { caller: 0, callee: 0 } });
  }

  /** Finishes what is still open, closes the socket, ends the thread. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.dead) return;
    const exited = once(this.worker, 'exit');
    this.worker.postMessage({ type: 'close' } satisfies ToWorker);
    const timer = setTimeout(() => void this.worker.terminate(), WORKER_CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

/** The worker runs this module's sibling; under tsx (sources run as .ts) it registers tsx first. */
function spawnWorker(o: RecordingWorkerOptions): Worker {
  const ext = new URL(import.meta.url).pathname.endsWith('.ts') ? '.ts' : '.js';
  const entry = new URL(`./recording-worker${ext}`, import.meta.url);
  if (ext === '.js') return new Worker(entry, { workerData: o });
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((t) => { t.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(boot, { eval: true, workerData: o });
}

export class RecordingHub {
  private readonly threads: RecordingThread[];
  private restarting?: Promise<void>;
  private closed = false;

  private constructor(
    threads: RecordingThread[],
    private readonly o: RecordingWorkerOptions,
  ) {
    this.threads = threads;
  }

  static async open(address = '127.0.0.1', opts: RecordingHubOptions = {}): Promise<RecordingHub> {
    const o: RecordingWorkerOptions = { address, recvBufferSize: opts.recvBufferSize ?? 32 * 1024 * 1024, niceness: opts.niceness ?? 0, flushIntervalMs: opts.flushIntervalMs ?? 1000 };
    const count = Math.max(1, Math.floor(opts.workers ?? 1));
    const threads = await Promise.allSettled(Array.from({ length: count }, () => RecordingThread.start(o)));
    const ok = threads.flatMap((t) => (t.status === 'fulfilled' ? [t.value] : []));
    const failed = threads.find((t) => t.status === 'rejected');
    if (failed) {
      await Promise.all(ok.map((t) => t.close()));
      throw (failed as PromiseRejectedResult).reason;
    }
    return new RecordingHub(ok, o);
  }

  /** The first thread's socket (each recording has its own `address`, that of its thread). */
  get address(): { ip: string; port: number } {
    return this.threads[0].address;
  }

  /** SO_RCVBUF the kernel granted each thread's socket. */
  get recvBufferBytes(): number[] {
    return this.threads.map((t) => t.recvBufferBytes);
  }

  get workers(): number {
    return this.threads.filter((t) => !t.dead).length;
  }

  /** Open a recording's file (header of an empty recording) on the least busy thread. Rejects with a coded error. */
  async record(spec: RecordingSpec): Promise<HubRecording> {
    if (this.closed) throw new WavError('CC_MEDIA_WAV_WRITE_FAILED', 'the recording hub is closed');
    await this.replaceDead();
    const live = this.threads.filter((t) => !t.dead);
    if (live.length === 0) throw new WavError('CC_MEDIA_RECORDER_DIED');
    const thread = live.reduce((a, b) => (b.recordings.size < a.recordings.size ? b : a));
    return thread.record(spec);
  }

  /** Counters of every live thread. */
  stats(): Promise<RecordingWorkerStats[]> {
    return Promise.all(this.threads.filter((t) => !t.dead).map((t) => t.stats()));
  }

  /** A thread that died is replaced (one at a time) before the next recording starts. */
  private replaceDead(): Promise<void> {
    if (!this.threads.some((t) => t.dead)) return Promise.resolve();
    this.restarting ??= (async () => {
      for (let i = 0; i < this.threads.length; i++) {
        if (!this.threads[i].dead) continue;
        try {
          this.threads[i] = await RecordingThread.start(this.o);
        } catch {
          /* stays dead; the next recording tries again */
        }
      }
    })().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  /** Finish open recordings, close the sockets, end the threads. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.restarting;
    await Promise.all(this.threads.map((t) => t.close()));
  }
}

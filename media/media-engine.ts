// Owns the mediasoup workers and hands out one Router per call. Counts every router and
// transport it has created and not yet seen closed, so tests and benchmarks can prove that
// nothing leaks. Never imports system/.
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { MediaErrorCode } from './errors.ts';
import { setProcessNiceness } from './worker-priority.ts';
import { forwardMediasoupErrors } from './worker-log.ts';

export interface MediaEngineOptions {
  workers: number;
  listenIp: string;
  /** Address put into SDP (the box's LAN address); defaults to listenIp. */
  announcedAddress?: string;
  rtpMinPort: number;
  rtpMaxPort: number;
  /** Nice value of the workers' threads (worker-priority.ts); undefined: the daemon's. */
  workerNiceness?: number;
  log: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

/** The audio codec a call's router forwards, with the payload types the call negotiated. */
export interface CallCodecs {
  codec: { name: 'PCMU' | 'PCMA'; payloadType: number };
  telephoneEventPayloadType?: number;
}

export interface RouterLease {
  router: types.Router;
  /** Give the router back; the last user's release closes it. Idempotent. */
  release(): void;
}

/** A router's RTP capabilities, computed once (mediasoup's getter deep-clones on every read). */
const capsCache = new WeakMap<types.Router, types.RtpCapabilities>();
export function routerCaps(router: types.Router): types.RtpCapabilities {
  let caps = capsCache.get(router);
  if (!caps) {
    caps = router.rtpCapabilities;
    capsCache.set(router, caps);
  }
  return caps;
}

export interface MediaCounters {
  workers: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
}

export class MediaEngine {
  private readonly workers: types.Worker[] = [];
  private next = 0;
  readonly counters: MediaCounters = { workers: 0, routers: 0, transports: 0, producers: 0, consumers: 0 };
  private closing = false;
  onWorkerDied?: (err: Error) => void;

  private constructor(readonly opts: MediaEngineOptions) {}

  static async start(opts: MediaEngineOptions): Promise<MediaEngine> {
    const engine = new MediaEngine(opts);
    forwardMediasoupErrors(opts.log);
    for (let i = 0; i < opts.workers; i++) {
      const worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: opts.rtpMinPort, rtcMaxPort: opts.rtpMaxPort });
      worker.on('died', (err) => {
        if (engine.closing) return;
        opts.log.error({ err, pid: worker.pid, code: 'CC_MEDIA_WORKER_DIED' satisfies MediaErrorCode }, 'mediasoup worker died');
        engine.onWorkerDied?.(err);
      });
      if (opts.workerNiceness !== undefined) {
        const set = setProcessNiceness(worker.pid, opts.workerNiceness);
        if (!set.ok) opts.log.warn({ pid: worker.pid, niceness: opts.workerNiceness, error: set.error, code: 'CC_MEDIA_WORKER_PRIORITY' satisfies MediaErrorCode }, 'mediasoup worker keeps the daemon\'s priority');
      }
      engine.watch(worker);
      engine.workers.push(worker);
      engine.counters.workers++;
    }
    return engine;
  }

  /** The workers' process ids. */
  get workerPids(): number[] {
    return this.workers.map((w) => w.pid);
  }

  get listenIp(): string {
    return this.opts.listenIp;
  }

  get announcedAddress(): string {
    return this.opts.announcedAddress ?? this.opts.listenIp;
  }

  /** Observe creation/closure of everything below the worker, for the leak counters. */
  private watch(worker: types.Worker): void {
    const c = this.counters;
    worker.observer.on('newrouter', (router) => {
      c.routers++;
      router.observer.once('close', () => c.routers--);
      router.observer.on('newtransport', (transport) => {
        c.transports++;
        transport.observer.once('close', () => c.transports--);
        transport.observer.on('newproducer', (p) => {
          c.producers++;
          p.observer.once('close', () => c.producers--);
        });
        transport.observer.on('newconsumer', (cons) => {
          c.consumers++;
          cons.observer.once('close', () => c.consumers--);
        });
      });
    });
  }

  /**
   * A router for a call, carrying exactly the codec and telephone-event PT it negotiated.
   * Calls with the same codec set share one router per worker (creating a router costs
   * mediasoup a deep clone of its whole capability table, ~1 ms of Node CPU); `release()`
   * closes it when its last call is gone, so the leak counters still return to zero.
   */
  async acquireRouter(codecs: CallCodecs): Promise<RouterLease> {
    // Spread calls over the workers: the least-loaded worker's router for this codec set.
    const w = this.leastLoadedWorker();
    const key = `${w}:${codecs.codec.name}/${codecs.codec.payloadType}/${codecs.telephoneEventPayloadType ?? '-'}`;
    let entry = this.shared.get(key);
    if (!entry) {
      entry = { router: this.workers[w].createRouter({ mediaCodecs: routerCodecs(codecs) }), users: 0 };
      this.shared.set(key, entry);
    }
    const e = entry;
    e.users++;
    this.leases[w]++;
    const router = await e.router;
    let released = false;
    return {
      router,
      release: () => {
        if (released) return;
        released = true;
        this.leases[w]--;
        if (--e.users > 0) return;
        if (this.shared.get(key) === e) this.shared.delete(key);
        router.close();
      },
    };
  }

  private readonly shared = new Map<string, { router: Promise<types.Router>; users: number }>();
  /** Router leases per worker (calls on it). */
  private readonly leases: number[] = [];

  private leastLoadedWorker(): number {
    let best = 0;
    for (let i = 1; i < this.workers.length; i++) if ((this.leases[i] ?? 0) < (this.leases[best] ?? 0)) best = i;
    this.leases[best] ??= 0;
    return best;
  }

  /** A router of one's own (tests, special cases); the caller closes it. */
  async createRouter(codecs: CallCodecs): Promise<types.Router> {
    const worker = this.workers[this.next++ % this.workers.length];
    return worker.createRouter({ mediaCodecs: routerCodecs(codecs) });
  }

  /** Closes the workers and waits (up to 3 s) for their processes to exit, so what they print last is logged. */
  async close(): Promise<void> {
    this.closing = true;
    // The timer is not unref'd: mediasoup unrefs its worker processes, so an unref'd wait would
    // let the event loop empty and the daemon exit in the middle of its shutdown.
    const exits = this.workers.filter((w) => !w.subprocessClosed).map((w) => new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 3000);
      w.once('subprocessclose', () => {
        clearTimeout(t);
        resolve();
      });
    }));
    for (const w of this.workers) w.close();
    this.workers.length = 0;
    await Promise.all(exits);
  }
}

/** Exactly the call's codec and its telephone-event payload type. */
function routerCodecs(codecs: CallCodecs): types.RouterRtpCodecCapability[] {
  const mediaCodecs: types.RouterRtpCodecCapability[] = [
    { kind: 'audio', mimeType: `audio/${codecs.codec.name}`, clockRate: 8000, channels: 1, preferredPayloadType: codecs.codec.payloadType },
  ];
  if (codecs.telephoneEventPayloadType !== undefined) {
    mediaCodecs.push({ kind: 'audio', mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, preferredPayloadType: codecs.telephoneEventPayloadType });
  }
  return mediaCodecs;
}

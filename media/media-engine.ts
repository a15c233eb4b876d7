// Owns the mediasoup workers and hands out one Router per call. Counts every router and
// transport it has created and not yet seen closed, so tests and benchmarks can prove that
// nothing leaks. Never imports system/.
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { MediaErrorCode } from './errors.ts';

export interface MediaEngineOptions {
  workers: number;
  listenIp: string;
  /** Address put into SDP (the box's LAN address); defaults to listenIp. */
  announcedAddress?: string;
  rtpMinPort: number;
  rtpMaxPort: number;
  log: { warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

/** The audio codec a call's router forwards, with the payload types the call negotiated. */
export interface CallCodecs {
  codec: { name: 'PCMU' | 'PCMA'; payloadType: number };
  telephoneEventPayloadType?: number;
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
    for (let i = 0; i < opts.workers; i++) {
      const worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: opts.rtpMinPort, rtcMaxPort: opts.rtpMaxPort });
      worker.on('died', (err) => {
        if (engine.closing) return;
        opts.log.error({ err, pid: worker.pid, code: 'CC_MEDIA_WORKER_DIED' satisfies MediaErrorCode }, 'mediasoup worker died');
        engine.onWorkerDied?.(err);
      });
      engine.watch(worker);
      engine.workers.push(worker);
      engine.counters.workers++;
    }
    return engine;
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

  /** A router for one call, carrying exactly the codec and telephone-event PT it negotiated. */
  async createRouter(codecs: CallCodecs): Promise<types.Router> {
    const worker = this.workers[this.next++ % this.workers.length];
    const mediaCodecs: types.RouterRtpCodecCapability[] = [
      { kind: 'audio', mimeType: `audio/${codecs.codec.name}`, clockRate: 8000, channels: 1, preferredPayloadType: codecs.codec.payloadType },
    ];
    if (codecs.telephoneEventPayloadType !== undefined) {
      mediaCodecs.push({ kind: 'audio', mimeType: 'audio/telephone-event', clockRate: 8000, channels: 1, preferredPayloadType: codecs.telephoneEventPayloadType });
    }
    return worker.createRouter({ mediaCodecs });
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const w of this.workers) w.close();
    this.workers.length = 0;
  }
}

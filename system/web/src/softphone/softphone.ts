// The agent's browser softphone: one WebSocket to the box (/api/softphone), mediasoup-client
// for the audio. createSoftphone() returns an object with events (ready, incoming, connected,
// ended, digit, held, muted, closed) and verbs (answer, hangup, hold, mute, sendDigit); the
// web app (or a test page) draws the buttons. The box offers only the call's G.711 codec, so
// the browser sends and receives PCMU/PCMA and nothing is transcoded. Framework-free; runs in
// the browser only. Protocol: system/softphone/wire.ts (types only, no Node or server types).
import { Device, type types } from 'mediasoup-client';
import type { SoftphoneEvent, SoftphoneMethod, SoftphoneReply, SoftphoneResults, WireCallInfo, WireConsumer, WireEndReason, WireOffer } from '../../../softphone/wire.ts';

export interface SoftphoneOptions {
  /** Bearer token from POST /api/session; without it the browser's session cookie signs the socket in (same origin). */
  token?: string;
  /** e.g. `wss://box.example/api/softphone` (a token is added as a query parameter). */
  wsUrl: string;
  /** Where the other party is played; a detached <audio> element by default. */
  audio?: HTMLAudioElement;
  /** The microphone; getUserMedia({ audio }) by default. */
  microphone?: () => Promise<MediaStreamTrack>;
  /** How long a request may wait for the box's reply. */
  requestTimeoutMs?: number;
}

export type CallState = 'ringing' | 'answering' | 'connected' | 'ended';

export interface SoftphoneCall {
  /** This call's handle on this softphone. */
  id: string;
  info: WireCallInfo;
  state: CallState;
  held: boolean;
  muted: boolean;
  /** When the agent answered (for the call timer). */
  answeredAt?: number;
  /** A call this page dialled (info.dialled): the other party is ringing. */
  ringback?: boolean;
}

export interface SoftphoneEventMap {
  ready: { agentId: string; device: 'phone' | 'browser' };
  incoming: SoftphoneCall;
  connected: SoftphoneCall;
  ended: { call: SoftphoneCall; reason: WireEndReason; sip?: { status: number; reason: string } };
  /** A call this page dialled: the other party rings. */
  ringback: SoftphoneCall;
  /** A digit the other party pressed. */
  digit: { call: SoftphoneCall; digit: string };
  held: SoftphoneCall;
  muted: SoftphoneCall;
  /** The box closed this softphone (opened elsewhere, not an agent, shutdown) or the socket dropped. */
  closed: { code: string; message: string };
}

/** A failed request, with the box's error code (CC_SOFTPHONE_...). */
export class SoftphoneRequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'SoftphoneRequestError';
  }
}

/** The softphone's inbound/outbound audio counters (from the browser's WebRTC stats). */
export interface SoftphoneStats {
  inbound?: { packetsReceived: number; packetsLost: number; jitter: number; audioLevel?: number; totalAudioEnergy?: number; codec?: string };
  outbound?: { packetsSent: number; codec?: string };
}

export interface Softphone {
  on<K extends keyof SoftphoneEventMap>(event: K, fn: (data: SoftphoneEventMap[K]) => void): () => void;
  /** The call ringing or in progress, if any (one at a time). */
  readonly call: SoftphoneCall | undefined;
  /** What the agent hears (for meters), once connected. */
  readonly remoteTrack: MediaStreamTrack | undefined;
  answer(): Promise<void>;
  /** Hang up, or decline a ringing call. */
  hangup(): Promise<void>;
  hold(on: boolean): Promise<void>;
  /** Mute the microphone (silence is still sent, so the call stays alive). */
  mute(on: boolean): void;
  /** Keypad: digits go to the caller as RFC 4733 events. */
  sendDigit(digits: string): Promise<void>;
  stats(): Promise<SoftphoneStats>;
  close(): void;
}

interface Media {
  device: Device;
  send: types.Transport;
  recv: types.Transport;
  producer?: types.Producer;
  consumer?: types.Consumer;
  track?: MediaStreamTrack;
  /** Consumers announced before the receive side was ready, in order. */
  consumeChain: Promise<void>;
}

export function createSoftphone(opts: SoftphoneOptions): Softphone {
  const listeners = new Map<keyof SoftphoneEventMap, Set<(d: never) => void>>();
  const emit = <K extends keyof SoftphoneEventMap>(event: K, data: SoftphoneEventMap[K]) => {
    for (const fn of listeners.get(event) ?? []) {
      try {
        (fn as (d: SoftphoneEventMap[K]) => void)(data);
      } catch (err) {
        console.error('softphone listener failed', err);
      }
    }
  };
  const audio = opts.audio ?? new Audio();
  audio.autoplay = true;
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;

  let current: { call: SoftphoneCall; offer: WireOffer; media?: Media } | undefined;
  let closedByUs = false;
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void; timer: ReturnType<typeof setTimeout> }>();

  const url = new URL(opts.wsUrl);
  if (opts.token) url.searchParams.set('token', opts.token);
  const ws = new WebSocket(url);

  function request<M extends SoftphoneMethod>(method: M, params: object): Promise<SoftphoneResults[M]> {
    return new Promise((resolve, reject) => {
      if (ws.readyState !== WebSocket.OPEN) return reject(new SoftphoneRequestError('CC_SOFTPHONE_CLOSED', 'the softphone is not connected'));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new SoftphoneRequestError('CC_SOFTPHONE_TIMEOUT', `${method}: no reply in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(id, { resolve: resolve as (r: unknown) => void, reject, timer });
      ws.send(JSON.stringify({ id, method, params }));
    });
  }

  ws.onmessage = (e) => {
    let msg: SoftphoneReply | SoftphoneEvent;
    try {
      msg = JSON.parse(String(e.data));
    } catch {
      return;
    }
    if ('event' in msg) return onEvent(msg);
    const p = msg.id === null ? undefined : pending.get(msg.id);
    if (!p || msg.id === null) return;
    pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new SoftphoneRequestError(msg.error.code, msg.error.message));
  };
  ws.onclose = (e) => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new SoftphoneRequestError('CC_SOFTPHONE_CLOSED', 'the softphone closed'));
      pending.delete(id);
    }
    if (current) finish(current.call.id, 'failed');
    if (!closedByUs) emit('closed', { code: e.reason || `WS_${e.code}`, message: `the softphone connection closed (${e.code})` });
  };

  function onEvent(msg: SoftphoneEvent): void {
    switch (msg.event) {
      case 'ready':
        return emit('ready', msg.data);
      case 'incoming': {
        if (current && current.call.state !== 'ended') return; // the box rings one call at a time
        const call: SoftphoneCall = { id: msg.data.callId, info: msg.data.call, state: 'ringing', held: false, muted: false };
        current = { call, offer: msg.data.offer };
        emit('incoming', call);
        // A call this page dialled (dial-out): no ringing here, the media is set up at once
        // (a failure ends the call and is told by 'ended').
        if (call.info.dialled) void answer().catch(() => undefined);
        return;
      }
      case 'ringback':
        if (current?.call.id !== msg.data.callId) return;
        current.call.ringback = true;
        return emit('ringback', current.call);
      case 'connected':
        if (current?.call.id !== msg.data.callId) return;
        current.call.state = 'connected';
        current.call.answeredAt ??= Date.now();
        return emit('connected', current.call);
      case 'consume':
        if (current?.call.id === msg.data.callId && current.media) consume(current.media, msg.data.consumer);
        return;
      case 'digit':
        if (current?.call.id === msg.data.callId) emit('digit', { call: current.call, digit: msg.data.digit });
        return;
      case 'ended':
        return finish(msg.data.callId, msg.data.reason, msg.data.sip);
      case 'closed':
        closedByUs = true; // the box says why: no generic 'closed' afterwards
        return emit('closed', msg.data);
    }
  }

  /** Hear a new source (the caller, music, a prompt): replaces what was heard before. */
  function consume(media: Media, info: WireConsumer): void {
    media.consumeChain = media.consumeChain.then(async () => {
      const consumer = await media.recv.consume({ id: info.id, producerId: info.producerId, kind: info.kind, rtpParameters: info.rtpParameters as types.RtpParameters });
      media.consumer?.close();
      media.consumer = consumer;
      audio.srcObject = new MediaStream([consumer.track]);
      void audio.play().catch(() => undefined); // autoplay policy: the answer click allows it
    }).catch((err) => console.error('softphone: could not receive audio', err));
  }

  function finish(callId: string, reason: WireEndReason, sip?: { status: number; reason: string }): void {
    if (!current || current.call.id !== callId || current.call.state === 'ended') return;
    const { call, media } = current;
    call.state = 'ended';
    if (media) {
      media.producer?.close();
      media.consumer?.close();
      media.send.close();
      media.recv.close();
      media.track?.stop();
    }
    audio.srcObject = null;
    current = undefined;
    emit('ended', { call, reason, ...(sip ? { sip } : {}) });
  }

  function live(state?: CallState): NonNullable<typeof current> {
    if (!current || current.call.state === 'ended' || (state && current.call.state !== state)) {
      throw new SoftphoneRequestError('CC_SOFTPHONE_NO_SUCH_CALL', state ? `no ${state} call` : 'no call');
    }
    return current;
  }

  async function answer(): Promise<void> {
    const c = live('ringing');
    const callId = c.call.id;
    c.call.state = 'answering';
    try {
      const device = new Device();
      await device.load({ routerRtpCapabilities: c.offer.routerRtpCapabilities as types.RtpCapabilities });
      if (!device.canProduce('audio')) throw new SoftphoneRequestError('CC_SOFTPHONE_CODEC_REFUSED', 'this browser cannot send the call\'s codec');
      const send = device.createSendTransport(c.offer.send as types.TransportOptions);
      const recv = device.createRecvTransport(c.offer.recv as types.TransportOptions);
      for (const t of [send, recv]) {
        t.on('connect', ({ dtlsParameters }, done, fail) => {
          request('connectTransport', { callId, transportId: t.id, dtlsParameters }).then(() => done(), fail);
        });
      }
      send.on('produce', ({ kind, rtpParameters }, done, fail) => {
        request('produce', { callId, transportId: send.id, kind, rtpParameters }).then((r) => done({ id: r.producerId }), fail);
      });
      const media: Media = { device, send, recv, consumeChain: Promise.resolve() };
      c.media = media;
      media.track = opts.microphone
        ? await opts.microphone()
        : (await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true } })).getAudioTracks()[0];
      if (current !== c) throw new SoftphoneRequestError('CC_SOFTPHONE_WRONG_STATE', 'the call ended while answering');
      media.producer = await send.produce({ track: media.track, stopTracks: false });
      await request('answer', { callId, rtpCapabilities: device.rtpCapabilities });
    } catch (err) {
      if (current === c && c.call.state === 'answering') {
        void request('hangup', { callId }).catch(() => undefined);
        finish(callId, 'failed');
      }
      throw err;
    }
  }

  return {
    on(event, fn) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(fn as (d: never) => void);
      return () => set.delete(fn as (d: never) => void);
    },
    get call() {
      return current?.call;
    },
    get remoteTrack() {
      return current?.media?.consumer?.track;
    },
    answer,
    async hangup() {
      const c = live();
      await request('hangup', { callId: c.call.id });
      finish(c.call.id, c.call.state === 'ringing' ? 'declined' : 'hangup');
    },
    async hold(on) {
      const c = live('connected');
      await request('hold', { callId: c.call.id, on });
      c.call.held = on;
      emit('held', c.call);
    },
    mute(on) {
      const c = live();
      const producer = c.media?.producer;
      if (!producer) throw new SoftphoneRequestError('CC_SOFTPHONE_WRONG_STATE', 'nothing to mute yet');
      // Pausing disables the track: the browser keeps sending (silent) packets.
      if (on) producer.pause();
      else producer.resume();
      c.call.muted = on;
      emit('muted', c.call);
    },
    async sendDigit(digits) {
      const c = live('connected');
      await request('dtmf', { callId: c.call.id, digits });
    },
    async stats() {
      const out: SoftphoneStats = {};
      const media = current?.media;
      const codecs = new Map<string, string>();
      const read = async (report: RTCStatsReport | undefined) => {
        report?.forEach((s) => {
          if (s.type === 'codec') codecs.set(s.id, s.mimeType);
        });
        report?.forEach((s) => {
          if (s.type === 'inbound-rtp' && s.kind === 'audio') {
            out.inbound = { packetsReceived: s.packetsReceived, packetsLost: s.packetsLost, jitter: s.jitter, audioLevel: s.audioLevel, totalAudioEnergy: s.totalAudioEnergy, codec: codecs.get(s.codecId) };
          }
          if (s.type === 'outbound-rtp' && s.kind === 'audio') out.outbound = { packetsSent: s.packetsSent, codec: codecs.get(s.codecId) };
        });
      };
      await read(await media?.consumer?.getStats());
      await read(await media?.producer?.getStats());
      return out;
    },
    close() {
      closedByUs = true;
      if (current) finish(current.call.id, 'hangup');
      ws.close(1000, 'closed by the page');
    },
  };
}

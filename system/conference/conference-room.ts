// One live conference room: the answered calls in it and the room's mixer (media/conference-mix).
// A call joins by having its caller leg hear the producer the mixer gives it; it leaves when it
// starts ending (BYE, dead media, shutdown). The room writes a join/leave event row for each
// party, and tells its owner when the last party left (it then closes its mixer).
import type { Call } from '../calls/call.ts';
import type { Store } from '../store/store.ts';
import { ConferenceMix } from '../../media/conference-mix.ts';
import type { ConferenceErrorCode } from './errors.ts';

export interface ConferenceRoomDeps {
  store?: Store;
  /** Music a lone party hears (undefined: silence). */
  music?: Int16Array;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
  /** The last party left; the room is closed. */
  onEmpty: () => void;
}

interface Party {
  call: Call;
  number: string;
  joinedAt?: number;
  onState: (from: string, to: string) => void;
}

export class ConferenceRoom {
  private readonly parties = new Map<string, Party>();
  private mixOpening?: Promise<ConferenceMix>;
  private mix?: ConferenceMix;
  private closed = false;

  constructor(readonly name: string, private readonly deps: ConferenceRoomDeps) {}

  /** Parties in the room, including those still being connected. */
  get size(): number {
    return this.parties.size;
  }

  /** Connect an answered call to the mix. A failure hangs the call up (never throws). */
  async join(call: Call): Promise<void> {
    if (this.closed || this.parties.has(call.id)) return;
    const party: Party = {
      call,
      number: callerNumber(call),
      onState: (_from, to) => {
        if (to === 'ending' || to === 'ended') this.leave(call.id);
      },
    };
    this.parties.set(call.id, party);
    call.on('stateChanged', party.onState);
    const context = call.mediaContext;
    const producerId = call.caller?.media.producerId;
    if (call.state !== 'answered' || !context || !producerId) return this.leave(call.id);
    try {
      const mix = await this.openMix();
      if (!this.parties.has(call.id)) return;
      const joined = await mix.add(call.id, { router: context.router, codecs: context.codecs, producerId });
      if (!joined || !this.parties.has(call.id)) return;
      await call.caller!.media.receiveFrom(joined);
      if (!this.parties.has(call.id)) return;
      party.joinedAt = Date.now();
      this.deps.log.info({ room: this.name, callId: call.id, parties: this.parties.size }, 'conference party joined');
      this.event('conference-join', { room: this.name, callId: call.id, caller: party.number, parties: this.parties.size });
    } catch (err) {
      this.deps.log.error({ err, room: this.name, callId: call.id, code: 'CC_CONF_JOIN_FAILED' satisfies ConferenceErrorCode }, 'could not connect a caller to the conference mix');
      this.leave(call.id);
      void call.hangup({ status: 500, reason: 'conference join failed', side: 'system', cause: 'failed' });
    }
  }

  /** Take a call out of the room (idempotent); the last one out closes the room. */
  leave(callId: string): void {
    const party = this.parties.get(callId);
    if (!party) return;
    this.parties.delete(callId);
    party.call.off('stateChanged', party.onState);
    this.mix?.remove(callId);
    if (party.joinedAt !== undefined) {
      this.deps.log.info({ room: this.name, callId, parties: this.parties.size }, 'conference party left');
      this.event('conference-leave', { room: this.name, callId, caller: party.number, parties: this.parties.size, durationMs: Date.now() - party.joinedAt });
    }
    if (this.parties.size === 0) {
      this.close();
      this.deps.onEmpty();
    }
  }

  /** Close the mixer (parties' calls are left to their owners). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const p of this.parties.values()) p.call.off('stateChanged', p.onState);
    this.parties.clear();
    if (this.mix) this.logClosed(this.mix);
    this.mix?.close();
    void this.mixOpening?.then((m) => m.close()).catch(() => undefined);
  }

  private openMix(): Promise<ConferenceMix> {
    this.mixOpening ??= ConferenceMix.open({ music: this.deps.music }).then((m) => {
      if (this.closed) m.close();
      else this.mix = m;
      return m;
    });
    return this.mixOpening;
  }

  private logClosed(mix: ConferenceMix): void {
    this.deps.log.info({ room: this.name, ...mix.counters, ...mix.queueCounters }, 'conference room closed');
  }

  private event(type: string, data: Record<string, unknown>): void {
    const store = this.deps.store;
    if (!store) return;
    store.transaction(() => store.appendEvent(type, data)).catch((err) => {
      this.deps.log.warn({ err, room: this.name, code: 'CC_CONF_EVENT_WRITE_FAILED' satisfies ConferenceErrorCode }, 'conference event not written');
    });
  }
}

/** The caller's user part as its From carried it (the Call keeps its CDR party private). */
function callerNumber(call: Call): string {
  const from = call.caller?.dialog?.remoteUri.uri ?? '';
  return /^sips?:([^@;]+)@/.exec(from)?.[1] ?? '';
}

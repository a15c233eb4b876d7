// Conference rooms (多方通话): callers routed to 'conf:NAME' (or a room's internal number) are
// answered by the box and mixed with everyone else in the room, each hearing the others and
// not themselves (media/conference-mix.ts); a lone party hears music on hold. Admission is
// decided before the answer (admission.ts: 404 unknown room, 486 full); rooms open on their
// first party and close when the last one leaves. Join and leave are event rows in LMDB.
import type { Call } from '../calls/call.ts';
import type { LocalService } from '../calls/call-manager.ts';
import type { BoxConfig } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import type { PromptLibrary } from '../../media/prompt-library.ts';
import { HeldSeats, decideAdmission, type Admission } from './admission.ts';
import { ConferenceRoom } from './conference-room.ts';

export interface ConferenceRoomsDeps {
  config: () => BoxConfig;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
  /** Where join/leave events go (none: not recorded). */
  store?: Store;
  /** Music on hold for a lone party (none: silence). */
  prompts?: PromptLibrary;
  now?: () => number;
}

export class ConferenceRooms implements LocalService {
  private readonly rooms = new Map<string, ConferenceRoom>();
  private readonly seats = new HeldSeats();
  private music?: Int16Array | null;
  private closed = false;

  constructor(private readonly deps: ConferenceRoomsDeps) {}

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  admit(name: string): { ok: true } | { ok: false; status: number; reason: string } {
    if (this.closed) return { ok: false, status: 503, reason: 'Service Unavailable (shutting down)' };
    const room = this.deps.config().conferences.find((c) => c.name === name);
    const occupied = (this.rooms.get(name)?.size ?? 0) + this.seats.count(name, this.now());
    const decision: Admission = decideAdmission(room, occupied);
    if (!decision.ok) {
      this.deps.log.warn({ room: name, occupied, code: decision.code }, 'conference caller refused');
      return { ok: false, status: decision.status, reason: decision.reason };
    }
    this.seats.hold(name, this.now());
    return { ok: true };
  }

  take(call: Call, name: string): void {
    this.seats.release(name, this.now());
    if (this.closed) {
      void call.hangup({ status: 503, reason: 'conference closed', side: 'system', cause: 'shutdown' });
      return;
    }
    let room = this.rooms.get(name);
    if (!room) {
      const created = new ConferenceRoom(name, {
        store: this.deps.store,
        music: this.musicOnHold(),
        log: this.deps.log,
        onEmpty: () => {
          if (this.rooms.get(name) === created) this.rooms.delete(name);
        },
      });
      room = created;
      this.rooms.set(name, room);
    }
    void room.join(call);
  }

  /** Parties per open room (for status and tests). */
  status(): Record<string, number> {
    return Object.fromEntries([...this.rooms].map(([name, room]) => [name, room.size]));
  }

  /** Close every room's mixer (the box hangs the calls up itself). */
  close(): void {
    this.closed = true;
    for (const room of this.rooms.values()) room.close();
    this.rooms.clear();
  }

  private musicOnHold(): Int16Array | undefined {
    if (this.music === undefined) {
      try {
        this.music = this.deps.prompts?.music() ?? null;
      } catch (err) {
        this.deps.log.warn({ err: (err as Error).message, code: 'CC_MEDIA_PROMPT_MISSING' }, 'no music on hold: a lone conference party hears silence');
        this.music = null;
      }
    }
    return this.music ?? undefined;
  }
}

// Who may enter a conference room, decided before the box answers (pure: plain data and an
// injected clock). A caller admitted holds a seat until it joins (take) or for SEAT_HOLD_MS,
// so callers arriving together cannot overfill a room while their calls are being set up; a
// seat whose call never got answered (CANCEL, media failure) frees itself when it expires.
import type { ConferenceConfig } from '../config/schema.ts';
import type { ConferenceErrorCode } from './errors.ts';

export type Admission = { ok: true } | { ok: false; status: number; reason: string; code: ConferenceErrorCode };

/** Longer than any local answer takes (media set-up and 200 OK are tens of ms). */
export const SEAT_HOLD_MS = 10_000;

/** `occupied` counts the parties in the room and the seats held for callers on their way in. */
export function decideAdmission(room: ConferenceConfig | undefined, occupied: number): Admission {
  if (!room) return { ok: false, status: 404, reason: 'Not Found (no such conference room)', code: 'CC_CONF_NO_ROOM' };
  if (occupied >= room.maxParties) return { ok: false, status: 486, reason: 'Busy Here (conference room full)', code: 'CC_CONF_FULL' };
  return { ok: true };
}

/** Seats held per room for admitted callers not yet joined. */
export class HeldSeats {
  private readonly seats = new Map<string, number[]>(); // room -> expiry times, oldest first

  constructor(private readonly holdMs = SEAT_HOLD_MS) {}

  /** Seats still held in `room` at `now` (expired ones are forgotten). */
  count(room: string, now: number): number {
    const list = this.seats.get(room);
    if (!list) return 0;
    while (list.length && list[0] <= now) list.shift();
    if (!list.length) this.seats.delete(room);
    return list.length;
  }

  hold(room: string, now: number): void {
    const list = this.seats.get(room) ?? [];
    list.push(now + this.holdMs);
    this.seats.set(room, list);
  }

  /** The caller arrived: its seat (the oldest still held) becomes a party. False if none was held. */
  release(room: string, now: number): boolean {
    if (this.count(room, now) === 0) return false;
    const list = this.seats.get(room)!;
    list.shift();
    if (!list.length) this.seats.delete(room);
    return true;
  }
}

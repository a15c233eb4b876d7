// Conference rooms (多方通话): callers routed to 'conf:NAME' (or a room's internal number) are
// answered by the box and mixed with everyone else in the room, each hearing the others and
// not themselves. Skeleton: rooms refuse callers until mixing is wired.
import type { Call } from '../calls/call.ts';
import type { LocalService } from '../calls/call-manager.ts';
import type { BoxConfig } from '../config/schema.ts';

export interface ConferenceRoomsDeps {
  config: () => BoxConfig;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

export class ConferenceRooms implements LocalService {
  constructor(private readonly deps: ConferenceRoomsDeps) {}

  admit(name: string): { ok: true } | { ok: false; status: number; reason: string } {
    if (!this.deps.config().conferences.some((c) => c.name === name)) return { ok: false, status: 404, reason: 'Not Found (no such room)' };
    return { ok: false, status: 503, reason: 'Service Unavailable (conference mixing not available yet)' };
  }

  take(call: Call, _name: string): void {
    void call.hangup({ status: 503, reason: 'conference unavailable', side: 'system', cause: 'failed' });
  }

  close(): void {}
}

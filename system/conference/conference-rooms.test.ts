// ConferenceRooms as the call manager sees it before answering: unknown rooms are 404, callers
// admitted together fill a room up to maxParties and the next is 486, seats of callers who
// never arrived free themselves, and a closed service refuses with 503.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConferenceRooms } from './conference-rooms.ts';
import { SEAT_HOLD_MS } from './admission.ts';
import { parseConfig } from '../config/load.ts';

const log = { info() {}, warn() {}, error() {} };

test('callers arriving together fill a room to maxParties; the next is refused 486 until unanswered seats expire; unknown rooms are 404', () => {
  const config = parseConfig({ conferences: [{ name: 'board', number: '700', maxParties: 3 }] });
  let now = 1_000;
  const rooms = new ConferenceRooms({ config: () => config, log, now: () => now });
  assert.deepEqual([1, 2, 3].map(() => rooms.admit('board').ok), [true, true, true]);
  const fourth = rooms.admit('board');
  assert.deepEqual(fourth, { ok: false, status: 486, reason: 'Busy Here (conference room full)' });
  assert.equal(rooms.admit('nowhere').ok === false && (rooms.admit('nowhere') as { status: number }).status, 404);
  now += SEAT_HOLD_MS;
  assert.equal(rooms.admit('board').ok, true, 'seats of callers who were never answered expire');
  rooms.close();
  assert.deepEqual(rooms.admit('board'), { ok: false, status: 503, reason: 'Service Unavailable (shutting down)' });
  assert.deepEqual(rooms.status(), {});
});

// Conference admission: unknown rooms are 404, a room at maxParties (parties plus seats held
// for callers being answered) is 486, and a held seat frees itself if its caller never joins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HeldSeats, SEAT_HOLD_MS, decideAdmission } from './admission.ts';

const room = { name: 'board', maxParties: 3 };

test('an unknown room is refused with 404, a full one with 486, and one with a free seat is admitted', () => {
  assert.deepEqual(decideAdmission(undefined, 0), { ok: false, status: 404, reason: 'Not Found (no such conference room)', code: 'CC_CONF_NO_ROOM' });
  assert.deepEqual(decideAdmission(room, 2), { ok: true });
  const full = decideAdmission(room, 3);
  assert.equal(full.ok, false);
  assert.equal(!full.ok && full.status, 486);
  assert.equal(!full.ok && full.code, 'CC_CONF_FULL');
  assert.equal(decideAdmission(room, 9).ok, false);
});

test('callers admitted together hold seats, so a third and fourth caller arriving at once cannot overfill a room of three', () => {
  const seats = new HeldSeats();
  const parties = 1;
  const decisions: boolean[] = [];
  for (let i = 0; i < 3; i++) {
    const d = decideAdmission(room, parties + seats.count('board', 1000));
    if (d.ok) seats.hold('board', 1000);
    decisions.push(d.ok);
  }
  assert.deepEqual(decisions, [true, true, false]);
  assert.equal(seats.count('board', 1000), 2);
  assert.equal(seats.count('other', 1000), 0, 'rooms hold seats separately');
});

test('a joining caller turns its seat into a party; a seat whose caller never joined expires', () => {
  const seats = new HeldSeats();
  seats.hold('board', 0);
  seats.hold('board', 100);
  assert.equal(seats.release('board', 200), true);
  assert.equal(seats.count('board', 200), 1);
  assert.equal(seats.count('board', 100 + SEAT_HOLD_MS - 1), 1);
  assert.equal(seats.count('board', 100 + SEAT_HOLD_MS), 0, 'expired');
  assert.equal(seats.release('board', 100 + SEAT_HOLD_MS), false, 'nothing left to release');
});

// The decisions of a mixed call (call-party-mix.ts), as pure functions over its members:
// whom a supervisor's whisper goes to, whether the call survives a member leaving (and who
// takes an empty side), and whether another member fits. No I/O; tested beside.
import { MAX_PARTIES } from '../../media/mixer.ts';

export type MemberRole = 'caller' | 'callee' | 'party' | 'monitor';

export interface MemberFacts {
  id: string;
  role: MemberRole;
  state: 'ringing' | 'talking' | 'left';
  /** The member is an extension of this box (an agent's or a user's phone), not a trunk. */
  isExtension: boolean;
}

/** The agent a whisper goes to: the callee when it is an extension, else the caller when it is, else the callee. */
export function whisperTarget(members: readonly MemberFacts[]): string | undefined {
  const side = (role: 'caller' | 'callee') => members.find((m) => m.role === role && m.state === 'talking');
  const callee = side('callee');
  const caller = side('caller');
  if (callee?.isExtension) return callee.id;
  if (caller?.isExtension) return caller.id;
  return callee?.id;
}

/** Talking parties: supervisors (even barging) do not keep a call up. */
export function talkingParties(members: readonly MemberFacts[]): MemberFacts[] {
  return members.filter((m) => m.role !== 'monitor' && m.state === 'talking');
}

/**
 * A member leaves: 'goes-on' while two talking parties remain (an added party who left, or a
 * side whose place the first added party still talking takes: `heir`); 'ends' otherwise (the
 * call ends as a two-party call would, and everyone else is hung up).
 */
export function afterLeaving(members: readonly MemberFacts[], leaving: string): { outcome: 'goes-on'; heir?: string } | { outcome: 'ends' } {
  const m = members.find((x) => x.id === leaving);
  if (!m || m.role === 'party' || m.role === 'monitor') return { outcome: 'goes-on' };
  const rest = talkingParties(members).filter((x) => x.id !== leaving);
  if (rest.length < 2) return { outcome: 'ends' };
  const heir = rest.find((x) => x.role === 'party');
  return heir ? { outcome: 'goes-on', heir: heir.id } : { outcome: 'ends' };
}

/** Whether one more member fits in the mixer (everyone not gone counts, supervisors too; before mixing the two sides). */
export function hasSeat(members: readonly MemberFacts[], mixing: boolean): boolean {
  return members.filter((m) => m.state !== 'left').length + (mixing ? 0 : 2) < MAX_PARTIES;
}

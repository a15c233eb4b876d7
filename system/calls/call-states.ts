// The call state table: every allowed transition, in one place. Anything else is a coded
// error (CC_CALL_BAD_TRANSITION), logged and not applied.
export type CallState = 'routing' | 'ringing' | 'answered' | 'ending' | 'ended';

export const CALL_TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  routing: ['ringing', 'answered', 'ending'],
  ringing: ['answered', 'ending'],
  answered: ['ending'],
  ending: ['ended'],
  ended: [],
};

export function canTransition(from: CallState, to: CallState): boolean {
  return CALL_TRANSITIONS[from].includes(to);
}

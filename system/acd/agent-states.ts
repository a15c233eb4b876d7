// The agent state table (坐席状态): every allowed transition in one place, so no code path can
// leave an agent somewhere it cannot get out of. Pure; the AgentBook applies and persists it.
//
//   logged-out ──login──► available ──offer──► ringing ──answer──► on-call ──hang-up──► wrap-up
//        ▲                 ▲   │  ▲               │ no answer (RONA)                      │
//        └──── logout ─────┤   ▼  └─ not chosen ──┘──► break(missed-call)                 │
//                          └─ break(reason) ◄───────────── ready ◄────── wrap-up ends ◄───┘
export type AgentState = 'logged-out' | 'available' | 'ringing' | 'on-call' | 'wrap-up' | 'break';

export const AGENT_STATES: readonly AgentState[] = ['logged-out', 'available', 'ringing', 'on-call', 'wrap-up', 'break'];

export const AGENT_TRANSITIONS: Readonly<Record<AgentState, readonly AgentState[]>> = {
  'logged-out': ['available', 'break'],
  available: ['ringing', 'break', 'logged-out'],
  // not chosen / caller left -> available; no answer -> break or logged-out (per queue)
  ringing: ['on-call', 'available', 'break', 'logged-out'],
  // wrap-up 0 s goes straight on; the call's end decides
  'on-call': ['wrap-up', 'available', 'break', 'logged-out'],
  'wrap-up': ['available', 'break', 'logged-out'],
  break: ['available', 'logged-out'],
};

export function canAgentTransition(from: AgentState, to: AgentState): boolean {
  return AGENT_TRANSITIONS[from].includes(to);
}

/** States in which an agent is logged in (counts as staffing a queue). */
export function isLoggedIn(state: AgentState): boolean {
  return state !== 'logged-out';
}

/** States an agent's own request (login/logout/break/ready) must wait out: it applies after the call. */
export function isBusyWithCall(state: AgentState): boolean {
  return state === 'ringing' || state === 'on-call';
}

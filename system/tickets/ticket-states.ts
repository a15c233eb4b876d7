// The life of a ticket (工单状态), as one table: which state may follow which, and who may
// take each step. Agents work tickets (start, wait for the customer, resolve, reopen a
// resolved one); closing, and reopening a closed ticket, is for supervisors, admins and
// external systems (API tokens). Staying in the same state is not a step (the caller treats
// it as "already so": idempotent). Pure.
export type TicketState = 'new' | 'in-progress' | 'waiting' | 'resolved' | 'closed';
export type TicketActor = 'admin' | 'supervisor' | 'agent' | 'api';

export const TICKET_STATES: readonly TicketState[] = ['new', 'in-progress', 'waiting', 'resolved', 'closed'];

const WORK: readonly TicketActor[] = ['admin', 'supervisor', 'agent', 'api'];
const LEAD: readonly TicketActor[] = ['admin', 'supervisor', 'api'];

/** from -> to -> the actors who may take that step. A missing entry is not allowed. */
export const TICKET_TRANSITIONS: Readonly<Record<TicketState, Readonly<Partial<Record<TicketState, readonly TicketActor[]>>>>> = {
  new: { 'in-progress': WORK, waiting: WORK, resolved: WORK, closed: LEAD },
  'in-progress': { waiting: WORK, resolved: WORK, closed: LEAD },
  waiting: { 'in-progress': WORK, resolved: WORK, closed: LEAD },
  resolved: { 'in-progress': WORK, closed: LEAD },
  closed: { 'in-progress': LEAD },
};

export type TransitionCheck = 'ok' | 'same' | 'not-allowed' | 'forbidden';

/** May `actor` move a ticket from `from` to `to`? 'same' when it is already there. */
export function checkTransition(from: TicketState, to: TicketState, actor: TicketActor): TransitionCheck {
  if (from === to) return 'same';
  const who = TICKET_TRANSITIONS[from][to];
  if (!who) return 'not-allowed';
  return who.includes(actor) ? 'ok' : 'forbidden';
}

/** The states `actor` may move a ticket to from `from` (for the UI's buttons). */
export function nextStates(from: TicketState, actor: TicketActor): TicketState[] {
  return TICKET_STATES.filter((to) => checkTransition(from, to, actor) === 'ok');
}

/** Is the SLA clock running in this state? It pauses while waiting for the customer and stops once resolved or closed. */
export const clockRuns = (s: TicketState): boolean => s === 'new' || s === 'in-progress';

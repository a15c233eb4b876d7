// Coded errors of tickets (工单): in logs, API answers and the UI (tickets.error.* texts).
export const TicketErrorCodes = {
  CC_TICKET_NOT_FOUND: 'no ticket with that id',
  CC_TICKET_BAD_TRANSITION: 'the ticket state table does not allow this step from the current state (e.g. waiting -> closed)',
  CC_TICKET_FORBIDDEN: 'the caller\'s role may not take this step (e.g. only a supervisor, an admin or an external system closes a ticket)',
  CC_TICKET_INVALID: 'a ticket field was refused (unknown department, empty subject); the message names the field',
  CC_TICKET_WEBHOOK_FAILED: 'a webhook delivery gave up after its last attempt (see the delivery log)',
} as const;
export type TicketErrorCode = keyof typeof TicketErrorCodes;

export class TicketError extends Error {
  constructor(readonly code: TicketErrorCode, message: string) {
    super(message);
    this.name = 'TicketError';
  }
}

/** HTTP status of a ticket error. */
export function ticketErrorStatus(code: TicketErrorCode): number {
  switch (code) {
    case 'CC_TICKET_NOT_FOUND': return 404;
    case 'CC_TICKET_BAD_TRANSITION': return 409;
    case 'CC_TICKET_FORBIDDEN': return 403;
    default: return 400;
  }
}

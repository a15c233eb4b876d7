// Coded errors of conference rooms: in logs (field `code`), SIP reasons and the technician's
// table (`npm run error-codes`).
export const ConferenceErrorCodes = {
  CC_CONF_NO_ROOM: 'a caller was routed to a conference room that is not configured; refused with 404',
  CC_CONF_FULL: 'a conference room already holds maxParties callers; the caller was refused with 486',
  CC_CONF_JOIN_FAILED: 'connecting a caller to the room\'s mixer failed; the caller was hung up',
  CC_CONF_EVENT_WRITE_FAILED: 'a conference join/leave event could not be written to LMDB',
} as const;
export type ConferenceErrorCode = keyof typeof ConferenceErrorCodes;

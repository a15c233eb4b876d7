// Coded errors of call handling: the codes appear in logs (field `code`) and, later, in the
// API and UI. The technician's table is printed by `npm run error-codes`.
export const CallErrorCodes = {
  CC_CALL_BAD_TRANSITION: 'a call state change outside the state table was refused',
  CC_CALL_SETUP_FAILED: 'setting up a call (media or signalling) failed; the call was ended with 500',
  CC_CALL_RELAY_FAILED: 'a re-INVITE could not be relayed to the other leg; it was answered 500',
  CC_CALL_NO_ACK: 'the caller never acknowledged the 200 OK; the call was ended with BYE',
  CC_CALL_DEAD_MEDIA: 'no RTP arrived for the dead-media timeout; the call was hung up',
  CC_CDR_WRITE_FAILED: 'the CDR could not be written to LMDB',
} as const;
export type CallErrorCode = keyof typeof CallErrorCodes;

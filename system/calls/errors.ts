// Coded errors of call handling: the codes appear in logs (field `code`) and, later, in the
// API and UI. The technician's table is printed by `npm run error-codes`.
export const CallErrorCodes = {
  CC_CALL_BAD_TRANSITION: 'a call state change outside the state table was refused',
  CC_CALL_SETUP_FAILED: 'setting up a call (media or signalling) failed; the call was ended with 500',
  CC_CALL_RELAY_FAILED: 'a re-INVITE could not be relayed to the other leg; it was answered 500',
  CC_CALL_NO_ACK: 'the caller never acknowledged the 200 OK; the call was ended with BYE',
  CC_CALL_DEAD_MEDIA: 'no RTP arrived for the dead-media timeout; the call was hung up',
  CC_CDR_WRITE_FAILED: 'the CDR could not be written to LMDB',
  CC_CALL_TRANSFER_REFUSED: 'a REFER was refused (no Refer-To: 400; another transfer of the call in progress: 491; from a trunk or before the answer: 403)',
  CC_CALL_TRANSFER_FAILED: 'a transfer target failed (rejected, no answer, unknown); the transferor was told by NOTIFY and the call went back to it (or ended if it had left)',
  CC_CALL_PARTY_NOT_CONNECTED: 'a party or supervisor could not be added: the call is not connected to two parties (or the supervisor has not answered yet)',
  CC_CALL_PARTY_FULL: 'a party or supervisor could not be added: the call already has 8 members (the mixer limit)',
  CC_CALL_PARTY_NO_ROUTE: 'a party could not be added: neither side of the call is an extension to dial it from',
  CC_CALL_PARTY_FAILED: 'an added party or supervisor was not reached (not found, rejected, no answer) or the call ended while it rang; the call goes on as before',
  CC_CALL_PARTY_UNKNOWN: 'no such party or supervisor on the call (or it has left)',
  CC_CALL_PARTY_LAST_TWO: 'a party cannot be removed from a call that has only two: hang the call up instead',
  CC_CALL_RECORDING_FOLLOW_FAILED: 'the recording could not switch a side to the party a transfer brought in; that side is missing from the file',
  CC_CALL_TRUNK_DOWN: 'a trunk with a health check left its OPTIONS pings unanswered: calls to it get 503 at once until it answers again',
  CC_CALL_CUT_BY_RESTART: 'calls were up when the box stopped without ending them (crash, kill -9, power cut): at the start their legs got BYE, their CDRs cause box-restart, their recordings were finished',
} as const;
export type CallErrorCode = keyof typeof CallErrorCodes;

// Coded errors of the ACD (queues and agents): in logs, API answers and the technician's
// table (`npm run error-codes`).
export const AcdErrorCodes = {
  CC_ACD_UNKNOWN_AGENT: 'no agent with that id in the configuration',
  CC_ACD_UNKNOWN_QUEUE: 'no queue with that name in the configuration',
  CC_ACD_BAD_TRANSITION: 'an agent state change outside the state table was refused',
  CC_ACD_BAD_REASON: 'a break needs one of the configured break reasons',
  CC_ACD_NOT_LOGGED_IN: 'the agent must log in first',
  CC_ACD_FORBIDDEN: 'an agent may only change their own state',
  CC_ACD_OFFER_FAILED: 'ringing agents for a queued call failed; the caller stays in the queue',
} as const;
export type AcdErrorCode = keyof typeof AcdErrorCodes;

export class AcdError extends Error {
  constructor(readonly code: AcdErrorCode, message: string) {
    super(message);
    this.name = 'AcdError';
  }
}

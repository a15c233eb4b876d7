// Coded errors of call wrap-up (disposition and notes): in the API's answers and the log.
export const WrapUpErrorCodes = {
  CC_WRAPUP_NO_SUCH_CALL: 'no call with that id that this user may wrap up (an agent: only a call they took or are taking)',
  CC_WRAPUP_BAD_DISPOSITION: 'the disposition is not in the list configured for the call\'s queue (or the box-wide list)',
} as const;

export type WrapUpErrorCode = keyof typeof WrapUpErrorCodes;

export class WrapUpError extends Error {
  constructor(readonly code: WrapUpErrorCode, message: string) {
    super(message);
    this.name = 'WrapUpError';
  }
}

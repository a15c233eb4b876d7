// Coded errors of IVR flows: in logs (field `code`), API answers, event rows and the
// technician's table (`npm run error-codes`).
export const IvrErrorCodes = {
  CC_IVR_FLOW_INVALID: 'an IVR flow document was refused; each problem names the path of the offending field',
  CC_IVR_NO_FLOW: 'a call or a request named an IVR flow that was never published; calls are refused with 404',
  CC_IVR_LOOP: 'a flow visited too many nodes without any input from the caller (a cycle); the call was hung up',
  CC_IVR_NODE_FAILED: 'an IVR node failed unexpectedly; the call was hung up',
  CC_IVR_HTTP_FAILED: 'an HTTP lookup failed (timeout, error status, answer not JSON); the flow took the failure branch',
  CC_IVR_QUEUE_REFUSED: 'the queue of a go-to-queue node refused the caller (unknown, or the ACD is stopping)',
  CC_IVR_TRANSFER_FAILED: 'the extension or number of a transfer node did not answer or could not be rung',
  CC_IVR_RECORD_FAILED: 'recording a caller\'s message failed (disk, media); the flow went on without it',
  CC_IVR_SPEECH_UNAVAILABLE: 'no speech recogniser is installed (Debian pocketsphinx); speech nodes accept DTMF only',
  CC_IVR_SPEECH_FAILED: 'the speech recogniser failed on an utterance; it counted as no match',
} as const;
export type IvrErrorCode = keyof typeof IvrErrorCodes;

export class IvrError extends Error {
  constructor(readonly code: IvrErrorCode, message: string) {
    super(message);
    this.name = 'IvrError';
  }
}

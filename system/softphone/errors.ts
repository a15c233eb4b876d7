// Coded errors of the browser softphone: in logs (field `code`), in the page's error replies
// and, later, the technician's table (`npm run error-codes`).
export const SoftphoneErrorCodes = {
  CC_SOFTPHONE_BAD_REQUEST: 'a softphone message was not valid JSON, too large, or not a known request with valid parameters',
  CC_SOFTPHONE_NOT_AN_AGENT: 'only a signed-in user who is a configured agent can open the softphone; the socket was closed (4003)',
  CC_SOFTPHONE_REPLACED: 'the agent opened the softphone in another page; this one was closed (4001) and its calls ended',
  CC_SOFTPHONE_NO_SUCH_CALL: 'the request named a call this softphone is not ringing for or talking on',
  CC_SOFTPHONE_WRONG_STATE: 'the call is not in a state that allows the request (answer after hang-up, hold while ringing...)',
  CC_SOFTPHONE_NO_AUDIO: 'the page answered before sending its microphone (produce first)',
  CC_SOFTPHONE_CODEC_REFUSED: 'the page sent audio in a codec other than the call\'s G.711 codec (no transcoding)',
  CC_SOFTPHONE_MEDIA_FAILED: 'setting up the browser\'s WebRTC transports or streams failed (bad parameters, transport closed)',
  CC_SOFTPHONE_HOLD_REFUSED: 'the call refused the hold or resume (another hold change in progress, or the call is ending)',
  CC_SOFTPHONE_NO_DTMF: 'digits cannot be sent: the caller negotiated no telephone-event, or the call is held or not answered',
  CC_SOFTPHONE_SHUTDOWN: 'the box is shutting down; every softphone page was closed (1001)',
  CC_SOFTPHONE_MEDIA_LOST: 'an answered browser leg lost its page or its media path (ICE consent, DTLS); the call was ended',
} as const;
export type SoftphoneErrorCode = keyof typeof SoftphoneErrorCodes;

export class SoftphoneError extends Error {
  constructor(readonly code: SoftphoneErrorCode, message: string) {
    super(message);
    this.name = 'SoftphoneError';
  }
}

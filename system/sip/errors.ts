// Coded errors of the SIP layer. Codes are stable: they appear in logs, API answers and the
// technician's table of error codes.
export const SipErrorCodes = {
  CC_SIP_MALFORMED: 'the message could not be parsed as SIP',
  CC_SIP_MISSING_HEADER: 'a mandatory header is missing or unparsable',
  CC_SIP_TOO_LARGE: 'the message exceeds the configured size limit',
  CC_SIP_BAD_CONTENT_LENGTH: 'Content-Length does not match the body',
  CC_SIP_UNSUPPORTED_VERSION: 'only SIP/2.0 is supported',
  CC_SIP_CSEQ_MISMATCH: 'the CSeq method does not match the request method',
  CC_SIP_TRANSPORT_SEND: 'a message could not be sent',
  CC_SIP_SOURCE_BANNED: 'a source address was banned (scanner, password guessing or flood); its traffic is dropped silently',
  CC_SIP_BAN_NOT_STORED: 'a ban could not be written to LMDB; it holds until the daemon restarts',
  CC_SIP_ALLOW_LIST_ENTRY: 'an allow-list entry is not an address or subnet and was ignored',
  CC_SIP_OVERLOAD: 'the box is overloaded (event-loop lag or calls); new INVITEs get 503 with Retry-After',
  CC_SIP_BAN_UNKNOWN: 'no active ban for that address or extension',
  CC_SIP_ALLOW_LISTED: 'the address is on the allow-list or is a trunk host, so it cannot be banned',
} as const;
export type SipErrorCode = keyof typeof SipErrorCodes;

export class SipError extends Error {
  readonly code: SipErrorCode;
  constructor(code: SipErrorCode, detail?: string) {
    super(detail ? `${SipErrorCodes[code]}: ${detail}` : SipErrorCodes[code]);
    this.code = code;
    this.name = 'SipError';
  }
}

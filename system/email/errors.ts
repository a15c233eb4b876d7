// Coded errors of the email channel (system/email): in SMTP answers' log lines, the delivery
// log, the API's answers and the UI.
export const EmailErrorCodes = {
  CC_EMAIL_UNKNOWN_ADDRESS: 'mail for an address that is not configured under email.addresses (answered 550)',
  CC_EMAIL_SENDER_NETWORK: 'a connection from an address outside email.allowedNetworks (answered 554 and closed)',
  CC_EMAIL_TOO_LARGE: 'a message over email.listener.maxMessageBytes (answered 552)',
  CC_EMAIL_MALFORMED: 'a message that could not be parsed as MIME (answered 554; nothing routed)',
  CC_EMAIL_STORE_FAILED: 'the raw message could not be written to <data>/email or indexed in LMDB (answered 451, the sender retries)',
  CC_EMAIL_ROUTE_FAILED: 'a stored message could not be handed to the interactions hub (kept; routed again at the next start)',
  CC_EMAIL_NO_RELAY: 'a reply could not be sent: email.relay is not configured',
  CC_EMAIL_NO_RECIPIENT: 'a reply could not be sent: the interaction has no customer email address',
  CC_EMAIL_DELIVERY_RETRY: 'the relay refused or could not be reached; the reply is retried with backoff',
  CC_EMAIL_DELIVERY_FAILED: 'the reply was given up after its last attempt (or refused permanently by the relay)',
  CC_EMAIL_NOT_FOUND: 'no email delivery or thread with that id',
} as const;

export type EmailErrorCode = keyof typeof EmailErrorCodes;

export class EmailError extends Error {
  constructor(readonly code: EmailErrorCode, message: string) {
    super(message);
    this.name = 'EmailError';
  }
}

// Coded errors of the interactions core and the web chat (system/interactions): in logs, API
// answers, the chat widget's WebSocket and the agent's panel.
export const InteractionErrorCodes = {
  CC_IX_NOT_FOUND: 'no interaction with that id',
  CC_IX_UNKNOWN_QUEUE: 'no queue with that name in the configuration (or not open to the chat widget)',
  CC_IX_NOT_YOURS: 'the interaction is not offered to or handled by this agent',
  CC_IX_BAD_STATE: 'the interaction is not in a state that allows this (e.g. accepting one that is not offered)',
  CC_IX_CLOSED: 'the interaction is closed and its channel does not reopen on a customer message',
  CC_IX_EMPTY: 'a message needs some text',
  CC_IX_TOO_LONG: 'the message is longer than interactions.chat.maxMessageChars',
  CC_IX_RATE_LIMITED: 'too many chat connections or messages from this address; wait',
  CC_IX_ORIGIN: 'the web page origin is not in interactions.chat.allowedOrigins',
  CC_IX_CHAT_OFF: 'the web chat is switched off (interactions.chat.enabled)',
  CC_IX_BAD_TOKEN: 'the visitor token does not resume any open chat',
} as const;
export type InteractionErrorCode = keyof typeof InteractionErrorCodes;

/** HTTP status of each code in API answers. */
export const INTERACTION_ERROR_STATUS: Readonly<Record<InteractionErrorCode, number>> = {
  CC_IX_NOT_FOUND: 404,
  CC_IX_UNKNOWN_QUEUE: 404,
  CC_IX_NOT_YOURS: 403,
  CC_IX_BAD_STATE: 409,
  CC_IX_CLOSED: 409,
  CC_IX_EMPTY: 400,
  CC_IX_TOO_LONG: 413,
  CC_IX_RATE_LIMITED: 429,
  CC_IX_ORIGIN: 403,
  CC_IX_CHAT_OFF: 503,
  CC_IX_BAD_TOKEN: 404,
};

export class InteractionError extends Error {
  constructor(readonly code: InteractionErrorCode, message: string = InteractionErrorCodes[code]) {
    super(message);
    this.name = 'InteractionError';
  }
  get statusCode(): number {
    return INTERACTION_ERROR_STATUS[this.code];
  }
}

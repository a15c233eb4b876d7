// How calls end: dispositions for the CDR, and the pure mapping of a callee's final SIP
// status onto what we answer the caller (a B2BUA does not leak every code across legs).

export type Disposition = 'answered' | 'busy' | 'no-answer' | 'cancelled' | 'rejected' | 'failed';
export type HangupSide = 'caller' | 'callee' | 'system';

export interface HangupCause {
  /** SIP status that ended the call, or 200 for a normal BYE after answer. */
  status: number;
  reason: string;
  side: HangupSide;
  /** Machine-readable cause: 'bye', 'cancel', 'no-answer-timeout', 'dead-media', 'shutdown', 'rejected', 'no-ack', ... */
  cause: string;
}

/** Status to send the caller for a callee's final failure. */
export function mapCalleeFailure(status: number, reason: string): { status: number; reason: string } {
  if (status === 486 || status === 600) return { status: 486, reason: 'Busy Here' };
  if (status === 603) return { status: 603, reason: 'Decline' };
  if (status === 401 || status === 407) return { status: 403, reason: 'Forbidden (trunk authentication failed)' };
  if (status === 408) return { status: 480, reason: 'Temporarily Unavailable (no answer)' };
  if (status >= 300 && status < 400) return { status: 480, reason: 'Temporarily Unavailable' };
  if ([404, 480, 484, 488, 403, 410, 415].includes(status)) return { status, reason };
  if (status >= 400 && status < 500) return { status: 480, reason: 'Temporarily Unavailable' };
  if (status === 503 || status === 502 || status === 504) return { status: 503, reason: 'Service Unavailable' };
  if (status >= 500 && status < 600) return { status: 502, reason: 'Bad Gateway' };
  return { status: status >= 600 ? status : 500, reason };
}

export function dispositionFor(answered: boolean, cause: HangupCause): Disposition {
  if (answered) return 'answered';
  if (cause.cause === 'cancel') return 'cancelled';
  if (cause.cause === 'no-answer-timeout' || cause.status === 408 || cause.status === 480) return 'no-answer';
  if (cause.status === 486 || cause.status === 600) return 'busy';
  if (cause.status >= 400 && cause.status < 500) return 'rejected';
  if (cause.status === 603) return 'rejected';
  return 'failed';
}

// Coded errors of quality scoring (服务质检): in logs, API answers and the UI (quality.* texts).
export const QaErrorCodes = {
  CC_QA_SCORECARD_INVALID: 'a scorecard document was refused; each problem names the JSON path of the offending field',
  CC_QA_NO_SCORECARD: 'no scorecard (or no such version of it) with that name',
  CC_QA_SCORECARD_RETIRED: 'the scorecard was deleted (retired); old scores keep their version, new scores cannot use it',
  CC_QA_ANSWERS_INVALID: 'the answers do not fit the scorecard version (missing, unknown, wrong kind or out of range, N/A where not allowed); each problem names its criterion',
  CC_QA_NOTHING_SCORED: 'every scored criterion was N/A: there is nothing to compute a score from',
  CC_QA_NO_CALL: 'no call detail record with that call id',
  CC_QA_NO_SCORE: 'the call has not been scored',
  CC_QA_BAD_TRANSITION: 'the review is not in a state that allows this (e.g. a dispute of a closed score, a resolution without a dispute)',
  CC_QA_FORBIDDEN: 'an agent sees and disputes only their own scores',
  CC_QA_BAD_SCHEDULE: 'qa.sampling.schedule is not a valid cron expression; the daily sampling is off (on-demand runs still work)',
  CC_QA_SAMPLING_FAILED: 'a sampling run failed (logged); the next daily run samples the same days again',
} as const;
export type QaErrorCode = keyof typeof QaErrorCodes;

export class QaError extends Error {
  constructor(readonly code: QaErrorCode, message: string, readonly problems?: { path: string; message: string }[]) {
    super(message);
    this.name = 'QaError';
  }
}

// Coded errors of the reports area (数据统计): in logs, API answers and the UI. The list is
// shaped like the other areas' so the technician's table (scripts/error-codes.ts) can add it.
export const ReportsErrorCodes = {
  CC_REPORTS_BAD_TIME: 'from/to must be a date (YYYY-MM-DD), a local date-time (YYYY-MM-DDTHH:MM), an ISO time with offset or epoch ms, and to after from',
  CC_REPORTS_RANGE_TOO_LONG: 'the time range has too many intervals of that size: choose a longer interval or a shorter range',
  CC_REPORTS_WRITE_FAILED: 'a scheduled report file could not be written to the data directory',
} as const;
export type ReportsErrorCode = keyof typeof ReportsErrorCodes;

export class ReportsError extends Error {
  constructor(readonly code: ReportsErrorCode, message: string) {
    super(message);
    this.name = 'ReportsError';
  }
}

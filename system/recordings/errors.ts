// Coded errors of recording search, playback, legal hold and retention (通话录音检索): in logs,
// API answers and the page (the web catalogue has a text per code).
export const RecordingsErrorCodes = {
  CC_RECORDINGS_NOT_FOUND: 'no recording with that call id (never recorded, or deleted by retention)',
  CC_RECORDINGS_NOT_YOURS: 'an agent may only play recordings of calls they took',
  CC_RECORDINGS_DOWNLOAD_OFF: 'downloading recordings is switched off for this role (recordings.downloadRoles)',
  CC_RECORDINGS_FILE_MISSING: 'the index names a recording file that is not on disk',
  CC_RECORDINGS_UNREADABLE: 'the recording file could not be read or decrypted (wrong or missing key, damaged file)',
  CC_RECORDINGS_RANGE: 'the requested byte range is outside the recording',
  CC_RECORDINGS_BAD_QUERY: 'the search parameters contradict each other (from after to, min above max)',
  CC_RECORDINGS_DELETE_FAILED: 'retention removed a recording from the index but could not delete its file (see the event for the path)',
  CC_RECORDINGS_BAD_SCHEDULE: 'recordings.retentionSchedule is not a valid cron expression: retention runs only when started by hand',
  CC_RECORDINGS_RETENTION_BUSY: 'a retention run is already in progress',
} as const;
export type RecordingsErrorCode = keyof typeof RecordingsErrorCodes;

export class RecordingsError extends Error {
  constructor(readonly code: RecordingsErrorCode, message: string = RecordingsErrorCodes[code]) {
    super(message);
    this.name = 'RecordingsError';
  }
}

// Coded errors of speech analytics and transcripts (system/analytics): what the API answers and
// what analytics rows carry when a recording could not be analysed or transcribed.
export const AnalyticsErrorCodes = {
  CC_ANALYTICS_PENDING: 'the recording is still being analysed; ask again in a moment',
  CC_ANALYTICS_UNREADABLE: 'the recording could not be read or is not a WAV file',
  CC_ANALYTICS_TOO_LARGE: 'the recording is larger than speech analytics handle',
  CC_TRANSCRIBE_UNAVAILABLE: 'no transcription engine is installed on this box (pocketsphinx, pocketsphinx-en-us)',
  CC_TRANSCRIBE_NO_RECORDING: 'the call has no recording',
  CC_TRANSCRIBE_NONE: 'no transcript of the call was asked for',
  CC_TRANSCRIBE_FAILED: 'the transcription engine failed on this recording',
} as const;

export type AnalyticsErrorCode = keyof typeof AnalyticsErrorCodes;

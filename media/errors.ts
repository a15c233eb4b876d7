// Coded errors of the media layer (see `npm run error-codes`).
export const MediaErrorCodes = {
  CC_MEDIA_WORKER_DIED: 'a mediasoup worker process died; its calls were ended',
  CC_MEDIA_WORKER_PRIORITY: 'a mediasoup worker could not be given its raised priority (media.workerNiceness needs root or CAP_SYS_NICE); it runs at the daemon\'s, and its forwarding may be late when the box is busy',
  CC_MEDIA_WORKER_ERROR: 'mediasoup (a worker or its Node side) logged an error; at most 10 such lines a minute are written, with a count of those left out',
  CC_MEDIA_PROMPT_MISSING: 'a prompt (or the prompt set) is missing: run npm run setup; holds are relayed instead of music',
} as const;
export type MediaErrorCode = keyof typeof MediaErrorCodes;

// Coded errors of the media layer (see `npm run error-codes`).
export const MediaErrorCodes = {
  CC_MEDIA_WORKER_DIED: 'a mediasoup worker process died; its calls were ended',
} as const;
export type MediaErrorCode = keyof typeof MediaErrorCodes;

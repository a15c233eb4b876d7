// Coded errors of the live wallboard: in logs, API answers and the UI.
export const WallboardErrorCodes = {
  CC_WALLBOARD_BAD_THRESHOLDS: 'colour thresholds that contradict each other (amber beyond red) were refused',
} as const;
export type WallboardErrorCode = keyof typeof WallboardErrorCodes;

export class WallboardError extends Error {
  constructor(readonly code: WallboardErrorCode, message: string) {
    super(message);
    this.name = 'WallboardError';
  }
}

// An API failure as the user reads it: the catalogue message for its code (with the wait
// for lockouts and throttling), else a generic message naming the code.
import { ApiError } from './api.ts';
import { t, tMaybe } from './i18n.ts';

export function errorText(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.code === 'NETWORK') return t('error.network');
    return tMaybe(`error.${err.code}`, t('error.generic', { code: err.code }), { seconds: err.retryAfterSec ?? 60 });
  }
  return t('error.generic', { code: String((err as Error)?.message ?? err) });
}

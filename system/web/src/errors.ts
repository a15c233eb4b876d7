// A failure as the user reads it: the catalogue message for its stable code (CC_..., from the
// API or the softphone; with the wait for lockouts and throttling), else a generic message
// naming the code.
import { ApiError } from './api.ts';
import { t, tMaybe } from './i18n.ts';

export function errorText(err: unknown): string {
  if (err instanceof ApiError && err.code === 'NETWORK') return t('error.network');
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    const retry = err instanceof ApiError ? err.retryAfterSec : undefined;
    return tMaybe(`error.${code}`, t('error.generic', { code }), { seconds: retry ?? 60 });
  }
  return t('error.generic', { code: String((err as Error)?.message ?? err) });
}

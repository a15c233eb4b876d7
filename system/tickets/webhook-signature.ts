// Signing of outbound ticket webhooks: X-Signature: sha256=<hex HMAC-SHA256 under the
// webhook's secret of `<X-Timestamp>.<raw body>`>. The timestamp (ms since the epoch) is in
// the signed text so a receiver can refuse replays of old deliveries. Pure.
import { createHmac, timingSafeEqual } from 'node:crypto';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** A receiver's check (also used by the tests): constant-time comparison. */
export function verifyWebhook(secret: string, timestamp: number, body: string, signature: string): boolean {
  const want = Buffer.from(signWebhook(secret, timestamp, body));
  const got = Buffer.from(signature);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Wait before attempt `attempt + 1` after `attempt` failures (1-based): base · 2^(attempt-1), capped. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
}

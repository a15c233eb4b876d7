// The `tickets` section of the box configuration (referenced from config/schema.ts): the SLA
// budget per priority, the departments tickets can be assigned to, and the outbound webhooks
// that mirror every change to external systems. Defaults let the box run with no config.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Minutes = (d: number) => Type.Integer({ minimum: 1, maximum: 60 * 24 * 365, default: d });

export const TicketsConfigSchema = Type.Object({
  /** Working minutes (the clock pauses while a ticket waits for the customer) from creation to resolution, per priority. */
  slaMinutes: Type.Object({
    low: Minutes(72 * 60),
    normal: Minutes(24 * 60),
    high: Minutes(8 * 60),
    urgent: Minutes(60),
  }, { default: {} }),
  /** Departments a ticket can be assigned to (empty: any name). */
  departments: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { default: [], maxItems: 200 }),
  /** Receivers of every ticket change: a JSON POST signed with HMAC-SHA256 of `<timestamp>.<body>` under `secret`. */
  webhooks: Type.Array(Type.Object({
    url: Type.String({ pattern: '^https?://', maxLength: 2048 }),
    secret: Type.String({ minLength: 8, maxLength: 256 }),
  }, { additionalProperties: false }), { default: [], maxItems: 10 }),
  /** Attempts per delivery before it is given up (logged as failed). */
  webhookMaxAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
  /** Wait before the first retry; doubled after each failure, up to webhookMaxDelayMs. */
  webhookBaseDelayMs: Type.Integer({ minimum: 10, maximum: 3_600_000, default: 5000 }),
  webhookMaxDelayMs: Type.Integer({ minimum: 10, maximum: 86_400_000, default: 3_600_000 }),
  /** A receiver that does not answer within this time counts as a failed attempt. */
  webhookTimeoutMs: Type.Integer({ minimum: 100, maximum: 120_000, default: 10_000 }),
  /** How often open tickets are checked for SLA breaches. */
  breachCheckSec: Type.Integer({ minimum: 1, maximum: 3600, default: 30 }),
}, { default: {} });

export type TicketsConfig = Static<typeof TicketsConfigSchema>;

/** The section with its defaults filled in (the box config may leave it out). */
export function ticketsConfig(section: TicketsConfig | undefined): TicketsConfig {
  return Value.Default(TicketsConfigSchema, structuredClone(section ?? {})) as TicketsConfig;
}

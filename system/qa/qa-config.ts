// The `qa` section of the box configuration (referenced from config/schema.ts): when the
// daily review sampling runs and what it picks. Defaults let the box run with no config.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const QaConfigSchema = Type.Object({
  sampling: Type.Object({
    /** The daily run (on-demand runs work either way). */
    enabled: Type.Boolean({ default: true }),
    /** Cron expression (croner: 5 or 6 fields), box-local time; each run samples the days since the last one (yesterday, normally). */
    schedule: Type.String({ pattern: '^[0-9A-Za-z*/,?#LW -]{1,100}$', default: '15 1 * * *' }),
    /** Random calls per agent per ISO week (UTC), spread over the week. */
    randomPerAgentPerWeek: Type.Integer({ minimum: 0, maximum: 500, default: 2 }),
    /** Every call whose agent talked less than this many seconds (0: off). */
    shortTalkSec: Type.Integer({ minimum: 0, maximum: 3600, default: 10 }),
    /** Every call held longer than this many seconds in total (0: off; the CDR's holdMs). */
    longHoldSec: Type.Integer({ minimum: 0, maximum: 86400, default: 120 }),
    /** Every queue caller the box answered who hung up before an agent took the call. */
    abandoned: Type.Boolean({ default: true }),
    /** Every call an agent transferred on. */
    transfers: Type.Boolean({ default: true }),
    /** Every call whose recording has more than this % of overtalk, both sides speaking at once (0: off; speech analytics). */
    overtalkPct: Type.Optional(Type.Number({ minimum: 0, maximum: 100, default: 0 })),
    /** Every call where either side's agitation estimate (0-100) reaches this (0: off; speech analytics). */
    agitation: Type.Optional(Type.Integer({ minimum: 0, maximum: 100, default: 0 })),
    /** Every call whose recording is silent (nobody speaking) for more than this % (0: off; speech analytics). */
    silencePct: Type.Optional(Type.Number({ minimum: 0, maximum: 100, default: 0 })),
    /** Seed of the random picks; by default a secret made once per box (kept in LMDB), so runs are reproducible on the box but not guessable. */
    seed: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  }, { default: {} }),
}, { default: {} });

export type QaConfig = Static<typeof QaConfigSchema>;

/** The section with its defaults filled in (the box config may leave it out). */
export function qaConfig(section: QaConfig | undefined): QaConfig {
  return Value.Default(QaConfigSchema, structuredClone(section ?? {})) as QaConfig;
}

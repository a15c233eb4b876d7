// The `recordings` section of the box configuration (search, playback and retention of call
// recordings; capturing them is the `recording` section). Defaults keep every recording
// forever, let admins and supervisors download, and run retention at 03:30 box-local time.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const RecordingsConfigSchema = Type.Object({
  /** Days a recording is kept after its call ended; 0 keeps recordings forever. Box-wide default. */
  retentionDays: Type.Integer({ minimum: 0, maximum: 36500, default: 0 }),
  /** Per queue: days kept for calls that went through that queue (0: forever), instead of the default. */
  queues: Type.Array(Type.Object({
    queue: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }),
    retentionDays: Type.Integer({ minimum: 0, maximum: 36500 }),
  }, { additionalProperties: false }), { default: [], maxItems: 200 }),
  /** Cron expression (croner, box-local time) of the daily retention run. */
  retentionSchedule: Type.String({ pattern: '^[0-9A-Za-z*/,?#LW -]{1,100}$', default: '30 3 * * *' }),
  /** Roles that may download a recording as a file (playback is separate). Only admin and supervisor can be given it. */
  downloadRoles: Type.Array(Type.Union([Type.Literal('admin'), Type.Literal('supervisor')]), { default: ['admin', 'supervisor'], maxItems: 2, uniqueItems: true }),
}, { default: {} });

export type RecordingsConfig = Static<typeof RecordingsConfigSchema>;

/**
 * The section with every default filled in (the box config leaves it out when the document has
 * none). Not `Value.Create`: the object's own `default: {}` would win over its fields' defaults.
 */
export function recordingsConfig(section: Partial<RecordingsConfig> | undefined): RecordingsConfig {
  return Value.Default(RecordingsConfigSchema, structuredClone(section ?? {})) as RecordingsConfig;
}

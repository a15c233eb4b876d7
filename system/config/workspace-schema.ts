// The agent workspace's configuration (section `workspace`): the wrap-up dispositions agents
// choose from (box-wide, and per queue where a queue needs its own list), each named in both
// UI languages, and the quick-dial list. Optional as a whole, with no TypeBox defaults, so a
// stored configuration reads back unchanged; system/wrapup/dispositions.ts supplies the
// built-in list when none is configured.
import { Type, type Static } from '@sinclair/typebox';

export const DispositionSchema = Type.Object({
  /** Stored with the call and used by reports: stable, lower case. */
  code: Type.String({ pattern: '^[a-z0-9-]{1,32}$' }),
  en: Type.String({ minLength: 1, maxLength: 64 }),
  zh: Type.String({ minLength: 1, maxLength: 64 }),
}, { additionalProperties: false });

export const QuickDialSchema = Type.Object({
  number: Type.String({ pattern: '^[0-9*#+]{1,32}$' }),
  label: Type.String({ minLength: 1, maxLength: 64 }),
}, { additionalProperties: false });

export const WorkspaceConfigSchema = Type.Object({
  /** Box-wide dispositions (the built-in list when absent). */
  dispositions: Type.Optional(Type.Array(DispositionSchema, { minItems: 1, maxItems: 100 })),
  /** Queue name -> that queue's own dispositions (instead of the box-wide list). */
  queueDispositions: Type.Optional(Type.Record(Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }), Type.Array(DispositionSchema, { minItems: 1, maxItems: 100 }))),
  /** Numbers an agent can dial with one click from the workspace. */
  quickDial: Type.Optional(Type.Array(QuickDialSchema, { maxItems: 100 })),
}, { additionalProperties: false });

export type Disposition = Static<typeof DispositionSchema>;
export type WorkspaceConfig = Static<typeof WorkspaceConfigSchema>;

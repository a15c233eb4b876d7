// The `interactions` section of the box configuration: how chats and emails share the ACD
// (per-agent capacity per channel, whether a call excludes other work, the offer timeout,
// reopening on a customer's reply) and the web chat's limits and allowed origins. Every field
// has a default; referenced from schema.ts as an optional section, readers take
// `interactionsConfig(cfg.interactions)`.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

const Count = (max: number, dflt: number) => Type.Integer({ minimum: 0, maximum: max, default: dflt });

export const CapacitySchema = Type.Object({
  calls: Count(1, 1),
  chats: Count(20, 3),
  emails: Count(50, 3),
}, { additionalProperties: false, default: {} });

export const InteractionsConfigSchema = Type.Object({
  /** Default concurrency per agent: at most this many interactions of each channel at once. */
  capacity: CapacitySchema,
  /** Per agent overrides of `capacity` (fields left out take the default). */
  agents: Type.Array(Type.Object({
    agent: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' }),
    calls: Type.Optional(Type.Integer({ minimum: 0, maximum: 1 })),
    chats: Type.Optional(Type.Integer({ minimum: 0, maximum: 20 })),
    emails: Type.Optional(Type.Integer({ minimum: 0, maximum: 50 })),
  }, { additionalProperties: false }), { default: [], maxItems: 2000 }),
  /** An agent ringing, on a call or in its wrap-up is offered no chat or email, and an agent
   *  with a chat offered or active is offered no queue call (emails do not block calls). */
  callsExclusive: Type.Boolean({ default: true }),
  /** An offer not accepted in this time goes to the next agent. */
  offerTimeoutSec: Type.Integer({ minimum: 5, maximum: 600, default: 30 }),
  /** A customer's message on a closed interaction reopens it (queued again) instead of being refused. */
  reopenOnReply: Type.Object({
    chat: Type.Boolean({ default: false }),
    email: Type.Boolean({ default: true }),
  }, { default: {} }),
  /** The web chat widget (/chat/widget.js, /chat/ws). */
  chat: Type.Object({
    enabled: Type.Boolean({ default: true }),
    /** Web page origins (scheme://host[:port]) allowed to open a chat; empty: any origin. */
    allowedOrigins: Type.Array(Type.String({ pattern: '^https?://[^/\\s]{1,253}$' }), { default: [], maxItems: 100 }),
    /** Queues a widget may name (data-queue); empty: every configured queue. */
    queues: Type.Array(Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }), { default: [], maxItems: 200 }),
    /** Longest visitor message (characters). */
    maxMessageChars: Type.Integer({ minimum: 1, maximum: 20000, default: 2000 }),
    /** Per source address: new chat connections per minute, and messages per minute. */
    connectionsPerMinute: Type.Integer({ minimum: 1, maximum: 10000, default: 30 }),
    messagesPerMinute: Type.Integer({ minimum: 1, maximum: 10000, default: 60 }),
    /** How long a visitor's token resumes its chat after the page went away. */
    resumeMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 30 }),
  }, { default: {} }),
}, { default: {} });

export type InteractionsConfig = Static<typeof InteractionsConfigSchema>;

/**
 * The section with every default filled in (the box config leaves it out when the document has
 * none). Not `Value.Create`: the object's own `default: {}` would win over its fields' defaults.
 */
export function interactionsConfig(section: Partial<InteractionsConfig> | undefined): InteractionsConfig {
  return Value.Default(InteractionsConfigSchema, structuredClone(section ?? {})) as InteractionsConfig;
}

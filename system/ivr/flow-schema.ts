// The IVR flow document: one TypeBox schema per node type and the flow around them, shared by
// the runtime, the API (validation, `GET /api/ivr/schema` for the UI's editor) and the tests.
// A flow is a set of named nodes; each node names the node(s) that follow it. Types only and
// schemas: no I/O. Validation with paths and cross-references is flow-validate.ts.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const NodeId = Type.String({ pattern: '^[a-zA-Z0-9_-]{1,40}$', description: 'a node of this flow' });
export const VarName = Type.String({ pattern: '^[a-zA-Z_][a-zA-Z0-9_]{0,31}$' });
const Name = Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' });
/** A template: `{name}` is replaced by the variable (or `caller`, `dialled`, `callId`). */
const Template = (opts: { maxLength?: number; pattern?: string } = {}) => Type.String({ maxLength: opts.maxLength ?? 512, ...(opts.pattern ? { pattern: opts.pattern } : {}) });
export const DIGIT_KEY = '^[0-9*#]$';

/**
 * What a node plays, in order: a prompt id of the box's prompt set ("hello", "press",
 * "digit-1"), `digits:VAR` (a variable read out digit by digit), `beep` (a short tone) or
 * `silence:MS`.
 */
export const PromptRef = Type.String({ pattern: '^([a-z0-9][a-z0-9-]{0,63}|digits:[a-zA-Z_][a-zA-Z0-9_]{0,31}|beep|silence:[0-9]{1,5})$' });
const Prompts = (minItems = 0) => Type.Array(PromptRef, { minItems, maxItems: 30, default: [] });
const Seconds = (def: number, max = 60) => Type.Number({ minimum: 0.2, maximum: max, default: def });
const Retries = Type.Integer({ minimum: 0, maximum: 10, default: 2, description: 'further attempts after the first, before the fallback' });
const node = <K extends string, T extends Record<string, TSchema>>(type: K, props: T, description: string) =>
  Type.Object({ type: Type.Literal(type), ...props }, { additionalProperties: false, description });

export const PlayNode = node('play', {
  prompts: Prompts(1),
  /** A key press stops the prompt; the digit is kept for the next menu or collect node. */
  bargeIn: Type.Boolean({ default: true }),
  next: NodeId,
}, 'play prompts, then go on');

export const MenuNode = node('menu', {
  prompts: Prompts(),
  choices: Type.Record(Type.String({ pattern: DIGIT_KEY }), NodeId, { minProperties: 1, additionalProperties: false, description: 'key -> node' }),
  timeoutSec: Seconds(5),
  retries: Retries,
  invalidPrompts: Type.Array(PromptRef, { maxItems: 30, default: ['sorry', 'please-try-again'] }),
  timeoutPrompts: Type.Array(PromptRef, { maxItems: 30, default: ['please-try-again'] }),
  /** Where the caller goes after the last attempt timed out or was invalid. */
  fallback: NodeId,
}, 'a key chooses the next node; timeouts and invalid keys are retried, then the fallback');

export const CollectNode = node('collect', {
  prompts: Prompts(),
  variable: VarName,
  minLength: Type.Integer({ minimum: 1, maximum: 32, default: 1 }),
  maxLength: Type.Integer({ minimum: 1, maximum: 32, default: 16 }),
  /** A key that ends the input early (not stored). */
  terminator: Type.Optional(Type.Union([Type.Literal('#'), Type.Literal('*')])),
  firstDigitTimeoutSec: Seconds(5),
  interDigitTimeoutSec: Seconds(3),
  /** A JavaScript regular expression the whole input must match (anchored). */
  pattern: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  retries: Retries,
  invalidPrompts: Type.Array(PromptRef, { maxItems: 30, default: ['sorry', 'please-try-again'] }),
  next: NodeId,
  fallback: NodeId,
}, 'collect digits into a variable');

export const HttpNode = node('http', {
  /** http(s) URL; `{var}` placeholders are URL-encoded. */
  url: Template({ maxLength: 2048, pattern: '^https?://' }),
  method: Type.Union([Type.Literal('GET'), Type.Literal('POST')], { default: 'GET' }),
  timeoutMs: Type.Integer({ minimum: 100, maximum: 30000, default: 3000 }),
  /** Variable -> where its value is in the JSON answer ("customer.tier", "orders.0.id"). */
  assign: Type.Record(VarName, Type.String({ pattern: '^[a-zA-Z0-9_$-]{1,64}(\\.[a-zA-Z0-9_$-]{1,64}){0,9}$' }), { default: {}, additionalProperties: false }),
  next: NodeId,
  /** Timeout, connection error, a status other than 2xx or an answer that is not a JSON object. */
  failure: NodeId,
}, 'ask an external system (CRM/ERP) with the caller number and the variables; map its JSON answer into variables');

export const SetNode = node('set', {
  values: Type.Record(VarName, Template(), { minProperties: 1, additionalProperties: false }),
  next: NodeId,
}, 'set variables (templates)');

export const ConditionRule = Type.Object({
  variable: VarName,
  op: Type.Union(['eq', 'ne', 'lt', 'gt', 'matches', 'empty', 'present'].map((o) => Type.Literal(o))),
  /** Compared as numbers for lt/gt, as a regular expression for matches; a template. */
  value: Type.Optional(Template()),
  next: NodeId,
}, { additionalProperties: false });

export const ConditionNode = node('condition', {
  rules: Type.Array(ConditionRule, { minItems: 1, maxItems: 20 }),
  else: NodeId,
}, 'the first rule that holds chooses the next node');

export const TimeNode = node('time', {
  /** A schedule of the box configuration (business hours and holidays). */
  schedule: Name,
  open: NodeId,
  closed: NodeId,
  /** Default: `closed`. */
  holiday: Type.Optional(NodeId),
}, 'branch on business hours and holidays');

export const QueueNode = node('queue', {
  queue: Name,
  prompts: Prompts(),
  /** A template giving 0..100 (e.g. "{tier_priority}"); default: the customer record's priority. */
  priority: Type.Optional(Template({ maxLength: 64 })),
  /** A template giving "skill:level,skill:level" (e.g. "{language}:3,billing:2"). */
  skills: Type.Optional(Template({ maxLength: 256 })),
}, 'put the caller in a queue, with the IVR path and variables');

export const TransferNode = node('transfer', {
  /** "ext:1001" or "dial:NUMBER" (through the dial plan); a template ("dial:{callback}"). */
  to: Template({ maxLength: 64, pattern: '^(ext|dial):' }),
  prompts: Prompts(),
  /** Where the caller goes when nobody answers (default: hang up). */
  failure: Type.Optional(NodeId),
}, 'ring an extension or an outside number and connect the caller');

export const RecordNode = node('record', {
  prompts: Prompts(),
  /** A mailbox name the message is filed under. */
  mailbox: Name,
  beep: Type.Boolean({ default: true }),
  maxSeconds: Type.Integer({ minimum: 1, maximum: 600, default: 120 }),
  /** Stop after this much silence once the caller spoke (0: never). */
  silenceSec: Type.Number({ minimum: 0, maximum: 60, default: 5 }),
  finishKey: Type.Union([Type.Literal('#'), Type.Literal('*')], { default: '#' }),
  next: NodeId,
}, 'record a message (voicemail-like) with an index row');

export const SpeechNode = node('speech', {
  prompts: Prompts(),
  /** Phrases (lower-case words) and the node each leads to. */
  keywords: Type.Array(Type.Object({
    phrases: Type.Array(Type.String({ pattern: "^[a-z']+( [a-z']+){0,4}$" }), { minItems: 1, maxItems: 10 }),
    next: NodeId,
  }, { additionalProperties: false }), { minItems: 1, maxItems: 12 }),
  /** Keys accepted meanwhile (DTMF always works). */
  digits: Type.Record(Type.String({ pattern: DIGIT_KEY }), NodeId, { default: {}, additionalProperties: false }),
  timeoutSec: Seconds(5),
  maxUtteranceSec: Seconds(4, 15),
  retries: Retries,
  noMatchPrompts: Type.Array(PromptRef, { maxItems: 30, default: ['sorry', 'please-try-again'] }),
  fallback: NodeId,
}, 'EXPERIMENTAL: listen for a keyword (offline recogniser; measured accuracy is poor on telephone audio) with DTMF as the dependable path');

export const HangupNode = node('hangup', { prompts: Prompts() }, 'play prompts, then hang up');

export const NODE_SCHEMAS = {
  play: PlayNode, menu: MenuNode, collect: CollectNode, http: HttpNode, set: SetNode, condition: ConditionNode, time: TimeNode,
  queue: QueueNode, transfer: TransferNode, record: RecordNode, speech: SpeechNode, hangup: HangupNode,
} as const;
export type NodeType = keyof typeof NODE_SCHEMAS;

export const IvrNodeSchema = Type.Union(Object.values(NODE_SCHEMAS));

export const FlowSchema = Type.Object({
  name: Name,
  description: Type.Optional(Type.String({ maxLength: 500 })),
  language: Type.Union([Type.Literal('en'), Type.Literal('zh')], { default: 'en' }),
  start: NodeId,
  /** Variables set when a call enters the flow. */
  variables: Type.Record(VarName, Type.String({ maxLength: 512 }), { default: {}, additionalProperties: false }),
  /** The loop guard: nodes visited without any caller input before the call is hung up. */
  maxStepsWithoutInput: Type.Integer({ minimum: 5, maximum: 1000, default: 50 }),
  nodes: Type.Record(NodeId, IvrNodeSchema, { minProperties: 1, maxProperties: 500, additionalProperties: false }),
}, { additionalProperties: false });

export type Flow = Static<typeof FlowSchema>;
export type IvrNode = Static<typeof IvrNodeSchema>;
export type NodeOf<T extends NodeType> = Extract<IvrNode, { type: T }>;

/** A published version as stored in LMDB (table ivr-flows, key [name, version]). */
export interface PublishedFlow {
  name: string;
  version: number;
  publishedAt: number;
  publishedBy: string;
  flow: Flow;
}

/** The node ids a node can lead to, with the JSON path of each reference. */
export function successors(id: string, n: IvrNode): { path: string; to: string }[] {
  const at = (field: string, to: string | undefined) => (to === undefined ? [] : [{ path: `/nodes/${id}/${field}`, to }]);
  switch (n.type) {
    case 'play':
    case 'set':
      return at('next', n.next);
    case 'menu':
      return [...Object.entries(n.choices).flatMap(([k, to]) => at(`choices/${k}`, to)), ...at('fallback', n.fallback)];
    case 'collect':
      return [...at('next', n.next), ...at('fallback', n.fallback)];
    case 'http':
      return [...at('next', n.next), ...at('failure', n.failure)];
    case 'condition':
      return [...n.rules.flatMap((r, i) => at(`rules/${i}/next`, r.next)), ...at('else', n.else)];
    case 'time':
      return [...at('open', n.open), ...at('closed', n.closed), ...at('holiday', n.holiday)];
    case 'transfer':
      return at('failure', n.failure);
    case 'record':
      return at('next', n.next);
    case 'speech':
      return [...n.keywords.flatMap((k, i) => at(`keywords/${i}/next`, k.next)), ...Object.entries(n.digits).flatMap(([k, to]) => at(`digits/${k}`, to)), ...at('fallback', n.fallback)];
    case 'queue':
    case 'hangup':
      return [];
  }
}

/** Nodes that wait for the caller (the loop guard resets when the caller answers one). */
export const INPUT_NODES: ReadonlySet<NodeType> = new Set(['menu', 'collect', 'speech', 'record']);

// The `security` section of the box configuration: the SIP edge defence (rate limits, bans,
// allow-list, scanner filter, message limits, overload) and the toll-fraud controls (class of
// service, call limits, burst block). Every field has a default: the box defends itself with
// no configuration. Referenced from schema.ts with one line, as an optional section (a stored
// document reads back as written): readers take `securityConfig(cfg.security)`.
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** Classes of outbound numbers (system/calls/call-policy.ts classifies; docs there). */
export const CallClassSchema = Type.Union([
  Type.Literal('local'),
  Type.Literal('national'),
  Type.Literal('international'),
  Type.Literal('premium'),
]);

/** An IPv4/IPv6 address or CIDR subnet (checked again by node:net when the guard loads it). */
const AddressOrSubnet = Type.String({ pattern: '^[0-9A-Fa-f:.]{2,45}(/[0-9]{1,3})?$' });

export const SecuritySchema = Type.Object({
  /** Sources never rate-limited or banned (LAN phones' subnet, management hosts); every
   *  trunk's host and source addresses are on it implicitly. Authentication still applies. */
  allowList: Type.Array(AddressOrSubnet, { default: [], maxItems: 256 }),
  /** Per source address: messages per second (token bucket) and the burst above it. A source
   *  over the limit is dropped silently; one that sends another `requestBurst` while over
   *  it is banned. */
  requestsPerSecond: Type.Integer({ minimum: 1, maximum: 100000, default: 100 }),
  requestBurst: Type.Integer({ minimum: 1, maximum: 100000, default: 300 }),
  /** Failed digest answers (wrong password or unknown user) from one address within the
   *  window before the address is banned. */
  maxAuthFailures: Type.Integer({ minimum: 1, maximum: 1000, default: 10 }),
  authFailureWindowSec: Type.Integer({ minimum: 10, maximum: 86400, default: 600 }),
  /** First ban; each repeat offence within a day doubles it, up to `maxBanSeconds`. */
  banSeconds: Type.Integer({ minimum: 10, maximum: 86400, default: 300 }),
  maxBanSeconds: Type.Integer({ minimum: 10, maximum: 30 * 86400, default: 86400 }),
  /** Drop requests from known scanners (User-Agent) silently and ban their address. */
  dropScanners: Type.Boolean({ default: true }),
  /** More scanner User-Agent substrings (case-insensitive) besides the built-in list. */
  scannerUserAgents: Type.Array(Type.String({ minLength: 3, maxLength: 64 }), { default: [], maxItems: 100 }),
  /** Header lines and Via entries a message may carry (more: 400 / 483). */
  maxHeaders: Type.Integer({ minimum: 10, maximum: 1000, default: 100 }),
  maxVias: Type.Integer({ minimum: 2, maximum: 100, default: 16 }),
  /** New INVITEs get 503 with Retry-After while the event loop lags more than this (ms,
   *  p99 over the last second); calls in progress go on. 0: off. */
  maxEventLoopLagMs: Type.Integer({ minimum: 0, maximum: 60000, default: 500 }),
  /** New INVITEs get 503 while this many calls are up (0: only calls.maxCalls applies). */
  overloadCalls: Type.Integer({ minimum: 0, maximum: 100000, default: 0 }),
  overloadRetryAfterSec: Type.Integer({ minimum: 1, maximum: 3600, default: 10 }),
  tollFraud: Type.Object({
    /** Classes every extension may dial through a trunk unless `classes` says otherwise. */
    defaultClasses: Type.Array(CallClassSchema, { default: ['local', 'national'], uniqueItems: true }),
    /** Per extension number or agent id: the classes it may dial (replaces the default). */
    classes: Type.Record(Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' }), Type.Array(CallClassSchema, { uniqueItems: true }), { default: {} }),
    /** Outbound trunk calls one extension may have up at once, and start per rolling hour. */
    maxConcurrentPerExtension: Type.Integer({ minimum: 1, maximum: 1000, default: 8 }),
    maxPerHourPerExtension: Type.Integer({ minimum: 1, maximum: 100000, default: 120 }),
    /** Outbound calls per rolling hour per trunk (0: unlimited; concurrency: trunk.maxChannels). */
    maxPerHourPerTrunk: Type.Integer({ minimum: 0, maximum: 10000000, default: 0 }),
    /** An extension starting more than `burstCalls` outbound calls within `burstWindowSec`
     *  is blocked from outbound calls (until an admin lifts it) and an alert is raised. */
    burstCalls: Type.Integer({ minimum: 2, maximum: 10000, default: 20 }),
    burstWindowSec: Type.Integer({ minimum: 5, maximum: 3600, default: 60 }),
  }, { default: {} }),
});

export type SecurityConfig = Static<typeof SecuritySchema>;
export type CallClass = Static<typeof CallClassSchema>;

const resolved = new WeakMap<object, SecurityConfig>();
const DEFAULTS = Value.Default(SecuritySchema, {}) as SecurityConfig;

/** The section with every default filled in (the same object for the same input). */
export function securityConfig(section: Partial<SecurityConfig> | undefined): SecurityConfig {
  if (!section) return DEFAULTS;
  let out = resolved.get(section);
  if (!out) {
    out = Value.Default(SecuritySchema, structuredClone(section)) as SecurityConfig;
    resolved.set(section, out);
  }
  return out;
}

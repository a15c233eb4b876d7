// The box configuration as one TypeBox schema: the single source of truth for validation
// (start-up file, LMDB document, later the admin API) and for the TypeScript type.
import { Type, type Static } from '@sinclair/typebox';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Digits = Type.String({ pattern: '^[0-9*#+]{1,32}$' });

export const ExtensionSchema = Type.Object({
  number: Type.String({ pattern: '^[0-9]{2,10}$' }),
  password: Type.String({ minLength: 4, maxLength: 128 }),
  displayName: Type.Optional(Type.String({ maxLength: 64 })),
  maxContacts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
});

export const TrunkSchema = Type.Object({
  name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }),
  /** static: the carrier is recognised by source IP; register: the box registers to it. */
  kind: Type.Union([Type.Literal('static'), Type.Literal('register')]),
  host: Type.String({ minLength: 1, maxLength: 253 }),
  port: Type.Optional(Port),
  transport: Type.Optional(Type.Union([Type.Literal('udp'), Type.Literal('tcp')])),
  /** Source addresses accepted as this trunk (static trunks; defaults to [host]). */
  sourceAddresses: Type.Optional(Type.Array(Type.String(), { maxItems: 32 })),
  username: Type.Optional(Type.String({ maxLength: 64 })),
  password: Type.Optional(Type.String({ maxLength: 128 })),
  registerExpires: Type.Optional(Type.Integer({ minimum: 60, maximum: 86400 })),
  maxChannels: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000 })),
  /** The carrier sends DTMF as tones in the audio: detect them (needs the call recorded). */
  dtmfInband: Type.Optional(Type.Boolean()),
  /** Record calls on this trunk (default: recording.enabled). */
  record: Type.Optional(Type.Boolean()),
});

export const DidSchema = Type.Object({
  /** Called number as it arrives from the trunk, or '*' for any. */
  number: Type.Union([Digits, Type.Literal('*')]),
  trunk: Type.Optional(Type.String()),
  /** 'ext:1001' rings an extension; 'dial:' sends the called number through the dial plan;
   *  'dial:NUMBER' dials that number through the dial plan. */
  destination: Type.String({ pattern: '^(ext:[0-9]{2,10}|dial:[0-9*#+]{0,32})$' }),
});

export const DialRuleSchema = Type.Object({
  prefix: Type.String({ pattern: '^[0-9*#+]{0,32}$' }),
  trunk: Type.String(),
  strip: Type.Optional(Type.Integer({ minimum: 0, maximum: 32 })),
  prepend: Type.Optional(Type.String({ pattern: '^[0-9*#+]{0,32}$' })),
});

export const BoxConfigSchema = Type.Object({
  sip: Type.Object({
    bindAddress: Type.String({ default: '0.0.0.0' }),
    /** Address written into Via/Contact/SDP; defaults to the first non-internal IPv4. */
    publicAddress: Type.Optional(Type.String()),
    udpPort: Type.Integer({ minimum: 1, maximum: 65535, default: 5060 }),
    tcpPort: Type.Integer({ minimum: 1, maximum: 65535, default: 5060 }),
    maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 262144, default: 65535 }),
    userAgent: Type.String({ default: 'CallCenterBox/0.1' }),
  }, { default: {} }),
  http: Type.Object({
    host: Type.String({ default: '0.0.0.0' }),
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
  }, { default: {} }),
  media: Type.Object({
    listenIp: Type.String({ default: '0.0.0.0' }),
    announcedAddress: Type.Optional(Type.String()),
    rtpMinPort: Type.Integer({ minimum: 1024, maximum: 65535, default: 20000 }),
    rtpMaxPort: Type.Integer({ minimum: 1024, maximum: 65535, default: 29999 }),
    workers: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
    /** The prompt set built by scripts/prompts.sh (default: build/prompts in the install). */
    promptsDir: Type.Optional(Type.String()),
    /** Codec preference, first wins. */
    codecs: Type.Array(Type.Union([Type.Literal('PCMU'), Type.Literal('PCMA')]), { default: ['PCMU', 'PCMA'] }),
  }, { default: {} }),
  calls: Type.Object({
    noAnswerTimeoutSec: Type.Integer({ minimum: 5, maximum: 600, default: 60 }),
    deadMediaTimeoutSec: Type.Integer({ minimum: 0, maximum: 3600, default: 60 }),
    maxCalls: Type.Integer({ minimum: 1, maximum: 100000, default: 2000 }),
    /** When a party puts the call on hold: 'music' plays music on hold to the other party
     *  (the box answers the hold itself); 'relay' passes the re-INVITE to the other party. */
    onHold: Type.Union([Type.Literal('music'), Type.Literal('relay')], { default: 'music' }),
    /** Tap every leg's RTP for RFC 4733 DTMF events (costs one RTP copy per leg into Node). */
    dtmfEvents: Type.Boolean({ default: true }),
  }, { default: {} }),
  registrar: Type.Object({
    realm: Type.String({ default: 'callcenter.box' }),
    minExpires: Type.Integer({ minimum: 10, maximum: 3600, default: 60 }),
    maxExpires: Type.Integer({ minimum: 60, maximum: 86400, default: 3600 }),
    defaultExpires: Type.Integer({ minimum: 60, maximum: 86400, default: 3600 }),
    nonceTtlSec: Type.Integer({ minimum: 10, maximum: 3600, default: 300 }),
    /** Digest challenges offered, in this order (RFC 8760: most preferred first). Default MD5
     *  only: libre-based phones (baresip 1.x) and many older desk phones fail the whole
     *  REGISTER when any challenge is SHA-256 (measured: ENOSYS). Add 'SHA-256' when every
     *  phone on site supports it; answers with either algorithm are verified. */
    digestAlgorithms: Type.Array(Type.Union([Type.Literal('MD5'), Type.Literal('SHA-256')]), { minItems: 1, maxItems: 2, uniqueItems: true, default: ['MD5'] }),
    /** Failed digest attempts (per source+user) before 403. */
    maxAuthFailures: Type.Integer({ minimum: 1, maximum: 20, default: 3 }),
  }, { default: {} }),
  recording: Type.Object({
    /** Record every call (two-channel WAV: caller left, callee right) unless a trunk says no. */
    enabled: Type.Boolean({ default: true }),
    /** Where recordings go (default: <data dir>/recordings). */
    dir: Type.Optional(Type.String()),
  }, { default: {} }),
  extensions: Type.Array(ExtensionSchema, { default: [], maxItems: 5000 }),
  trunks: Type.Array(TrunkSchema, { default: [], maxItems: 64 }),
  dids: Type.Array(DidSchema, { default: [], maxItems: 10000 }),
  dialPlan: Type.Array(DialRuleSchema, { default: [], maxItems: 1000 }),
});

export type BoxConfig = Static<typeof BoxConfigSchema>;
export type ExtensionConfig = Static<typeof ExtensionSchema>;
export type TrunkConfig = Static<typeof TrunkSchema>;
export type DidConfig = Static<typeof DidSchema>;
export type DialRule = Static<typeof DialRuleSchema>;

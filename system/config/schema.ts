// The box configuration as one TypeBox schema: the single source of truth for validation
// (start-up file, LMDB document, later the admin API) and for the TypeScript type.
import { Type, type Static } from '@sinclair/typebox';
import { TimeConfigSchema } from './time-schema.ts';
import { ReportsConfigSchema } from '../reports/reports-config.ts';
import { SecuritySchema } from './security-schema.ts';
import { QaConfigSchema } from '../qa/qa-config.ts';
import { TicketsConfigSchema } from '../tickets/tickets-config.ts';
import { MonitoringConfigSchema } from './monitoring-schema.ts';
import { RecordingsConfigSchema } from '../recordings/recordings-config.ts';
import { WorkspaceConfigSchema } from './workspace-schema.ts';
import { InteractionsConfigSchema } from '../interactions/interactions-config.ts';
import { EmailConfigSchema } from '../email/email-config.ts';

const Port = Type.Integer({ minimum: 1, maximum: 65535 });
const Digits = Type.String({ pattern: '^[0-9*#+]{1,32}$' });

export const ExtensionSchema = Type.Object({
  number: Type.String({ pattern: '^[0-9]{2,10}$' }),
  password: Type.String({ minLength: 4, maxLength: 128 }),
  displayName: Type.Optional(Type.String({ maxLength: 64 })),
  maxContacts: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
  /** SRTP (SDES) with this extension's phones: 'off', 'optional' (default: SRTP when the phone
   *  offers it; the box's offers carry a best-effort key only when set explicitly), 'mandatory'
   *  (plain RTP offers get 488; the box offers RTP/SAVP). */
  srtp: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('optional'), Type.Literal('mandatory')])),
});

export const TrunkSchema = Type.Object({
  name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }),
  /** static: the carrier is recognised by source IP; register: the box registers to it. */
  kind: Type.Union([Type.Literal('static'), Type.Literal('register')]),
  host: Type.String({ minLength: 1, maxLength: 253 }),
  port: Type.Optional(Port),
  transport: Type.Optional(Type.Union([Type.Literal('udp'), Type.Literal('tcp'), Type.Literal('tls')])),
  /** SRTP (SDES) with this trunk, as for extensions. */
  srtp: Type.Optional(Type.Union([Type.Literal('off'), Type.Literal('optional'), Type.Literal('mandatory')])),
  /** transport 'tls': who the trunk must be (system/sip/tls-client.ts). `fingerprints` pins its
   *  certificate (SHA-256, self-signed is fine); else it must chain to `ca` (PEM; default: the
   *  system's CAs) and name `host`; `verify: false` accepts any certificate (logged as a warning). */
  tls: Type.Optional(Type.Object({
    ca: Type.Optional(Type.String({ maxLength: 65536 })),
    fingerprints: Type.Optional(Type.Array(Type.String({ pattern: '^(?:[sS][hH][aA]-?256[: ]?)?(?:[0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$' }), { maxItems: 8 })),
    verify: Type.Optional(Type.Boolean({ default: true })),
  })),
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
  /** OPTIONS pings (system/calls/trunk-health.ts): a trunk leaving `failuresToDown` pings in a row
   *  unanswered within `timeoutSec` is down and outbound calls to it fail at once with 503. */
  healthCheck: Type.Optional(Type.Object({
    intervalSec: Type.Integer({ minimum: 2, maximum: 3600, default: 30 }),
    timeoutSec: Type.Integer({ minimum: 1, maximum: 30, default: 5 }),
    failuresToDown: Type.Integer({ minimum: 1, maximum: 10, default: 2 }),
  })),
});

/** Where a DID sends a call (see DidSchema.destination). */
const DidDestination = Type.String({ pattern: '^(ext:[0-9]{2,10}|dial:[0-9*#+]{0,32}|queue:[a-zA-Z0-9_-]{1,32}|conf:[a-zA-Z0-9_-]{1,32}|ivr:[a-zA-Z0-9_-]{1,32})$' });

export const DidSchema = Type.Object({
  /** Called number as it arrives from the trunk, or '*' for any. */
  number: Type.Union([Digits, Type.Literal('*')]),
  trunk: Type.Optional(Type.String()),
  /** 'ext:1001' rings an extension; 'dial:' sends the called number through the dial plan;
   *  'dial:NUMBER' dials that number through the dial plan; 'queue:NAME' puts the caller in
   *  a queue; 'conf:NAME' joins a conference room; 'ivr:NAME' answers with an IVR flow. */
  destination: DidDestination,
  /** Business-hours rule: `destination` while schedule `schedule` is open, `closed` outside
   *  its hours, `holiday` (default: `closed`) on its holidays. */
  hours: Type.Optional(Type.Object({
    schedule: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }),
    closed: DidDestination,
    holiday: Type.Optional(DidDestination),
  })),
});

const ClockTime = Type.String({ pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' });
const TimeRange = Type.Object({ from: ClockTime, to: ClockTime });
const CalendarDate = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' });
const DayHours = Type.Optional(Type.Array(TimeRange, { maxItems: 8 }));

/** Business hours and holidays (参数配置), evaluated in the box's `timeZone`. A day's state:
 *  an exception for the date decides first, then a holiday, then the weekly hours. */
export const ScheduleSchema = Type.Object({
  name: Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }),
  /** Opening hours per weekday, several ranges a day ('HH:MM', `to` may be '24:00'); a day without ranges is closed. */
  weekly: Type.Object({ mon: DayHours, tue: DayHours, wed: DayHours, thu: DayHours, fri: DayHours, sat: DayHours, sun: DayHours }, { default: {} }),
  /** Closed all day: one date, or `date` to `to` inclusive; `yearly` repeats the month-days every year. */
  holidays: Type.Array(Type.Object({
    name: Type.Optional(Type.String({ maxLength: 64 })),
    date: CalendarDate,
    to: Type.Optional(CalendarDate),
    yearly: Type.Optional(Type.Boolean()),
  }), { default: [], maxItems: 500 }),
  /** Dates with other hours than the week says (a half day, a special opening, even on a
   *  holiday): `hours` replace the weekday's; an empty list closes the day. */
  exceptions: Type.Array(Type.Object({
    name: Type.Optional(Type.String({ maxLength: 64 })),
    date: CalendarDate,
    to: Type.Optional(CalendarDate),
    yearly: Type.Optional(Type.Boolean()),
    hours: Type.Array(TimeRange, { maxItems: 8 }),
  }), { default: [], maxItems: 500 }),
});

export const DialRuleSchema = Type.Object({
  prefix: Type.String({ pattern: '^[0-9*#+]{0,32}$' }),
  trunk: Type.String(),
  strip: Type.Optional(Type.Integer({ minimum: 0, maximum: 32 })),
  prepend: Type.Optional(Type.String({ pattern: '^[0-9*#+]{0,32}$' })),
});

const Name = Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' });
const SkillLevel = Type.Integer({ minimum: 1, maximum: 10 });
const SkillRequirementSchema = Type.Object({ skill: Name, minLevel: SkillLevel });

export const AgentSchema = Type.Object({
  /** Login id of the agent (also their box user name once the web app exists). */
  id: Type.String({ pattern: '^[a-zA-Z0-9_.-]{1,32}$' }),
  name: Type.Optional(Type.String({ maxLength: 64 })),
  /** The extension whose registered phone rings for this agent's calls. */
  extension: Type.String({ pattern: '^[0-9]{2,10}$' }),
  /** Where this agent takes queue calls: their registered SIP phone (when absent), or the
   *  browser softphone (rung while they have it open: system/softphone). No TypeBox default, so
   *  a stored document reads back exactly as written. */
  device: Type.Optional(Type.Union([Type.Literal('phone'), Type.Literal('browser')])),
  /** Skill name -> proficiency 1..10. */
  skills: Type.Record(Type.String({ pattern: '^[a-zA-Z0-9_-]{1,32}$' }), SkillLevel, { default: {} }),
  /** Queues this agent serves; penalty 0 is the first tier, higher tiers get calls only when
   *  no lower-tier agent can. */
  queues: Type.Array(Type.Object({ queue: Name, penalty: Type.Integer({ minimum: 0, maximum: 100, default: 0 }) }), { default: [], maxItems: 50 }),
});

/** Where a queue sends a caller it gives up on. */
const QueueExit = Type.String({ pattern: '^(queue:[a-zA-Z0-9_-]{1,32}|ext:[0-9]{2,10}|dial:[0-9*#+]{1,32}|hangup)$' });

export const QueueSchema = Type.Object({
  name: Name,
  displayName: Type.Optional(Type.String({ maxLength: 64 })),
  /** An internal number extensions dial to reach the queue. */
  number: Type.Optional(Type.String({ pattern: '^[0-9]{2,10}$' })),
  strategy: Type.Union(
    ['ring-all', 'round-robin', 'longest-idle', 'fewest-calls', 'least-talk-time', 'random', 'linear', 'ring-progressively', 'skills-based'].map((s) => Type.Literal(s)),
    { default: 'longest-idle' },
  ),
  /** Seconds an agent's phone rings before the call goes back to the queue (RONA). */
  ringTimeoutSec: Type.Integer({ minimum: 5, maximum: 120, default: 15 }),
  /** ring-progressively: ring one more agent every this many seconds. */
  progressiveStepSec: Type.Integer({ minimum: 1, maximum: 60, default: 5 }),
  /** Wrap-up time after each call of this queue (the agent is offered nothing meanwhile). */
  wrapUpSec: Type.Integer({ minimum: 0, maximum: 3600, default: 10 }),
  /** Where an agent who let a call ring out goes: a break with reason 'missed-call', or straight back. */
  afterNoAnswer: Type.Union([Type.Literal('break'), Type.Literal('available'), Type.Literal('logged-out')], { default: 'break' }),
  /** Callers waiting at most (0: unlimited); a caller beyond it goes to `overflow` at once. */
  maxLength: Type.Integer({ minimum: 0, maximum: 10000, default: 0 }),
  /** Longest wait before `overflow` (0: no limit). */
  maxWaitSec: Type.Integer({ minimum: 0, maximum: 86400, default: 0 }),
  overflow: QueueExit,
  /** Accept callers when no agent is logged in (false: straight to overflow). */
  joinEmpty: Type.Boolean({ default: true }),
  /** Send waiting callers to overflow when the last agent logs out. */
  leaveWhenEmpty: Type.Boolean({ default: false }),
  /** Announce position and estimated wait on entry and every N seconds (0: never). */
  announceEverySec: Type.Integer({ minimum: 0, maximum: 3600, default: 60 }),
  /** A message clip (prompt name) played every `periodicEverySec`. */
  periodicMessage: Type.Optional(Type.String({ pattern: '^[a-zA-Z0-9_/-]{1,64}$' })),
  periodicEverySec: Type.Integer({ minimum: 10, maximum: 3600, default: 90 }),
  /** A key the caller may press to leave: to `exitDestination`, or 'callback' to leave a callback request. */
  exitKey: Type.Optional(Type.String({ pattern: '^[0-9*#]$' })),
  exitDestination: Type.Optional(Type.Union([QueueExit, Type.Literal('callback')])),
  language: Type.Union([Type.Literal('en'), Type.Literal('zh')], { default: 'en' }),
  requiredSkills: Type.Array(SkillRequirementSchema, { default: [], maxItems: 10 }),
  /** Accept lower skill levels as the caller waits longer. */
  relaxation: Type.Array(Type.Object({ afterSec: Type.Integer({ minimum: 1, maximum: 86400 }), minLevelDrop: Type.Integer({ minimum: 1, maximum: 9 }) }), { default: [], maxItems: 10 }),
  /** Queue order for agents in several queues when cross-queue fairness is off (higher first). */
  weight: Type.Integer({ minimum: 0, maximum: 100, default: 0 }),
  /** Record this queue's calls (default: recording.enabled). */
  record: Type.Optional(Type.Boolean()),
});

export const ConferenceSchema = Type.Object({
  name: Name,
  /** An internal number extensions dial to join. */
  number: Type.Optional(Type.String({ pattern: '^[0-9]{2,10}$' })),
  maxParties: Type.Integer({ minimum: 2, maximum: 8, default: 8 }),
});

export const BoxConfigSchema = Type.Object({
  sip: Type.Object({
    bindAddress: Type.String({ default: '0.0.0.0' }),
    /** Address written into Via/Contact/SDP; defaults to the first non-internal IPv4. */
    publicAddress: Type.Optional(Type.String()),
    udpPort: Type.Integer({ minimum: 1, maximum: 65535, default: 5060 }),
    tcpPort: Type.Integer({ minimum: 1, maximum: 65535, default: 5060 }),
    /** SIP over TLS (RFC 3261 26.2) with a self-signed certificate made at first start
     *  (`<data dir>/sip-tls/`), replaceable from the admin UI. */
    tls: Type.Optional(Type.Boolean({ default: true })),
    tlsPort: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: 5061 })),
    maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 262144, default: 65535 }),
    userAgent: Type.String({ default: 'CallCenterBox/0.1' }),
  }, { default: {} }),
  http: Type.Object({
    host: Type.String({ default: '0.0.0.0' }),
    /** Plain HTTP: only redirects to `tlsPort` when `tls` is on; serves everything when it is off. */
    port: Type.Integer({ minimum: 1, maximum: 65535, default: 8080 }),
    /** Serve the web app and API over HTTPS with a self-signed certificate made at first start
     *  (`<data dir>/tls/`). Off only for tests and set-ups behind a TLS-terminating proxy. */
    tls: Type.Boolean({ default: true }),
    tlsPort: Type.Integer({ minimum: 1, maximum: 65535, default: 8443 }),
  }, { default: {} }),
  media: Type.Object({
    listenIp: Type.String({ default: '0.0.0.0' }),
    announcedAddress: Type.Optional(Type.String()),
    rtpMinPort: Type.Integer({ minimum: 1024, maximum: 65535, default: 20000 }),
    rtpMaxPort: Type.Integer({ minimum: 1024, maximum: 65535, default: 29999 }),
    /** mediasoup workers; 0 (the default): one per CPU core. Calls are spread over them. */
    workers: Type.Integer({ minimum: 0, maximum: 64, default: 0 }),
    /** Nice value of the mediasoup workers (media/worker-priority.ts); 0 (the default): the
     *  daemon's own. Below 0, forwarding gets the CPU first when the box is busy: at -10,
     *  bench:media's added jitter at 600 recorded calls was 2.8-10.4 ms against 54.8 ms at 0,
     *  but with the CPU full the recording thread then lost up to half its packets
     *  (media/README.md), so it is not the default. */
    workerNiceness: Type.Integer({ minimum: -20, maximum: 19, default: 0 }),
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
    /** The ringback tone the box plays to a browser agent whose dialled callee rings without
     *  early media, and to an agent whose consultation target rings: 'cn' (absent: the
     *  default) 450 Hz, 1 s on / 4 s off; 'us' 440 + 480 Hz, 2 s on / 4 s off. */
    ringback: Type.Optional(Type.Union([Type.Literal('cn'), Type.Literal('us')])),
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
    /** Encrypt recordings at rest (AES-256-GCM, a key per file derived from the box's
     *  recording key kept in LMDB; files end in .wav.ccrec; playback decrypts on the fly). */
    encrypt: Type.Boolean({ default: false }),
    /** Where recordings go (default: <data dir>/recordings). */
    dir: Type.Optional(Type.String()),
  }, { default: {} }),
  /** Search, playback, download and retention of recordings (system/recordings). */
  recordings: Type.Optional(RecordingsConfigSchema),
  acd: Type.Object({
    /** An agent in several queues takes the longest-waiting caller across them (else queue weight order). */
    crossQueueFairness: Type.Boolean({ default: true }),
    /** Break reasons agents may choose ('missed-call' is used by no-answer handling). */
    breakReasons: Type.Array(Type.String({ pattern: '^[a-z0-9-]{1,32}$' }), { default: ['lunch', 'training', 'meeting', 'personal', 'missed-call'], maxItems: 50 }),
    /** Handle times remembered per queue for the estimated wait. */
    handleTimeSamples: Type.Integer({ minimum: 1, maximum: 1000, default: 50 }),
  }, { default: {} }),
  backup: Type.Object({
    /** Scheduled backups (on-demand backups work either way). */
    enabled: Type.Boolean({ default: true }),
    /** Every direct subdirectory of this one is a candidate disk; a disk with the marker file in
     *  its root is a backup target (udisks automounts: /media/<user>). */
    mountDir: Type.String({ minLength: 1, maxLength: 4096, default: '/media' }),
    /** File in a disk's root that makes it a backup target. */
    marker: Type.String({ pattern: '^[a-zA-Z0-9._-]{1,64}$', default: '.callcenter-backup' }),
    /** Cron expression (croner: 5 or 6 fields) of the scheduled backup, box-local time. */
    schedule: Type.String({ pattern: '^[0-9A-Za-z*/,?#LW -]{1,100}$', default: '0 2 * * *' }),
    /** Good backups kept per target (older ones, and failed attempts, are removed after a good one). */
    keep: Type.Integer({ minimum: 1, maximum: 365, default: 7 }),
    /** How often the mount directory is polled for disks coming and going (mounts raise no inotify events). */
    pollIntervalMs: Type.Integer({ minimum: 100, maximum: 60000, default: 2000 }),
  }, { default: {} }),
  /** Hardware and call-quality monitoring, alert limits and the system log (appliance/monitoring). */
  monitoring: Type.Optional(MonitoringConfigSchema),
  /** Quality scoring (system/qa): the daily review sampling. */
  qa: Type.Optional(QaConfigSchema),
  /** Tickets (system/tickets): SLA minutes per priority, departments, outbound webhooks. */
  tickets: Type.Optional(TicketsConfigSchema),
  /** Report thresholds (short abandon, service level) and the scheduled report files (system/reports). */
  reports: Type.Optional(ReportsConfigSchema),
  agents: Type.Array(AgentSchema, { default: [], maxItems: 2000 }),
  queues: Type.Array(QueueSchema, { default: [], maxItems: 200 }),
  conferences: Type.Array(ConferenceSchema, { default: [], maxItems: 100 }),
  extensions: Type.Array(ExtensionSchema, { default: [], maxItems: 5000 }),
  trunks: Type.Array(TrunkSchema, { default: [], maxItems: 64 }),
  dids: Type.Array(DidSchema, { default: [], maxItems: 10000 }),
  dialPlan: Type.Array(DialRuleSchema, { default: [], maxItems: 1000 }),
  security: Type.Optional(SecuritySchema),
  /** IANA time zone of the site (business hours, holidays); UTC when absent. */
  timeZone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** The box's clock: NTP servers (time-schema.ts). */
  time: Type.Optional(TimeConfigSchema),
  /** Business-hours calendars, used by DID rules and IVR time conditions. */
  schedules: Type.Optional(Type.Array(ScheduleSchema, { maxItems: 100 })),
  /** IVR flows (the flows themselves are versioned documents in LMDB): internal numbers extensions dial to reach one. */
  ivr: Type.Optional(Type.Object({
    numbers: Type.Array(Type.Object({ number: Type.String({ pattern: '^[0-9]{2,10}$' }), flow: Name }), { default: [], maxItems: 200 }),
  })),
  /** The agent workspace: wrap-up dispositions (box-wide, per queue) and the quick-dial list. */
  workspace: Type.Optional(WorkspaceConfigSchema),
  /** Chats and emails in the ACD: per-agent capacity per channel, offers, the web chat widget (system/interactions). */
  interactions: Type.Optional(InteractionsConfigSchema),
  /** Email in the ACD: the SMTP listener, the addresses and their queues, allowed sender networks, the reply relay (system/email). */
  email: Type.Optional(EmailConfigSchema),
});

export type BoxConfig = Static<typeof BoxConfigSchema>;
export type ExtensionConfig = Static<typeof ExtensionSchema>;
export type TrunkConfig = Static<typeof TrunkSchema>;
export type DidConfig = Static<typeof DidSchema>;
export type DialRule = Static<typeof DialRuleSchema>;
export type AgentConfig = Static<typeof AgentSchema>;
export type QueueConfig = Static<typeof QueueSchema>;
export type ConferenceConfig = Static<typeof ConferenceSchema>;
export type ScheduleConfig = Static<typeof ScheduleSchema>;

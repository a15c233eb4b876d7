// Composition root of the appliance daemon: opens the store, starts media, SIP, the
// registrar, trunk registrations, the call manager and the HTTP API, in that order, and
// closes them in reverse. Everything the process runs hangs off one Box.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import { Store } from './store/store.ts';
import type { BoxConfig } from './config/schema.ts';
import { parseConfig } from './config/load.ts';
import { SipTransport } from './sip/transport.ts';
import { SipCertificate } from './sip/tls-certificate.ts';
import { srtpModeOfTarget } from './sip/sdes-policy.ts';
import { SipEndpoint } from './sip/endpoint.ts';
import { AuthGuard } from './sip/auth-guard.ts';
import { Registrar } from './sip/registrar.ts';
import { TrunkRegistration } from './sip/trunk-registration.ts';
import { CallManager } from './calls/call-manager.ts';
import { MediaEngine } from '../media/media-engine.ts';
import { PromptLibrary } from '../media/prompt-library.ts';
import { RecordingHub } from '../media/recording-hub.ts';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startApi, type Api } from './api/server.ts';
import { ConferenceRooms } from './conference/conference-rooms.ts';
import { Acd } from './acd/acd.ts';
import { ringTargets } from './acd/ring-targets.ts';
import { SoftphoneHub } from './softphone/softphone-hub.ts';
import { appendAudit } from './audit/audit-log.ts';
import { diffConfig } from './audit/config-diff.ts';
import { IvrService } from './ivr/ivr-service.ts';
import { MessageBox } from './ivr/messages.ts';
import { hoursState } from './ivr/business-hours.ts';
import { ReportScheduler } from './reports/scheduled-reports.ts';
import { QaBook } from './qa/qa-book.ts';
import { QaSampling } from './qa/sampling-job.ts';
import { PocketsphinxRecognizer } from '../media/speech-pocketsphinx.ts';
import type { BackupControl, BackupServiceFactory } from './api/backup-routes.ts';
import { BanList } from './sip/ban-list.ts';
import { EdgeGuard } from './sip/edge-guard.ts';
import { OverloadMonitor } from './sip/overload.ts';
import { TollGuard } from './calls/toll-guard.ts';
import { endCallsCutByRestart } from './calls/restart-cleanup.ts';
import { tlsPolicyOfRemote } from './sip/tls-client.ts';
import { recordConnectionFailures } from './sip/connection-failures.ts';
import { TrunkHealth } from './calls/trunk-health.ts';
import { securityConfig } from './config/security-schema.ts';
import type { MonitoringControl, MonitoringFactory } from './api/monitoring-routes.ts';
import { RecordingsService } from './recordings/recordings-service.ts';
import { recordingsConfig } from './recordings/recordings-config.ts';
import { Wallboard } from './wallboard/wallboard.ts';
import { KnowledgeBase } from './kb/knowledge-base.ts';
import { EmailService } from './email/email-service.ts';
import { emailConfig } from './email/email-config.ts';
import { InteractionHub } from './interactions/interaction-hub.ts';
import { TicketService } from './tickets/tickets.ts';
import { SpeechAnalyticsService } from './analytics/speech-analytics-service.ts';
import { TranscriptService } from './analytics/transcripts.ts';

export interface Box {
  /** The running configuration (replaced by updateConfig). */
  readonly config: BoxConfig;
  /**
   * Change the stored configuration document: the result is validated as a whole, written to
   * LMDB with a `config-changed` event, then becomes the running configuration. Routing,
   * queues, agents and rooms follow at once; SIP, media, registrar and extension settings at
   * the next start. Throws ConfigError (nothing changed) when the result is invalid.
   */
  updateConfig(mutate: (doc: Record<string, unknown>) => void, by: string): Promise<BoxConfig>;
  /** Called with the new configuration after each change (e.g. the daemon applies NTP servers). */
  onConfigChange(fn: (next: BoxConfig) => void): void;
  store: Store;
  media: MediaEngine;
  transport: SipTransport;
  endpoint: SipEndpoint;
  registrar: Registrar;
  calls: CallManager;
  acd: Acd;
  /** Agents' open browser softphone pages (system/softphone). */
  softphones: SoftphoneHub;
  /** IVR flows (system/ivr): published versions, running calls, recorded messages. */
  ivr: IvrService;
  trunks: TrunkRegistration[];
  /** The SIP edge defence and toll-fraud blocks (system/sip/edge-guard.ts, ban-list.ts). */
  security: { bans: BanList; edge: EdgeGuard; overload: OverloadMonitor };
  /** The certificate of SIP over TLS (system/sip/tls-certificate.ts); absent when sip.tls is false. */
  sipCertificate?: SipCertificate;
  /** The live wallboard model and its deltas (system/wallboard). */
  wallboard: Wallboard;
  /** Email in the ACD (system/email): the SMTP listener, threads, replies through the relay and their delivery log. */
  email: EmailService;
  /** Chats and emails routed by the ACD's queues under per-agent capacity (system/interactions). */
  interactions: InteractionHub;
  /** Recording search, playback, legal hold and retention (system/recordings). */
  recordings: RecordingsService;
  /** Speech analytics of every recorded call (system/analytics): talk/listen, silence, overtalk, agitation. */
  speechAnalytics: SpeechAnalyticsService;
  /** Transcripts of recorded calls on request (experimental: the offline engine's accuracy is shown with them). */
  transcripts: TranscriptService;
  /** Tickets (system/tickets): the ticket book, SLA breach checks, outbound webhooks, live notices. */
  tickets: TicketService;
  /** Quality scoring (system/qa): scorecards, the review queue, scores, and the daily review sampling. */
  qa: { book: QaBook; sampling: QaSampling };
  /** The knowledge base (system/kb): articles with versions, the search index, attachments, import. */
  kb: KnowledgeBase;
  /** Backups to attached storage, when the daemon provides the service (appliance/backup). */
  backup?: BackupControl;
  /** Monitoring, system logs and the technician console, when the daemon provides them (appliance/monitoring). */
  monitoring?: MonitoringControl;
  api: Api;
  status(): BoxStatus;
  close(): Promise<void>;
}

export interface BoxStatus {
  calls: number;
  dialogs: number;
  transactions: { server: number; client: number };
  media: MediaEngine['counters'];
  sip: SipTransport['counters'];
  trunks: TrunkRegistration['status'][];
  ports: { sipUdp: number; sipTcp: number; http: number };
  /** The daemon's memory in bytes (process.memoryUsage: rss, and the main thread's V8 heap and buffers). */
  memory: NodeJS.MemoryUsage;
}

/** The machine's first non-internal IPv4 address, for Via/Contact/SDP when none is configured. */
export function defaultLanAddress(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/** The prompt set, or undefined (with a warning) when it was not built: holds are then relayed. */
function loadPrompts(dir: string | undefined, log: Logger): PromptLibrary | undefined {
  const where = dir ?? fileURLToPath(new URL('../build/prompts', import.meta.url));
  try {
    return new PromptLibrary(where);
  } catch (err) {
    log.warn({ code: 'CC_MEDIA_PROMPT_MISSING', dir: where, err: (err as Error).message }, 'no prompt set: music on hold and prompts are off (run npm run setup)');
    return undefined;
  }
}

/** The recording key's id (in each encrypted file's header) and LMDB secret name. A new key
 *  gets a new id; old ids stay so old recordings still open. */
export const RECORDING_KEY_ID = 'recording-1';

/** A secret that survives restarts (nonce signing): created once, kept in LMDB. */
async function boxSecret(store: Store, name: string): Promise<Buffer> {
  const existing = store.tables.config.get(`secret:${name}`) as string | undefined;
  if (existing) return Buffer.from(existing, 'base64');
  const secret = randomBytes(32);
  await store.transaction(() => {
    store.tables.config.put(`secret:${name}`, secret.toString('base64'));
    store.appendEvent('secret-created', { name });
  });
  return secret;
}

/** Extensions on a call right now (an agent's phone busy with a direct call is not offered queue calls). */
function busyExtensions(calls: CallManager): Set<string> {
  const busy = new Set<string>();
  for (const call of calls.calls.values()) {
    const { caller, callee } = call.parties;
    if (caller.kind === 'extension') busy.add(caller.id);
    if (callee?.kind === 'extension') busy.add(callee.id);
    for (const m of call.partyMixIfAny?.list() ?? []) if (m.state !== 'left' && m.party.kind === 'extension') busy.add(m.party.id);
  }
  return busy;
}

/** `busy` plus the extensions of the agents `agentIds` (an agent in a chat is not offered queue calls). */
function withAgentExtensions(busy: Set<string>, agentIds: Iterable<string>, config: BoxConfig): Set<string> {
  for (const id of agentIds) {
    const ext = config.agents.find((a) => a.id === id)?.extension;
    if (ext) busy.add(ext);
  }
  return busy;
}

/** Start everything on an open Store; the Box owns the store from here and closes it last. */
export async function startBox(config: BoxConfig, opts: { store: Store; log: Logger; backup?: BackupServiceFactory; monitoring?: MonitoringFactory }): Promise<Box> {
  const { log, store } = opts;
  const publicAddress = config.sip.publicAddress ?? (config.sip.bindAddress !== '0.0.0.0' ? config.sip.bindAddress : defaultLanAddress());
  const cleanups: (() => Promise<void> | void)[] = [() => store.close()];
  try {
    const media = await MediaEngine.start({
      workers: config.media.workers || os.availableParallelism(),
      listenIp: config.media.listenIp,
      announcedAddress: config.media.announcedAddress ?? (config.media.listenIp !== '0.0.0.0' ? config.media.listenIp : publicAddress),
      rtpMinPort: config.media.rtpMinPort,
      rtpMaxPort: config.media.rtpMaxPort,
      workerNiceness: config.media.workerNiceness,
      log: log.child({ module: 'media' }),
    });
    cleanups.unshift(() => media.close());
    const bans = new BanList(store, { log: log.child({ module: 'sip-security' }) });
    bans.start();
    cleanups.unshift(() => bans.close());
    const selfHosts = [publicAddress, ...(config.sip.bindAddress !== '0.0.0.0' ? [config.sip.bindAddress] : [])];
    const edge = new EdgeGuard({ config: () => config, bans, self: (): { hosts: string[]; ports: number[] } => ({ hosts: selfHosts, ports: [transport.ports.udp, transport.ports.tcp, transport.ports.tls] }), log: log.child({ module: 'sip-security' }) });
    const overload = new OverloadMonitor({
      limits: () => {
        const s = securityConfig(config.security);
        return { maxLagMs: s.maxEventLoopLagMs, maxCalls: s.overloadCalls, retryAfterSec: s.overloadRetryAfterSec };
      },
      calls: (): number => calls.calls.size,
      log: log.child({ module: 'sip-security' }),
    });
    cleanups.unshift(() => overload.close());
    const sipCertificate = config.sip.tls !== false ? await SipCertificate.load(join(store.dataDir, 'sip-tls'), log.child({ module: 'sip-tls' })) : undefined;
    const transport = new SipTransport({
      tls: sipCertificate && { port: config.sip.tlsPort ?? 5061, ...sipCertificate.material },
      gate: edge,
      bindAddress: config.sip.bindAddress,
      udpPort: config.sip.udpPort,
      tcpPort: config.sip.tcpPort,
      maxMessageBytes: config.sip.maxMessageBytes,
      log: log.child({ module: 'sip-transport' }),
    });
    // Outbound TLS to a trunk: pinned, CA-verified or (verify: false) unverified, per its config (tls-client.ts).
    transport.tlsPeerPolicy = (remote) => tlsPolicyOfRemote(config.trunks, remote);
    recordConnectionFailures(transport, store);
    await transport.listen();
    cleanups.unshift(() => transport.close());
    const endpoint = new SipEndpoint(transport, { publicAddress, userAgent: config.sip.userAgent, log: log.child({ module: 'sip' }), overloaded: (): number | undefined => overload.check() });
    endpoint.srtpOfferMode = (target) => srtpModeOfTarget(config, target);
    cleanups.unshift(() => endpoint.close());
    const extMap = new Map(config.extensions.map((e) => [e.number, e]));
    const auth = new AuthGuard(endpoint, {
      realm: config.registrar.realm,
      secret: await boxSecret(store, 'digest'),
      nonceTtlMs: config.registrar.nonceTtlSec * 1000,
      maxFailures: config.registrar.maxAuthFailures,
      algorithms: config.registrar.digestAlgorithms,
      lookupPassword: (user) => extMap.get(user)?.password,
      onFailure: (address, user) => edge.authFailed(address, user),
    });
    const registrar = new Registrar(store, endpoint, auth, {
      minExpires: config.registrar.minExpires,
      maxExpires: config.registrar.maxExpires,
      defaultExpires: config.registrar.defaultExpires,
      maxContacts: (ext) => extMap.get(ext)?.maxContacts ?? 5,
      extensionExists: (ext) => extMap.has(ext),
      log: log.child({ module: 'registrar' }),
    });
    registrar.start();
    cleanups.unshift(() => registrar.stop());
    const prompts = loadPrompts(config.media.promptsDir, log);
    const recordingHub = config.recording.enabled || config.trunks.some((t) => t.record) ? await RecordingHub.open('127.0.0.1') : undefined;
    if (recordingHub) cleanups.unshift(() => recordingHub.close());
    const calls = new CallManager({
      prompts,
      recordingHub,
      recordingDir: config.recording.dir ?? join(store.dataDir, 'recordings'),
      recordingKey: config.recording.encrypt ? { id: RECORDING_KEY_ID, key: await boxSecret(store, RECORDING_KEY_ID) } : undefined,
      store,
      endpoint,
      media,
      portRange: { min: config.media.rtpMinPort, max: config.media.rtpMaxPort },
      config: () => config,
      auth,
      registrar,
      log: log.child({ module: 'calls' }),
    });
    calls.tollGuard = new TollGuard({ config: () => config, bans, log: log.child({ module: 'toll-fraud' }) });
    // Calls cut by a crash or power loss (dialog journal): BYE their legs, write their CDRs, finish their recordings, before "ready".
    await endCallsCutByRestart({ store, endpoint, trunks: config.trunks, log: log.child({ module: 'calls' }) });
    // Trunks with a health check are pinged (OPTIONS); calls to one found down fail at once.
    const trunkHealth = new TrunkHealth({
      endpoint, trunks: () => config.trunks, log: log.child({ module: 'trunk-health' }),
      onChange: (s) => void store.transaction(() => store.appendEvent('trunk-health', { trunk: s.trunk, up: s.up, failures: s.failures, status: s.lastStatus })).catch(() => undefined),
    });
    calls.trunkHealth = trunkHealth;
    trunkHealth.start();
    cleanups.unshift(() => trunkHealth.stop());
    const softphones = new SoftphoneHub(log.child({ module: 'softphone' }));
    cleanups.unshift(() => softphones.close());
    const targets = ringTargets({ config: () => config, registrar, publicAddress, softphones });
    // Agents busy with a chat (system/interactions, when calls are exclusive): set once the hub exists.
    let chatting: () => Iterable<string> = () => [];
    const acd = new Acd({
      store,
      config: () => config,
      prompts,
      agentCandidate: targets.agentCandidate,
      ringExtension: targets.ringExtension,
      ringNumber: targets.ringNumber,
      reach: { registered: targets.registered, busyExtensions: () => withAgentExtensions(busyExtensions(calls), chatting(), config) },
      log: log.child({ module: 'acd' }),
    });
    await acd.start();
    calls.services.queue = acd;
    cleanups.unshift(() => acd.close());
    const interactions = new InteractionHub({ store, config: () => config, agents: acd.agents, onAgentChange: (fn) => void acd.on('agent', fn), log: log.child({ module: 'interactions' }) });
    await interactions.start();
    chatting = () => interactions.agentsBusyForCalls();
    cleanups.unshift(() => interactions.close());
    const email = new EmailService({ store, config: () => emailConfig(config.email), log: log.child({ module: 'email' }) });
    await email.start(interactions);
    cleanups.unshift(() => email.close());
    const conferences = new ConferenceRooms({ config: () => config, store, prompts, log: log.child({ module: 'conference' }) });
    calls.services.conference = conferences;
    cleanups.unshift(() => conferences.close());
    const backup = opts.backup ? await opts.backup({ store, config: () => config, log: log.child({ module: 'backup' }) }) : undefined;
    if (backup) cleanups.unshift(() => backup.close());
    const ivr = new IvrService({
      store,
      config: () => config,
      prompts,
      messages: new MessageBox(store, join(store.dataDir, 'messages')),
      queue: () => calls.services.queue,
      ringExtension: targets.ringExtension,
      ringNumber: targets.ringNumber,
      recognizer: PocketsphinxRecognizer.open(),
      log: log.child({ module: 'ivr' }),
    });
    calls.services.ivr = ivr;
    calls.scheduleState = (schedule) => hoursState(config, schedule, Date.now());
    cleanups.unshift(() => ivr.close());
    const reports = new ReportScheduler({ store, config: () => config, log: log.child({ module: 'reports' }) });
    reports.start();
    cleanups.unshift(() => reports.close());
    const qaBook = new QaBook(store);
    const qa = { book: qaBook, sampling: new QaSampling({ store, book: qaBook, config: () => config, log: log.child({ module: 'qa' }) }) };
    await qa.sampling.start();
    cleanups.unshift(() => qa.sampling.close());
    const kb = new KnowledgeBase(store, log.child({ module: 'kb' }));
    kb.start();
    const wallboard = new Wallboard({ store, config: () => config, acd, calls, inIvr: (id) => ivr.active.has(id), log: log.child({ module: 'wallboard' }) });
    const onCallBefore = calls.onCall;
    calls.onCall = (call) => {
      onCallBefore?.(call);
      wallboard.track(call);
      call.once('ended', () => speechAnalytics.enqueue(call.id));
    };
    wallboard.start();
    cleanups.unshift(() => wallboard.close());
    endpoint.setRequestHandler((rq, tx, remote) => {
      switch (rq.method) {
        case 'REGISTER':
          void registrar.handle(rq, tx).catch((err) => {
            log.error({ err }, 'REGISTER failed');
            if (!tx.hasFinalResponse) endpoint.respond(tx, 500, 'Server Internal Error');
          });
          return;
        case 'INVITE':
          return calls.handleInvite(rq, tx, remote);
        case 'OPTIONS':
          endpoint.respond(tx, 200, 'OK', { headers: { allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, REGISTER', accept: 'application/sdp' } });
          return;
        case 'BYE':
        case 'INFO':
        case 'UPDATE':
        case 'REFER': // only in-dialog transfers (no out-of-dialog REFER, RFC 3515 §2.4.2)
          endpoint.respond(tx, 481, 'Call/Transaction Does Not Exist');
          return;
        default:
          endpoint.respond(tx, 405, 'Method Not Allowed', { headers: { allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, REGISTER' } });
      }
    });
    media.onWorkerDied = () => void calls.hangupAll('media-failure');
    const recordings = new RecordingsService(store, () => recordingsConfig(config.recordings), log.child({ module: 'recordings' }));
    recordings.start();
    cleanups.unshift(() => recordings.close());
    const tickets = new TicketService({ store, config: () => config.tickets, log: log.child({ module: 'tickets' }) });
    tickets.start();
    cleanups.unshift(() => tickets.close());
    const speechAnalytics = new SpeechAnalyticsService({ store, keys: recordings.keys, log: log.child({ module: 'speech-analytics' }) });
    speechAnalytics.start();
    cleanups.unshift(() => speechAnalytics.close());
    const transcripts = new TranscriptService({ store, keys: recordings.keys, engine: PocketsphinxRecognizer.open({ maxConcurrent: 1 }), log: log.child({ module: 'transcripts' }) });
    cleanups.unshift(() => transcripts.close());
    const trunks = config.trunks
      .filter((t) => t.kind === 'register')
      .map((t) => new TrunkRegistration(endpoint, t, log.child({ module: 'trunk', trunk: t.name }), (s) =>
        void store.transaction(() => store.appendEvent('trunk-registration', { trunk: s.trunk, state: s.state, status: s.lastStatus })),
      ));
    for (const t of trunks) t.start();
    cleanups.unshift(() => trunks.forEach((t) => t.stop()));

    const configListeners: ((next: BoxConfig) => void)[] = [];
    configListeners.push(() => void email.reconfigure());
    const updateConfig = async (mutate: (doc: Record<string, unknown>) => void, by: string): Promise<BoxConfig> => {
      const stored = store.tables.config.get('box-config');
      const doc = structuredClone((stored ?? {}) as Record<string, unknown>);
      mutate(doc);
      const next = parseConfig(doc);
      await store.transaction(() => {
        store.tables.config.put('box-config', doc);
        store.appendEvent('config-changed', { by });
        appendAudit(store, { actor: by, action: 'config-change', outcome: 'ok', target: 'box-config', detail: { changes: diffConfig(stored ?? {}, doc) } });
      });
      config = next;
      for (const fn of configListeners) fn(next);
      return next;
    };
    const box = {
      get config() {
        return config;
      },
      updateConfig,
      onConfigChange: (fn: (next: BoxConfig) => void) => void configListeners.push(fn),
      store, media, transport, endpoint, registrar, calls, acd, trunks, softphones,
      interactions,
      email,
      backup,
      ivr,
      security: { bans, edge, overload },
      sipCertificate,
      qa,
      kb,
      tickets,
      recordings,
      speechAnalytics,
      transcripts,
      wallboard,
      status: (): BoxStatus => ({
        calls: calls.calls.size,
        dialogs: endpoint.dialogCount,
        transactions: endpoint.transactions.counts,
        media: { ...media.counters },
        sip: { ...transport.counters },
        trunks: trunks.map((t) => ({ ...t.status })),
        ports: { sipUdp: transport.ports.udp, sipTcp: transport.ports.tcp, http: api.port },
        memory: process.memoryUsage(),
      }),
    } as Omit<Box, 'api' | 'close'> as Box;
    const api = await startApi(box, { host: config.http.host, port: config.http.port, log });
    box.api = api;
    cleanups.unshift(() => api.close());
    if (opts.monitoring) {
      const monitoring = await opts.monitoring(box);
      box.monitoring = monitoring;
      cleanups.unshift(() => monitoring.close());
    }
    let closing: Promise<void> | undefined;
    box.close = () =>
      (closing ??= (async () => {
        endpoint.drain();
        await calls.hangupAll('shutdown');
        // Give the BYEs a moment to leave before the sockets close.
        await new Promise((r) => setTimeout(r, 200));
        for (const c of cleanups) await c();
      })());
    return box;
  } catch (err) {
    for (const c of cleanups) await c();
    throw err;
  }
}

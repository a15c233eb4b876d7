// IVR flows as a LocalService of the CallManager: callers routed to 'ivr:NAME' (a DID, a DID's
// business-hours rule, or an internal number) are admitted when a version of the flow is
// published (else 404, before the answer), answered by the box, and run through the newest
// version at that moment; the version stays with the call, so publishing never changes a call
// already inside a flow. Each run is one `ivr-start` and one `ivr-end` event row (outcome,
// path, variables).
import type { Call } from '../calls/call.ts';
import type { LocalService } from '../calls/call-manager.ts';
import type { BoxConfig } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import type { PromptLibrary } from '../../media/prompt-library.ts';
import type { KeywordRecognizer } from '../../media/speech-recognizer.ts';
import { hoursState } from './business-hours.ts';
import { IvrFlows } from './flow-store.ts';
import type { FlowContext } from './flow-validate.ts';
import { httpLookup, type HttpLookup } from './http-lookup.ts';
import { IvrSession, type IvrOutcome } from './ivr-runner.ts';
import { CallPort } from './call-port.ts';
import type { MessageBox } from './messages.ts';
import type { IvrErrorCode } from './errors.ts';

export interface IvrServiceDeps {
  store: Store;
  config: () => BoxConfig;
  messages: MessageBox;
  prompts?: PromptLibrary;
  /** The queue service callers are handed to (the ACD). */
  queue(): LocalService | undefined;
  ringExtension(call: Call, extension: string): Promise<boolean>;
  ringNumber(call: Call, number: string): Promise<boolean>;
  recognizer?: KeywordRecognizer;
  http?: HttpLookup;
  now?: () => number;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

export class IvrService implements LocalService {
  readonly flows: IvrFlows;
  readonly messages: MessageBox;
  /** Calls inside a flow now, by call id. */
  readonly active = new Map<string, IvrSession>();
  private closed = false;

  constructor(private readonly deps: IvrServiceDeps) {
    this.flows = new IvrFlows(deps.store);
    this.messages = deps.messages;
    if (!deps.recognizer) deps.log.warn({ code: 'CC_IVR_SPEECH_UNAVAILABLE' satisfies IvrErrorCode }, 'no speech recogniser: IVR speech nodes accept DTMF only (install pocketsphinx pocketsphinx-en-us)');
  }

  now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  /** What a flow may refer to on this box, for validation. */
  /** What a flow may refer to on this box, or on this box running `cfg` (an import's check). */
  context(cfg: BoxConfig = this.deps.config()): FlowContext {
    const prompts = this.deps.prompts;
    const recognizer = this.deps.recognizer;
    return {
      queues: new Set(cfg.queues.map((q) => q.name)),
      schedules: new Set((cfg.schedules ?? []).map((s) => s.name)),
      extensions: new Set(cfg.extensions.map((e) => e.number)),
      prompt: prompts ? (id, lang) => prompts.has(id, lang) || prompts.has(id, 'en') : undefined,
      speechWord: recognizer ? (w) => recognizer.knows(w) : undefined,
    };
  }

  admit(name: string): { ok: true } | { ok: false; status: number; reason: string } {
    if (this.closed) return { ok: false, status: 503, reason: 'Service Unavailable (shutting down)' };
    if (!this.flows.latest(name)) {
      this.deps.log.warn({ code: 'CC_IVR_NO_FLOW' satisfies IvrErrorCode, flow: name }, 'call for an IVR flow that was never published');
      return { ok: false, status: 404, reason: 'Not Found (no such IVR flow)' };
    }
    return { ok: true };
  }

  take(call: Call, name: string): void {
    const published = this.flows.latest(name);
    if (!published || this.closed) {
      void call.hangup({ status: 404, reason: 'no IVR flow', side: 'system', cause: 'ivr-no-flow' });
      return;
    }
    const { deps } = this;
    const port = new CallPort(call, {
      prompts: deps.prompts,
      lang: published.flow.language,
      queue: deps.queue,
      ringExtension: deps.ringExtension,
      ringNumber: deps.ringNumber,
      messages: deps.messages,
      recognizer: deps.recognizer,
      log: deps.log,
    });
    const session = new IvrSession(published, port, {
      hours: (schedule) => hoursState(deps.config(), schedule, this.now()),
      http: deps.http ?? httpLookup,
      log: deps.log,
    });
    this.active.set(call.id, session);
    const startedAt = Date.now();
    void deps.store.transaction(() => deps.store.appendEvent('ivr-start', { callId: call.id, flow: published.name, version: published.version, caller: call.parties.caller.number }));
    void session.run().then((outcome: IvrOutcome) => {
      this.active.delete(call.id);
      const tag = session.tag;
      deps.log.info({ callId: call.id, flow: published.name, version: published.version, outcome: outcome.kind, path: tag.path }, 'IVR done');
      return deps.store.transaction(() => deps.store.appendEvent('ivr-end', { callId: call.id, flow: published.name, version: published.version, outcome, path: tag.path, variables: tag.variables, ms: Date.now() - startedAt }));
    }).catch((err) => deps.log.error({ err, callId: call.id }, 'IVR bookkeeping failed'));
  }

  close(): void {
    this.closed = true;
  }
}

// Runs one call through one published flow version: visits nodes from the start node, keeps
// the call's variables and path (on the call via port.update, so the CDR has them even when
// the caller hangs up inside the menu), and ends by handing the caller on (queue, transfer),
// hanging up, or noticing the caller left. Talks to the call only through an IvrPort, to the
// clock and calendar and the outside world through injected functions: no SIP, no sockets.
// The loop guard counts nodes visited since the caller last gave input.
import type { IvrTag } from '../calls/cdr.ts';
import type { HoursState } from './business-hours.ts';
import type { NodeOf, PublishedFlow } from './flow-schema.ts';
import type { HttpLookup } from './http-lookup.ts';
import { pick } from './http-lookup.ts';
import type { IvrPort, PromptId } from './ivr-port.ts';
import { parsePriority, parseSkills, render } from './template.ts';
import type { IvrErrorCode } from './errors.ts';

export type IvrOutcome =
  | { kind: 'queue'; queue: string }
  | { kind: 'transfer'; to: string }
  | { kind: 'hangup'; node: string }
  | { kind: 'caller-left'; node: string }
  | { kind: 'loop'; node: string }
  | { kind: 'failed'; node: string; error: string };

export interface IvrRunnerDeps {
  /** Business-hours state of a configured schedule, now. */
  hours(schedule: string): HoursState;
  http: HttpLookup;
  log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void; error: (o: object, m: string) => void };
}

/** Path entries kept on the call (the most recent ones). */
const MAX_PATH = 200;
const GONE = Symbol('caller left');
const KEY_PROMPTS: Record<string, string> = { '*': 'key-star', '#': 'key-pound' };

export class IvrSession {
  readonly path: string[] = [];
  readonly variables: Record<string, string>;
  private steps = 0;
  private node: string;

  constructor(private readonly published: PublishedFlow, private readonly port: IvrPort, private readonly deps: IvrRunnerDeps) {
    this.variables = { ...published.flow.variables };
    this.node = published.flow.start;
  }

  get tag(): IvrTag {
    return { flow: this.published.name, version: this.published.version, path: [...this.path], variables: { ...this.variables } };
  }

  /** Walk the flow until the call leaves it. Never throws. */
  async run(): Promise<IvrOutcome> {
    const { flow } = this.published;
    try {
      for (;;) {
        if (this.port.gone) return { kind: 'caller-left', node: this.node };
        if (++this.steps > flow.maxStepsWithoutInput) {
          this.deps.log.warn({ callId: this.port.callId, code: 'CC_IVR_LOOP' satisfies IvrErrorCode, flow: flow.name, node: this.node, path: this.path.slice(-20) }, 'IVR loop without caller input: hanging up');
          await this.port.hangup('ivr-loop');
          return { kind: 'loop', node: this.node };
        }
        this.path.push(this.node);
        if (this.path.length > MAX_PATH) this.path.shift();
        this.port.update(this.tag);
        const n = flow.nodes[this.node];
        const next = await this.visit(n);
        if (typeof next !== 'string') return next;
        this.node = next;
      }
    } catch (err) {
      if (err === GONE) return { kind: 'caller-left', node: this.node };
      this.deps.log.error({ err, callId: this.port.callId, code: 'CC_IVR_NODE_FAILED' satisfies IvrErrorCode, flow: flow.name, node: this.node }, 'IVR node failed');
      await this.port.hangup('ivr-failed').catch(() => undefined);
      return { kind: 'failed', node: this.node, error: (err as Error).message };
    }
  }

  /** Visit one node: the id of the next node, or how the call left the flow. */
  private async visit(n: PublishedFlow['flow']['nodes'][string]): Promise<string | IvrOutcome> {
    switch (n.type) {
      case 'play':
        await this.play(n.prompts, n.bargeIn);
        if (!n.bargeIn) this.port.clearDigits();
        return n.next;
      case 'menu':
        return this.menu(n);
      case 'collect':
        return this.collect(n);
      case 'http':
        return this.http(n);
      case 'set':
        for (const [k, t] of Object.entries(n.values)) this.variables[k] = this.render(t);
        return n.next;
      case 'condition': {
        const rule = n.rules.find((r) => this.holds(r));
        return rule ? rule.next : n.else;
      }
      case 'time': {
        const state = this.deps.hours(n.schedule);
        return state === 'open' ? n.open : state === 'holiday' ? n.holiday ?? n.closed : n.closed;
      }
      case 'queue':
        return this.queue(n);
      case 'transfer':
        return this.transfer(n);
      case 'record':
        return this.record(n);
      case 'speech':
        return this.speech(n);
      case 'hangup':
        await this.play(n.prompts, false);
        await this.port.hangup('ivr-hangup');
        return { kind: 'hangup', node: this.node };
    }
  }

  // ---- input nodes ----

  private async menu(n: NodeOf<'menu'>): Promise<string> {
    for (let attempt = 0; attempt <= n.retries; attempt++) {
      if (!this.port.pendingDigits()) await this.play(n.prompts, true);
      const digit = await this.wait(this.port.nextDigit(n.timeoutSec * 1000));
      if (digit !== undefined) this.steps = 0;
      if (digit !== undefined && Object.hasOwn(n.choices, digit)) return n.choices[digit];
      if (attempt === n.retries) break;
      this.port.clearDigits();
      await this.play(digit === undefined ? n.timeoutPrompts : n.invalidPrompts, true);
    }
    return n.fallback;
  }

  private async collect(n: NodeOf<'collect'>): Promise<string> {
    const pattern = n.pattern !== undefined ? new RegExp(`^(?:${n.pattern})$`) : undefined;
    for (let attempt = 0; attempt <= n.retries; attempt++) {
      if (!this.port.pendingDigits()) await this.play(n.prompts, true);
      let input = '';
      let digit = await this.wait(this.port.nextDigit(n.firstDigitTimeoutSec * 1000));
      while (digit !== undefined) {
        this.steps = 0;
        if (digit === n.terminator) break;
        input += digit;
        if (input.length >= n.maxLength) break;
        digit = await this.wait(this.port.nextDigit(n.interDigitTimeoutSec * 1000));
      }
      if (input.length >= n.minLength && input.length <= n.maxLength && (!pattern || pattern.test(input))) {
        this.variables[n.variable] = input;
        return n.next;
      }
      if (attempt === n.retries) break;
      this.port.clearDigits();
      await this.play(n.invalidPrompts, true);
    }
    return n.fallback;
  }

  private async speech(n: NodeOf<'speech'>): Promise<string> {
    const target = new Map<string, string>();
    for (const k of n.keywords) for (const p of k.phrases) target.set(p, k.next);
    for (let attempt = 0; attempt <= n.retries; attempt++) {
      if (!this.port.pendingDigits()) await this.play(n.prompts, true);
      let result = this.port.pendingDigits()
        ? ({ kind: 'digit', digit: (await this.wait(this.port.nextDigit(0)))! } as const)
        : await this.wait(this.port.listen({ phrases: [...target.keys()], timeoutMs: n.timeoutSec * 1000, maxMs: n.maxUtteranceSec * 1000 }));
      if (result.kind === 'unavailable') {
        const digit = await this.wait(this.port.nextDigit(n.timeoutSec * 1000));
        result = digit === undefined ? { kind: 'silence' } : { kind: 'digit', digit };
      }
      if (result.kind === 'digit') {
        this.steps = 0;
        if (Object.hasOwn(n.digits, result.digit)) return n.digits[result.digit];
      } else if (result.kind === 'phrase') {
        this.steps = 0;
        this.variables.speech_heard = result.phrase;
        return target.get(result.phrase)!;
      } else if (result.kind === 'no-match') this.steps = 0;
      if (attempt === n.retries) break;
      this.port.clearDigits();
      await this.play(n.noMatchPrompts, true);
    }
    return n.fallback;
  }

  private async record(n: NodeOf<'record'>): Promise<string> {
    await this.play(n.prompts, false);
    this.port.clearDigits();
    if (n.beep) await this.play(['beep'], false);
    this.port.clearDigits();
    const message = await this.port.record({ mailbox: n.mailbox, node: this.node, maxMs: n.maxSeconds * 1000, silenceMs: n.silenceSec * 1000, finishKey: n.finishKey, tag: this.tag });
    if (message) {
      this.variables.message_id = message.id;
      if (message.heardSpeech || message.endedBy === 'key') this.steps = 0;
    }
    if (this.port.gone) throw GONE;
    return n.next;
  }

  // ---- outside the box ----

  private async http(n: NodeOf<'http'>): Promise<string> {
    const url = this.render(n.url, encodeURIComponent);
    const params = { caller: this.port.caller, dialled: this.port.dialled, callId: this.port.callId, flow: this.published.name, ...this.variables };
    const res = await this.wait(this.deps.http({ url, method: n.method, timeoutMs: n.timeoutMs, params }));
    if (!res.ok) {
      this.variables.http_error = res.error;
      this.deps.log.warn({ callId: this.port.callId, code: 'CC_IVR_HTTP_FAILED' satisfies IvrErrorCode, node: this.node, url: url.split('?')[0], error: res.error, status: res.status, detail: res.detail, ms: res.ms }, 'IVR HTTP lookup failed');
      return n.failure;
    }
    delete this.variables.http_error;
    for (const [variable, path] of Object.entries(n.assign)) this.variables[variable] = pick(res.body, path) ?? '';
    return n.next;
  }

  // ---- leaving the flow ----

  private async queue(n: NodeOf<'queue'>): Promise<string | IvrOutcome> {
    await this.play(n.prompts, false);
    const priority = n.priority !== undefined ? parsePriority(this.render(n.priority)) : undefined;
    const skills = n.skills !== undefined ? parseSkills(this.render(n.skills)) : undefined;
    if (n.skills !== undefined && !skills) this.deps.log.warn({ callId: this.port.callId, node: this.node, skills: this.render(n.skills) }, 'IVR skills template gave no valid skills; queueing without them');
    if (this.port.gone) throw GONE;
    if (this.port.toQueue(n.queue, { priority, skills: skills?.length ? skills : undefined, tag: this.tag })) return { kind: 'queue', queue: n.queue };
    this.deps.log.warn({ callId: this.port.callId, code: 'CC_IVR_QUEUE_REFUSED' satisfies IvrErrorCode, queue: n.queue }, 'the queue refused the caller');
    await this.play(['sorry', 'try-later'], false);
    await this.port.hangup('ivr-queue-refused');
    return { kind: 'hangup', node: this.node };
  }

  private async transfer(n: NodeOf<'transfer'>): Promise<string | IvrOutcome> {
    const to = this.render(n.to);
    const m = /^(ext|dial):([0-9*#+]{1,32})$/.exec(to);
    await this.play(n.prompts, false);
    const ok = m ? await this.wait(this.port.transfer({ kind: m[1] as 'ext' | 'dial', number: m[2] }, this.tag)) : false;
    if (ok) return { kind: 'transfer', to };
    this.deps.log.warn({ callId: this.port.callId, code: 'CC_IVR_TRANSFER_FAILED' satisfies IvrErrorCode, node: this.node, to }, 'IVR transfer failed');
    if (n.failure) return n.failure;
    await this.play(['sorry', 'try-later'], false);
    await this.port.hangup('ivr-transfer-failed');
    return { kind: 'hangup', node: this.node };
  }

  // ---- helpers ----

  private lookup = (name: string): string | undefined => {
    if (Object.hasOwn(this.variables, name)) return this.variables[name];
    if (name === 'caller') return this.port.caller;
    if (name === 'dialled') return this.port.dialled;
    if (name === 'callId') return this.port.callId;
    return undefined;
  };

  private render(template: string, encode?: (v: string) => string): string {
    return render(template, this.lookup, encode);
  }

  private holds(r: NodeOf<'condition'>['rules'][number]): boolean {
    const v = this.lookup(r.variable) ?? '';
    const want = r.value !== undefined ? this.render(r.value) : '';
    switch (r.op) {
      case 'eq':
        return v === want;
      case 'ne':
        return v !== want;
      case 'lt':
      case 'gt': {
        if (v.trim() === '' || want.trim() === '') return false;
        const a = Number(v);
        const b = Number(want);
        return Number.isFinite(a) && Number.isFinite(b) && (r.op === 'lt' ? a < b : a > b);
      }
      case 'matches':
        try {
          return new RegExp(want).test(v);
        } catch {
          return false;
        }
      case 'empty':
        return v === '';
      case 'present':
        return v !== '';
      default:
        return false;
    }
  }

  /** Prompt refs to prompt ids: `digits:VAR` reads the variable out key by key. */
  private prompts(refs: readonly string[]): PromptId[] {
    const out: PromptId[] = [];
    for (const ref of refs) {
      if (!ref.startsWith('digits:')) {
        out.push(ref);
        continue;
      }
      for (const ch of this.lookup(ref.slice(7)) ?? '') {
        if (/[0-9]/.test(ch)) out.push(`digit-${ch}`);
        else if (KEY_PROMPTS[ch]) out.push(KEY_PROMPTS[ch]);
      }
    }
    return out;
  }

  private async play(refs: readonly string[], bargeIn: boolean): Promise<void> {
    if (!refs.length) return;
    await this.wait(this.port.play(this.prompts(refs), bargeIn));
  }

  /** Await something the call does; a caller who hung up meanwhile ends the run. */
  private async wait<T>(p: Promise<T>): Promise<T> {
    const v = await p;
    if (this.port.gone) throw GONE;
    return v;
  }
}

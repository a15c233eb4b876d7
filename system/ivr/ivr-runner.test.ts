import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { IvrSession, type IvrRunnerDeps } from './ivr-runner.ts';
import { validateFlow } from './flow-validate.ts';
import { httpLookup } from './http-lookup.ts';
import type { PublishedFlow } from './flow-schema.ts';
import type { IvrPort, ListenResult, RecordRequest } from './ivr-port.ts';
import type { IvrTag } from '../calls/cdr.ts';
import type { HoursState } from './business-hours.ts';

/**
 * A caller scripted key by key: each nextDigit() takes the next entry (a key, or undefined for
 * "waited and pressed nothing"); `typeAhead` keys were pressed during the prompt before.
 */
class ScriptedCaller implements IvrPort {
  readonly callId = 'call-1';
  readonly caller = '13800138000';
  readonly dialled = '4008001234';
  gone = false;
  played: string[][] = [];
  typeAhead: string[] = [];
  queued?: { queue: string; priority?: number; skills?: { skill: string; minLevel: number }[]; tag: IvrTag };
  transfers: string[] = [];
  records: RecordRequest[] = [];
  listens: ListenResult[] = [];
  hungUp?: string;
  lastTag?: IvrTag;
  queueRefuses = false;
  transferAnswers = true;
  /** Hang up when this many keys have been asked for. */
  hangUpAfterAsks?: number;
  private asks = 0;

  constructor(private readonly keys: (string | undefined)[]) {}
  async play(prompts: string[]): Promise<void> {
    this.played.push(prompts);
  }
  async nextDigit(): Promise<string | undefined> {
    if (this.typeAhead.length) return this.typeAhead.shift();
    if (++this.asks === this.hangUpAfterAsks) this.gone = true;
    if (this.gone) return undefined;
    return this.keys.length ? this.keys.shift() : undefined;
  }
  pendingDigits(): number {
    return this.typeAhead.length;
  }
  clearDigits(): void {
    this.typeAhead = [];
  }
  update(tag: IvrTag): void {
    this.lastTag = tag;
  }
  toQueue(queue: string, opts: { priority?: number; skills?: { skill: string; minLevel: number }[]; tag: IvrTag }): boolean {
    if (this.queueRefuses) return false;
    this.queued = { queue, ...opts };
    return true;
  }
  async transfer(to: { kind: string; number: string }): Promise<boolean> {
    this.transfers.push(`${to.kind}:${to.number}`);
    return this.transferAnswers;
  }
  async record(req: RecordRequest) {
    this.records.push(req);
    return { id: 'msg-1', durationMs: 4200, endedBy: 'key' as const, heardSpeech: true };
  }
  async listen(): Promise<ListenResult> {
    return this.listens.shift() ?? { kind: 'silence' };
  }
  async hangup(cause: string): Promise<void> {
    this.hungUp = cause;
    this.gone = true;
  }
}

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
function deps(over: Partial<IvrRunnerDeps> = {}): IvrRunnerDeps {
  return { hours: () => 'open', http: httpLookup, log: quiet, ...over };
}

function publish(doc: object, version = 1): PublishedFlow {
  const check = validateFlow(doc);
  assert.ok(check.ok, JSON.stringify(check));
  return { name: check.flow.name, version, publishedAt: 0, publishedBy: 'test', flow: check.flow };
}

/** Five menu levels deep, then account digits, a CRM lookup and a queue with the collected data. */
function fiveLevels(crmUrl = 'http://127.0.0.1:9/crm') {
  return publish({
    name: 'deep',
    start: 'l1',
    variables: { channel: 'phone' },
    nodes: {
      l1: { type: 'menu', prompts: ['hello', 'press', 'digit-1'], choices: { '1': 'l2', '9': 'bye' }, fallback: 'bye', timeoutSec: 1 },
      l2: { type: 'menu', prompts: ['press', 'digit-2'], choices: { '2': 'l3' }, fallback: 'bye' },
      l3: { type: 'menu', prompts: ['press', 'digit-3'], choices: { '3': 'l4' }, fallback: 'bye' },
      l4: { type: 'menu', prompts: ['press', 'digit-4'], choices: { '4': 'l5' }, fallback: 'bye' },
      l5: { type: 'menu', prompts: ['press', 'digit-5'], choices: { '5': 'account', '6': 'agent' }, fallback: 'bye' },
      account: { type: 'collect', prompts: ['you-entered'], variable: 'account', minLength: 4, maxLength: 8, terminator: '#', pattern: '[0-9]+', next: 'crm', fallback: 'agent' },
      crm: { type: 'http', url: crmUrl, timeoutMs: 500, assign: { tier: 'customer.tier', name: 'customer.name' }, next: 'vip', failure: 'agent' },
      vip: { type: 'condition', rules: [{ variable: 'tier', op: 'eq', value: 'gold', next: 'gold' }], else: 'agent' },
      gold: { type: 'set', values: { prio: '9', lang: 'en' }, next: 'agent' },
      agent: { type: 'queue', queue: 'billing', priority: '{prio}', skills: 'billing:2,{lang}:3' },
      bye: { type: 'hangup', prompts: ['goodbye'] },
    },
  });
}

let server: http.Server;
let base = '';
const requests: { url: string; method: string; body: string }[] = [];
before(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      requests.push({ url: req.url ?? '', method: req.method ?? '', body });
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/crm') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ customer: { tier: url.searchParams.get('account') === '1234' ? 'gold' : 'basic', name: 'Wang Wei' } }));
      } else if (url.pathname === '/slow') setTimeout(() => res.end('{}'), 1500);
      else if (url.pathname === '/broken') res.end('{"customer": {"tier": "gold"');
      else if (url.pathname === '/list') res.end('[1,2]');
      else if (url.pathname === '/down') {
        res.statusCode = 503;
        res.end('{"error":"maintenance"}');
      } else {
        res.statusCode = 404;
        res.end();
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

test('a caller goes five menu levels deep, enters an account number, is looked up and queued with priority and skills from the variables', async () => {
  const caller = new ScriptedCaller(['1', '2', '3', '4', '5', '1', '2', '3', '4', '#']);
  const session = new IvrSession(fiveLevels(`${base}/crm`), caller, deps());
  const outcome = await session.run();
  assert.deepEqual(outcome, { kind: 'queue', queue: 'billing' });
  assert.deepEqual(caller.queued?.tag.path, ['l1', 'l2', 'l3', 'l4', 'l5', 'account', 'crm', 'vip', 'gold', 'agent']);
  assert.deepEqual(caller.queued?.tag.variables, { channel: 'phone', account: '1234', tier: 'gold', name: 'Wang Wei', prio: '9', lang: 'en' });
  assert.equal(caller.queued?.priority, 9);
  assert.deepEqual(caller.queued?.skills, [{ skill: 'billing', minLevel: 2 }, { skill: 'en', minLevel: 3 }]);
  assert.deepEqual([caller.queued?.tag.flow, caller.queued?.tag.version], ['deep', 1]);
  const crm = requests.find((r) => r.url.startsWith('/crm'))!;
  const q = new URL(crm.url, 'http://x').searchParams;
  assert.deepEqual([q.get('caller'), q.get('dialled'), q.get('account')], ['13800138000', '4008001234', '1234'], 'the lookup carries the caller and the collected digits');
  assert.equal(caller.hungUp, undefined);
});

test('keys pressed during a prompt (type-ahead) skip the prompt and answer the menu', async () => {
  const caller = new ScriptedCaller(['2', '3', '4', '6']);
  caller.typeAhead = ['1'];
  const outcome = await new IvrSession(fiveLevels(), caller, deps()).run();
  assert.deepEqual(outcome, { kind: 'queue', queue: 'billing' });
  assert.ok(!caller.played.some((p) => p.includes('hello')), 'the first menu prompt was skipped');
  assert.equal(caller.queued?.priority, undefined, 'no priority variable: the queue decides');
  assert.deepEqual(caller.queued?.skills, [{ skill: 'billing', minLevel: 2 }], 'an empty {lang} leaves that part out');
});

test('a timeout, then an invalid key, are retried with their prompts; the third answer counts', async () => {
  const caller = new ScriptedCaller([undefined, '7', '1', '2', '3', '4', '6']);
  const outcome = await new IvrSession(fiveLevels(), caller, deps()).run();
  assert.equal(outcome.kind, 'queue');
  const l1 = caller.played.slice(0, 5);
  assert.deepEqual(l1, [['hello', 'press', 'digit-1'], ['please-try-again'], ['hello', 'press', 'digit-1'], ['sorry', 'please-try-again'], ['hello', 'press', 'digit-1']]);
  assert.deepEqual(caller.queued?.tag.path.slice(0, 2), ['l1', 'l2'], 'retries stay on the node, not in the path');
});

test('after the last retry the menu goes to its fallback', async () => {
  const caller = new ScriptedCaller([undefined, undefined, undefined]);
  const outcome = await new IvrSession(fiveLevels(), caller, deps()).run();
  assert.deepEqual(outcome, { kind: 'hangup', node: 'bye' });
  assert.deepEqual(caller.played.at(-1), ['goodbye']);
  assert.equal(caller.lastTag?.path.join(','), 'l1,bye');
});

test('collect: digits not matching the pattern or too few are retried, then the fallback', async () => {
  const caller = new ScriptedCaller(['1', '2', '3', '4', '5', '1', '2', '#', '9', '9', '9', '9', '9', '9', '9', '9', undefined, undefined]);
  const outcome = await new IvrSession(fiveLevels(), caller, deps()).run();
  assert.equal(outcome.kind, 'queue');
  // '12#' is too short; '99999999' (8 keys, the maximum) is accepted.
  assert.equal(caller.queued?.tag.variables.account, '99999999');
  assert.ok(caller.played.some((p) => p.join() === 'sorry,please-try-again'));
});

test('HTTP lookup: an answer slower than the node timeout takes the failure branch', async () => {
  const caller = new ScriptedCaller(['1', '2', '3', '4', '5', '1', '2', '3', '4', '#']);
  const started = Date.now();
  const outcome = await new IvrSession(fiveLevels(`${base}/slow`), caller, deps()).run();
  assert.equal(outcome.kind, 'queue');
  assert.ok(Date.now() - started < 1400, 'gave up at the 500 ms timeout');
  assert.deepEqual(caller.queued?.tag.path.slice(-2), ['crm', 'agent']);
  assert.equal(caller.queued?.tag.variables.http_error, 'timeout');
  assert.equal(caller.queued?.tag.variables.tier, undefined);
});

test('HTTP lookup: an answer that is not JSON, not an object, or an error status takes the failure branch', async () => {
  for (const [path, error] of [['/broken', 'bad-json'], ['/list', 'bad-json'], ['/down', 'status'], ['/missing', 'status']]) {
    const caller = new ScriptedCaller(['1', '2', '3', '4', '5', '1', '2', '3', '4', '#']);
    await new IvrSession(fiveLevels(`${base}${path}`), caller, deps()).run();
    assert.deepEqual(caller.queued?.tag.path.slice(-2), ['crm', 'agent'], path);
    assert.equal(caller.queued?.tag.variables.http_error, error, path);
  }
  const refused = await httpLookup({ url: 'http://127.0.0.1:9/x', method: 'GET', timeoutMs: 500, params: {} });
  assert.equal(refused.ok, false);
  assert.equal(!refused.ok && refused.error, 'network');
});

test('HTTP lookup by POST sends the caller and variables as JSON', async () => {
  const flow = publish({ name: 'p', start: 'h', variables: { order: '77' }, nodes: {
    h: { type: 'http', method: 'POST', url: `${base}/crm`, assign: { tier: 'customer.tier' }, next: 'q', failure: 'q' },
    q: { type: 'queue', queue: 'x' },
  } });
  const caller = new ScriptedCaller([]);
  await new IvrSession(flow, caller, deps()).run();
  const body = JSON.parse(requests.filter((r) => r.method === 'POST').at(-1)!.body);
  assert.deepEqual([body.caller, body.order, body.flow], ['13800138000', '77', 'p']);
  assert.equal(caller.queued?.tag.variables.tier, 'basic');
});

test('a time condition branches on the schedule state: open, closed, and holiday (falling back to closed without a holiday branch)', async () => {
  const flow = (holiday?: string) => publish({ name: 't', start: 'when', nodes: {
    when: { type: 'time', schedule: 'office', open: 'open', closed: 'closed', ...(holiday ? { holiday } : {}) },
    open: { type: 'queue', queue: 'open' }, closed: { type: 'queue', queue: 'closed' }, hol: { type: 'queue', queue: 'holiday' },
  } });
  const run = async (state: HoursState, holiday?: string) => {
    const caller = new ScriptedCaller([]);
    const asked: string[] = [];
    await new IvrSession(flow(holiday), caller, deps({ hours: (s) => (asked.push(s), state) })).run();
    assert.deepEqual(asked, ['office']);
    return caller.queued?.queue;
  };
  assert.equal(await run('open'), 'open');
  assert.equal(await run('closed'), 'closed');
  assert.equal(await run('holiday', 'hol'), 'holiday');
  assert.equal(await run('holiday'), 'closed');
});

test('the loop guard hangs up a flow that cycles without asking the caller anything', async () => {
  const flow = publish({ name: 'loop', start: 'a', maxStepsWithoutInput: 10, nodes: {
    a: { type: 'set', values: { n: 'a' }, next: 'b' },
    b: { type: 'condition', rules: [{ variable: 'n', op: 'eq', value: 'a', next: 'a' }], else: 'a' },
  } });
  const caller = new ScriptedCaller([]);
  const outcome = await new IvrSession(flow, caller, deps()).run();
  assert.equal(outcome.kind, 'loop');
  assert.equal(caller.hungUp, 'ivr-loop');
  assert.equal(caller.lastTag?.path.length, 10);
});

test('the loop guard also stops a menu whose fallback leads back to it while the caller stays silent, but input resets it', async () => {
  const flow = publish({ name: 'silent', start: 'm', maxStepsWithoutInput: 6, nodes: {
    m: { type: 'menu', prompts: ['hello'], choices: { '1': 'm', '2': 'q' }, retries: 0, fallback: 'm' },
    q: { type: 'queue', queue: 'x' },
  } });
  const silent = new ScriptedCaller([]);
  assert.equal((await new IvrSession(flow, silent, deps()).run()).kind, 'loop');
  // Pressing 1 (back to the menu) five times is input each time: never stopped by the guard.
  const busy = new ScriptedCaller(['1', '1', '1', '1', '1', '1', '1', '1', '2']);
  assert.equal((await new IvrSession(flow, busy, deps()).run()).kind, 'queue');
});

test('a caller who hangs up inside the menu ends the run, with the path so far on the call', async () => {
  const caller = new ScriptedCaller(['1', '2']);
  caller.hangUpAfterAsks = 3;
  const outcome = await new IvrSession(fiveLevels(), caller, deps()).run();
  assert.deepEqual(outcome, { kind: 'caller-left', node: 'l3' });
  assert.deepEqual(caller.lastTag?.path, ['l1', 'l2', 'l3']);
  assert.equal(caller.hungUp, undefined, 'nobody hangs up a call that is already gone');
});

test('a queue that refuses the caller: an apology and a hang-up', async () => {
  const caller = new ScriptedCaller([]);
  caller.queueRefuses = true;
  const outcome = await new IvrSession(publish({ name: 'q', start: 'q', nodes: { q: { type: 'queue', queue: 'gone' } } }), caller, deps()).run();
  assert.equal(outcome.kind, 'hangup');
  assert.deepEqual(caller.played.at(-1), ['sorry', 'try-later']);
});

test('transfer: a template picks the number; when nobody answers the failure branch runs', async () => {
  const flow = publish({ name: 'tr', start: 'c', nodes: {
    c: { type: 'collect', variable: 'ext', minLength: 4, maxLength: 4, next: 't', fallback: 'bye' },
    t: { type: 'transfer', to: 'ext:{ext}', failure: 'vm' },
    vm: { type: 'record', prompts: ['sorry'], mailbox: 'general', next: 'bye' },
    bye: { type: 'hangup', prompts: ['thank-you', 'goodbye'] },
  } });
  const answered = new ScriptedCaller(['1', '0', '0', '1']);
  assert.deepEqual(await new IvrSession(flow, answered, deps()).run(), { kind: 'transfer', to: 'ext:1001' });
  const unanswered = new ScriptedCaller(['1', '0', '0', '2']);
  unanswered.transferAnswers = false;
  assert.equal((await new IvrSession(flow, unanswered, deps()).run()).kind, 'hangup');
  assert.deepEqual(unanswered.transfers, ['ext:1002']);
  assert.equal(unanswered.records[0].mailbox, 'general');
  assert.deepEqual(unanswered.records[0].tag.path, ['c', 't', 'vm']);
  assert.deepEqual(unanswered.played.slice(-3), [['sorry'], ['beep'], ['thank-you', 'goodbye']]);
  assert.equal(unanswered.lastTag?.variables.message_id, 'msg-1');
});

test('play reads a variable out key by key', async () => {
  const flow = publish({ name: 'd', start: 's', variables: { code: '4#2' }, nodes: {
    s: { type: 'play', prompts: ['you-entered', 'digits:code'], next: 'bye' }, bye: { type: 'hangup' },
  } });
  const caller = new ScriptedCaller([]);
  await new IvrSession(flow, caller, deps()).run();
  assert.deepEqual(caller.played[0], ['you-entered', 'digit-4', 'key-pound', 'digit-2']);
});

test('speech: a recognised phrase branches, an unrecognised one is retried, DTMF works throughout, and without a recogniser the node is DTMF only', async () => {
  const flow = publish({ name: 's', start: 's', nodes: {
    s: { type: 'speech', prompts: ['hello'], keywords: [{ phrases: ['sales'], next: 'sales' }, { phrases: ['support', 'help'], next: 'support' }], digits: { '1': 'sales', '2': 'support' }, fallback: 'menu' },
    menu: { type: 'menu', choices: { '1': 'sales' }, fallback: 'bye' },
    sales: { type: 'queue', queue: 'sales' }, support: { type: 'queue', queue: 'support' }, bye: { type: 'hangup' },
  } });
  const heard = new ScriptedCaller([]);
  heard.listens = [{ kind: 'no-match', heard: 'cells' }, { kind: 'phrase', phrase: 'help' }];
  await new IvrSession(flow, heard, deps()).run();
  assert.equal(heard.queued?.queue, 'support');
  assert.equal(heard.queued?.tag.variables.speech_heard, 'help');
  assert.ok(heard.played.some((p) => p.join() === 'sorry,please-try-again'));

  const keyed = new ScriptedCaller([]);
  keyed.listens = [{ kind: 'digit', digit: '1' }];
  await new IvrSession(flow, keyed, deps()).run();
  assert.equal(keyed.queued?.queue, 'sales');

  const noEngine = new ScriptedCaller(['2']);
  noEngine.listens = [{ kind: 'unavailable' }];
  await new IvrSession(flow, noEngine, deps()).run();
  assert.equal(noEngine.queued?.queue, 'support');

  const silent = new ScriptedCaller(['1']);
  await new IvrSession(flow, silent, deps()).run();
  assert.deepEqual(silent.queued?.tag.path, ['s', 'menu', 'sales'], 'three silent attempts: the DTMF fallback menu');
});

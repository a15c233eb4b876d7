// The live wallboard end to end: the real box, a baresip desk phone for agent a1, sipp
// callers from a carrier trunk, a supervisor's WebSocket and Debian's Chromium on the
// wallboard page. A caller entering the queue shows as waiting (coloured by the supervisor's
// thresholds) and ringing without a reload; the agent answering makes it talking, answered
// today 1, the agent on a call with that caller; the agent's hold shows as on hold; the
// supervisor listens, then whispers, from the page's buttons (their own baresip phone rings and
// answers); hanging up gives wrap-up, then available. The deltas are asserted on the WebSocket as well; the page
// never polls. The call's live MOS shows beside the caller once the box has read it. Thresholds are stored in LMDB with their event row, pushed to supervisors and
// never to agents. Big-screen mode hides the app's chrome. Screenshots go to the artifacts
// directory printed at the start. A caller in an IVR menu shows as in IVR.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { openWs, type WsMessages } from './harness/ws-client.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { queueCaller } from './harness/queue-caller.ts';
import { signInPageChangingPassword } from './harness/first-sign-in.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { testWithShots } from './harness/web-session.ts';

const CARRIER = '127.0.0.2';
const DID = '5550100';
const IVR_DID = '5550199';
const CALLER = '13800138000';
let box: BoxProcess;
let admin: ApiClient;
let sup: ApiClient;
let agentApi: ApiClient;
let supWs: WsMessages;
let agentWs: WsMessages;
let phone: Baresip;
/** The supervisor's own desk phone (extension 2009, answers by itself). */
let supPhone: Baresip;
let browser: Browser;
let page: TestPage;
const shots: string[] = [];

const THRESHOLDS = { longestWaitSec: { amber: 60, red: 120 }, waiting: { amber: 1, red: 3 }, serviceLevelPct: { amber: 90, red: 80 } };

before(async () => {
  ensureWebBuilt();
  box = await startBoxProcess({
    recording: { enabled: false },
    extensions: [{ number: '2001', password: 'pw-2001' }, { number: '2009', password: 'pw-2009' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'sales', displayName: 'Sales 销售', strategy: 'linear', overflow: 'hangup', ringTimeoutSec: 60, wrapUpSec: 3, announceEverySec: 0 }],
    agents: [{ id: 'a1', name: 'Li Na', extension: '2001', queues: [{ queue: 'sales' }] }],
    dids: [{ number: DID, trunk: 'carrier', destination: 'queue:sales' }, { number: IVR_DID, trunk: 'carrier', destination: 'ivr:wbmenu' }],
  });
  assert.ok(!box.logs.some((l) => l.includes('CC_MEDIA_PROMPT_MISSING')), 'the prompt set is built (npm run setup): the box answers a hold with music and reports it');
  admin = await signIn(box);
  for (const [username, role] of [['sup1', 'supervisor'], ['wall1', 'supervisor'], ['a1', 'agent']]) {
    const r = await admin.call('POST', '/api/users', { username, role, password: `${username}-password` });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  sup = await signIn(box, 'sup1', 'sup1-password');
  agentApi = await signIn(box, 'a1', 'a1-password');
  supWs = await openWs(box.httpPort, `/api/events?token=${sup.token}`);
  agentWs = await openWs(box.httpPort, `/api/events?token=${agentApi.token}`);
  phone = await startBaresip({ extension: '2001', password: 'pw-2001', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 700, answer: 'manual' });
  await phone.waitFor(/200 OK .*1 binding/);
  supPhone = await startBaresip({ extension: '2009', password: 'pw-2009', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 1300 });
  await supPhone.waitFor(/200 OK .*1 binding/);
  browser = await launchBrowser();
  page = await openPage(browser, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale: 'en-US' });
});

after(async () => {
  supWs?.close();
  agentWs?.close();
  await browser?.close();
  await phone?.stop();
  await supPhone?.stop();
  await box?.stop();
});

/** A test that leaves a screenshot of the page when it fails. */
const test = testWithShots('wallboard', () => page);

const deltas = (ws: WsMessages) => ws.messages.filter((m) => m.kind === 'wallboard');
/** The first wallboard delta after `from` messages that matches. */
const delta = (from: number, pred: (m: any) => boolean) => supWs.waitFor((m) => m.kind === 'wallboard' && supWs.messages.indexOf(m) >= from && pred(m), 20_000);

test('the snapshot shows the queue and the agent; thresholds are checked, stored with an event row, pushed to supervisors and not to agents', async () => {
  assert.equal((await admin.call('POST', '/api/acd/agents/a1/login')).status, 200);
  const until = Date.now() + 10_000;
  let snap: any;
  for (;;) {
    snap = (await sup.call('GET', '/api/wallboard')).body;
    if (snap.model.agents.a1?.state === 'available') break;
    assert.ok(Date.now() < until, JSON.stringify(snap));
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(typeof snap.seq, 'number');
  assert.deepEqual(snap.model.calls, {});
  assert.deepEqual(snap.model.queues.sales, {
    name: 'sales', displayName: 'Sales 销售', waiting: 0,
    agents: { loggedIn: 1, available: 1, ringing: 0, onCall: 0, wrapUp: 0, break: 0 },
    today: { offered: 0, answered: 0, abandoned: 0, shortAbandoned: 0, answeredInTime: 0, serviceLevelSec: 20 },
  });
  assert.deepEqual([snap.model.agents.a1.name, snap.model.agents.a1.extension, snap.model.agents.a1.queues], ['Li Na', '2001', ['sales']]);
  assert.equal((await agentApi.call('GET', '/api/wallboard')).status, 403, 'agents do not see the wallboard');

  const bad = await sup.call('PUT', '/api/wallboard/thresholds', { ...THRESHOLDS, waiting: { amber: 4, red: 2 } });
  assert.deepEqual([bad.status, bad.body.code], [400, 'CC_WALLBOARD_BAD_THRESHOLDS']);
  const malformed = await sup.call('PUT', '/api/wallboard/thresholds', { ...THRESHOLDS, waiting: { amber: 'soon', red: 3 } });
  assert.deepEqual([malformed.status, malformed.body.code], [400, 'CC_API_BAD_REQUEST']);
  const from = supWs.messages.length;
  const ok = await sup.call('PUT', '/api/wallboard/thresholds', THRESHOLDS);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.deepEqual(ok.body, THRESHOLDS);
  const pushed = await delta(from, (m) => m.thresholds);
  assert.deepEqual(pushed.thresholds, THRESHOLDS);
  const stored = (await box.read<any>('config')).find((r) => r.key === 'wallboard-thresholds');
  assert.deepEqual(stored?.value, THRESHOLDS);
  const events = (await box.read<any>('events')).map((r) => r.value).filter((e) => e.type === 'wallboard-thresholds-changed');
  assert.deepEqual(events.map((e) => [e.by, e.thresholds.waiting.amber]), [['sup1', 1]]);
  assert.deepEqual((await sup.call('GET', '/api/wallboard')).body.model.thresholds, THRESHOLDS);
  assert.deepEqual(deltas(agentWs), [], 'an agent\'s live events carry no wallboard deltas');
});

test('a queued caller shows as waiting and ringing without a reload; the agent answering makes it talking and answered today; a hold is on hold; the supervisor listens and whispers from the page; hanging up gives wrap-up, then available', async () => {
  const { page: p, errors } = page;
  // The box may ask wall1 to replace the password an administrator set.
  await signInPageChangingPassword(p, 'wall1', 'wall1-password', 'wall1-own-password');
  await p.click('[data-test=nav-wallboard]');
  await p.waitForSelector('[data-test=wallboard] [data-test=wb-agent][data-agent=a1][data-state=available]');
  const snapshotReads: string[] = [];
  p.on('request', (r) => new URL(r.url()).pathname.startsWith('/api/wallboard') && r.method() === 'GET' && snapshotReads.push(r.url()));
  const queue = '[data-test=wb-queue][data-queue=sales]';
  assert.equal(await p.textContent(`${queue} [data-test=wb-waiting]`), '0');
  assert.equal(await p.getAttribute(`${queue} [data-test=wb-waiting]`, 'data-colour'), 'ok');
  shots.push(await screenshot(p, 'wallboard-01-idle-en'));

  const from = supWs.messages.length;
  const run = await queueCaller(box, { dialled: DID, caller: CALLER, timeoutSec: 90 });
  // The caller waits for the agent's BYE: sipp ending before that is a failed call.
  const sippEnded = run.done.then((r) => {
    throw new Error(`the sipp caller ended early (exit ${r.code}): ${r.errors || r.stderr}`);
  });
  sippEnded.catch(() => undefined);
  // Waiting, with a1's phone ringing for the caller.
  await Promise.race([p.waitForSelector(`${queue} [data-test=wb-waiting]:text-is("1")`, { timeout: 20_000 }), sippEnded]);
  assert.equal(await p.getAttribute(`${queue} [data-test=wb-waiting]`, 'data-colour'), 'amber', 'one caller waiting reaches the amber threshold');
  await p.waitForSelector('[data-test=wb-calls-ringing][data-count="1"]');
  await p.waitForSelector(`[data-test=wb-agent][data-agent=a1][data-state=ringing] [data-test=wb-agent-caller]:text-is("${CALLER}")`);
  assert.notEqual(await p.textContent(`${queue} [data-test=wb-longest]`), '—');
  const waitingDelta = await delta(from, (m) => m.queues?.sales?.waiting === 1);
  assert.equal(typeof waitingDelta.queues.sales.oldestEnteredAt, 'number');
  const ringingCall = (m: any) => Object.values(m.calls ?? {}).find((c: any) => c?.phase === 'ringing' && c.caller === CALLER && c.agent === 'a1') as any;
  const ringing = await delta(from, (m) => !!ringingCall(m));
  const callId = ringingCall(ringing).callId as string;
  assert.deepEqual([ringing.calls[callId].queue, ringing.calls[callId].agent, ringing.calls[callId].dialled], ['sales', 'a1', DID]);
  shots.push(await screenshot(p, 'wallboard-02-waiting-ringing-en'));

  // The agent answers.
  await phone.waitFor(/Incoming call from/i, 10_000);
  await phone.command('accept');
  await p.waitForSelector('[data-test=wb-calls-talking][data-count="1"]', { timeout: 10_000 });
  await p.waitForSelector(`${queue} [data-test=wb-answered]:text-is("1")`);
  await p.waitForSelector(`[data-test=wb-agent][data-agent=a1][data-state=on-call] [data-test=wb-agent-caller]:text-is("${CALLER}")`);
  assert.equal(await p.textContent('[data-test=wb-agent][data-agent=a1] [data-test=wb-agent-queue]'), 'Sales 销售');
  assert.equal(await p.getAttribute('[data-test=wb-agent][data-agent=a1] [data-test=wb-agent-actions]', 'data-call'), callId);
  assert.equal(await p.textContent(`${queue} [data-test=wb-waiting]`), '0');
  assert.equal(await p.textContent(`${queue} [data-test=wb-on-call]`), '1');
  assert.equal(await p.textContent('[data-test=wb-calls-ringing]  b'), '0');
  const talking = await delta(from, (m) => m.calls?.[callId]?.phase === 'talking');
  assert.equal(talking.calls[callId].callee, '2001');
  const onCall = await delta(from, (m) => m.agents?.a1?.state === 'on-call' && m.agents.a1.call);
  assert.deepEqual([onCall.agents.a1.call.callId, onCall.agents.a1.call.caller, onCall.agents.a1.call.queue, typeof onCall.agents.a1.call.talkingSince], [callId, CALLER, 'sales', 'number']);
  const answered = await delta(from, (m) => m.queues?.sales?.today?.answered === 1);
  // Within the service level (20 s, the reports' default) or not, as the queue log says the wait was.
  const connect = (await box.read<any>('queue-log')).map((r) => r.value).find((r) => r.type === 'connect' && r.callId === callId);
  const inTime = connect.waitMs <= 20_000 ? 1 : 0;
  assert.deepEqual(answered.queues.sales.today, { offered: 1, answered: 1, abandoned: 0, shortAbandoned: 0, answeredInTime: inTime, serviceLevelSec: 20, serviceLevelPct: inTime * 100 });
  assert.equal(await p.textContent(`${queue} [data-test=wb-sl]`), `${inTime * 100}%`);
  assert.equal(await p.getAttribute(`${queue} [data-test=wb-sl]`, 'data-colour'), inTime ? 'ok' : 'red');
  // The talk time ticks on the page by itself.
  const t1 = await p.textContent('[data-test=wb-agent][data-agent=a1] [data-test=wb-agent-talk]');
  await p.waitForFunction((before) => document.querySelector('[data-test=wb-agent][data-agent=a1] [data-test=wb-agent-talk]')?.textContent !== before, t1, { timeout: 5000 });
  // The box's first live quality reading (every few seconds once answered) reaches the page as
  // the call's MOS, on the call and on its agent, and shows beside the caller with its colour.
  const scored = await delta(from, (m) => typeof m.calls?.[callId]?.mos === 'number');
  const mos = scored.calls[callId].mos as number;
  assert.ok(mos >= 1 && mos <= 4.5, `MOS ${mos}`);
  const badge = '[data-test=wb-agent][data-agent=a1] [data-test=wb-agent-mos]';
  await p.waitForSelector(badge, { timeout: 10_000 });
  assert.match((await p.textContent(badge)) ?? '', /^MOS [1-4]\.\d$/);
  assert.ok(['ok', 'amber', 'red'].includes((await p.getAttribute(badge, 'data-colour')) ?? ''));
  const board = (await sup.call('GET', '/api/wallboard')).body.model;
  assert.equal(board.agents.a1.call.mos, board.calls[callId].mos, 'the agent row shows the call\'s MOS');
  shots.push(await screenshot(p, 'wallboard-03-talking-en'));

  // The agent puts the caller on hold and takes them back.
  const holdReply = await phone.command('hold');
  await p.waitForSelector('[data-test=wb-calls-held][data-count="1"]', { timeout: 10_000 }).catch((err) => {
    throw new Error(`${err.message}\nbaresip answered ${holdReply}; its output:\n${phone.output().slice(-3000)}\nbox log:\n${box.logs.filter((l) => /hold|re-?invite|491|warn|error/i.test(l)).slice(-15).join('\n')}`);
  });
  await p.waitForSelector('[data-test=wb-agent][data-agent=a1] [data-test=wb-agent-held]');
  const held = await delta(from, (m) => m.calls?.[callId]?.phase === 'held');
  assert.equal(held.calls[callId].talkingSince, talking.calls[callId].talkingSince, 'hold does not restart the talk');
  shots.push(await screenshot(p, 'wallboard-03b-held-en'));
  await phone.command('resume');
  await p.waitForSelector('[data-test=wb-calls-talking][data-count="1"]', { timeout: 10_000 });
  await p.waitForSelector('[data-test=wb-agent][data-agent=a1] [data-test=wb-agent-held]', { state: 'detached' });

  // The supervisor listens from their own phone, then whispers to the agent, then hangs up.
  const actions = '[data-test=wb-agent][data-agent=a1] [data-test=wb-agent-actions]';
  await p.fill('[data-test=wb-my-ext]', '2009');
  await p.press('[data-test=wb-my-ext]', 'Tab');
  await p.click(`${actions} [data-test=wb-listen]`);
  await p.waitForSelector(`${actions} [data-test=wb-listen][aria-pressed=true]`, { timeout: 20_000 });
  await p.click(`${actions} [data-test=wb-whisper]`);
  await p.waitForSelector(`${actions} [data-test=wb-whisper][aria-pressed=true]`);
  const monitorOf = async () => ((await sup.call('GET', '/api/calls')).body as any[]).find((c) => c.id === callId)?.parties.find((m: any) => m.role === 'monitor');
  const monitor = await monitorOf();
  assert.deepEqual([monitor.party.number, monitor.mode, monitor.modes.map((x: any) => x.mode)], ['2009', 'whisper', ['listen', 'whisper']]);
  const audit = ((await admin.call('GET', '/api/audit')).body as any[]).filter((r) => r.action.startsWith('call-monitor') && r.target === callId);
  assert.deepEqual(audit.map((r) => [r.action, r.actor, r.outcome]), [['call-monitor', 'wall1', 'ok'], ['call-monitor-mode', 'wall1', 'ok']]);
  const during = (await sup.call('GET', '/api/wallboard')).body.model;
  assert.deepEqual([during.agents.a1.state, during.agents.a1.since, during.agents.a1.call.talkingSince, during.calls[callId].phase], ['on-call', onCall.agents.a1.since, onCall.agents.a1.call.talkingSince, 'talking'], 'hold and a listening supervisor restart neither the state nor the talk');
  shots.push(await screenshot(p, 'wallboard-03c-whisper-en'));
  await supPhone.command('hangup');
  for (const until = Date.now() + 15_000; (await monitorOf())?.state !== 'left';) {
    assert.ok(Date.now() < until, `the supervisor never left: ${JSON.stringify(await monitorOf())}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  await p.waitForSelector('[data-test=wb-calls-talking][data-count="1"]');

  // The agent hangs up: wrap-up, then available.
  await phone.command('hangup');
  const r = await run.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  await p.waitForSelector('[data-test=wb-agent][data-agent=a1][data-state=wrap-up]', { timeout: 10_000 });
  assert.equal(await p.textContent(`${queue} [data-test=wb-wrap-up]`), '1');
  await p.waitForSelector('[data-test=wb-calls-talking][data-count="0"]');
  await p.waitForSelector('[data-test=wb-agent][data-agent=a1][data-state=available]', { timeout: 15_000 });
  assert.equal(await p.textContent('[data-test=wb-agent][data-agent=a1] [data-test=wb-agent-caller]'), '');
  await delta(from, (m) => m.calls?.[callId] === null);
  await delta(from, (m) => m.agents?.a1?.state === 'wrap-up' && !m.agents.a1.call);
  await delta(from, (m) => m.agents?.a1?.state === 'available');
  const seqs = deltas(supWs).map((m) => m.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), 'deltas are numbered without gaps');
  assert.deepEqual(snapshotReads, [], 'the page never read the snapshot again: every change was pushed');
  assert.deepEqual(errors, []);
});

test('a supervisor sets the thresholds in the page; contradicting ones are refused with the reason shown', async () => {
  const { page: p, errors } = page;
  await p.fill('[data-test=wb-thresholds] [name=waitingAmber]', '5');
  await p.fill('[data-test=wb-thresholds] [name=waitingRed]', '4');
  await p.click('[data-test=wb-save]');
  assert.equal(await (await p.waitForSelector('[data-test=wb-error]')).textContent(), 'Amber must come before red: check the thresholds.');
  await p.fill('[data-test=wb-thresholds] [name=waitingRed]', '8');
  await p.fill('[data-test=wb-thresholds] [name=slRed]', '70');
  await p.click('[data-test=wb-save]');
  await p.waitForSelector('[data-test=wb-saved]');
  assert.equal(await p.locator('[data-test=wb-error]').count(), 0);
  const want = { ...THRESHOLDS, waiting: { amber: 5, red: 8 }, serviceLevelPct: { amber: 90, red: 70 } };
  assert.deepEqual((await sup.call('GET', '/api/wallboard')).body.model.thresholds, want);
  assert.deepEqual((await box.read<any>('config')).find((r) => r.key === 'wallboard-thresholds')?.value, want);
  assert.deepEqual(errors.filter((e) => !/status of 400/.test(e)), []);
  errors.length = 0;
});

test('big-screen mode hides the app\'s chrome and the threshold form, and the button leaves it', async () => {
  const { page: p, errors } = page;
  await p.click('[data-test=wb-big]');
  await p.waitForSelector('[data-test=wallboard][data-big=true]');
  assert.equal(await p.isVisible('header.top'), false);
  assert.equal(await p.locator('[data-test=wb-thresholds]').count(), 0);
  assert.match(p.url(), /#\/wallboard\?big=1$/);
  // The type grows until the board fills the screen, without scrolling.
  await p.waitForFunction(() => {
    const main = document.querySelector<HTMLElement>('main.wallboard')!;
    const tablesFit = [...main.querySelectorAll('table')].every((t) => t.scrollWidth <= t.parentElement!.clientWidth);
    return tablesFit && main.scrollHeight <= innerHeight && main.scrollWidth <= main.clientWidth && (main.scrollHeight > innerHeight * 0.8 || parseFloat(getComputedStyle(main).fontSize) >= 64);
  }, undefined, { timeout: 15_000 });
  const bigFont = await p.evaluate(() => parseFloat(getComputedStyle(document.querySelector('main.wallboard')!).fontSize));
  shots.push(await screenshot(p, 'wallboard-04-big-screen-en'));
  await p.click('[data-test=wb-big]');
  await p.waitForSelector('[data-test=wallboard][data-big=false]');
  assert.equal(await p.isVisible('header.top'), true);
  const normalFont = await p.evaluate(() => parseFloat(getComputedStyle(document.querySelector('main.wallboard')!).fontSize));
  assert.ok(bigFont > normalFont, `big-screen type (${bigFont}px) is larger than normal (${normalFont}px)`);
  await p.selectOption('[data-test=lang]', 'zh-CN');
  assert.equal(await p.textContent('[data-test=wallboard] h1'), '实时监控');
  shots.push(await screenshot(p, 'wallboard-05-normal-zh'));
  // Opening the big-screen address directly (a wall display's bookmark).
  await p.goto('/#/wallboard?big=1');
  await p.waitForSelector('[data-test=wallboard][data-big=true] [data-test=wb-queue][data-queue=sales]');
  assert.equal(await p.isVisible('header.top'), false);
  shots.push(await screenshot(p, 'wallboard-06-big-screen-zh'));
  assert.deepEqual(errors, []);
});

test('a caller in an IVR menu counts as in IVR until the flow hangs up', async () => {
  const { page: p, errors } = page;
  const flow = { name: 'wbmenu', start: 'm', nodes: {
    m: { type: 'menu', prompts: ['hello'], choices: { '1': 'q' }, timeoutSec: 10, retries: 0, fallback: 'bye' },
    q: { type: 'queue', queue: 'sales' },
    bye: { type: 'hangup', prompts: ['goodbye'] },
  } };
  const published = await admin.call('POST', '/api/ivr/flows', flow);
  assert.equal(published.status, 201, JSON.stringify(published.body));
  const from = supWs.messages.length;
  const run = await queueCaller(box, { dialled: IVR_DID, caller: '13900000099', timeoutSec: 60 });
  const sippEnded = run.done.then((r) => {
    throw new Error(`the IVR caller ended before the page showed it (exit ${r.code}): ${r.errors || r.stderr}`);
  });
  sippEnded.catch(() => undefined);
  await Promise.race([p.waitForSelector('[data-test=wb-calls-ivr][data-count="1"]', { timeout: 10_000 }), sippEnded]);
  const inIvr = await delta(from, (m) => Object.values(m.calls ?? {}).some((c: any) => c?.phase === 'ivr'));
  const call = Object.values(inIvr.calls).find((c: any) => c?.phase === 'ivr') as any;
  assert.deepEqual([call.caller, call.dialled, call.queue], ['13900000099', IVR_DID, undefined]);
  shots.push(await screenshot(p, 'wallboard-07-ivr-big-screen-zh'));
  const r = await run.done;
  assert.equal(r.code, 0, `the flow hangs up after the menu times out: ${r.errors || r.stderr}`);
  await p.waitForSelector('[data-test=wb-calls-ivr][data-count="0"]');
  await delta(from, (m) => m.calls?.[call.callId] === null);
  assert.deepEqual(errors, []);
  console.log(`# screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}`);
});

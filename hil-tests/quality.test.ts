// Quality scoring end to end. Carrier callers (sipp) reach queue 'sales' and agent a1's
// baresip phone answers: one short call (under qa.sampling.shortTalkSec) and one long one.
// The sampling run puts the short one in review for its short talk and the long one as a
// random sample; a supervisor makes a scorecard and scores the long call over the API; the
// agent sees the score, another agent cannot, and a1 disputes it; the supervisor revises it,
// which closes the review; audit rows record scoring, dispute and resolution. In Chromium a
// supervisor scores the short call in the quality page (its recording loads in the form's
// player) and the agent's page shows that score and their weekly average, and disputes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { runSipp } from './harness/sipp.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';

const CARRIER = '127.0.0.2';
const DID = '5550100';
let box: BoxProcess;
let admin: ApiClient;
let sup: ApiClient;
let a1: ApiClient;
let a2: ApiClient;
let phone: Baresip;
let browser: Browser | undefined;
const call: { short?: string; long?: string } = {};

const CARD = {
  title: 'Inbound service',
  sections: [
    { id: 'attitude', title: 'Attitude', criteria: [
      { id: 'greeting', kind: 'yes-no', label: 'Greets and gives their name', weight: 40 },
      { id: 'courtesy', kind: 'scale', label: 'Courtesy', weight: 60 },
    ] },
    { id: 'compliance', title: 'Compliance', criteria: [{ id: 'identity', kind: 'critical', label: 'Verifies the caller', na: true }] },
  ],
};

before(async () => {
  ensureWebBuilt();
  box = await startBoxProcess({
    extensions: [{ number: '2001', password: 'pw-2001' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'sales', strategy: 'linear', overflow: 'hangup', announceEverySec: 0, ringTimeoutSec: 10, wrapUpSec: 0 }],
    agents: [{ id: 'a1', extension: '2001', queues: [{ queue: 'sales' }] }],
    dids: [{ number: DID, trunk: 'carrier', destination: 'queue:sales' }],
    // Every weekday has at least one random call per agent due with 7 a week.
    qa: { sampling: { randomPerAgentPerWeek: 7, shortTalkSec: 4, seed: 'quality-test' } },
  });
  admin = await signIn(box);
  for (const [username, role] of [['sup1', 'supervisor'], ['a1', 'agent'], ['a2', 'agent']]) {
    const r = await admin.call('POST', '/api/users', { username, role, password: `${username}-password`, mustChangePassword: false });
    assert.equal(r.status, 201, JSON.stringify(r.body));
  }
  sup = await signIn(box, 'sup1', 'sup1-password');
  a1 = await signIn(box, 'a1', 'a1-password');
  a2 = await signIn(box, 'a2', 'a2-password');
  phone = await startBaresip({ extension: '2001', password: 'pw-2001', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 700 });
  await phone.waitFor(/200 OK .*1 binding/);
  const login = await admin.call('POST', '/api/acd/agents/a1/login');
  assert.equal(login.status, 200, JSON.stringify(login.body));
  for (const [kind, number, pauseMs] of [['short', '13900000001', 1500], ['long', '13900000002', 8000]] as const) {
    const r = await runSipp({ scenario: 'uac-call.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`, keys: { dialled: DID, caller: number, rtp_ip: CARRIER, rtp_port: 9 }, pauseMs, timeoutSec: 60 }).done;
    assert.equal(r.code, 0, `caller ${number}: ${r.errors || r.stderr}`);
    const cdr = await box.cdr(DID, (c) => c.caller.number === number, 15_000);
    assert.ok(cdr, `no CDR for ${number}`);
    assert.deepEqual(cdr.agents, ['a1'], `${number} was taken by a1`);
    call[kind] = cdr.callId;
    await box.idle(5000);
  }
});

after(async () => {
  await browser?.close();
  await phone?.stop();
  await box?.stop();
});

const reviewsTable = async () => new Map((await box.read<any>('qa-reviews' as 'cdr')).map((r) => [r.key as string, r.value]));

test('the sampling run puts the short call in review for its short talk and the other as a random sample', async () => {
  const none = await sup.call('GET', '/api/qa/reviews');
  assert.deepEqual([none.status, none.body], [200, []]);
  const run = await sup.call('POST', '/api/qa/sampling/run', {});
  assert.equal(run.status, 200, JSON.stringify(run.body));
  assert.equal(run.body.day, new Date().toISOString().slice(0, 10));
  const byCall = new Map((run.body.selected as any[]).map((s) => [s.callId, s.reasons]));
  assert.deepEqual(Object.fromEntries(byCall), { [call.short!]: ['short-talk'], [call.long!]: ['random'] });
  const table = await reviewsTable();
  assert.deepEqual([table.get(call.short!)?.status, table.get(call.short!)?.agent, table.get(call.short!)?.reason], ['open', 'a1', 'short-talk']);
  assert.deepEqual([table.get(call.long!)?.status, table.get(call.long!)?.queue], ['open', 'sales']);
  const again = await sup.call('POST', '/api/qa/sampling/run', {});
  assert.deepEqual(again.body.selected, [], 'a second run picks nothing new');
  const listed = await sup.call('GET', '/api/qa/reviews?status=open');
  assert.deepEqual((listed.body as any[]).map((r) => r.callId).sort(), [call.short!, call.long!].sort());
  assert.equal((listed.body as any[])[0].call.caller.startsWith('1390000000'), true);
});

test('a supervisor makes a scorecard and scores the long call; the agent sees the score, another agent cannot', async () => {
  const bad = await sup.call('PUT', '/api/qa/scorecards/inbound', { ...CARD, sections: [{ id: 's', title: 'S', criteria: [{ id: 'x', kind: 'scale', label: 'X', weight: 1, min: 5, max: 5 }] }] });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'CC_QA_SCORECARD_INVALID');
  assert.deepEqual(bad.body.problems.map((p: any) => p.path), ['/sections/0/criteria/0/max']);
  const saved = await sup.call('PUT', '/api/qa/scorecards/inbound', CARD);
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  assert.equal(saved.body.version, 1);
  const refused = await sup.call('PUT', `/api/qa/scores/${call.long}`, { scorecard: 'inbound', answers: { greeting: true, courtesy: 7, identity: true } });
  assert.deepEqual([refused.status, refused.body.code, refused.body.problems[0].path], [400, 'CC_QA_ANSWERS_INVALID', '/answers/courtesy']);
  const scored = await sup.call('PUT', `/api/qa/scores/${call.long}`, { scorecard: 'inbound', answers: { greeting: false, courtesy: 4, identity: 'na' }, comments: 'Say your name first.' });
  assert.equal(scored.status, 200, JSON.stringify(scored.body));
  assert.deepEqual([scored.body.score, scored.body.failed, scored.body.agent, scored.body.status, scored.body.version, scored.body.scorer], [48, false, 'a1', 'scored', 1, 'sup1']);
  const mine = await a1.call('GET', '/api/qa/my-scores');
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.scores.map((s: any) => [s.callId, s.score, s.comments]), [[call.long, 48, 'Say your name first.']]);
  assert.equal(mine.body.scorecards['inbound@1'].title, 'Inbound service');
  const other = await a2.call('GET', `/api/qa/scores/${call.long}`);
  assert.deepEqual([other.status, other.body.code], [403, 'CC_QA_FORBIDDEN']);
  assert.deepEqual((await a2.call('GET', '/api/qa/my-scores')).body.scores, []);
  assert.equal((await reviewsTable()).get(call.long!)?.status, 'scored');
});

test('the agent disputes the score with a reason and the supervisor revises it; every step is audited', async () => {
  const foreign = await a2.call('POST', `/api/qa/scores/${call.long}/dispute`, { reason: 'not mine' });
  assert.deepEqual([foreign.status, foreign.body.code], [403, 'CC_QA_FORBIDDEN']);
  const disputed = await a1.call('POST', `/api/qa/scores/${call.long}/dispute`, { reason: 'I gave my name at 0:02' });
  assert.equal(disputed.status, 200, JSON.stringify(disputed.body));
  assert.equal(disputed.body.status, 'disputed');
  assert.equal((await reviewsTable()).get(call.long!)?.status, 'disputed');
  const twice = await a1.call('POST', `/api/qa/scores/${call.long}/dispute`, { reason: 'again' });
  assert.deepEqual([twice.status, twice.body.code], [409, 'CC_QA_BAD_TRANSITION']);
  const disputedList = await sup.call('GET', '/api/qa/reviews?status=disputed');
  assert.deepEqual((disputedList.body as any[]).map((r) => r.callId), [call.long]);
  const resolved = await sup.call('POST', `/api/qa/scores/${call.long}/resolve`, { outcome: 'revised', note: 'Heard it on the recording.', answers: { greeting: true, courtesy: 4, identity: 'na' } });
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
  assert.deepEqual([resolved.body.score, resolved.body.status, resolved.body.resolution.previousScore, resolved.body.resolution.by], [88, 'closed', 48, 'sup1']);
  assert.equal((await reviewsTable()).get(call.long!)?.status, 'closed');
  const mine = await a1.call('GET', `/api/qa/scores/${call.long}`);
  assert.deepEqual([mine.status, mine.body.score.score, mine.body.score.resolution.note], [200, 88, 'Heard it on the recording.']);
  const audit = (await admin.call('GET', '/api/audit?limit=5000')).body as any[];
  assert.deepEqual(audit.filter((r) => r.action.startsWith('qa-')).map((r) => [r.action, r.actor, r.target]), [
    ['qa-scorecard-save', 'sup1', 'inbound v1'],
    ['qa-score', 'sup1', call.long],
    ['qa-dispute', 'a1', call.long],
    ['qa-dispute-resolve', 'sup1', call.long],
  ]);
  assert.equal((await admin.call('GET', '/api/audit/verify')).body.ok, true);
  const report = await sup.call('GET', '/api/qa/report?by=criterion&interval=month');
  assert.deepEqual(report.body.rows.map((r: any) => [r.key, r.count, r.average, r.na]), [['inbound/courtesy', 1, 80, 0], ['inbound/greeting', 1, 100, 0], ['inbound/identity', 0, 0, 1]]);
});

test('in the browser a supervisor scores the short call while its recording is on the form, and the agent\'s page shows the score', async () => {
  browser = await launchBrowser();
  const pages: TestPage[] = [];
  const open = async (username: string) => {
    const p = await openPage(browser!, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale: 'en-US' });
    pages.push(p);
    await p.page.goto('/');
    await p.page.fill('[data-test=username]', username);
    await p.page.fill('[data-test=password]', `${username}-password`);
    await p.page.click('[data-test=sign-in-submit]');
    await p.page.waitForSelector('[data-test=live][data-up=true]');
    await p.page.click('[data-test=nav-quality]');
    await p.page.waitForSelector('[data-test=quality]');
    return p;
  };
  try {
    const s = await open('sup1');
    const row = `[data-test=qa-review-row][data-call="${call.short}"]`;
    await s.page.waitForSelector(`${row}[data-status=open]`);
    await s.page.click(`${row} [data-test=qa-score-button]`);
    await s.page.waitForSelector(`[data-test=qa-score-form][data-call="${call.short}"]`);
    assert.equal(await s.page.getAttribute('[data-test=qa-audio]', 'src'), `/api/recordings/${call.short}/audio`);
    // The call's recording loads in the form's player (the box recorded it; the route serves it).
    await s.page.waitForFunction(() => {
      const a = document.querySelector<HTMLAudioElement>('[data-test=qa-audio]');
      return !!a && a.readyState >= 1 && a.duration > 0.5;
    }, undefined, { timeout: 15_000 });
    await s.page.selectOption('[data-test=qa-answer-greeting]', 'yes');
    await s.page.selectOption('[data-test=qa-answer-courtesy]', '3');
    await s.page.selectOption('[data-test=qa-answer-identity]', 'yes');
    await s.page.fill('[data-test=qa-comments]', 'Too quick: ask if anything else is needed.');
    await screenshot(s.page, 'quality-01-scoring-form');
    await s.page.click('[data-test=qa-submit-score]');
    await s.page.waitForSelector('[data-test=qa-message]');
    assert.equal(await s.page.textContent('[data-test=qa-message]'), 'Saved: 76 of 100.');
    const stored = await sup.call('GET', `/api/qa/scores/${call.short}`);
    assert.deepEqual([stored.body.score.score, stored.body.score.scorer, stored.body.score.answers], [76, 'sup1', { greeting: true, courtesy: 3, identity: true }]);

    const g = await open('a1');
    const mine = `[data-test=qa-my-score][data-call="${call.short}"]`;
    await g.page.waitForSelector(mine);
    assert.equal((await g.page.textContent(`${mine} [data-test=qa-my-score-value]`))?.trim(), '76');
    assert.equal((await g.page.textContent(`[data-test=qa-my-score][data-call="${call.long}"] [data-test=qa-my-score-value]`))?.trim(), '88');
    const week = await g.page.textContent('[data-test=qa-my-report] [data-test=qa-report-row][data-key=a1] [data-test=qa-report-average]');
    assert.equal(week?.trim(), '82', 'the weekly average of 76 and 88');
    assert.equal(await g.page.locator('[data-test=qa-review-row]').count(), 0, 'an agent sees no review queue');
    await g.page.click(`${mine} [data-test=qa-my-details]`);
    await g.page.fill('[data-test=qa-dispute-reason]', 'The caller hung up on me.');
    await g.page.click('[data-test=qa-dispute-submit]');
    await g.page.waitForSelector(`${mine}[data-status=disputed]`);
    await screenshot(g.page, 'quality-02-agent-scores');
    await g.page.selectOption('[data-test=lang]', 'zh-CN');
    assert.equal(await g.page.textContent('[data-test=quality] h1'), '服务质检');
    assert.equal((await g.page.textContent(`${mine} [data-test=qa-my-score-status]`))?.trim(), '申诉中');
    assert.equal((await reviewsTable()).get(call.short!)?.status, 'disputed');
    for (const p of pages) assert.deepEqual(p.errors.filter((e) => !/recordings\/.*audio|Failed to load resource/.test(e)), []);
  } catch (err) {
    for (const [i, p] of pages.entries()) await screenshot(p.page, `quality-FAILED-${i}`).catch(() => undefined);
    throw err;
  }
});

test('in the browser the supervisor upholds the agent\'s dispute, and a scorecard with a mistake is refused with its path', async () => {
  const p = await openPage(browser!, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale: 'en-US' });
  try {
    await p.page.goto('/');
    await p.page.fill('[data-test=username]', 'sup1');
    await p.page.fill('[data-test=password]', 'sup1-password');
    await p.page.click('[data-test=sign-in-submit]');
    await p.page.waitForSelector('[data-test=live][data-up=true]');
    await p.page.goto('/#/quality');
    await p.page.waitForSelector('[data-test=quality]');
    await p.page.selectOption('[data-test=qa-status-filter]', 'disputed');
    const row = `[data-test=qa-review-row][data-call="${call.short}"][data-status=disputed]`;
    await p.page.click(`${row} [data-test=qa-resolve-button]`);
    await p.page.waitForSelector('[data-test=qa-dispute-reason-shown]');
    assert.equal(await p.page.textContent('[data-test=qa-dispute-reason-shown]'), 'The agent says: The caller hung up on me.');
    await p.page.fill('[data-test=qa-resolve-note]', 'A short call still needs a closing question.');
    await p.page.click('[data-test=qa-submit-resolution]');
    await p.page.waitForSelector('[data-test=qa-message]');
    assert.equal(await p.page.textContent('[data-test=qa-message]'), 'Dispute resolved: 76 of 100.');
    const stored = await sup.call('GET', `/api/qa/scores/${call.short}`);
    assert.deepEqual([stored.body.score.status, stored.body.score.resolution.outcome, stored.body.review.status], ['closed', 'upheld', 'closed']);

    await p.page.click('[data-test=qa-new-scorecard]');
    const template = JSON.parse(await p.page.inputValue('[data-test=qa-scorecard-json]'));
    template.sections[0].criteria[1].max = 0;
    await p.page.fill('[data-test=qa-scorecard-json]', JSON.stringify(template));
    await p.page.click('[data-test=qa-save-scorecard]');
    await p.page.waitForSelector('[data-test=qa-error]');
    assert.match(await p.page.textContent('[data-test=qa-error]') ?? '', /\/sections\/0\/criteria\/1\/max/);
    template.sections[0].criteria[1].max = 5;
    await p.page.fill('[data-test=qa-scorecard-json]', JSON.stringify(template));
    await p.page.click('[data-test=qa-save-scorecard]');
    await p.page.waitForSelector('[data-test=qa-message]:has-text("Saved inbound")');
    assert.equal(await p.page.textContent('[data-test=qa-message]'), 'Saved inbound version 2.');
    // The list reloads after the message (a second request): wait for it, then read it.
    await p.page.waitForSelector('[data-test=qa-scorecard-item][data-name=inbound]:has-text("version 2")', { timeout: 10_000 }).catch(() => undefined);
    assert.match(await p.page.textContent('[data-test=qa-scorecard-item][data-name=inbound]') ?? '', /version 2/);
    assert.equal((await sup.call('GET', `/api/qa/scores/${call.long}`)).body.score.version, 1, 'the old score keeps version 1');
    assert.deepEqual(p.errors.filter((e) => !/recordings\/.*audio|Failed to load resource/.test(e)), []);
  } catch (err) {
    await screenshot(p.page, 'quality-FAILED-resolve').catch(() => undefined);
    throw err;
  }
});

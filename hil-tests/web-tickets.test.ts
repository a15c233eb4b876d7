// Tickets in the agent workspace, end to end in Debian's Chromium over HTTPS: a carrier
// caller (sipp) reaches the queue, the agent's desk phone (baresip) answers, and the agent
// creates a ticket from the live call in the screen pop: it is prefilled with the caller's
// number and the call id, lands in LMDB linked to the customer record and the call (the
// CDR's id), and shows in the caller's history in the customer card, during and after the
// call. A ticket a supervisor assigns to the agent pops a notice in the workspace (pushed
// over the WebSocket); the tickets page shows the ticket, its history, and moves its state.
// Screenshots in Chinese and English go to the artifacts directory.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import type { BoxProcess } from './harness/box-process.ts';
import type { BrowserSession } from './harness/api.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { queueCaller } from './harness/queue-caller.ts';
import { launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { signInPage, testWithShots } from './harness/web-session.ts';
import { addUsers, goAvailable, startWebBox } from './harness/web-box.ts';

const CARRIER = '127.0.0.2';
const DID = '5550100';
const VIP = '13800138000';
let box: BoxProcess;
let admin: BrowserSession;
let phone: Baresip;
let browser: Browser;
let agent: TestPage;
const test = testWithShots('tickets', () => agent);

before(async () => {
  const web = await startWebBox({
    recording: { enabled: false },
    extensions: [{ number: '2001', password: 'pw-2001' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'sales', displayName: 'Sales 销售', strategy: 'linear', overflow: 'hangup', ringTimeoutSec: 30, wrapUpSec: 0, announceEverySec: 0 }],
    agents: [{ id: 'a1', name: 'Li Na', extension: '2001', queues: [{ queue: 'sales' }] }],
    dids: [{ number: DID, trunk: 'carrier', destination: 'queue:sales' }],
    tickets: { departments: ['billing', 'support'] },
  });
  ({ box, admin } = web);
  await addUsers(admin, [['a1', 'agent']]);
  assert.equal((await admin.call('PUT', `/api/customers/${VIP}`, { name: '王芳', priority: 5, notes: 'Gold contract' })).status, 200);
  phone = await startBaresip({ extension: '2001', password: 'pw-2001', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 700, answer: 'manual' });
  await phone.waitFor(/200 OK .*1 binding/);
  browser = await launchBrowser({ trust: web.ca });
  agent = await openPage(browser, { baseURL: web.baseURL, locale: 'zh-CN' });
});

after(async () => {
  await browser?.close();
  await phone?.stop();
  await box?.stop();
});

test('an agent creates a ticket from a live call; it is linked to the caller and the call and shows in the caller\'s history', async () => {
  const { page, errors } = agent;
  await signInPage(page, 'a1', 'a1-password');
  await page.waitForSelector('[data-test=workspace] [data-test=status-panel]');
  await goAvailable(page);

  const run = await queueCaller(box, { dialled: DID, caller: VIP, timeoutSec: 90 });
  await page.waitForSelector('[data-test=call-panel][data-call-state=ringing]', { timeout: 20_000 });
  await phone.waitFor(/Incoming call from/i, 10_000);
  await phone.command('accept');
  await page.waitForSelector('[data-test=call-panel][data-call-state=connected]', { timeout: 10_000 });
  await page.waitForSelector(`[data-test=customer-card][data-number="${VIP}"] [data-test=customer-tickets-empty]`);

  await page.click('[data-test=ticket-from-call]');
  await page.waitForSelector('[data-test=ticket-form] [data-test=ticket-assignee] option[value=a1]', { state: 'attached' });
  const callId = (await page.textContent('[data-test=ticket-call-id]'))!.trim();
  assert.ok(callId.length > 0, 'prefilled with the call id');
  assert.match(await page.textContent('[data-test=ticket-link]') ?? '', new RegExp(`${VIP}.*王芳`));
  await page.fill('[data-test=ticket-subject]', '五月发票金额有误');
  await page.fill('[data-test=ticket-description]', '客户称五月发票多收了 200 元，需要财务核实。');
  await page.selectOption('[data-test=ticket-priority]', 'high');
  await page.selectOption('[data-test=ticket-department]', 'billing');
  await screenshot(page, 'tickets-01-create-from-call-zh');
  await page.click('[data-test=ticket-submit]');
  await page.waitForSelector(`[data-test=customer-ticket][data-source="${callId}"]`);
  assert.match(await page.textContent('[data-test=ticket-created]') ?? '', /工单 T-\d{6} 已创建/);
  assert.equal(await page.textContent(`[data-test=customer-ticket][data-source="${callId}"] [data-test=customer-ticket-state]`), '新建');
  await screenshot(page, 'tickets-02-in-screen-pop-zh');

  const list = (await admin.call('GET', `/api/tickets?customer=${VIP}`)).body as any[];
  assert.equal(list.length, 1);
  const tk = list[0];
  assert.deepEqual(
    [tk.subject, tk.customer.number, tk.customer.name, tk.source.kind, tk.source.id, tk.priority, tk.department, tk.assignee, tk.createdBy, tk.state],
    ['五月发票金额有误', VIP, '王芳', 'call', callId, 'high', 'billing', 'a1', 'a1', 'new'],
  );

  await phone.command('hangup');
  const r = await run.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  await page.waitForSelector('[data-test=agent-state][data-state=available]', { timeout: 10_000 });
  const cdr = await box.cdr(DID, (c) => c.caller.number === VIP && c.agents?.includes('a1'));
  assert.equal(cdr.callId, callId, 'the ticket names the call\'s CDR');
  // After the call the screen pop stays on the caller: the call and the ticket are both in the history.
  await page.waitForFunction(() => document.querySelectorAll('[data-test=history-row]').length === 1, undefined, { timeout: 5000 });
  assert.equal(await page.getAttribute('[data-test=history-row]', 'data-call'), callId);
  assert.equal(await page.locator(`[data-test=customer-ticket][data-id="${tk.id}"]`).count(), 1);
  assert.deepEqual(errors, []);
});

test('a ticket assigned to the agent pops a notice in the workspace; the tickets page shows it, and its state moves with history', async () => {
  const { page, errors } = agent;
  const made = await admin.call('POST', '/api/tickets', { subject: 'Callback about the router', customer: { number: '13900000009' }, priority: 'urgent' });
  assert.equal(made.status, 201, made.text);
  assert.equal((await admin.call('PATCH', `/api/tickets/${made.body.id}`, { assignee: 'a1' })).status, 200);
  await page.waitForSelector(`[data-test=ticket-notice][data-id="${made.body.id}"]`);
  assert.match(await page.textContent(`[data-test=ticket-notice][data-id="${made.body.id}"]`) ?? '', /已分配给您.*Callback about the router/);
  assert.equal(await page.locator('[data-test=ticket-notice]').count(), 1, 'no notice for the ticket the agent gave themselves (pushed earlier, on the same socket)');
  await screenshot(page, 'tickets-03-notice-zh');

  const first = (await admin.call('GET', `/api/tickets?customer=${VIP}`)).body[0];
  await page.goto(`/#/tickets?id=${first.id}`);
  await page.waitForSelector(`[data-test=ticket-detail][data-id="${first.id}"][data-state=new]`);
  await page.waitForSelector(`[data-test=ticket-row][data-id="${made.body.id}"]`);
  assert.equal(await page.locator('[data-test=ticket-move][data-to=closed]').count(), 0, 'an agent is not offered closing');
  await page.fill('[data-test=ticket-state-note]', '已联系财务');
  await page.click('[data-test=ticket-move][data-to=in-progress]');
  await page.waitForSelector(`[data-test=ticket-detail][data-id="${first.id}"][data-state=in-progress]`);
  await page.fill('[data-test=ticket-comment-text]', '财务确认多收，已安排退款。');
  await page.click('[data-test=ticket-comment-submit]');
  await page.waitForFunction(() => /已安排退款/.test(document.querySelector('[data-test=ticket-comments]')?.textContent ?? ''));
  assert.match(await page.textContent('[data-test=ticket-history]') ?? '', /创建了工单.*变更状态：新建 → 处理中.*已联系财务.*添加了备注/s);
  await screenshot(page, 'tickets-04-detail-zh');
  await page.selectOption('[data-test=lang]', 'en');
  await page.waitForFunction(() => /changed the state: New → In progress/.test(document.querySelector('[data-test=ticket-history]')?.textContent ?? ''));
  await screenshot(page, 'tickets-05-detail-en');
  const detail = (await admin.call('GET', `/api/tickets/${first.id}`)).body;
  assert.deepEqual(detail.history.map((h: any) => [h.kind, h.by]), [['created', 'a1'], ['state', 'a1'], ['comment', 'a1']]);
  assert.deepEqual(errors, []);
});

// The web chat end to end in Debian's Chromium: a test web server plays the company website
// (a page with the widget's script tag, served from another origin than the box); a visitor
// on it chats; the offer reaches agent a1's workspace in another browser profile, a1 accepts
// and replies, the visitor sees the reply and writes again, a1 sees that. A second visitor's
// chat skips a1 (at their capacity of one chat) for a2. a1 closes the chat and the visitor sees
// it end. The transcript is in LMDB (interactions + interaction-messages) and found by the
// search API and the workspace's search; the wallboard counts the chats per queue and channel.
// A page of an origin not on the allow-list is refused.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { freePort } from './harness/ports.ts';
import { signIn, type ApiClient } from './harness/api.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { firstAdmin, signInPage, testWithShots } from './harness/web-session.ts';

let box: BoxProcess;
let boxConfig: Record<string, unknown>;
let site: http.Server;
let sitePort: number;
let admin: ApiClient;
let adminPassword: string;
let browser: Browser;
let agent: TestPage;
let visitor: TestPage;
let visitor2: TestPage;
let chatId: string;

const test = testWithShots('web-chat', () => agent);

before(async () => {
  ensureWebBuilt();
  sitePort = await freePort();
  boxConfig = {
    http: { port: await freePort() },
    recording: { enabled: false },
    extensions: [{ number: '2001', password: 'pw-2001' }, { number: '2002', password: 'pw-2002' }],
    queues: [{ name: 'sales', strategy: 'linear', overflow: 'hangup' }],
    agents: [
      { id: 'a1', name: 'Li Na', extension: '2001', queues: [{ queue: 'sales' }] },
      { id: 'a2', name: 'Zhang Wei', extension: '2002', queues: [{ queue: 'sales' }] },
    ],
    interactions: { agents: [{ agent: 'a1', chats: 1 }], chat: { allowedOrigins: [`http://localhost:${sitePort}`], maxMessageChars: 500, messagesPerMinute: 40 } },
  };
  box = await startBoxProcess(boxConfig, { keepData: true });
  ({ api: admin, password: adminPassword } = await firstAdmin(box));
  for (const id of ['a1', 'a2']) {
    const made = await admin.call('POST', '/api/users', { username: id, role: 'agent', password: `${id}-password`, mustChangePassword: false });
    assert.equal(made.status, 201, JSON.stringify(made.body));
  }
  // The company website: one page with the script tag, on its own port (another origin).
  site = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>ACME</title><h1>ACME Widgets</h1>
<script src="http://127.0.0.1:${box.httpPort}/chat/widget.js" data-queue="sales" data-lang="en" async></script>`);
  });
  await new Promise<void>((r) => site.listen(sitePort, '127.0.0.1', r));
  browser = await launchBrowser();
  agent = await openPage(browser, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale: 'en-US' });
  visitor = await openPage(browser, { baseURL: `http://localhost:${sitePort}`, locale: 'en-US' });
  visitor2 = await openPage(browser, { baseURL: `http://localhost:${sitePort}`, locale: 'en-US' });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => site?.close(r));
  await box?.stop();
  if (box) rmSync(box.dataDir, { recursive: true, force: true });
});

async function interactions(): Promise<{ id: string; state: string; agent?: string; messages: { text: string }[] }[]> {
  const r = await admin.call('GET', '/api/interactions');
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.interactions;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + 20_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('a visitor on the company website chats with agent a1 in the workspace, both ways', async () => {
  await signInPage(agent.page, 'a1', 'a1-password');
  await agent.page.goto('/#/workspace');
  await agent.page.waitForSelector('[data-test=interactions-panel]');
  for (const id of ['a1', 'a2']) assert.equal((await admin.call('POST', `/api/acd/agents/${id}/login`)).status, 200);

  const { page } = visitor;
  await page.goto('/');
  await page.click('[data-cc=open]');
  await page.fill('[data-cc=name]', 'Wang Fang');
  await page.fill('[data-cc=input]', 'Hello, my order 4711 has not arrived');
  await page.click('[data-cc=send]');
  await page.waitForSelector('[data-cc=status][data-state=offered]');

  // The offer reaches a1's workspace (pushed, no reload).
  await agent.page.waitForSelector('[data-test=ix-item][data-state=offered]');
  assert.match((await agent.page.textContent('[data-test=ix-item]')) ?? '', /Wang Fang/);
  await agent.page.click('[data-test=ix-accept]');
  await agent.page.waitForSelector('[data-test=ix-item][data-state=active]');
  await page.waitForSelector('[data-cc=status][data-state=active]');
  chatId = (await agent.page.getAttribute('[data-test=ix-item]', 'data-id'))!;
  assert.match((await agent.page.textContent('[data-test=ix-thread]')) ?? '', /order 4711 has not arrived/);

  await agent.page.fill('[data-test=ix-reply] textarea', 'Sorry about that, let me check the parcel');
  await agent.page.click('[data-test=ix-send]');
  await page.waitForSelector('.msg.agent');
  assert.equal(await page.textContent('.msg.agent'), 'Sorry about that, let me check the parcel');

  await page.fill('[data-cc=input]', 'Thank you!');
  await page.click('[data-cc=send]');
  await agent.page.waitForSelector('[data-test=ix-message][data-from=customer] >> text=Thank you!');
  await screenshot(page, 'web-chat-visitor');
  await screenshot(agent.page, 'web-chat-agent');
  // A reload resumes the chat with the visitor token: the history is back and the chat goes on.
  await page.reload();
  await page.waitForSelector('[data-cc=status][data-state=active]');
  assert.deepEqual(await page.locator('.msg').allTextContents(), ['Hello, my order 4711 has not arrived', 'Sorry about that, let me check the parcel', 'Thank you!']);
  assert.deepEqual(visitor.errors, []);
});

test('a second chat skips a1, who is at the capacity of one chat, for a2', async () => {
  const { page } = visitor2;
  await page.goto('/');
  await page.click('[data-cc=open]');
  await page.fill('[data-cc=input]', 'Do you ship to Shanghai?');
  await page.click('[data-cc=send]');
  await page.waitForSelector('[data-cc=status][data-state=offered]');
  const second = await until('the second chat offered', async () => (await interactions()).find((i) => i.messages[0]?.text === 'Do you ship to Shanghai?' && i.state === 'offered'));
  assert.equal(second.agent, 'a2');
  const counts = (await admin.call('GET', '/api/interactions/counts')).body.counts as { channel: string; queue: string; queued: number; offered: number; active: number }[];
  const chats = counts.find((c) => c.channel === 'chat' && c.queue === 'sales')!;
  assert.deepEqual([chats.queued, chats.offered, chats.active], [0, 1, 1], 'supervision counts the chats');
  // a1's workspace shows only a1's chat.
  assert.equal(await agent.page.locator('[data-test=ix-item]').count(), 1);
  // The wallboard counts chats per queue and shows each agent's load against the capacity.
  const board = await openPage(browser, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale: 'en-US' });
  try {
    await signInPage(board.page, 'admin', adminPassword);
    await board.page.goto('/#/wallboard');
    const row = '[data-test=ix-count-row][data-queue=sales][data-channel=chat]';
    await board.page.waitForSelector(row);
    assert.equal(await board.page.textContent(`${row} [data-test=ix-count-offered]`), '1');
    assert.equal(await board.page.textContent(`${row} [data-test=ix-count-active]`), '1');
    assert.match((await board.page.textContent('[data-test=ix-load][data-agent=a1]')) ?? '', /Chat 1\/1/);
    await screenshot(board.page, 'web-chat-wallboard');
  } finally {
    await board.context.close();
  }
});

test('a1 closes the chat, the visitor sees it end; the transcript is in LMDB and found by search', async () => {
  await agent.page.click('[data-test=ix-close]');
  await visitor.page.waitForSelector('[data-cc=status][data-state=closed]');
  await agent.page.waitForSelector('[data-test=ix-item]', { state: 'detached' });

  const env = open({ path: join(box.dataDir, 'data', 'box.lmdb'), readOnly: true, maxDbs: 64 });
  try {
    const row = env.openDB({ name: 'interactions' }).get(chatId) as { state: string; agent: string; channel: string; closedBy: string };
    assert.deepEqual([row.state, row.agent, row.channel, row.closedBy], ['closed', 'a1', 'chat', 'a1']);
    const log = [...env.openDB({ name: 'interaction-messages' }).getRange({ start: [chatId, 0], end: [chatId, 1e9] })].map(({ value }) => value as { from: string; text: string });
    assert.deepEqual(log.map((m) => [m.from, m.text]), [
      ['customer', 'Hello, my order 4711 has not arrived'],
      ['agent', 'Sorry about that, let me check the parcel'],
      ['customer', 'Thank you!'],
    ]);
  } finally {
    await env.close();
  }

  const a1 = await signIn(box, 'a1', 'a1-password');
  const found = await a1.call('GET', '/api/interactions/search?q=parcel');
  assert.equal(found.status, 200);
  assert.deepEqual(found.body.interactions.map((i: { id: string }) => i.id), [chatId]);
  // a2 did not take part in it: not in a2's search.
  const a2 = await signIn(box, 'a2', 'a2-password');
  assert.deepEqual((await a2.call('GET', '/api/interactions/search?q=parcel')).body.interactions, []);

  await agent.page.fill('[data-test=ix-search] input', 'order 4711');
  await agent.page.click('[data-test=ix-search] button');
  await agent.page.click(`[data-test=ix-result][data-id="${chatId}"] button`);
  assert.match((await agent.page.textContent('[data-test=ix-thread]')) ?? '', /let me check the parcel/);
});

test('a page from an origin not on the allow-list cannot open a chat', async () => {
  const other = await openPage(browser, { baseURL: `http://127.0.0.1:${sitePort}`, locale: 'en-US' });
  try {
    await other.page.goto('/');
    await other.page.click('[data-cc=open]');
    await other.page.fill('[data-cc=input]', 'hello?');
    await other.page.click('[data-cc=send]');
    await other.page.waitForSelector('[data-cc=status] >> text=/CC_IX_ORIGIN|not in interactions.chat.allowedOrigins/');
  } finally {
    await other.context.close();
  }
  assert.equal((await interactions()).filter((i) => i.messages[0]?.text === 'hello?').length, 0);
});

test('after a box restart the open chat is offered again and the visitor\'s reload resumes it with the token', async () => {
  await box.stop();
  box = await startBoxProcess(boxConfig, { dataDir: box.dataDir, keepData: true });
  const { page } = visitor2;
  await page.reload();
  await page.waitForSelector('[data-cc=status][data-state=offered]');
  assert.deepEqual(await page.locator('.msg').allTextContents(), ['Do you ship to Shanghai?']);
  await page.fill('[data-cc=input]', 'Still there?');
  await page.click('[data-cc=send]');
  admin = await signIn(box, 'admin', adminPassword);
  const mine = await until('the resumed chat in LMDB with the new line', async () => {
    const r = await admin.call('GET', '/api/interactions');
    const found = (r.body?.interactions ?? []).find((i: { messages: { text: string }[] }) => i.messages[0]?.text === 'Do you ship to Shanghai?');
    return found?.messages.length === 2 ? found : undefined;
  });
  assert.equal(mine.messages[1].text, 'Still there?');
});

test('over-long messages and floods from one address are refused with a code (from the visitor page)', async () => {
  await visitor.page.goto('/');
  const answers = await visitor.page.evaluate(async (url) => {
    const ws = new WebSocket(url);
    const got: { type: string; code?: string }[] = [];
    ws.onmessage = (e) => got.push(JSON.parse(String(e.data)));
    await new Promise((r) => (ws.onopen = r));
    ws.send(JSON.stringify({ type: 'start', queue: 'sales', text: 'x'.repeat(501) }));
    for (let i = 0; i < 60; i++) ws.send(JSON.stringify({ type: 'message', text: 'flood' }));
    const end = Date.now() + 10_000;
    while (got.filter((m) => m.type === 'error').length < 61 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    ws.close();
    return got;
  }, `ws://127.0.0.1:${box.httpPort}/chat/ws`);
  const codes = answers.filter((m) => m.type === 'error').map((m) => m.code);
  assert.equal(codes[0], 'CC_IX_TOO_LONG');
  assert.ok(codes.includes('CC_IX_RATE_LIMITED'), `a flood is limited: ${codes.join(' ')}`);
  assert.equal(answers.filter((m) => m.type === 'started').length, 0, 'no chat was opened');
});

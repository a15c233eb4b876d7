// The knowledge base end to end in Debian's Chromium over HTTPS: a supervisor writes an
// article on the knowledge-base page (and saves a second version, seen in the history),
// imports a folder of documents from a disk under the attached-storage mount directory and
// reads the report; an agent in the workspace finds the article with a Chinese query and sees
// the match marked; when a carrier caller (sipp) reaches the queue and the agent's desk phone
// (baresip) rings, the workspace suggests the article tagged with that queue. Screenshots go to
// the artifacts directory.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { freePort } from './harness/ports.ts';
import { adminPassword, boxCertificate, browserSignIn, type BrowserSession } from './harness/api.ts';
import { startBaresip, type Baresip } from './harness/baresip.ts';
import { runSipp } from './harness/sipp.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { signInPage, testWithShots } from './harness/web-session.ts';

const CARRIER = '127.0.0.2';
const DID = '5550100';
let box: BoxProcess;
let tlsPort: number;
let admin: BrowserSession;
let phone: Baresip;
let browser: Browser;
let sup: TestPage;
let agent: TestPage;
let mountDir: string;
let articleId: string;
let current: TestPage | undefined;
const test = testWithShots('kb', () => current);

before(async () => {
  ensureWebBuilt();
  mountDir = mkdtempSync(join(tmpdir(), 'kb-mount-'));
  const docs = join(mountDir, 'usb1', 'product-docs');
  mkdirSync(docs, { recursive: true });
  writeFileSync(join(docs, 'router.md'), '---\ntags: [router]\n---\n# Router setup\n\nConnect the yellow cable to the fibre modem.');
  writeFileSync(join(docs, '保修.html'), '<html><head><title>保修政策</title><script>alert(1)</script></head><body><p>产品保修两年。</p></body></html>');
  writeFileSync(join(docs, 'photo.jpg'), 'not a document');
  tlsPort = await freePort();
  box = await startBoxProcess({
    http: { tls: true, tlsPort },
    recording: { enabled: false },
    backup: { mountDir, enabled: false },
    extensions: [{ number: '2001', password: 'pw-2001' }],
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'billing', displayName: 'Billing 账务', strategy: 'linear', overflow: 'hangup', ringTimeoutSec: 60, wrapUpSec: 0, announceEverySec: 0 }],
    agents: [{ id: 'a1', name: 'Li Na', extension: '2001', queues: [{ queue: 'billing' }] }],
    dids: [{ number: DID, trunk: 'carrier', destination: 'queue:billing' }],
  });
  const ca = boxCertificate(box);
  admin = await browserSignIn(tlsPort, ca, 'admin', adminPassword(box));
  for (const [username, role] of [['a1', 'agent'], ['sup1', 'supervisor']]) {
    const r = await admin.call('POST', '/api/users', { username, role, password: `${username}-password`, mustChangePassword: false });
    assert.equal(r.status, 201, r.text);
  }
  // Other articles to search among, in both languages.
  for (const a of [
    { title: 'Disputing a charge on the monthly bill', body: 'Explain roaming charges; raise a billing dispute.', tags: ['bill'] },
    { title: '更改手机套餐', body: '新套餐从下个月1日起生效。', tags: ['套餐'] },
    { title: '会员积分兑换规则', body: '100积分抵1元，兑换后不可退回。', tags: ['积分'] },
  ]) assert.equal((await admin.call('POST', '/api/kb/articles', a)).status, 201);
  phone = await startBaresip({ extension: '2001', password: 'pw-2001', box: { host: '127.0.0.1', port: box.sipPort }, listenIp: '127.0.0.1', toneHz: 700, answer: 'manual' });
  await phone.waitFor(/200 OK .*1 binding/);
  browser = await launchBrowser({ trust: ca });
  sup = await openPage(browser, { baseURL: `https://127.0.0.1:${tlsPort}`, locale: 'zh-CN' });
  agent = await openPage(browser, { baseURL: `https://127.0.0.1:${tlsPort}`, locale: 'zh-CN' });
});

after(async () => {
  await browser?.close();
  await phone?.stop();
  await box?.stop();
  if (mountDir) rmSync(mountDir, { recursive: true, force: true });
});

test('a supervisor writes an article on the knowledge-base page, saves a second version and sees both in the history', async () => {
  current = sup;
  const { page, errors } = sup;
  await signInPage(page, 'sup1', 'sup1-password');
  await page.goto('/#/kb');
  await page.waitForSelector('[data-test=kb-page]');
  assert.equal(await page.locator('[data-test=kb-row]').count(), 3);
  await page.click('[data-test=kb-new]');
  await page.fill('[data-test=kb-title]', '退款申请流程');
  await page.fill('[data-test=kb-category]', '账务');
  await page.fill('[data-test=kb-tags]', '退款，queue:billing');
  await page.fill('[data-test=kb-body]', '# 退款\n\n客户在付款后30天内可以申请**退款**。<script>window.pwned=1</script>\n\n- 银行卡：退回原卡');
  await page.click('[data-test=kb-save]');
  await page.waitForSelector('[data-test=kb-view][data-version="1"]');
  assert.equal(await page.textContent('[data-test=kb-message]'), '已保存为第 1 版。');
  articleId = (await page.getAttribute('[data-test=kb-view]', 'data-id'))!;
  assert.equal(await page.textContent('[data-test=kb-view-body] strong'), '退款');
  assert.match(await page.textContent('[data-test=kb-view-body]') ?? '', /<script>window\.pwned=1<\/script>/, 'raw HTML shows as text');
  assert.equal(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned), undefined, 'and never runs');
  await page.click('[data-test=kb-edit]');
  await page.fill('[data-test=kb-body]', '# 退款\n\n客户在付款后**14天**内可以申请退款。\n\n- 银行卡：退回原卡');
  await page.click('[data-test=kb-save]');
  await page.waitForSelector('[data-test=kb-view][data-version="2"]');
  assert.deepEqual(await page.locator('[data-test=kb-version]').evaluateAll((els) => els.map((e) => e.getAttribute('data-version'))), ['2', '1']);
  await page.click('[data-test=kb-version][data-version="1"] a');
  await page.waitForSelector('[data-test=kb-view][data-version="1"] [data-test=kb-old-version]');
  assert.match(await page.textContent('[data-test=kb-view-body]') ?? '', /30天内/);
  await screenshot(page, 'kb-01-supervisor-version-history-zh');
  // Someone else saved meanwhile: the editor's stale base version is refused, not overwritten.
  await page.click(`[data-test=kb-row][data-id="${articleId}"] a`);
  await page.waitForSelector('[data-test=kb-view][data-version="2"]');
  await page.click('[data-test=kb-edit]');
  const other = await admin.call('PUT', `/api/kb/articles/${articleId}`, { title: '退款申请流程', body: '# 退款\n\n客户在付款后14天内可以申请退款。', tags: ['退款', 'queue:billing'], category: '账务', baseVersion: 2 });
  assert.equal(other.status, 200, other.text);
  await page.fill('[data-test=kb-title]', '退款流程（旧稿）');
  await page.click('[data-test=kb-save]');
  await page.waitForSelector('[data-test=kb-error]');
  assert.match(await page.textContent('[data-test=kb-error]') ?? '', /已有人保存/);
  assert.equal((await admin.call('GET', `/api/kb/articles/${articleId}`)).body.title, '退款申请流程');
  assert.deepEqual(errors.filter((e) => !/409/.test(e)), []);
});

test('the supervisor imports a folder from the attached disk and reads the report', async () => {
  current = sup;
  const { page } = sup;
  await page.goto('/#/kb');
  await page.waitForSelector('[data-test=kb-import-disk]');
  await page.selectOption('[data-test=kb-import-disk]', 'usb1');
  await page.selectOption('[data-test=kb-import-folder]', 'product-docs');
  await page.click('[data-test=kb-import-run]');
  await page.waitForSelector('[data-test=kb-import-report]');
  assert.equal(await page.locator('[data-test=kb-import-imported]').count(), 2);
  assert.match(await page.textContent('[data-test=kb-import-report]') ?? '', /新增 2 篇，更新 0 篇，跳过 1 个，共 3 个文件/);
  assert.match(await page.textContent('[data-test=kb-import-skipped][data-reason=unsupported-type]') ?? '', /photo\.jpg.*不是 Markdown 或 HTML/);
  await page.waitForSelector('[data-test=kb-row] >> text=保修政策');
  await screenshot(page, 'kb-02-import-report-zh');
  const again = await admin.call('POST', '/api/kb/import', { disk: 'usb1', folder: 'product-docs' });
  assert.deepEqual([again.body.imported.length, again.body.skipped.filter((s: { reason: string }) => s.reason === 'unchanged').length], [0, 2]);
  assert.equal((await admin.call('POST', '/api/kb/import', { disk: 'usb1', folder: '../..' })).body.code, 'CC_KB_IMPORT_SOURCE');
});

test('an agent in the workspace finds the article with a Chinese query, sees the match marked, and opens it', async () => {
  current = agent;
  const { page, errors } = agent;
  await signInPage(page, 'a1', 'a1-password');
  await page.waitForSelector('[data-test=workspace] [data-test=kb-panel]');
  await page.fill('[data-test=kb-search]', '怎么申请退款');
  await page.press('[data-test=kb-search]', 'Enter');
  await page.waitForSelector('[data-test=kb-hit]');
  const first = page.locator('[data-test=kb-hit]').first();
  assert.equal(await first.getAttribute('data-id'), articleId);
  assert.deepEqual(await first.locator('[data-test=kb-hit-title] mark').allTextContents(), ['退款申请']);
  assert.ok((await first.locator('[data-test=kb-hit-snippet] mark').allTextContents()).includes('申请退款'));
  await first.locator('[data-test=kb-hit-title]').click();
  await page.waitForSelector(`[data-test=kb-article][data-id="${articleId}"]`);
  assert.match(await page.textContent('[data-test=kb-article]') ?? '', /14天/);
  await page.fill('[data-test=kb-search]', 'roaming charge');
  await page.click('[data-test=kb-search-go]');
  await page.waitForFunction(() => document.querySelector('[data-test=kb-hit] [data-test=kb-hit-title]')?.textContent?.includes('Disputing'));
  assert.deepEqual(await page.locator('[data-test=kb-hit]').first().locator('[data-test=kb-hit-snippet] mark').allTextContents(), ['roaming charges']);
  await screenshot(page, 'kb-03-workspace-search-zh');
  assert.deepEqual(errors, []);
});

test('a queue caller rings the agent: the workspace suggests the article tagged with that queue', async () => {
  current = agent;
  const { page, errors } = agent;
  assert.equal(await page.locator('[data-test=kb-suggestion]').count(), 0);
  await page.click('[data-test=go-available]');
  await page.waitForSelector('[data-test=agent-state][data-state=available]');
  const run = runSipp({
    scenario: 'uac-call.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`,
    keys: { dialled: DID, caller: '13800138000', rtp_ip: CARRIER, rtp_port: 9 }, pauseMs: 6000, timeoutSec: 60,
  });
  await page.waitForSelector('[data-test=call-panel][data-call-state=ringing]', { timeout: 20_000 });
  await page.waitForSelector(`[data-test=kb-suggestion][data-id="${articleId}"]`, { timeout: 10_000 });
  assert.match(await page.textContent(`[data-test=kb-suggestion][data-id="${articleId}"]`) ?? '', /退款申请流程.*queue:billing/s);
  assert.equal(await page.locator('[data-test=kb-suggestion]').count(), 1, 'only the article tagged with the queue');
  await screenshot(page, 'kb-04-workspace-suggestion-zh');
  const r = await run.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  assert.deepEqual(errors, []);
});

test('attachments over HTTP: stored under the data directory, served with their type and nosniff, shown in the article; wrong types refused', async () => {
  current = sup;
  const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64)]);
  const put = await admin.call('PUT', `/api/kb/articles/${articleId}/attachments/front.png`, { type: 'image/png', data: png.toString('base64') });
  assert.equal(put.status, 200, put.text);
  const notes = await admin.call('PUT', `/api/kb/articles/${articleId}/attachments/${encodeURIComponent('说明.txt')}`, { type: 'text/plain', data: Buffer.from('退款须知').toString('base64') });
  assert.equal(notes.status, 200, notes.text);
  assert.equal(readFileSync(join(box.dataDir, 'data', 'kb', 'attachments', articleId, '说明.txt'), 'utf8'), '退款须知');
  const got = await admin.call('GET', `/api/kb/articles/${articleId}/attachments/${encodeURIComponent('说明.txt')}`);
  assert.deepEqual([got.status, got.headers['content-type'], got.headers['x-content-type-options'], got.text], [200, 'text/plain', 'nosniff', '退款须知']);
  assert.match(String(got.headers['content-disposition']), /^attachment;/);
  const fake = await admin.call('PUT', `/api/kb/articles/${articleId}/attachments/evil.png`, { type: 'image/png', data: Buffer.from('<script>alert(1)</script>').toString('base64') });
  assert.deepEqual([fake.status, fake.body.code], [415, 'CC_KB_ATTACHMENT_TYPE']);
  const html = await admin.call('PUT', `/api/kb/articles/${articleId}/attachments/page.html`, { type: 'text/html', data: Buffer.from('<p>x</p>').toString('base64') });
  assert.deepEqual([html.status, html.body.code], [415, 'CC_KB_ATTACHMENT_TYPE']);
  const v = (await admin.call('GET', `/api/kb/articles/${articleId}`)).body;
  const saved = await admin.call('PUT', `/api/kb/articles/${articleId}`, { title: v.title, body: `${v.body}\n\n![正面](attachment:front.png)`, tags: v.tags, category: v.category, baseVersion: v.version });
  assert.equal(saved.status, 200, saved.text);
  const { page } = sup;
  await page.goto('/#/kb');
  await page.click(`[data-test=kb-row][data-id="${articleId}"] a`);
  await page.waitForSelector(`[data-test=kb-view-body] img[src="/api/kb/articles/${articleId}/attachments/front.png"]`);
  assert.equal(await page.locator('[data-test=kb-attachment]').count(), 2);
  await screenshot(page, 'kb-05-article-attachments-zh');
});

// The IVR flow editor in Chromium: a supervisor starts a flow from the template, makes its
// second node a queue, and Check shows the box's error (an unknown queue) next to that field;
// fixed, it publishes as version 1; a menu key is added as a key/value row and published as
// version 2; then a real caller (sipp + RTP with RFC 4733 digits) dials the DID routed to the
// flow, keys 2 and lands in the queue the page chose, in version 2 of the flow.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import type { ApiClient } from './harness/api.ts';
import { firstAdmin, signInPage, testWithShots } from './harness/web-session.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { runSipp } from './harness/sipp.ts';
import { RtpPeer } from './harness/rtp-peer.ts';

const CARRIER = '127.0.0.2';
const DID = '5550199';
let box: BoxProcess;
let api: ApiClient;
let browser: Browser;
let sup: TestPage;

before(async () => {
  ensureWebBuilt();
  box = await startBoxProcess({
    recording: { enabled: false },
    trunks: [{ name: 'carrier', kind: 'static', host: CARRIER }],
    queues: [{ name: 'sales', strategy: 'linear', overflow: 'hangup', joinEmpty: true, maxWaitSec: 30 }, { name: 'support', strategy: 'linear', overflow: 'hangup', joinEmpty: true, maxWaitSec: 30 }],
    dids: [{ number: DID, trunk: 'carrier', destination: 'ivr:front' }],
  });
  ({ api } = await firstAdmin(box));
  const made = await api.call('POST', '/api/users', { username: 'sup1', role: 'supervisor', password: 'sup1-password', mustChangePassword: false });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  browser = await launchBrowser();
  sup = await openPage(browser, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale: 'en-US' });
  await signInPage(sup.page, 'sup1', 'sup1-password');
});

after(async () => {
  await browser?.close();
  await box?.stop();
});

const test = testWithShots('ivr-editor', () => sup);

const node = (id: string) => `[data-test=ivr-node][data-node="${id}"]`;

async function setField(page: Page, path: string, value: string) {
  const field = page.locator(`[data-path="${path}"] input`).first();
  await field.fill(value);
  await field.blur();
}

test('a flow made in the page is checked by the box (errors next to their fields), then published', async () => {
  const { page } = sup;
  await page.click('[data-test=nav-ivr]');
  await page.waitForSelector('[data-test=ivr-page]');
  await page.fill('[data-test=ivr-new-name]', 'front');
  await page.click('[data-test=ivr-new]');
  await page.waitForSelector('[data-test=ivr-editor][data-flow=front]');
  assert.match(await page.innerText('[data-test=new-node-type] option[value=speech]'), /experimental/, 'the speech node says it is experimental');
  await page.selectOption(`${node('agents')} [data-test=node-type]`, 'speech');
  await page.waitForSelector(`${node('agents')} [data-test=node-experimental]`);
  await page.selectOption(`${node('agents')} [data-test=node-type]`, 'queue');
  await page.waitForSelector(`${node('agents')}[data-type=queue]`);
  await setField(page, '/nodes/agents/queue', 'nowhere');
  await page.click('[data-test=ivr-check]');
  const error = page.locator(`${node('agents')} [data-test=field-error][data-path="/nodes/agents/queue"]`);
  await error.waitFor();
  assert.match(await error.innerText(), /nowhere/);
  assert.equal((await api.call('GET', '/api/ivr/flows')).body.length, 0, 'Check publishes nothing');

  await setField(page, '/nodes/agents/queue', 'sales');
  await page.click('[data-test=ivr-publish]');
  const notice = page.locator('[data-test=ivr-notice]');
  await notice.waitFor();
  assert.match(await notice.innerText(), /version 1/);
  const v1 = (await api.call('GET', '/api/ivr/flows/front')).body;
  assert.equal(v1.version, 1);
  assert.equal(v1.publishedBy, 'sup1');
  assert.deepEqual(v1.flow.nodes.agents, { type: 'queue', queue: 'sales', prompts: ['goodbye'] }, 'retyping kept the prompts');
  assert.deepEqual(v1.flow.nodes.main.choices, { 1: 'agents' });
});

test('a menu key added as a row and a new queue node publish as version 2, and a caller keying it lands in that queue', async () => {
  const { page } = sup;
  await page.selectOption('[data-test=new-node-type]', 'queue');
  await page.click('[data-test=add-node]');
  const added = page.locator('[data-test=ivr-node][data-type=queue]').last();
  const id = await added.getAttribute('data-node');
  assert.ok(id && id !== 'agents', `a new queue node (${id})`);
  await setField(page, `/nodes/${id}/queue`, 'support');
  await page.click(`${node('main')} [data-path="/nodes/main/choices"] [data-test=add-entry]`);
  const row = page.locator(`${node('main')} [data-test=map-row]`).last();
  await row.locator('.map-key').fill('2');
  await row.locator('.map-key').blur();
  const row2 = page.locator(`${node('main')} [data-test=map-row][data-key="2"]`);
  await row2.locator('.map-value').fill(id!);
  await row2.locator('.map-value').blur();
  await page.click('[data-test=ivr-publish]');
  await page.waitForSelector('[data-test=ivr-notice]:has-text("version 2")');
  await screenshot(page, 'ivr-editor-en');
  const v2 = (await api.call('GET', '/api/ivr/flows/front')).body;
  assert.deepEqual(v2.flow.nodes.main.choices, { 1: 'agents', 2: id });
  assert.equal(v2.flow.nodes.agents.queue, 'sales', 'the page kept the edits published as version 1');
  assert.equal(await page.locator(node(id!)).count(), 1, 'the page still shows what it published');

  const peer = await RtpPeer.open(CARRIER);
  const run = runSipp({ scenario: 'uac-call.xml', localIp: CARRIER, target: `127.0.0.1:${box.sipPort}`, keys: { dialled: DID, caller: '13900000077', rtp_ip: CARRIER, rtp_port: peer.port }, pauseMs: 6000, timeoutSec: 30 });
  try {
    const [, port] = await run.waitForLog(/BOXPORT (\d+)/);
    const silence = (n: number) => Array.from({ length: n }, () => Buffer.alloc(160, 0xff));
    await peer.sendStream(silence(25), '127.0.0.1', Number(port));
    await peer.sendDigit('2', '127.0.0.1', Number(port));
    await peer.sendStream(silence(100), '127.0.0.1', Number(port));
    const r = await run.done;
    assert.equal(r.code, 0, r.errors || r.stderr);
  } finally {
    peer.close();
    run.kill();
  }
  const cdr = await box.cdr(DID, (c) => c.caller.number === '13900000077', 15_000);
  assert.equal(cdr.queue, 'support');
  assert.deepEqual([cdr.ivr.flow, cdr.ivr.version], ['front', 2]);
  assert.deepEqual(cdr.ivr.path, ['main', id]);
});

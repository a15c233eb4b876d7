// Dial out from the workspace in Debian's Chromium: a desk-phone agent (a sipp phone that
// honours click-to-dial; Debian's baresip 1.0 ignores an out-of-dialog REFER) picks a number
// from the quick-dial list; the box asks the phone to call it (out-of-dialog REFER), the phone
// calls through the box, the dial plan sends it to the upstream trunk where a sipp UAS
// answers; the phone hangs up and the CDR shows the call from the agent's
// extension to the number. A browser-softphone agent is told dialling out is not built yet.
// Screenshots in both languages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { freePort } from './harness/ports.ts';
import { adminPassword, boxCertificate, browserSignIn, type BrowserSession } from './harness/api.ts';
import { runSipp } from './harness/sipp.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';

const UPSTREAM = '127.0.0.3';
const PHONE = '127.0.0.4';
const NUMBER = '13900139000';
let box: BoxProcess;
let tlsPort: number;
let upstreamPort: number;
let admin: BrowserSession;
let phonePort: number;
let browser: Browser;
let agent: TestPage;
const shots: string[] = [];

before(async () => {
  ensureWebBuilt();
  tlsPort = await freePort();
  upstreamPort = await freePort(UPSTREAM);
  box = await startBoxProcess({
    http: { tls: true, tlsPort },
    recording: { enabled: false },
    security: { maxEventLoopLagMs: 0 },
    extensions: [{ number: '2501', password: 'pw-2501' }, { number: '2502', password: 'pw-2502' }],
    trunks: [{ name: 'upstream', kind: 'static', host: UPSTREAM, port: upstreamPort }],
    dialPlan: [{ prefix: '9', trunk: 'upstream', strip: 1 }],
    agents: [
      { id: 'e1', name: 'Wu Hao', extension: '2501', queues: [] },
      { id: 'e2', name: 'He Ying', extension: '2502', device: 'browser', queues: [] },
    ],
    workspace: { quickDial: [{ number: `9${NUMBER}`, label: 'Supplier 供应商' }] },
  });
  const ca = boxCertificate(box);
  admin = await browserSignIn(tlsPort, ca, 'admin', adminPassword(box));
  for (const u of ['e1', 'e2']) assert.equal((await admin.call('POST', '/api/users', { username: u, role: 'agent', password: `${u}-password`, mustChangePassword: false })).status, 201);
  phonePort = await freePort(PHONE);
  const reg = await runSipp({ scenario: 'transfer-agent-register.xml', localIp: PHONE, localPort: phonePort, target: `127.0.0.1:${box.sipPort}`, keys: { ext: '2501' }, extra: ['-au', '2501', '-ap', 'pw-2501'] }).done;
  assert.equal(reg.code, 0, `the desk phone registered 2501: ${reg.errors || reg.stderr}`);
  browser = await launchBrowser({ trust: ca });
  agent = await openPage(browser, { baseURL: `https://127.0.0.1:${tlsPort}`, locale: 'zh-CN' });
});

after(async () => {
  if (process.env.CC_DUMP_LOGS) console.log(box?.logs.slice(-60).join('\n'));
  if (shots.length) console.log(`# screenshots:\n${shots.map((s) => `#   ${s}`).join('\n')}`);
  await browser?.close();
  await box?.stop();
});

test('a desk-phone agent dials a quick-dial number from the page: the phone calls it through the box and the dial plan takes it to the upstream trunk', async () => {
  const { page, errors } = agent;
  const uas = runSipp({ scenario: 'uas-answer.xml', localIp: UPSTREAM, localPort: upstreamPort, mediaPort: await freePort(UPSTREAM), rtpEcho: true, timeoutSec: 60 });
  const deskPhone = runSipp({ scenario: 'click-to-dial-phone.xml', localIp: PHONE, localPort: phonePort, target: `127.0.0.1:${box.sipPort}`, keys: { ext: '2501', rtp_port: 9, number: `9${NUMBER}` }, extra: ['-au', '2501', '-ap', 'pw-2501', '-auth_uri', `9${NUMBER}@127.0.0.1:${box.sipPort}`], pauseMs: 1500, timeoutSec: 60 });
  await page.goto('/');
  await page.fill('[data-test=username]', 'e1');
  await page.fill('[data-test=password]', 'e1-password');
  await page.click('[data-test=sign-in-submit]');
  await page.waitForSelector('[data-test=dial] [data-test=dial-quick]');
  assert.match(await page.textContent('[data-test=dial-quick]') ?? '', /Supplier 供应商 · 913900139000/);
  shots.push(await screenshot(page, '61-dial-out-zh'));
  await page.click(`[data-test=dial-quick][data-number="9${NUMBER}"]`);
  await page.waitForSelector('[data-test=dial-sent]');
  assert.equal(await page.textContent('[data-test=dial-sent]'), `您的话机（分机 2501）正在呼叫 9${NUMBER}。`);
  await deskPhone.waitForLog(/REFER TO 913900139000/, 15_000);
  await deskPhone.waitForLog(/CONNECTED/, 15_000);
  await page.selectOption('[data-test=lang]', 'en');
  shots.push(await screenshot(page, '62-dial-out-en'));
  const p = await deskPhone.done;
  assert.equal(p.code, 0, p.errors || p.stderr);
  const r = await uas.done;
  assert.equal(r.code, 0, r.errors || r.stderr);
  const cdr = await box.cdr(`9${NUMBER}`, () => true, 10_000);
  assert.deepEqual([cdr?.caller.number, cdr?.callee?.number, cdr?.disposition], ['2501', NUMBER, 'answered']);
  const audit = (await admin.call('GET', '/api/audit')).body as { action: string; actor: string; outcome: string; target?: string }[];
  assert.deepEqual(audit.filter((a) => a.action === 'click-to-dial').map((a) => [a.actor, a.outcome, a.target]), [['e1', 'ok', `9${NUMBER}`]]);
  assert.deepEqual(errors, []);
});

test('a browser-softphone agent is told dialling out is not built yet, and the API refuses it with a code', async () => {
  const other = await openPage(browser, { baseURL: `https://127.0.0.1:${tlsPort}`, locale: 'en-US' });
  await other.page.goto('/');
  await other.page.fill('[data-test=username]', 'e2');
  await other.page.fill('[data-test=password]', 'e2-password');
  await other.page.click('[data-test=sign-in-submit]');
  await other.page.waitForSelector('[data-test=dial-browser-note]');
  const e2 = await browserSignIn(tlsPort, boxCertificate(box), 'e2', 'e2-password');
  const r = await e2.call('POST', '/api/workspace/dial', { number: '2501' });
  assert.deepEqual([r.status, r.body.code], [409, 'CC_WORKSPACE_DIAL_BROWSER']);
  const bad = await e2.call('POST', '/api/workspace/dial', { number: 'x1' });
  assert.equal(bad.status, 400);
});

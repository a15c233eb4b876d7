// A TLS trunk the box cannot connect to raises a monitoring alert, and a connection that
// succeeds clears it: the trunk's OPTIONS health check opens a TLS connection every 2 s to a
// port where nothing listens (refused: the transport's flowFailed); after three failures in a
// row the next monitoring round raises CC_MON_TRUNK_CONNECT_FAILED for the trunk (GET
// /api/monitoring, and the monitoring page in both languages). Then a TLS server with the
// pinned certificate listens there: the next connection passes its check (flowOpened) and the
// alert is cleared.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { rmSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { freePort } from './harness/ports.ts';
import { makeSelfSigned } from './harness/test-ca.ts';
import { firstAdmin, signInPage } from './harness/web-session.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot } from './harness/browser.ts';
import type { ApiClient } from './harness/api.ts';

const TRUNK_IP = '127.0.0.3';
const cert = makeSelfSigned([TRUNK_IP]);
let trunkPort: number;
let box: BoxProcess;
let api: ApiClient;
let password: string;
let server: tls.Server | undefined;
let browser: Browser | undefined;

before(async () => {
  ensureWebBuilt();
  trunkPort = await freePort();
  box = await startBoxProcess({
    recording: { enabled: false },
    monitoring: { intervalMs: 1000 },
    trunks: [{ name: 'carrier', kind: 'static', host: TRUNK_IP, port: trunkPort, transport: 'tls', tls: { fingerprints: [cert.fingerprint] }, healthCheck: { intervalSec: 2, timeoutSec: 1, failuresToDown: 2 } }],
  });
  ({ api, password } = await firstAdmin(box));
});

after(async () => {
  await browser?.close();
  server?.close();
  await box?.stop();
  rmSync(cert.dir, { recursive: true, force: true });
});

interface AlertRow { id: string; code: string; state: 'active' | 'cleared'; subject: string; value: number }

/** The alert row of the trunk's connections once `want` holds (asked every 500 ms, for at most `ms`). */
async function alertWhen(want: (a: AlertRow | undefined) => boolean, ms: number): Promise<AlertRow | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const r = await api.call('GET', '/api/monitoring');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const row = (r.body.alerts as AlertRow[]).find((a) => a.id === 'trunkConnectOk:carrier');
    if (want(row)) return row;
    if (Date.now() > until) assert.fail(`the trunk's connection alert did not change as expected within ${ms} ms: ${JSON.stringify(row)}; log: ${box.logs.filter((l) => l.includes('SIP connection failed')).length} failed connections`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

test('three failed TLS connections to a trunk raise CC_MON_TRUNK_CONNECT_FAILED for it, shown on the monitoring page; a connection that passes its check clears it', { timeout: 120_000 }, async () => {
  const raised = await alertWhen((a) => a?.state === 'active', 40_000);
  assert.equal(raised!.code, 'CC_MON_TRUNK_CONNECT_FAILED');
  assert.equal(raised!.subject, 'carrier');
  assert.ok(box.logs.filter((l) => l.includes('SIP connection failed') && l.includes('CC_SIP_TLS_CONNECT')).length >= 3, 'at least three failed connections were logged before the alert');

  browser = await launchBrowser();
  const page = await openPage(browser, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale: 'en-US' });
  await signInPage(page.page, 'admin', password);
  await page.page.click('[data-test=nav-monitoring]');
  const row = page.page.locator('[data-test=alert-row][data-alert="trunkConnectOk:carrier"][data-state=active]');
  await row.waitFor();
  assert.match(await row.innerText(), /CC_MON_TRUNK_CONNECT_FAILED[\s\S]*Trunk connection[\s\S]*carrier/);
  await screenshot(page.page, 'monitoring-trunk-connect-en');
  await page.page.selectOption('[data-test=lang]', 'zh-CN');
  assert.match(await row.innerText(), /CC_MON_TRUNK_CONNECT_FAILED[\s\S]*中继连接[\s\S]*carrier/);
  await screenshot(page.page, 'monitoring-trunk-connect-zh');

  // The trunk comes up: a TLS server with the pinned certificate (it never answers SIP; a usable connection is enough).
  server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (socket) => socket.on('error', () => undefined));
  await new Promise<void>((resolve, reject) => server!.once('error', reject).listen(trunkPort, TRUNK_IP, resolve));
  const cleared = await alertWhen((a) => a?.state === 'cleared', 40_000);
  assert.equal(cleared!.code, 'CC_MON_TRUNK_CONNECT_FAILED');
});

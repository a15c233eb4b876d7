// The administration page's trunk form in Chromium, in English and Chinese: a trunk's `tls`
// setting (the check of the carrier's certificate: pinned fingerprints, a CA, or no check) is
// labelled as that, with a short help text, and not as HTTPS; the web server's own `http.tls`
// is still HTTPS, and the SIP section's `sip.tls` is SIP over TLS. The same field name, three
// meanings: the form looks the label up per section first (admin.field.<section>.<name>).
// Also: an unset checkbox shows its schema default, and calls.ringback and
// media.workerNiceness have names and help texts.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './harness/box-process.ts';
import { ensureWebBuilt, launchBrowser, openPage, screenshot, type TestPage } from './harness/browser.ts';
import { firstAdmin, signInPage, testWithShots } from './harness/web-session.ts';
import { openItem, openSection } from './harness/admin-form.ts';

const FINGERPRINT = Array.from({ length: 32 }, (_, i) => (i * 7 + 16).toString(16).padStart(2, '0').slice(-2).toUpperCase()).join(':');

let box: BoxProcess;
let browser: Browser;
let admin: TestPage;

before(async () => {
  ensureWebBuilt();
  box = await startBoxProcess({
    recording: { enabled: false },
    trunks: [{ name: 'carrier', kind: 'static', host: '127.0.0.2', transport: 'tls', tls: { fingerprints: [FINGERPRINT] } }],
  });
  const { password } = await firstAdmin(box);
  browser = await launchBrowser();
  admin = await openPage(browser, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale: 'en-US' });
  await signInPage(admin.page, 'admin', password);
});

after(async () => {
  await browser?.close();
  await box?.stop();
});

const test = testWithShots('trunk-form', () => admin);

async function openTrunk(page: Page) {
  await openSection(page, 'trunks');
  await openItem(page, '/trunks/0');
}

const legend = (page: Page, path: string) => page.locator(`fieldset[data-path="${path}"] > legend`).innerText();
const help = (page: Page, path: string) => page.locator(`[data-test=field-help][data-path="${path}"]`).innerText();
const label = (page: Page, path: string) => page.locator(`[data-path="${path}"] .field-label`).first().innerText();

test('English: the trunk\'s tls group is the TLS certificate check with its help text, not HTTPS; http.tls stays HTTPS, sip.tls is SIP over TLS', async () => {
  const { page } = admin;
  await openTrunk(page);
  assert.equal(await legend(page, '/trunks/0/tls'), 'TLS certificate check');
  assert.match(await help(page, '/trunks/0/tls'), /transport TLS: how the box checks the trunk's certificate.*fingerprints.*CA.*Verify off accepts any certificate/);
  assert.match(await label(page, '/trunks/0/tls/fingerprints'), /^Pinned certificate fingerprints \(SHA-256\)/);
  assert.match(await label(page, '/trunks/0/tls/ca'), /^CA certificate \(PEM\)/);
  assert.match(await label(page, '/trunks/0/tls/verify'), /^Verify the certificate/);
  // Not set in the config: the box verifies (the schema's default), so the box is ticked. An
  // unticked box here would save `verify: false` on the first tick-and-untick.
  assert.equal(await page.locator('[data-path="/trunks/0/tls/verify"] input[type=checkbox]').isChecked(), true, 'an unset verify shows as on');
  assert.equal(await page.locator('[data-path="/trunks/0/tls/fingerprints"] input').inputValue(), FINGERPRINT, 'the form shows the trunk\'s pinned fingerprint');
  assert.doesNotMatch(await page.locator('[data-test=list-item][data-path="/trunks/0"]').innerText(), /HTTPS/);
  await screenshot(page, 'trunk-form-tls-en');
  await openSection(page, 'http');
  assert.match(await label(page, '/http/tls'), /^HTTPS/);
  await openSection(page, 'sip');
  assert.match(await label(page, '/sip/tls'), /^SIP over TLS/);
  assert.equal(await page.locator('[data-path="/sip/tls"] input[type=checkbox]').isChecked(), true, 'sip.tls, on by default, shows as on');
  assert.match(await label(page, '/sip/tlsPort'), /^SIP TLS port/);
  // The settings of this session's media work are named too, not shown by their keys.
  await openSection(page, 'calls');
  assert.match(await label(page, '/calls/ringback'), /^Ringback tone/);
  assert.match(await help(page, '/calls/ringback'), /China \(450 Hz.*North America \(440 \+ 480 Hz/);
  await openSection(page, 'media');
  assert.match(await label(page, '/media/workerNiceness'), /^Media worker priority \(nice\)/);
  assert.match(await help(page, '/media/workerNiceness'), /0 by default.*records less completely/);
});

test('Chinese: the same group reads TLS 证书校验 with its help text', async () => {
  const { page } = admin;
  await page.selectOption('[data-test=lang]', 'zh-CN');
  await openTrunk(page);
  assert.equal(await legend(page, '/trunks/0/tls'), 'TLS 证书校验');
  assert.match(await help(page, '/trunks/0/tls'), /传输协议为 TLS 时，本机如何校验中继的证书.*指纹.*CA.*关闭校验将接受任何证书/);
  assert.match(await label(page, '/trunks/0/tls/fingerprints'), /^固定证书指纹（SHA-256）/);
  assert.match(await label(page, '/trunks/0/tls/verify'), /^校验证书/);
  assert.doesNotMatch(await page.locator('[data-test=list-item][data-path="/trunks/0"]').innerText(), /HTTPS/);
  await screenshot(page, 'trunk-form-tls-zh');
  await openSection(page, 'http');
  assert.match(await label(page, '/http/tls'), /^HTTPS/);
  await openSection(page, 'sip');
  assert.match(await label(page, '/sip/tls'), /^SIP over TLS（加密信令）/);
  await openSection(page, 'calls');
  assert.match(await label(page, '/calls/ringback'), /^回铃音/);
  await openSection(page, 'media');
  assert.match(await label(page, '/media/workerNiceness'), /^媒体进程优先级（nice）/);
});

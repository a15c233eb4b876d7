// The set-up the browser whole-box tests share, in one place: a box serving its web app over
// HTTPS with its own self-signed certificate, the certificate taken and the generated admin
// signed in as the web app does it (startWebBox; NO_LAG_GUARD for boxes whose calls ring in
// Chromium); users made with the tests' password convention, `<username>-password`, with no
// forced change (addUsers, passwordOf); a page on a plain-HTTP box signed in as someone
// (openSignedInPage, launchSignedIn); and an agent's first steps in the workspace: signing in
// until the browser softphone is ready (signInSoftphoneAgent) and going available
// (goAvailable). Scenario steps stay in the tests.
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startBoxProcess, type BoxProcess } from './box-process.ts';
import { freePort } from './ports.ts';
import { adminPassword, boxCertificate, browserSignIn, type BrowserSession } from './api.ts';
import { ensureWebBuilt, launchBrowser, openPage, type TestPage } from './browser.ts';
import { signInPage, submitSignIn } from './web-session.ts';

export interface WebBox {
  box: BoxProcess;
  tlsPort: number;
  /** The box's self-signed certificate: Chromium and HTTPS clients trust it and nothing else. */
  ca: Buffer;
  /** `https://127.0.0.1:<tlsPort>`, the base URL of its pages. */
  baseURL: string;
  /** The generated admin with a browser-style session (cookie + CSRF token). */
  admin: BrowserSession;
}

/**
 * Build the web app if needed, start a box with `config` serving HTTPS on a free port, and sign
 * the generated admin in over HTTPS. The box is stopped again if that sign-in fails.
 */
export async function startWebBox(config: Record<string, any>): Promise<WebBox> {
  ensureWebBuilt();
  const tlsPort = await freePort();
  const box = await startBoxProcess({ http: { tls: true, tlsPort }, ...config });
  try {
    const ca = boxCertificate(box);
    const admin = await browserSignIn(tlsPort, ca, 'admin', adminPassword(box));
    return { box, tlsPort, ca, baseURL: `https://127.0.0.1:${tlsPort}`, admin };
  } catch (err) {
    await box.stop();
    throw err;
  }
}

/**
 * `security` for a box whose calls ring in Chromium while it starts: not an overload test, and
 * on the shared 2-core machine the event-loop lag guard refused a first INVITE with 503
 * (CC_SIP_OVERLOAD) while Chromium started.
 */
export const NO_LAG_GUARD = { maxEventLoopLagMs: 0 };

/** The password addUsers gives `username`. */
export const passwordOf = (username: string): string => `${username}-password`;

/** Anything that calls the box's API: an ApiClient or a BrowserSession. */
interface Caller {
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** Create each [username, role] through `admin` with password passwordOf(username) and no forced change; asserts each is created. */
export async function addUsers(admin: Caller, users: readonly (readonly [username: string, role: string])[]): Promise<void> {
  for (const [username, role] of users) {
    const r = await admin.call('POST', '/api/users', { username, role, password: passwordOf(username), mustChangePassword: false });
    assert.equal(r.status, 201, `creating ${username}: ${JSON.stringify(r.body)}`);
  }
}

/** A fresh profile in `browser` on the box's plain-HTTP web app, signed in as `username`. The caller closes its context. */
export async function openSignedInPage(browser: Browser, box: BoxProcess, username: string, password: string, locale = 'en-US'): Promise<TestPage> {
  const page = await openPage(browser, { baseURL: `http://127.0.0.1:${box.httpPort}`, locale });
  try {
    await signInPage(page.page, username, password);
  } catch (err) {
    await page.context.close();
    throw err;
  }
  return page;
}

/** Chromium with one page on the box's plain-HTTP web app, signed in as `username`. The caller closes `browser`. */
export async function launchSignedIn(box: BoxProcess, username: string, password: string, locale = 'en-US'): Promise<{ browser: Browser; page: TestPage }> {
  const browser = await launchBrowser();
  try {
    return { browser, page: await openSignedInPage(browser, box, username, password, locale) };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

/** Sign agent `id` (password passwordOf(id)) in through the page and wait until the workspace's browser softphone is ready. */
export async function signInSoftphoneAgent(page: Page, id: string): Promise<void> {
  await submitSignIn(page, id, passwordOf(id));
  await page.waitForSelector('[data-test=softphone][data-status=ready]', { timeout: 15_000 });
}

/** Press the workspace's "available" button and wait until the page shows the agent available. */
export async function goAvailable(page: Page): Promise<void> {
  await page.click('[data-test=go-available]');
  await page.waitForSelector('[data-test=agent-state][data-state=available]');
}

// A browser-softphone agent for whole-box tests: the agent's user is created on the box, an
// API client signed in as it, and Debian's Chromium (fake microphone playing the agent's own
// tone) opens the softphone test page (chromium-softphone.ts) and signs in until the page
// says ready. Shared by the tests that need browser agents (multiparty-browser, web-transfer).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import type { BoxProcess } from './box-process.ts';
import { signIn, type ApiClient } from './api.ts';
import { launchChromium, toneWav, type PageServer } from './chromium-softphone.ts';

export interface BrowserAgentSpec {
  id: string;
  password: string;
  /** The tone its fake microphone plays. */
  hz: number;
}

export interface BrowserAgent {
  id: string;
  api: ApiClient;
  browser: Browser;
  page: Page;
}

/**
 * Create agent user `a.id` (role agent) through `admin`, sign it in over the API, and open its
 * softphone page from `server` in its own Chromium; resolves once the page is ready. The
 * tone file goes to `dir`. The caller closes `browser`.
 */
export async function openBrowserAgent(box: BoxProcess, admin: ApiClient, server: PageServer, a: BrowserAgentSpec, dir: string, seconds = 90): Promise<BrowserAgent> {
  const created = await admin.call('POST', '/api/users', { username: a.id, role: 'agent', password: a.password });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const api = await signIn(box, a.id, a.password);
  const browser = await launchChromium({ fakeAudioFile: toneWav(join(dir, `${a.id}-${a.hz}.wav`), a.hz, seconds) });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (err) => console.error(`${a.id} page error:`, err));
    await page.goto(server.url);
    await page.fill('#username', a.id);
    await page.fill('#password', a.password);
    await page.click('#signin-button');
    await page.waitForFunction(() => document.getElementById('status')!.textContent!.startsWith('ready'), undefined, { timeout: 15_000 });
    return { id: a.id, api, browser, page };
  } catch (err) {
    await browser.close();
    throw err;
  }
}

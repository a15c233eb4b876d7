// What browser tests of the web app share: the first-start admin signed in over the API (with
// the forced first password change done, as a new box asks), signing a user in through the
// sign-in page, and test wrappers that leave a screenshot of the page (or pages) when a test fails.
import { test as nodeTest } from 'node:test';
import type { Page } from 'playwright-core';
import type { BoxProcess } from './box-process.ts';
import { adminPassword, signIn, type ApiClient } from './api.ts';
import { screenshot, type TestPage } from './browser.ts';

/** The generated admin over the API, its password changed first when the box requires it. */
export async function firstAdmin(box: BoxProcess): Promise<{ api: ApiClient; password: string }> {
  let password = adminPassword(box);
  let api = await signIn(box, 'admin', password);
  const must = await api.call('GET', '/api/session/password');
  if (must.status === 200 && must.body.mustChangePassword) {
    const next = `${password}-new-1`;
    const changed = await api.call('POST', '/api/session/password', { current: password, next });
    if (changed.status >= 300) throw new Error(`the first password change failed: ${changed.status} ${JSON.stringify(changed.body)}`);
    password = next;
    api = await signIn(box, 'admin', password);
  }
  return { api, password };
}

/** Open the sign-in page and submit `username` and `password`; what to wait for is the caller's. */
export async function submitSignIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/');
  await page.fill('[data-test=username]', username);
  await page.fill('[data-test=password]', password);
  await page.click('[data-test=sign-in-submit]');
}

/** Sign in through the page and wait for the live connection. */
export async function signInPage(page: Page, username: string, password: string): Promise<void> {
  await submitSignIn(page, username, password);
  await page.waitForSelector('[data-test=live][data-up=true]');
}

/** node:test's `test`, with a screenshot named FAILED-<prefix>-<test> of `page()` on failure. */
export function testWithShots(prefix: string, page: () => TestPage | undefined) {
  return (name: string, fn: () => Promise<void>) =>
    nodeTest(name, async () => {
      try {
        await fn();
      } catch (err) {
        const p = page();
        if (p) await screenshot(p.page, `FAILED-${prefix}-${name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-')}`).catch(() => undefined);
        throw err;
      }
    });
}

/**
 * node:test's `test` for a test that drives several pages: on failure, a screenshot
 * FAILED-<test>-<label> of each page `pages()` names.
 */
export function testWithShotsOf(pages: () => Record<string, TestPage | undefined>) {
  return (name: string, fn: () => Promise<void>) =>
    nodeTest(name, async () => {
      try {
        await fn();
      } catch (err) {
        const tag = name.slice(0, 40).replace(/[^a-z0-9]+/gi, '-');
        for (const [label, p] of Object.entries(pages())) if (p) await screenshot(p.page, `FAILED-${tag}-${label}`).catch(() => undefined);
        throw err;
      }
    });
}

// Signing a web user in through the page when the box may ask for the first password change
// (a user made over the API without `mustChangePassword: false` must choose its own password
// on its first sign-in): the form is filled with `next`, and the page waits for the live
// connection either way.
import type { Page } from 'playwright-core';
import { submitSignIn } from './web-session.ts';

export async function signInPageChangingPassword(page: Page, username: string, password: string, next: string): Promise<void> {
  await submitSignIn(page, username, password);
  await page.waitForSelector('[data-test=live][data-up=true], [data-test=password-change]');
  if (await page.locator('[data-test=password-change]').count()) {
    await page.fill('[data-test=pw-current]', password);
    await page.fill('[data-test=pw-next]', next);
    await page.fill('[data-test=pw-repeat]', next);
    await page.click('[data-test=pw-submit]');
    await page.waitForSelector('[data-test=live][data-up=true]');
  }
}

// Steps on the administration page's configuration forms that browser tests share: open a
// section of the box's configuration, and unfold one item of a list in it.
import type { Page } from 'playwright-core';

/** Open the admin page's `section` (e.g. 'queues', 'trunks') and wait for its form. */
export async function openSection(page: Page, section: string): Promise<void> {
  await page.click('[data-test=nav-admin]');
  await page.click(`[data-test=section-${section}]`);
  await page.waitForSelector(`[data-test=section-form][data-section=${section}]`);
}

/** Unfold a list item (by its JSON pointer, e.g. '/trunks/0') unless it is open already. */
export async function openItem(page: Page, path: string): Promise<void> {
  const item = page.locator(`[data-test=list-item][data-path="${path}"]`);
  if (!(await item.evaluate((el) => (el as HTMLDetailsElement).open))) await item.locator('summary').first().click();
}

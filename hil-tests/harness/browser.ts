// A real browser for whole-box web tests: Debian's Chromium driven by playwright-core (never
// `npx playwright install`), headless, fake media devices, trusting only the box's own
// self-signed certificate (pinned by its public key hash). Screenshots go to an artifacts
// directory outside git (CC_ARTIFACTS_DIR, else a temp directory), whose path is printed.
// Builds the web app first if build/web is missing.
import { createHash, X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
];

/** Build the web app unless build/web already has one (a clean checkout's first web test). */
export function ensureWebBuilt(): void {
  if (existsSync(join(ROOT, 'build/web/index.html'))) return;
  execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: ROOT, stdio: 'inherit' });
}

/** base64 SHA-256 of the certificate's public key, as Chromium's SPKI allow-list wants it. */
export function spkiHash(certPem: Buffer): string {
  const der = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

export interface BrowserOptions {
  /** The box's certificate: Chromium accepts it (and no other bad certificate). */
  trust?: Buffer;
  /** Extra Chromium flags (e.g. --use-file-for-fake-audio-capture=FILE.wav). */
  flags?: string[];
  /** Run Chromium inside this network namespace (hil-tests/harness/netns.ts); playwright drives it over a pipe. */
  netns?: string;
}

export async function launchBrowser(o: BrowserOptions = {}): Promise<Browser> {
  let executablePath = CHROMIUM;
  if (o.netns) {
    // `ip netns exec` execs Chromium: playwright's pipe and signals reach it unchanged.
    const dir = join(tmpdir(), `cc-chromium-in-${o.netns}`);
    mkdirSync(dir, { recursive: true });
    executablePath = join(dir, 'chromium');
    writeFileSync(executablePath, `#!/bin/sh\nexec ip netns exec ${o.netns} ${CHROMIUM} "$@"\n`);
    chmodSync(executablePath, 0o755);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...(o.trust ? [`--ignore-certificate-errors-spki-list=${spkiHash(o.trust)}`] : []), ...(o.flags ?? [])],
  });
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors seen so far. */
  errors: string[];
}

/** A fresh browser profile (own cookies) with one page, in `locale`. */
export async function openPage(browser: Browser, o: { baseURL: string; locale?: string }): Promise<TestPage> {
  const context = await browser.newContext({ baseURL: o.baseURL, locale: o.locale ?? 'zh-CN', viewport: { width: 1360, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 40[134]/.test(m.text())) errors.push(`console: ${m.text()}`);
  });
  return { context, page, errors };
}

let artifacts: string | undefined;

/** The directory for screenshots of this run (created and printed once). */
export function artifactsDir(): string {
  if (!artifacts) {
    const base = process.env.CC_ARTIFACTS_DIR;
    if (base) mkdirSync(base, { recursive: true });
    artifacts = base ?? mkdtempSync(join(tmpdir(), 'cc-web-artifacts-'));
    console.log(`# web test artifacts (screenshots): ${artifacts}`);
  }
  return artifacts;
}

/** A full-page screenshot named `name`.png in the artifacts directory; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(artifactsDir(), `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

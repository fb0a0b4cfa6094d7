// Debian's Chromium driven by playwright-core (never a downloaded browser), and where the
// console tests keep their screenshots.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** Whether the browser tests can run; CI installs Debian's `chromium` when it is absent. */
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** test-artifacts/console/ at the repository root (gitignored). */
export const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test-artifacts', 'console');

/** Launch Chromium headless with the flags that keep it off the network and out of the sandbox. */
export function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The path of a screenshot in the artifacts folder. */
export const shot = (name: string) => join(ARTIFACTS, `${name}.png`);

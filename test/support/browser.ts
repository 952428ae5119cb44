import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium: the project installs it with apt (scripts/setup.sh); no browser download. */
export const CHROMIUM = '/usr/bin/chromium';

/** Headless Chromium as the browser tests drive it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // The machine's network is closed: without these Chromium keeps trying to reach Google.
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

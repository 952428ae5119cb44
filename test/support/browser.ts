import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startTestStack, type TestStack } from './stack.ts';
import { ingest, waitForFinal } from './api.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';

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

/** One title served on a real socket (a browser needs one, not inject), and a headless Chromium to play it. */
export interface TitleInChromium {
  readonly stack: TestStack;
  /** The API's base URL. */
  readonly base: string;
  readonly browser: Browser;
  /** The title in its final state, ready or failed: each test says which it expects. */
  readonly title: TitleViewT;
  /** Closes the browser and the stack, and removes the master's directory. */
  close(): Promise<void>;
}

/**
 * Makes a master with `make` in a temporary directory named by `prefix`, ingests it on a
 * two-worker stack (x264 veryfast) and waits for its final state; then starts Chromium.
 */
export async function titleInChromium(prefix: string, make: (file: string) => Promise<void>): Promise<TitleInChromium> {
  const stack = await startTestStack({ storage: 'local', workers: 2, settings: { preset: 'veryfast' } });
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close();
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const base = await stack.listen();
    const master = path.join(dir, 'master.mp4');
    await make(master);
    const title = await waitForFinal(stack.api.app, await ingest(stack.api.app, master));
    browser = await launchChromium();
    return { stack, base, browser, title, close };
  } catch (err) {
    await close();
    throw err;
  }
}

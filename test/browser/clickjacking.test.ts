/**
 * The console's Approve button framed by another site, as a clickjacking page would: Chromium
 * must refuse to render it (CSP frame-ancestors), while the page's own same-origin frame loads.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';

describe('clickjacking', () => {
  let stack: TestStack;
  let base: string;
  let attacker: http.Server;
  let attackerBase: string;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 0 });
    base = await stack.listen();
    // Another origin (another port): a page that frames what it is told to, and a page of its own.
    attacker = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      res.setHeader('content-type', 'text/html');
      if (url.pathname === '/own') return res.end('<!doctype html><p id="own">attacker page</p>');
      res.end(`<!doctype html><iframe id="f" src="${url.searchParams.get('src') ?? ''}" width="800" height="600"></iframe>`);
    });
    await new Promise<void>((r) => attacker.listen(0, '127.0.0.1', r));
    attackerBase = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((r) => attacker?.close(r));
    await stack?.close();
  });

  /** Frames `src` from the attacker's origin; whether the frame, once navigated, shows `selector`. */
  const framedShows = async (src: string, selector: string): Promise<{ url: string; shows: boolean }> => {
    const page = await browser.newPage();
    try {
      // A refused frame is navigated too: to Chromium's error page.
      const navigated = page.waitForEvent('framenavigated', { predicate: (f) => f !== page.mainFrame() });
      await page.goto(`${attackerBase}/?src=${encodeURIComponent(src)}`);
      const frame = await navigated;
      await frame.waitForLoadState('domcontentloaded');
      const shows = await frame
        .locator(selector)
        .count()
        .then((n) => n > 0)
        .catch(() => false);
      return { url: frame.url(), shows };
    } finally {
      await page.close();
    }
  };

  it('refuses to render the console inside another site', async () => {
    // Control: the attacker's own page renders in its frame, so a refusal below is the header's doing.
    expect((await framedShows(`${attackerBase}/own`, '#own')).shows).toBe(true);
    const framedConsole = await framedShows(`${base}/console`, '#root');
    expect(framedConsole.shows, framedConsole.url).toBe(false);
  }, 60_000);

  it('refuses to render a player page inside another site', async () => {
    const player = await framedShows(`${base}/player/hls.html?src=/nothing.m3u8`, 'video');
    expect(player.shows, player.url).toBe(false);
  }, 60_000);
});

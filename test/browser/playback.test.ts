import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { launchChromium } from '../support/browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { makeMaster } from '../support/media.ts';
import { ingest, waitForFinal } from '../support/api.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';

/**
 * Output that only ffprobe has read is not proven playable: a title vodforge produced is
 * played in Debian's Chromium, headless, with hls.js and with dash.js, from the API's own
 * player pages. Each player must see every rung, start on the top one, move to a lower rung
 * once DevTools throttling caps the bandwidth, and play on past several segments without an
 * error. Nothing here is timed: every wait polls for an event, bounded only by the test's
 * own generous timeout.
 */
const SEGMENT_S = 6;
const OUTPUT = path.resolve('test-output');

/** What the player pages keep on `(globalThis as unknown as PageGlobals).vf` (orchestrator/routes/player.ts). */
interface PageState {
  errors: { source: string; detail: string; fatal: boolean; at: number }[];
  switches: { rung: number; height: number; at: number }[];
  loads: { rung: number; sn: number; at: number }[];
  rungs: { rung: number; height: number; bitrateBps: number }[];
  ready: boolean;
}
/**
 * What the page functions below touch in the browser. The project compiles without the DOM
 * library (it is a Node codebase), so the few browser globals used are typed here.
 */
interface PageGlobals {
  vf: PageState;
  document: { querySelector(selector: 'video'): { currentTime: number; playbackRate: number } | null };
}

/**
 * hls.js reports, as non-fatal "errors", the top-rung load its ABR abandons when the cap
 * lands (`aborted`: the emergency down-switch itself), accepted only after the cap, and a
 * stall while the buffer runs dry (`bufferStalledError`, `bufferNudgeOnStall`). A stall is
 * the link or the machine falling behind (the capped link, or a CI host whose two cores are
 * busy encoding other tests' titles while the page starts), not a fault in the media, so it
 * is accepted at any time: the test still requires playback to recover and run on past
 * several segments. Anything else (parsing, append, decode, manifest, fatal), at any time,
 * fails the test.
 */
const STALLS = new Set(['bufferStalledError', 'bufferNudgeOnStall']);

/** DevTools throttling of every request the page makes; `undefined` lifts it. */
async function capBandwidth(cdp: CDPSession, bitsPerS: number | undefined): Promise<void> {
  const bytesPerS = bitsPerS === undefined ? -1 : bitsPerS / 8;
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: bytesPerS,
    uploadThroughput: bytesPerS,
  });
}

async function state(page: Page): Promise<PageState> {
  return page.evaluate(() => (globalThis as unknown as PageGlobals).vf);
}

describe('playback in headless Chromium (hls.js and dash.js)', () => {
  let stack: TestStack;
  let dir: string;
  let browser: Browser;
  let base: string;
  let title: TitleViewT;
  let videoRungs: number;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2 });
    // The browser needs a real socket, not inject.
    base = await stack.listen();
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-browser-'));
    const master = path.join(dir, 'master.mp4');
    await makeMaster(master, { width: 1280, height: 720, fps: 30, durationS: 30 });
    const id = await ingest(stack.api.app, master);
    title = await waitForFinal(stack.api.app, id);
    if (title.state !== 'ready') throw new Error(`title failed: ${JSON.stringify(title.error)}`);
    videoRungs = (title.renditions ?? []).filter((r) => r.kind === 'video').length;
    await mkdir(OUTPUT, { recursive: true });
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /**
   * Opens a player page on the high link, waits for a fragment of the top rung, caps the
   * link below the top rung's rate, waits for a fragment of a lower rung, lifts the cap and
   * plays fast until playback is past several segments.
   */
  async function play(kind: 'hls' | 'dash', src: string, config: object): Promise<{ end: PageState; cappedAt: number }> {
    expect(videoRungs).toBeGreaterThan(1);
    const rates = (title.renditions ?? []).filter((r) => r.kind === 'video').map((r) => r.peakBitrateKbps * 1000);
    const top = Math.max(...rates);
    const bottom = Math.min(...rates);
    // High enough for the top rung at once, low enough that loads take measurable time
    // (dash.js ignores samples under 10 ms as cache hits). The cap sits between the rungs.
    const high = top * 10;
    const cap = Math.sqrt(top * bottom);

    const page = await browser.newPage();
    try {
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Network.enable');
      await capBandwidth(cdp, high);
      await page.goto(`${base}/player/${kind}.html?src=${encodeURIComponent(src)}&config=${encodeURIComponent(JSON.stringify(config))}`);
      await page.waitForFunction(() => (globalThis as unknown as PageGlobals).vf.ready, undefined, { timeout: 60_000 });

      // Every rung of the title, no more, no fewer.
      const ready = await state(page);
      expect(ready.rungs).toHaveLength(videoRungs);
      const rateOf = new Map(ready.rungs.map((r) => [r.rung, r.bitrateBps]));
      const topRung = ready.rungs.reduce((a, b) => (b.bitrateBps > a.bitrateBps ? b : a)).rung;

      await page.waitForFunction((r) => (globalThis as unknown as PageGlobals).vf.loads.some((l) => l.rung === r), topRung, {
        timeout: 120_000,
        polling: 250,
      });
      const cappedAt = await page.evaluate(() => performance.now());
      await capBandwidth(cdp, cap);
      // A fragment of a rung the capped link can carry, loaded after the cap.
      await page.waitForFunction(
        ({ since, topRate, rates: list }) => {
          const rate = new Map(list);
          return (globalThis as unknown as PageGlobals).vf.loads.some((l) => l.at > since && (rate.get(l.rung) ?? Infinity) < topRate);
        },
        { since: cappedAt, topRate: rateOf.get(topRung) ?? 0, rates: [...rateOf] },
        { timeout: 240_000, polling: 250 },
      );
      const switched = await state(page);
      const afterCap = switched.loads.filter((l) => l.at > cappedAt).map((l) => rateOf.get(l.rung) ?? Infinity);
      expect(Math.min(...afterCap)).toBeLessThan(rateOf.get(topRung) ?? 0);

      // Lift the cap and play fast to past several segments.
      await capBandwidth(cdp, undefined);
      await page.evaluate(() => {
        const v = (globalThis as unknown as PageGlobals).document.querySelector('video');
        if (v !== null) v.playbackRate = 4;
      });
      await page.waitForFunction(
        (t) => ((globalThis as unknown as PageGlobals).document.querySelector('video')?.currentTime ?? 0) > t,
        3 * SEGMENT_S,
        { timeout: 240_000, polling: 250 },
      );
      await page.screenshot({ path: path.join(OUTPUT, `playback-${kind}.png`) });
      return { end: await state(page), cappedAt };
    } finally {
      await page.close();
    }
  }

  it('hls.js plays every rung of the CMAF HLS, moves down a rung when the bandwidth is capped, without errors', async () => {
    const { end, cappedAt } = await play('hls', title.hls ?? '', {
      // A short buffer keeps the player fetching while it plays, so the cap bites mid-title.
      maxBufferLength: SEGMENT_S,
      maxMaxBufferLength: 2 * SEGMENT_S,
      startLevel: videoRungs - 1,
    });
    const unexpected = end.errors.filter((e) => e.fatal || !(STALLS.has(e.detail) || (e.detail === 'aborted' && e.at >= cappedAt)));
    expect(unexpected).toEqual([]);
    expect(end.loads.length).toBeGreaterThanOrEqual(3);
  }, 600_000);

  it('dash.js plays every rung of the DASH MPD over the same segments, moves down a rung when capped, without errors', async () => {
    const { end } = await play('dash', title.dash ?? '', {
      streaming: {
        buffer: { bufferTimeDefault: SEGMENT_S, bufferTimeAtTopQuality: SEGMENT_S, bufferTimeAtTopQualityLongForm: SEGMENT_S },
        // In kbit/s: above the top rung, so playback starts on it.
        abr: { initialBitrate: { video: 1_000_000 } },
      },
    });
    expect(end.errors).toEqual([]);
    expect(end.loads.length).toBeGreaterThanOrEqual(3);
  }, 600_000);
});

import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../support/browser.ts';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { makeSyncMaster } from '../support/av-sync.ts';
import { ingest, waitForFinal } from '../support/api.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';

/** What the page keeps of each SourceBuffer the player creates (recorded by the init script below). */
interface Buffers {
  sourceBuffers: { mime: string; sb: { buffered: { length: number; start(i: number): number } } }[];
}

/**
 * Where a real player puts the first picture and the first sound: Chromium's MSE, fed by
 * hls.js and by dash.js from the API's player pages, buffers the video and the audio of a
 * title encoded with B-frames from the same instant, 0 (test/integration/av-sync.test.ts
 * measures the same media with ffmpeg). Before the edit lists were kept, the video buffered
 * from 0.0667 s and the audio from 0.
 */
describe('audio and picture start together in the players', () => {
  let stack: TestStack;
  let dir: string;
  let browser: Browser;
  let base: string;
  let title: TitleViewT;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, settings: { preset: 'veryfast' } });
    base = await stack.listen();
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-avsync-browser-'));
    const master = path.join(dir, 'master.mp4');
    await makeSyncMaster(master, { durationS: 8, fps: 30, eventsS: [1] });
    title = await waitForFinal(stack.api.app, await ingest(stack.api.app, master));
    if (title.state !== 'ready') throw new Error(`title failed: ${JSON.stringify(title.error)}`);
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it.each(['hls', 'dash'] as const)(
    '%s: video and audio SourceBuffers both start at 0',
    async (kind) => {
      const page = await browser.newPage();
      try {
        await page.addInitScript(() => {
          const g = globalThis as unknown as Buffers & {
            MediaSource: { prototype: { addSourceBuffer(this: unknown, mime: string): Buffers['sourceBuffers'][number]['sb'] } };
          };
          g.sourceBuffers = [];
          const add = g.MediaSource.prototype.addSourceBuffer;
          g.MediaSource.prototype.addSourceBuffer = function (this: unknown, mime: string) {
            const sb = add.call(this, mime);
            g.sourceBuffers.push({ mime, sb });
            return sb;
          };
        });
        const src = kind === 'hls' ? title.hls : title.dash;
        await page.goto(`${base}/player/${kind}.html?src=${encodeURIComponent(src ?? '')}&config=%7B%7D`);
        await page.waitForFunction(
          () => {
            const list = (globalThis as unknown as Buffers).sourceBuffers;
            return list.length >= 2 && list.every((s) => s.sb.buffered.length > 0);
          },
          undefined,
          { timeout: 120_000, polling: 100 },
        );
        const starts = await page.evaluate(() =>
          (globalThis as unknown as Buffers).sourceBuffers.map((s) => ({ mime: s.mime, startS: s.sb.buffered.start(0) })),
        );
        const video = starts.find((s) => s.mime.startsWith('video/'));
        const audio = starts.find((s) => s.mime.startsWith('audio/'));
        expect(video).toBeDefined();
        expect(audio).toBeDefined();
        expect(Math.abs(video?.startS ?? NaN)).toBeLessThan(0.001);
        expect(Math.abs(audio?.startS ?? NaN)).toBeLessThan(0.001);
      } finally {
        await page.close();
      }
    },
    180_000,
  );
});

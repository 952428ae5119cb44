import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { titleInChromium, type TitleInChromium } from '../support/browser.ts';
import { makeSyncMaster } from '../support/av-sync.ts';

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
  let played: TitleInChromium;

  beforeAll(async () => {
    played = await titleInChromium('vf-avsync-browser-', (master) => makeSyncMaster(master, { durationS: 8, fps: 30, eventsS: [1] }));
    if (played.title.state !== 'ready') throw new Error(`title failed: ${JSON.stringify(played.title.error)}`);
  }, 300_000);

  afterAll(async () => {
    await played?.close();
  });

  it.each(['hls', 'dash'] as const)(
    '%s: video and audio SourceBuffers both start at 0',
    async (kind) => {
      const { browser, base, title } = played;
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

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { titleInChromium, type TitleInChromium } from '../support/browser.ts';
import { countFrames, makeEarlyPictureEnd } from '../support/media.ts';
import { downloadTrack, parseMultivariant } from '../support/api.ts';
import { tempDir } from '../support/temp-dirs.ts';
import { runProbe } from '../../ffmpeg/run.ts';

/** What the player pages keep on `vf`, and the page's video element (orchestrator/routes/player.ts). */
interface PageGlobals {
  vf: { ready: boolean; errors: { detail: string; fatal: boolean }[] };
  document: { querySelector(selector: 'video'): { ended: boolean; muted: boolean; playbackRate: number; play(): Promise<void> } | null };
}

/**
 * A master whose picture stops at 5 s while its sound runs to 20 s (a logo, then music) is
 * published with its last picture held to the end. Published as it was, its picture ending at
 * 5 s, dash.js stalled at 7.9 s in Chromium and hls.js reported an append that made no
 * progress; held, both play it to its end without an error.
 */
describe('a picture that stops before its sound is held to the end', () => {
  let played: TitleInChromium;
  let dir: string;

  beforeAll(async () => {
    played = await titleInChromium('vf-held-', makeEarlyPictureEnd);
    dir = await tempDir('vf-held-tracks-');
  }, 300_000);

  afterAll(async () => {
    await played?.close();
  });

  it('is published with every rung 20 s long, the sound whole, and a warning saying why', async () => {
    const { stack, title } = played;
    expect(title.error).toBeUndefined();
    expect(title.state).toBe('ready');
    expect(title.warnings?.map((w) => w.code)).toContain('VF_PICTURE_HELD');
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${title.id}/master.m3u8` });
    const { variants, audio } = parseMultivariant(res.body);
    expect(variants.length).toBeGreaterThan(0);
    for (const v of new Set(variants.map((x) => x.uri))) {
      const track = await downloadTrack(stack.api.app, title.id, v, dir);
      // 5 s of picture and 15 s of its last frame, at 25 fps.
      expect(await countFrames(track.joinedFile)).toBe(500);
    }
    const sound = await downloadTrack(stack.api.app, title.id, audio?.URI ?? '', dir);
    const probed = await runProbe(['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', sound.joinedFile]);
    expect(Number(probed.stdout.trim())).toBeGreaterThan(19.9);
  }, 120_000);

  it.each(['hls', 'dash'] as const)(
    '%s.js plays it to its end without an error',
    async (kind) => {
      const { browser, base, title } = played;
      const page = await browser.newPage();
      try {
        const src = kind === 'hls' ? title.hls : title.dash;
        await page.goto(`${base}/player/${kind}.html?src=${encodeURIComponent(src ?? '')}&config=%7B%7D`);
        await page.waitForFunction(() => (globalThis as unknown as PageGlobals).vf.ready, undefined, { timeout: 60_000 });
        await page.evaluate(() => {
          const v = (globalThis as unknown as PageGlobals).document.querySelector('video');
          if (v === null) return;
          v.muted = true;
          v.playbackRate = 4;
          void v.play();
        });
        await page.waitForFunction(
          () => (globalThis as unknown as PageGlobals).document.querySelector('video')?.ended === true,
          undefined,
          {
            timeout: 120_000,
            polling: 250,
          },
        );
        expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).vf.errors)).toEqual([]);
      } finally {
        await page.close();
      }
    },
    180_000,
  );
});

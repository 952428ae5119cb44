import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import type Hls from 'hls.js';
import type { MediaPlayerClass, MediaPlayerEvents } from 'dashjs';
import { launchChromium } from '../support/browser.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { makeMultiTrackMaster, subtitleCues } from '../support/media.ts';
import { ingest, waitForFinal } from '../support/api.ts';
import { waitFor, waitUntil } from '../support/wait.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';

/**
 * A studio-shaped title (English and French audio, the French also in AC-3 5.1, English and
 * German subtitles) played in Debian's Chromium, headless, with hls.js and with dash.js from
 * the API's own player pages (issue #18, part 7). Each player must offer both audio languages
 * and both subtitle languages, switch to the French audio (its segments requested and the
 * player reporting the switch), and show a German cue on screen while the video is within that
 * cue's times as the master's subtitle file defines them. Nothing is timed: the cue is caught
 * by the text track's own `cuechange` event, every other wait polls for a state.
 */
const OUTPUT = path.resolve('test-output');
const DURATION_S = 12;
/**
 * The cue the players are played into: the first of the second WebVTT segment (segments are
 * 6 s, cut at the video's boundaries), so the timing of a segment after the first is checked.
 */
const CUE = subtitleCues('ger', DURATION_S)[3]!;
/** Where playback restarts: half a second before {@link CUE}, between two cues. */
const FROM_S = CUE.startS - 0.5;
/**
 * hls.js non-fatal reports accepted, as in playback.test.ts: a stall is the machine falling
 * behind, not a fault in the media. `aborted` is accepted only from the audio switch on: hls.js
 * abandons the English fragment in flight when the track changes, and reports that.
 */
const STALLS = new Set(['bufferStalledError', 'bufferNudgeOnStall']);

/** What the player pages keep on `window.vf` (orchestrator/routes/player.ts), as far as this test reads it. */
interface PageState {
  errors: { source: string; detail: string; fatal: boolean; at: number }[];
  ready: boolean;
}
/** A cue as the page saw it become active, and where the video was then. */
interface CaughtCue {
  text: string;
  startS: number;
  endS: number;
  atS: number;
}
interface Cue {
  readonly startTime: number;
  readonly endTime: number;
  readonly text: string;
}
interface TextTrack {
  readonly language: string;
  readonly mode: string;
  readonly cues: ArrayLike<Cue> | null;
  readonly activeCues: ArrayLike<Cue> | null;
  addEventListener(type: 'cuechange', listener: () => void): void;
}
interface Video {
  currentTime: number;
  readonly seeking: boolean;
  readonly paused: boolean;
  readonly textTracks: ArrayLike<TextTrack>;
  pause(): void;
  play(): Promise<void>;
}
/**
 * What the page functions below touch in the browser. The project compiles without the DOM
 * library, so the browser globals are typed here; the players are typed by their own packages.
 */
interface PageGlobals {
  vf: PageState;
  player: unknown;
  Hls: typeof Hls;
  dashjs: { MediaPlayer: { events: MediaPlayerEvents } };
  MediaSource: { isTypeSupported(type: string): boolean };
  document: { querySelector(selector: 'video'): Video | null };
  /** Set by this test: what the player reported after the audio switch, and the cue caught. */
  seen: { audioSwitches: string[]; audioLoads: string[] };
  caught: CaughtCue | undefined;
}

describe('audio languages and subtitles in headless Chromium (hls.js and dash.js)', () => {
  let stack: TestStack;
  let dir: string;
  let browser: Browser;
  let base: string;
  let title: TitleViewT;
  /** The French stereo rendition's directory: the one a browser without AC-3 must switch to. */
  let frenchStereoDir: string;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2 });
    // The browser needs a real socket, not inject.
    base = await stack.listen();
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-browser-tracks-'));
    const master = path.join(dir, 'master.mkv');
    await makeMultiTrackMaster(master, DURATION_S);
    const id = await ingest(stack.api.app, master);
    title = await waitForFinal(stack.api.app, id);
    if (title.state !== 'ready') throw new Error(`title failed: ${JSON.stringify(title.error)}`);
    const french = (title.renditions ?? []).find((r) => r.kind === 'audio' && r.language === 'fr' && r.channels === 2);
    if (french === undefined) throw new Error(`no French stereo rendition in ${JSON.stringify(title.renditions)}`);
    frenchStereoDir = french.id;
    await mkdir(OUTPUT, { recursive: true });
    browser = await launchChromium();
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** Whether a request is for a media segment of the rendition published in `dir`. */
  const isSegmentOf =
    (dir: string) =>
    (r: Request): boolean =>
      new RegExp(`/${dir}/seg_\\d+\\.m4s$`).test(new URL(r.url()).pathname);

  /** Opens a player page; resolves once the player is ready, with every URL the page has requested so far and will request. */
  async function open(page: Page, kind: 'hls' | 'dash', src: string): Promise<string[]> {
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${base}/player/${kind}.html?src=${encodeURIComponent(src)}`);
    await page.waitForFunction(() => (globalThis as unknown as PageGlobals).vf.ready, undefined, { timeout: 60_000 });
    return requested;
  }

  /**
   * Waits for the video to play before a track is switched, as a viewer's menu does: hls.js
   * 1.7.4 can wedge when the audio track changes while the first audio fragment is still
   * loading (the aborted English init segment's error cascades to the French fragment's load,
   * no audio SourceBuffer is ever created, and playback stays at 0 s without an error event).
   */
  async function untilPlaying(page: Page, kind: 'hls' | 'dash'): Promise<void> {
    await waitFor(`${kind}: playback to start`, () =>
      page.evaluate(() => ((globalThis as unknown as PageGlobals).document.querySelector('video')?.currentTime ?? 0) > 0),
    );
  }

  /** Whether this Chromium can play AC-3 from MSE: Debian's cannot, so the players must leave the 5.1 out. */
  const playsAc3 = (page: Page): Promise<boolean> =>
    page.evaluate(() => (globalThis as unknown as PageGlobals).MediaSource.isTypeSupported('audio/mp4; codecs="ac-3"'));

  /**
   * Restarts playback just before {@link CUE} and catches the first cue that becomes active on
   * the German track, pausing there so that what is on screen stays still for the screenshot.
   * Checks that only the German track shows, that the cue is the one the master places there,
   * and that the paused video is within that cue's times.
   */
  async function showGermanCue(page: Page, kind: 'hls' | 'dash'): Promise<void> {
    // Cues loaded before the seek, not just the track showing: dash.js 5.2 drops a sideloaded
    // WebVTT file that arrives after a seek began (the seek marks its text buffering complete,
    // NotFragmentedTextBufferController claiming a buffer at every time; its _onInitFragmentLoaded
    // then ignores the file), and the track stays empty for the rest of the title.
    await waitFor(`${kind}: the German subtitles to show, with cues`, () =>
      page.evaluate(() =>
        Array.from((globalThis as unknown as PageGlobals).document.querySelector('video')?.textTracks ?? []).some(
          (t) => t.language === 'de' && t.mode === 'showing' && (t.cues?.length ?? 0) > 0,
        ),
      ),
    );
    await page.evaluate((fromS) => {
      const g = globalThis as unknown as PageGlobals;
      const video = g.document.querySelector('video');
      const track = Array.from(video?.textTracks ?? []).find((t) => t.language === 'de' && t.mode === 'showing');
      if (video === null || track === undefined) throw new Error('no video, or no German track showing');
      g.caught = undefined;
      video.pause();
      video.currentTime = fromS;
      track.addEventListener('cuechange', () => {
        // While the seek is under way the active cues are those of where playback was.
        if (video.seeking || g.caught !== undefined) return;
        const cue = Array.from(track.activeCues ?? [])[0];
        if (cue === undefined) return;
        video.pause();
        g.caught = { text: cue.text, startS: cue.startTime, endS: cue.endTime, atS: video.currentTime };
      });
      video.play().catch((err) => g.vf.errors.push({ source: 'play', detail: String(err), fatal: true, at: performance.now() }));
    }, FROM_S);
    let last = 'nothing yet';
    const caught = await waitUntil(
      `${kind}: a German cue to become active after ${FROM_S} s`,
      async () => {
        const now = await page.evaluate(() => {
          const g = globalThis as unknown as PageGlobals;
          const video = g.document.querySelector('video');
          const tracks = Array.from(video?.textTracks ?? []).map((t) => `${t.language}:${t.mode}:${t.cues?.length ?? 0} cues`);
          return {
            caught: g.caught,
            video: `t=${video?.currentTime} seeking=${video?.seeking} paused=${video?.paused} ${tracks.join(' ')}`,
          };
        });
        last = now.video;
        return now.caught;
      },
      { seen: () => last },
    );
    const shown = await page.evaluate(() => {
      const video = (globalThis as unknown as PageGlobals).document.querySelector('video');
      const showing = Array.from(video?.textTracks ?? []).filter((t) => t.mode === 'showing');
      return {
        atS: video?.currentTime ?? NaN,
        paused: video?.paused,
        showing: showing.map((t) => t.language),
        active: showing.flatMap((t) => Array.from(t.activeCues ?? []).map((c) => c.text)),
      };
    });
    await page.screenshot({ path: path.join(OUTPUT, `tracks-${kind}.png`) });

    // The cue the master's SRT places next after FROM_S, at the master's times (to the millisecond of the WebVTT).
    expect(caught.text).toBe(CUE.text);
    expect(caught.startS).toBeCloseTo(CUE.startS, 3);
    expect(caught.endS).toBeCloseTo(CUE.endS, 3);
    expect(caught.atS).toBeGreaterThanOrEqual(CUE.startS);
    expect(caught.atS).toBeLessThanOrEqual(CUE.endS);
    // What the screenshot shows: the German track alone, the cue on it, the video within the cue's times.
    expect(shown.showing).toEqual(['de']);
    expect(shown.active).toEqual([CUE.text]);
    expect(shown.paused).toBe(true);
    expect(shown.atS).toBeGreaterThanOrEqual(CUE.startS);
    expect(shown.atS).toBeLessThanOrEqual(CUE.endS);
  }

  async function errors(page: Page): Promise<PageState['errors']> {
    return page.evaluate(() => (globalThis as unknown as PageGlobals).vf.errors);
  }

  it('hls.js offers en and fr audio and en and de subtitles, switches to French, shows a German cue at its time', async () => {
    const page = await browser.newPage();
    try {
      const requested = await open(page, 'hls', title.hls ?? '');
      const offered = await waitUntil('hls.js to list its audio and subtitle tracks', () =>
        page.evaluate(() => {
          const hls = (globalThis as unknown as PageGlobals).player as Hls;
          if (hls.audioTracks.length === 0 || hls.subtitleTracks.length === 0) return undefined;
          return {
            audio: hls.audioTracks.map((t) => ({ lang: t.lang, group: t.groupId, dir: new URL(t.url).pathname.split('/').at(-2) ?? '' })),
            subtitles: hls.subtitleTracks.map((t) => t.lang),
            levelGroups: hls.levels.map((l) => l.audioGroups ?? []),
          };
        }),
      );
      // hls.js lists the tracks of the audio group its variants name.
      expect(offered.audio.map((t) => t.lang)).toEqual(['en', 'fr']);
      const ac3 = await playsAc3(page);
      if (!ac3) {
        // The `ac3` variants declare a codec this browser cannot play: hls.js must drop them, and the `aac` group remains.
        expect(offered.levelGroups.flat()).toEqual(offered.levelGroups.map(() => 'aac'));
        expect(offered.audio.map((t) => t.group)).toEqual(['aac', 'aac']);
      }
      expect(offered.subtitles).toEqual(['en', 'de']);
      const french = offered.audio.findIndex((t) => t.lang === 'fr');
      // The French rendition of the group hls.js chose: without AC-3, the stereo one of `aac`.
      const frenchDir = offered.audio[french]?.dir ?? '';
      if (!ac3) expect(frenchDir).toBe(frenchStereoDir);

      // French audio: nothing of it was fetched before the switch; a segment of it is after.
      await untilPlaying(page, 'hls');
      expect(requested.filter((u) => u.includes(`/${frenchDir}/`))).toEqual([]);
      const frenchSegment = page.waitForRequest(isSegmentOf(frenchDir), { timeout: 120_000 });
      const switchedAt = await page.evaluate((index) => {
        const g = globalThis as unknown as PageGlobals;
        const hls = g.player as Hls;
        g.seen = { audioSwitches: [], audioLoads: [] };
        hls.on(g.Hls.Events.AUDIO_TRACK_SWITCHED, (_e, d) => g.seen.audioSwitches.push(d.lang ?? '?'));
        hls.on(g.Hls.Events.FRAG_BUFFERED, (_e, d) => {
          if (d.frag.type === 'audio') g.seen.audioLoads.push(d.frag.url);
        });
        hls.audioTrack = index;
        return performance.now();
      }, french);
      await frenchSegment;
      const switched = await waitUntil('hls.js to report the switch to French and buffer a French fragment', () =>
        page.evaluate((dir) => {
          const g = globalThis as unknown as PageGlobals;
          const hls = g.player as Hls;
          const buffered = g.seen.audioLoads.some((u) => u.includes(`/${dir}/`));
          return g.seen.audioSwitches.includes('fr') && buffered
            ? { ...g.seen, current: hls.audioTracks[hls.audioTrack]?.lang }
            : undefined;
        }, frenchDir),
      );
      expect(switched.audioSwitches.at(-1)).toBe('fr');
      expect(switched.current).toBe('fr');

      await page.evaluate((index) => {
        const hls = (globalThis as unknown as PageGlobals).player as Hls;
        hls.subtitleDisplay = true;
        hls.subtitleTrack = index;
      }, offered.subtitles.indexOf('de'));
      await showGermanCue(page, 'hls');

      const unexpected = (await errors(page)).filter(
        (e) => e.fatal || !(STALLS.has(e.detail) || (e.detail === 'aborted' && e.at >= switchedAt)),
      );
      expect(unexpected).toEqual([]);
    } finally {
      await page.close();
    }
  }, 300_000);

  it('dash.js offers en and fr audio and en and de subtitles, switches to French, shows a German cue at its time', async () => {
    const page = await browser.newPage();
    try {
      const requested = await open(page, 'dash', title.dash ?? '');
      const offered = await waitUntil('dash.js to list its audio and text tracks', () =>
        page.evaluate(() => {
          const player = (globalThis as unknown as PageGlobals).player as MediaPlayerClass;
          const audio = player.getTracksFor('audio');
          const text = player.getTracksFor('text');
          if (audio.length === 0 || text.length === 0) return undefined;
          return {
            audio: audio.map((t) => ({ lang: t.lang, codec: t.codec })),
            // setTextTrack takes a position in manifest order, which MediaInfo.index keeps.
            text: [...text].sort((a, b) => (a.index ?? 0) - (b.index ?? 0)).map((t) => t.lang),
          };
        }),
      );
      expect([...new Set(offered.audio.map((t) => t.lang))].sort()).toEqual(['en', 'fr']);
      if (!(await playsAc3(page))) {
        // dash.js filters what the browser cannot play: the 5.1 goes, both stereo renditions stay.
        expect(offered.audio.map((t) => [t.lang, t.codec])).toEqual([
          ['en', 'audio/mp4;codecs="mp4a.40.2"'],
          ['fr', 'audio/mp4;codecs="mp4a.40.2"'],
        ]);
      }
      expect(offered.text).toEqual(['en', 'de']);

      await untilPlaying(page, 'dash');
      expect(requested.filter((u) => u.includes(`/${frenchStereoDir}/`))).toEqual([]);
      const frenchSegment = page.waitForRequest(isSegmentOf(frenchStereoDir), { timeout: 120_000 });
      await page.evaluate(() => {
        const g = globalThis as unknown as PageGlobals;
        const player = g.player as MediaPlayerClass;
        const E = g.dashjs.MediaPlayer.events;
        g.seen = { audioSwitches: [], audioLoads: [] };
        // Rendered: playback has reached the first fragment of the new track. dash.js also reports
        // the first fragment of the initial track this way, which may come after playback starts.
        player.on(E.TRACK_CHANGE_RENDERED, (e) => {
          if (e.mediaType === 'audio') g.seen.audioSwitches.push(e.newMediaInfo.lang ?? '?');
        });
        player.on(E.FRAGMENT_LOADING_COMPLETED, (e) => {
          if (e.request.mediaType === 'audio') g.seen.audioLoads.push(e.request.url ?? '');
        });
        const french = player.getTracksFor('audio').find((t) => t.lang === 'fr' && !t.codec?.includes('ac-3'));
        if (french === undefined) throw new Error('no French stereo track');
        player.setCurrentTrack(french);
      });
      await frenchSegment;
      const switched = await waitUntil('dash.js to render the French track and load a French fragment', () =>
        page.evaluate((dir) => {
          const g = globalThis as unknown as PageGlobals;
          const player = g.player as MediaPlayerClass;
          const loaded = g.seen.audioLoads.some((u) => u.includes(`/${dir}/`));
          return g.seen.audioSwitches.includes('fr') && loaded
            ? { ...g.seen, current: player.getCurrentTrackFor('audio')?.lang }
            : undefined;
        }, frenchStereoDir),
      );
      expect(switched.audioSwitches.at(-1)).toBe('fr');
      expect(switched.current).toBe('fr');

      await page.evaluate((index) => {
        const player = (globalThis as unknown as PageGlobals).player as MediaPlayerClass;
        player.enableText(true);
        player.setTextTrack(index);
      }, offered.text.indexOf('de'));
      await showGermanCue(page, 'dash');

      expect(await errors(page)).toEqual([]);
    } finally {
      await page.close();
    }
  }, 300_000);
});

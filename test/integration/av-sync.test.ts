import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { beepOnsetsS, flashOnsetsS, makeSyncMaster } from '../support/av-sync.ts';
import { downloadTrack, ingest, waitForFinal } from '../support/api.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';

const FPS = 30;
/** One flash and beep in the first chunk, one in the last (the stack's chunks are 2 segments of 6 s). */
const EVENTS_S = [1, 14];

/**
 * Lip sync through the whole pipeline with x264's B-frames (whose decode order starts two
 * frames before the first picture): each flash of the published video and each beep of the
 * published audio begin together, at the master's times, in every rung, across chunk
 * boundaries. The published video once presented its first frame 66 ms late (its decode
 * delay), and the players buffered it so: sound ran two frames ahead of the picture.
 */
describe('audio and picture in sync', () => {
  let stack: TestStack;
  let dir: string;
  let master: string;
  let title: TitleViewT;

  beforeAll(async () => {
    stack = await startTestStack({ storage: 'local', workers: 2, settings: { preset: 'veryfast' } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-avsync-'));
    master = path.join(dir, 'master.mp4');
    await makeSyncMaster(master, { durationS: 18, fps: FPS, eventsS: EVENTS_S });
    title = await waitForFinal(stack.api.app, await ingest(stack.api.app, master));
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('reads the master in sync with the same instruments', async () => {
    const flashes = await flashOnsetsS(master);
    const beeps = await beepOnsetsS(master);
    expect(flashes).toHaveLength(EVENTS_S.length);
    expect(beeps).toHaveLength(EVENTS_S.length);
    for (const [i, t] of EVENTS_S.entries()) {
      expect(Math.abs((flashes[i] ?? NaN) - t)).toBeLessThan(0.5 / FPS);
      expect(Math.abs((beeps[i] ?? NaN) - t)).toBeLessThan(0.01);
    }
  });

  it('flashes every video rung at the master times, and beeps the audio with it', async () => {
    expect(title.state).toBe('ready');
    const audio = await downloadTrack(stack.api.app, title.id, 'a0/playlist.m3u8', dir);
    const beeps = await beepOnsetsS(audio.joinedFile);
    expect(beeps).toHaveLength(EVENTS_S.length);
    const rungs = (title.renditions ?? []).filter((r) => r.kind === 'video');
    expect(rungs.length).toBeGreaterThan(1);
    for (const r of rungs) {
      const video = await downloadTrack(stack.api.app, title.id, `${r.id}/playlist.m3u8`, dir);
      const flashes = await flashOnsetsS(video.joinedFile);
      expect(flashes).toHaveLength(EVENTS_S.length);
      for (const [i, t] of EVENTS_S.entries()) {
        // Within half a frame of the master's time, and of the beep: no frame of drift.
        expect(Math.abs((flashes[i] ?? NaN) - t)).toBeLessThan(0.5 / FPS);
        expect(Math.abs((flashes[i] ?? NaN) - (beeps[i] ?? NaN))).toBeLessThan(0.5 / FPS);
      }
    }
  }, 120_000);
});

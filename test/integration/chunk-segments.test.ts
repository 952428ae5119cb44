import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestStack, type TestStack } from '../support/stack.ts';
import { countFrames, frames } from '../support/media.ts';
import { downloadTrack, ingest, parseMultivariant, waitForFinal } from '../support/api.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import type { TitleViewT } from '../../orchestrator/schemas.ts';

/** 29.97 fps: no chunk starts on a whole second, and each segment lasts 6.006 s. */
const FRAME_S = 1001 / 30000;
const VIDEO_S = 23.9;

/**
 * Each chunk cuts its own segments, at the title's names and times: read back by ffprobe, every
 * published rung is one unbroken timeline (every frame of the master, one frame duration apart,
 * across the chunks' joins), every segment starts on a keyframe at the time its playlist
 * says, and a master whose sound outlasts its picture into one more chunk loses nothing.
 */
describe('segments cut by the chunks that encoded them', () => {
  let stack: TestStack;
  let dir: string;
  let title: TitleViewT;
  let masterFrames: number;

  beforeAll(async () => {
    // One 6 s segment per chunk on x264's B-frames: four chunks of 29.97 fps video, the sound
    // running on 0.6 s past the picture into a fifth chunk, which holds no frame.
    stack = await startTestStack({ storage: 'local', workers: 2, settings: { preset: 'veryfast', chunkSegments: 1 } });
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-chunk-segments-'));
    const master = path.join(dir, 'master.mp4');
    await runFfmpeg([
      ...['-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30000/1001:duration=${VIDEO_S}`],
      ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${VIDEO_S + 0.6}`],
      ...['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', master],
    ]);
    masterFrames = await countFrames(master);
    title = await waitForFinal(stack.api.app, await ingest(stack.api.app, master));
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('publishes every frame of every rung on one timeline, each segment led by a keyframe at its playlist time', async () => {
    expect(title.state, JSON.stringify(title.error)).toBe('ready');
    const res = await stack.api.app.inject({ method: 'GET', url: `/v1/titles/${title.id}/master.m3u8` });
    const variants = parseMultivariant(res.body).variants;
    expect(variants.length).toBeGreaterThan(1);
    for (const v of variants) {
      const track = await downloadTrack(stack.api.app, title.id, v.uri, path.join(dir, v.uri.replace('/', '-')));
      expect(track.segments.map((s) => s.name)).toEqual(['seg_00000.m4s', 'seg_00001.m4s', 'seg_00002.m4s', 'seg_00003.m4s']);
      const all = await frames(track.joinedFile);
      expect(all).toHaveLength(masterFrames);
      for (const [k, f] of all.entries()) expect(Math.abs(f.ptsS - k * FRAME_S), `${v.uri} frame ${k}`).toBeLessThan(1e-4);
      let startS = 0;
      for (const s of track.segments) {
        const first = (await frames(s.file))[0];
        expect(first?.key, `${v.uri} ${s.name}`).toBe(true);
        expect(Math.abs((first?.ptsS ?? NaN) - startS), `${v.uri} ${s.name}`).toBeLessThan(1e-3);
        startS += s.durationS;
      }
    }
  }, 120_000);
});

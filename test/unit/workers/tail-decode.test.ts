/**
 * The probe's tail read (is the master really as long as its header says?) decodes reference
 * frames only: on real ffmpeg, that skips the non-reference B-frames and still sees the
 * video reach its end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../../ffmpeg/run.ts';
import { decodeFramesAt } from '../../../workers/measure/keyframes.ts';
import { reachesEnd } from '../../../workers/measure/master-end.ts';

describe('the tail read', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-tail-'));
    file = path.join(dir, 'bframes.mp4');
    // 20 s with keyframes 10 s apart (x264's default GOP at 25 fps) and three B-frames between
    // references, the middle one a reference too (b-pyramid): half the frames are unreferenced.
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=size=320x240:rate=25:duration=20',
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-x264-params',
      'keyint=250:bframes=3:b-adapt=0:b-pyramid=normal',
      '-pix_fmt',
      'yuv420p',
      file,
    ]);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('skips the unreferenced frames and still reaches the last frame but the B-frames after it', async () => {
    // A seek 2 s before the end lands on the keyframe at 10 s: the GOP before the tail is decoded.
    const every = await decodeFramesAt(file, '18.000000%', undefined, false);
    const references = await decodeFramesAt(file, '18.000000%', undefined, true);
    expect(every.frames).toBe(250);
    expect(references.frames).toBeLessThanOrEqual(every.frames * 0.6);
    expect(references.frames).toBeGreaterThan(0);
    expect(reachesEnd(references.timesS, 20)).toBe(true);
    // The last reference is within one mini-GOP (four frames) of the last frame.
    expect(Math.max(...every.timesS) - Math.max(...references.timesS)).toBeLessThanOrEqual(4 / 25 + 1e-6);
  });
});

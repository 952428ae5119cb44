import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { artworkVideoOf } from '../../stills/extract.ts';
import { extractStills } from '../../stills/stills.ts';

/**
 * Stills are re-extracted by seeking straight to the frame: the pixels must be those of that
 * frame, also in a transport stream, whose timestamps start well after 0.
 */
describe.each([
  { container: 'mp4', ext: 'mp4' },
  { container: 'MPEG-TS', ext: 'ts' },
])('artwork stills from a $container master', ({ ext }) => {
  let dir: string;
  let master: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-stills-'));
    master = path.join(dir, `master.${ext}`);
    // 6 s at 25 fps, a keyframe every second, and B-frames: the wanted frames sit between keyframes.
    await runFfmpeg([
      '-f',
      'lavfi',
      '-i',
      'testsrc2=s=320x180:r=25:d=6',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-tune',
      'zerolatency',
      '-bf',
      '0',
      '-g',
      '25',
      '-pix_fmt',
      'yuv420p',
      master,
    ]);
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives, for each time, exactly the frame a full decode shows there', async () => {
    const probe = await probeMaster(master);
    const video = artworkVideoOf(probe);
    if (ext === 'ts') expect(probe.video.startTimeS).toBeGreaterThan(1);
    const frames = [30, 80, 137];
    const { loaders, finished } = extractStills(
      master,
      video,
      frames.map((n) => n / 25),
      dir,
    );
    for (const [i, n] of frames.entries()) {
      const still = await loaders[i]!();
      const reference = path.join(dir, `ref-${n}.rgb`);
      await runFfmpeg([
        '-i',
        master,
        '-vf',
        `select=eq(n\\,${n})`,
        '-frames:v',
        '1',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
        '-y',
        reference,
      ]);
      const expected = await readFile(reference);
      expect(still.data.length).toBe(expected.length);
      expect(Buffer.from(still.data.buffer, still.data.byteOffset, still.data.byteLength).equals(expected)).toBe(true);
    }
    await finished;
  }, 60_000);
});

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artworkVideoOf, extractCandidates, type ExtractedCandidates } from '../../workers/artwork/extract.ts';
import { planArtworkSampling } from '../../workers/ffmpeg/artwork-plan.ts';
import { probeMaster } from '../../workers/ffmpeg/probe.ts';
import { runFfmpeg } from '../../workers/ffmpeg/run.ts';
import { ARTWORK_MASTER_DURATION_S, makeArtworkMaster } from '../support/artwork-media.ts';

/**
 * The candidate pass decoded in stretches (in parallel) finds the same frames, cuts and shots as
 * one decode of the whole master. The 14 s master cut in four starts stretches at 3.5 s and
 * 10.5 s, on two of its cuts, and at 7 s, inside a regular burst (6.75, 7, 7.25 s) and just
 * before a cut (7.5 s): the cases where a stretch's edge could lose or double a frame or a cut.
 * In MPEG-TS, whose seeks land on the keyframe after the target, every later stretch first
 * lands past its start, which the pass sees and decodes again from earlier.
 */
describe.each([
  { container: 'mp4', ext: 'mp4' },
  { container: 'MPEG-TS', ext: 'ts' },
])('artwork candidates in stretches, $container master', ({ ext }) => {
  let dir: string;
  let master: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'vf-artwork-segments-'));
    const mp4 = path.join(dir, 'master.mp4');
    await makeArtworkMaster(mp4);
    master = path.join(dir, `master.${ext}`);
    if (ext !== 'mp4') await runFfmpeg(['-i', mp4, '-c', 'copy', master]);
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const summary = (x: ExtractedCandidates): unknown => ({
    frames: x.analysed.map((a) => ({ atS: a.atS.toFixed(3), scene: a.sceneIndex, luma: 'undecodable' in a.analysis ? null : a.analysis.metrics.meanLuma.toFixed(3) })),
    cuts: x.cutsS.map((c) => c.toFixed(3)),
  });

  it('gives the frames, cuts and shots of one whole decode', async () => {
    const video = artworkVideoOf(await probeMaster(master));
    if (ext === 'ts') expect(video.startTimeS).toBeGreaterThan(1);
    expect(video.durationS).toBeCloseTo(ARTWORK_MASTER_DURATION_S, 0);
    const run = async (name: string, options: { maxSegments: number; minSegmentS: number }): Promise<ExtractedCandidates> => {
      const scratch = path.join(dir, `${name}-${ext}`);
      await mkdir(scratch);
      const plan = planArtworkSampling(video, options);
      expect(plan.segmentStartsS).toHaveLength(options.maxSegments);
      return extractCandidates(master, video, plan, scratch, { concurrency: 2 });
    };
    const whole = await run('whole', { maxSegments: 1, minSegmentS: 30 });
    const stretches = await run('stretches', { maxSegments: 4, minSegmentS: 3 });
    expect(whole.warnings).toEqual([]);
    expect(stretches.warnings).toEqual([]);
    // Sanity: the master's five cuts are found, and frames come from every stretch.
    expect(whole.cutsS.length).toBeGreaterThanOrEqual(5);
    for (const [from, to] of [[0, 3.5], [3.5, 7], [7, 10.5], [10.5, 14]] as const) {
      expect(stretches.analysed.some((a) => a.atS >= from && a.atS < to), `a frame in ${from}-${to} s`).toBe(true);
    }
    expect(summary(stretches)).toEqual(summary(whole));
  }, 120_000);
});

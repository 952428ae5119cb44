import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artworkVideoOf, extractCandidates, type ExtractedCandidates } from '../../stills/extract.ts';
import { extractStills } from '../../stills/stills.ts';
import { framesWithNeighboursBothSides } from '../../stills/bursts.ts';
import { planArtworkSampling } from '../../ffmpeg/artwork-plan.ts';
import { probeMaster } from '../../ffmpeg/probe.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
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
    frames: x.analysed.map((a) => ({
      atS: a.atS.toFixed(3),
      scene: a.sceneIndex,
      luma: 'undecodable' in a.analysis ? null : a.analysis.metrics.meanLuma.toFixed(3),
    })),
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
    for (const [from, to] of [
      [0, 3.5],
      [3.5, 7],
      [7, 10.5],
      [10.5, 14],
    ] as const) {
      expect(
        stretches.analysed.some((a) => a.atS >= from && a.atS < to),
        `a frame in ${from}-${to} s`,
      ).toBe(true);
    }
    expect(summary(stretches)).toEqual(summary(whole));
  }, 120_000);

  it('captures every frame the shortlist may choose at display size, with the pixels a second decode gives', async () => {
    const video = artworkVideoOf(await probeMaster(master));
    const frameBytes = 640 * 360 * 3;
    const run = async (name: string, maxSegments: number, captureBudgetBytes?: number): Promise<ExtractedCandidates> => {
      const scratch = path.join(dir, `${name}-${ext}`);
      await mkdir(scratch);
      const plan = planArtworkSampling(video, { maxSegments, minSegmentS: 3 });
      return extractCandidates(master, video, plan, scratch, {
        concurrency: 2,
        neighbourWindowS: 1,
        ...(captureBudgetBytes === undefined ? {} : { captureBudgetBytes }),
      });
    };
    const offered = (x: ExtractedCandidates): number[] => [...framesWithNeighboursBothSides(x.analysed, 1)].map((i) => x.analysed[i]!.atS);
    const whole = await run('capture-whole', 1);
    expect(offered(whole).length).toBeGreaterThan(4);
    // Every frame that may be chosen, and not every kept frame (the first of a burst never is).
    for (const t of offered(whole))
      expect(
        whole.captured.map((c) => c.atS),
        `${t} s captured`,
      ).toContainEqual(t);
    expect(whole.captured.length).toBeLessThan(whole.analysed.length);
    for (const c of whole.captured) expect(whole.analysed.map((a) => a.atS)).toContainEqual(c.atS);
    // In stretches, a frame whose neighbour another stretch's cut burst keeps can be missed (its
    // still is then decoded again); every other one is captured.
    const captured = await run('capture', 4);
    const edgesS = planArtworkSampling(video, { maxSegments: 4, minSegmentS: 3 }).segmentStartsS.slice(1);
    const inside = offered(captured).filter((t) => edgesS.every((e) => Math.abs(t - e) > 1.5));
    expect(inside.length).toBeGreaterThan(2);
    for (const t of inside)
      expect(
        captured.captured.map((c) => c.atS),
        `${t} s captured`,
      ).toContainEqual(t);
    const offeredS = offered(captured).filter((t) => captured.captured.some((c) => c.atS === t));

    // The analysis does not depend on which output a frame took.
    const none = await run('no-capture', 4, 0);
    expect(none.captured).toEqual([]);
    expect(summary(captured)).toEqual(summary(none));

    // A captured frame is the frame a still's own decode gives, byte for byte, in every stretch;
    // with a frame that was not captured among them, only that one is decoded.
    const picks = [
      ...new Set([0.25, 0.5, 0.75, 1].map((q) => offeredS[Math.min(offeredS.length - 1, Math.floor(q * (offeredS.length - 1)))]!)),
    ];
    expect(picks.length).toBeGreaterThanOrEqual(3);
    const notCaptured = captured.analysed.find((a) => !captured.captured.some((c) => c.atS === a.atS))!.atS;
    const times = [...picks, notCaptured];
    const scratch = async (name: string): Promise<string> => {
      const d = path.join(dir, `${name}-${ext}`);
      await mkdir(d);
      return d;
    };
    const fromCaptureDir = await scratch('stills-captured');
    const fromCapture = extractStills(master, video, times, fromCaptureDir, { captured: captured.captured });
    const decoded = extractStills(master, video, times, await scratch('stills-decoded'));
    for (const [i, t] of times.entries()) {
      const a = await fromCapture.loaders[i]!();
      const b = await decoded.loaders[i]!();
      expect(a.data.length).toBe(frameBytes);
      expect(Buffer.compare(a.data, b.data), `still at ${t} s`).toBe(0);
    }
    await Promise.all([fromCapture.finished, decoded.finished]);
    expect(await readdir(fromCaptureDir)).toEqual([`still-${Math.round(notCaptured * 1000)}.rgb`]);

    // The budget bounds each stretch's share: room for one frame per stretch captures at most four.
    const tight = await run('tight', 4, 4 * frameBytes + 1);
    expect(tight.captured.length).toBeGreaterThanOrEqual(1);
    expect(tight.captured.length).toBeLessThanOrEqual(4);
  }, 120_000);
});

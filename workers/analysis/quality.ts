import { buildMeasureQualityArgs } from '../ffmpeg/analysis-args.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseQualityStats, type QualitySummary } from './parse.ts';
import type { ActiveArea } from '../ffmpeg/probe.ts';

/**
 * Frames compared with the master: one in this many, for the samples and for the packaged
 * rungs alike, so predicted and measured quality are read the same way. Neighbouring frames
 * score alike; scaling back to the source size plus SSIM on every frame cost half as much as
 * the sample encodes themselves, and the rungs' measurement sits on the title's critical path.
 */
export const QUALITY_FRAME_STEP = 3;

export interface QualityWindow {
  /** Where the window starts in the distorted file and in the reference, in seconds. */
  readonly distortedStartS: number;
  readonly referenceStartS: number;
  readonly durationS: number;
}

/** What of the reference is compared: its active picture. */
export interface ReferencePicture {
  /** Coded size of the active picture, in pixels: encodes are scaled back to it. */
  readonly width: number;
  readonly height: number;
  /** Where that picture sits in the reference's frame when the master has black bars; absent, the whole frame is compared. */
  readonly crop?: ActiveArea;
}

/**
 * PSNR-Y and SSIM of each of `distorted` against `reference` over one window, at the size
 * of the reference's active picture, in one ffmpeg run. `scratchDir` holds the per-frame
 * stats files.
 */
export async function measureQuality(
  distorted: readonly string[],
  reference: string,
  referenceSize: ReferencePicture,
  w: QualityWindow,
  scratchDir: string,
  signal?: AbortSignal,
  frameStep = 1,
): Promise<QualitySummary[]> {
  const statsFiles = distorted.map((_, i) => ({ psnr: path.join(scratchDir, `q${i}.psnr`), ssim: path.join(scratchDir, `q${i}.ssim`) }));
  await runFfmpeg(
    buildMeasureQualityArgs({
      kind: 'measure-quality', distorted, distortedStartS: w.distortedStartS, reference, referenceStartS: w.referenceStartS, durationS: w.durationS,
      referenceSize: { width: referenceSize.width, height: referenceSize.height },
      ...(referenceSize.crop === undefined ? {} : { referenceCrop: referenceSize.crop }), statsFiles, frameStep,
    }),
    signal === undefined ? {} : { signal },
  );
  return Promise.all(
    statsFiles.map(async (f) => {
      const q = parseQualityStats(await readFile(f.psnr, 'utf8'), await readFile(f.ssim, 'utf8'));
      await Promise.all([rm(f.psnr, { force: true }), rm(f.ssim, { force: true })]);
      return q;
    }),
  );
}

/** Duration-weighted mean over windows (PSNR averaged in dB, as the per-window figures are). */
export function meanQuality(results: readonly { q: QualitySummary; weight: number }[]): QualitySummary {
  const w = results.reduce((s, r) => s + r.weight, 0);
  if (!(w > 0)) throw new Error('no quality measurements to average');
  return {
    psnrY: results.reduce((s, r) => s + r.q.psnrY * r.weight, 0) / w,
    ssim: results.reduce((s, r) => s + r.q.ssim * r.weight, 0) / w,
  };
}

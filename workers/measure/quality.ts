import { buildMeasureQualityArgs, type DistortedInput } from '../../ffmpeg/quality-args.ts';
import { runFfmpeg } from '../../ffmpeg/run.ts';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { countListedFrames, parseQualityFrames, summariseFrames, type QualityFrames, type QualitySummary } from './parse.ts';
import type { ActiveArea } from '../../ffmpeg/probe.ts';
import type { FrameRange, FrameTimeline, ReadStart } from '../../ffmpeg/source-frames.ts';
import { AlignmentCheckError, FrameCountMismatchError } from './errors.ts';
import { pickedFrames } from '../../ffmpeg/frame-pick.ts';

/**
 * Frames of a sample window compared with the master: a share of one in this many, picked
 * without a period (`frame-pick.ts`). Neighbouring frames
 * score alike; scaling back to the source size plus SSIM on every frame cost half as much as
 * the sample encodes themselves, on the title's critical path. The published rungs are compared
 * on more, off that path (`rungFrameStep` in measure-rungs.ts): over a whole short title one
 * frame in three read up to 0.91 dB off.
 */
export const QUALITY_FRAME_STEP = 3;

/** What of the reference is compared: its active picture. */
export interface ReferencePicture {
  /** Coded size of the active picture, in pixels: encodes are scaled back to it. */
  readonly width: number;
  readonly height: number;
  /** Where that picture sits in the reference's frame when the master has black bars; absent, the whole frame is compared. */
  readonly crop?: ActiveArea;
}

/** One window of the master and the encodes compared with it, frame by frame. */
export interface QualityComparison {
  readonly reference: { readonly input: string; readonly timeline: FrameTimeline; readonly frames: Required<FrameRange> & ReadStart };
  readonly picture: ReferencePicture;
  readonly distorted: readonly DistortedInput[];
  /** Compare a share of one frame in this many (`frame-pick.ts`). @defaultValue 1 */
  readonly frameStep?: number;
}

/** Lower bounds of the alignment self-check: a lossless copy of the master's window measured against it. */
export const SELF_CHECK_MIN = { psnrY: 60, ssim: 0.999 } as const;

/**
 * PSNR-Y and SSIM of each distorted input against the reference window, at the size of the
 * reference's active picture, in one ffmpeg run, frames paired by index. A distorted input
 * with another number of frames than the reference raises {@link FrameCountMismatchError}
 * instead of a figure. `scratchDir` holds the per-frame stats files.
 */
export async function measureQuality(cmp: QualityComparison, scratchDir: string, signal?: AbortSignal): Promise<QualitySummary[]> {
  const frames = await measureQualityFrames(cmp, scratchDir, signal);
  return frames.map((f) => {
    const q = summariseFrames(f);
    if (q === undefined) throw new Error('no frames compared');
    return { psnrY: q.psnrY, ssim: q.ssim };
  });
}

/**
 * {@link measureQuality}'s per-frame figures, one set per distorted input: entry `k` is the
 * window's `k`th picked frame (`pickedFrames`).
 */
export async function measureQualityFrames(cmp: QualityComparison, scratchDir: string, signal?: AbortSignal): Promise<QualityFrames[]> {
  const statsFiles = cmp.distorted.map((_, i) => ({
    psnr: path.join(scratchDir, `q${i}.psnr`),
    ssim: path.join(scratchDir, `q${i}.ssim`),
    frames: path.join(scratchDir, `q${i}.frames`),
  }));
  const referenceFramesFile = path.join(scratchDir, 'ref.frames');
  const frameStep = cmp.frameStep ?? 1;
  const { crop } = cmp.picture;
  await runFfmpeg(
    buildMeasureQualityArgs({
      kind: 'measure-quality',
      distorted: cmp.distorted,
      reference: cmp.reference,
      referenceSize: { width: cmp.picture.width, height: cmp.picture.height },
      ...(crop === undefined ? {} : { referenceCrop: crop }),
      statsFiles,
      referenceFramesFile,
      frameStep,
    }),
    signal === undefined ? {} : { signal },
  );
  const referenceFrames = countListedFrames(await readFile(referenceFramesFile, 'utf8'));
  const results = await Promise.all(
    statsFiles.map(async (f, i) => {
      const [psnr, ssim, frames] = await Promise.all([readFile(f.psnr, 'utf8'), readFile(f.ssim, 'utf8'), readFile(f.frames, 'utf8')]);
      await Promise.all([rm(f.psnr, { force: true }), rm(f.ssim, { force: true }), rm(f.frames, { force: true })]);
      return { q: parseQualityFrames(psnr, ssim), distortedFrames: countListedFrames(frames), input: cmp.distorted[i]?.input ?? '' };
    }),
  );
  await rm(referenceFramesFile, { force: true });
  const paired = pickedFrames(referenceFrames, frameStep).length;
  for (const r of results) {
    if (referenceFrames === 0 || r.distortedFrames !== referenceFrames || r.q.mseY.length !== paired) {
      throw new FrameCountMismatchError(cmp.reference.frames, referenceFrames, r.distortedFrames, inputName(r.input));
    }
  }
  return results.map((r) => r.q);
}

/** A distorted input's file name, without a presigned URL's query. */
const inputName = (input: string): string => path.basename(input.split('?')[0] ?? input);

/** Throws {@link AlignmentCheckError} unless `q`, a lossless copy measured against its own source, is identical to it. */
export function assertAligned(q: QualitySummary, window: Required<FrameRange>): void {
  if (!(q.psnrY > SELF_CHECK_MIN.psnrY && q.ssim > SELF_CHECK_MIN.ssim)) throw new AlignmentCheckError(window, q.psnrY, q.ssim);
}
